/**
 * What applying a unit of usage writes to the usage table, as data: one update per item, each a
 * set of identity attributes (SET, idempotent) and counters (ADD). The adapter adds the feed's
 * applied-through mark and its condition (runtime/meter/dynamo-usage-log.ts); nothing here knows
 * DynamoDB's API, and the item layout lives in one place.
 *
 * Layout (table `usage`, pk/sk): usage lines under the client, sk `U#<month>#<feature>#<price>#<authors>`
 * (with `month` and `line`, the byMonth index's keys); rejection counters sk `R#<month>#<code>`
 * (with `rejectedMonth`); a client's calls per day and feature sk `D#<day>#<feature>`; a
 * feature's per-day figures under pk `F#<feature>` (no client id can start with `F#`: client ids
 * are lowercase), sk `D#<day>`, latency histogram buckets as `h<i>`; the calls of each month under
 * pk `~months`, sk `T#<month>`.
 */
import { clientDays, featureDays, type ClientDay, type FeatureDay } from './day-stats.ts';
import { monthOf } from './month.ts';
import { priceKey } from './price.ts';
import { aggregateRecords, authorsKey, COUNTER_NAMES, lineKey, type RejectionCount, type UsageAggregate, type UsageRecord } from './usage.ts';

export interface ItemUpdate {
  pk: string;
  sk: string;
  set: Record<string, unknown>;
  add: Record<string, number>;
}

export const MONTHS_PK = '~months';
export const FEATURE_DAY_COUNTERS = ['calls', 'okCalls', 'errors', 'timeouts', 'clientErrors'] as const satisfies readonly (keyof FeatureDay)[];
export const CLIENT_DAY_COUNTERS = ['calls', 'billableCalls'] as const satisfies readonly (keyof ClientDay)[];

export function usageSk(agg: Pick<UsageAggregate, 'month' | 'featureId' | 'price' | 'authors' | 'test'>): string {
  return `U#${agg.month}#${agg.featureId}#${priceKey(agg.price)}#${authorsKey(agg.authors)}${agg.test ? '#test' : ''}`;
}

export function featureDayPk(featureId: string): string {
  return `F#${featureId}`;
}

export function monthCallsKey(month: string): { pk: string; sk: string } {
  return { pk: MONTHS_PK, sk: `T#${month}` };
}

/** The latency histogram as one number per bucket, `h<i>`, so that ADD can count into it. */
export function histogramAttr(bucket: number): string {
  return `h${bucket}`;
}

/** Every item update that adds `records` and `rejections` to the aggregates. */
export function planAggregateUpdates(records: readonly UsageRecord[], rejections: readonly RejectionCount[]): ItemUpdate[] {
  const out: ItemUpdate[] = [];
  for (const agg of aggregateRecords(records).values()) {
    const add: Record<string, number> = {};
    for (const c of COUNTER_NAMES) add[c] = agg[c];
    out.push({
      pk: agg.clientId,
      sk: usageSk(agg),
      set: { month: agg.month, line: lineKey(agg), clientId: agg.clientId, featureId: agg.featureId, price: agg.price, authors: agg.authors, ...(agg.test ? { test: true } : {}) },
      add,
    });
  }
  for (const r of rejections) {
    out.push({ pk: r.clientId, sk: `R#${r.month}#${r.code}`, set: { rejectedMonth: r.month, code: r.code }, add: { count: r.count } });
  }
  const perMonth = new Map<string, number>();
  for (const r of records) {
    const month = monthOf(r.startedAt);
    perMonth.set(month, (perMonth.get(month) ?? 0) + 1);
  }
  for (const [month, calls] of perMonth) out.push({ ...monthCallsKey(month), set: {}, add: { calls } });
  for (const day of featureDays(records).values()) {
    const add: Record<string, number> = {};
    for (const c of FEATURE_DAY_COUNTERS) add[c] = day[c];
    // Empty buckets are left out: a missing h<i> reads as 0.
    day.latency.forEach((n, i) => {
      if (n > 0) add[histogramAttr(i)] = n;
    });
    out.push({ pk: featureDayPk(day.featureId), sk: `D#${day.day}`, set: { featureId: day.featureId, day: day.day }, add });
  }
  for (const day of clientDays(records).values()) {
    const add: Record<string, number> = {};
    for (const c of CLIENT_DAY_COUNTERS) add[c] = day[c];
    out.push({ pk: day.clientId, sk: `D#${day.day}#${day.featureId}`, set: { clientId: day.clientId, featureId: day.featureId, day: day.day }, add });
  }
  return out;
}

/**
 * Adds `updates` into `into`, one entry per item: counters summed, identity kept. Plans of parts
 * of a unit merged this way equal the plan of the whole (shared/usage.test.ts), which lets the
 * aggregator fold records page by page and hold one entry per item, not every record.
 */
export function mergeUpdates(into: Map<string, ItemUpdate>, updates: readonly ItemUpdate[]): void {
  for (const u of updates) {
    const key = `${u.pk}\u0000${u.sk}`;
    const known = into.get(key);
    if (!known) {
      into.set(key, { pk: u.pk, sk: u.sk, set: { ...u.set }, add: { ...u.add } });
      continue;
    }
    Object.assign(known.set, u.set);
    for (const [k, n] of Object.entries(u.add)) known.add[k] = (known.add[k] ?? 0) + n;
  }
}
