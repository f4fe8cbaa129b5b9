import { divRoundHalfUp, toSafeNumber } from './money.ts';
import { exactValue, lineAmountMicros, MB_MS_PER_GB_SECOND, priceKey, type UnitPrice } from './price.ts';
import { allocateFreeCalls, chargedFraction, comparePrices } from './free-calls.ts';
import { monthOf } from './month.ts';

export type Outcome = 'ok' | 'feature_error' | 'timeout';

export interface AuthorShare {
  id: string;
  weight: number;
}

/** Authors in a canonical order, so equal splits always compare and key equal. */
export function canonicalAuthors(authors: readonly AuthorShare[]): AuthorShare[] {
  return [...authors].map((a) => ({ id: a.id, weight: a.weight })).sort((x, y) => cmp(x.id, y.id));
}

export function authorsKey(authors: readonly AuthorShare[]): string {
  return canonicalAuthors(authors)
    .map((a) => `${a.id}:${a.weight}`)
    .join(',');
}

/** One invocation that reached a feature, exactly as metered. */
export interface UsageRecord {
  invocationId: string;
  clientId: string;
  keyId: string;
  featureId: string;
  featureVersion: string;
  /** epoch ms when the gateway dispatched the call */
  startedAt: number;
  durationMs: number;
  /** duration rounded up to the millisecond, at least 1 */
  billedMs: number;
  memoryMb: number;
  requestBytes: number;
  responseBytes: number;
  /** HTTP status the client received */
  status: number;
  outcome: Outcome;
  /** the unit prices in force at the call, so a later price change never reprices it */
  price: UnitPrice;
  /** the feature's authors and weights at the call: who shares this call's revenue */
  authors: AuthorShare[];
  billable: boolean;
  /**
   * Made with a test key: metered and shown (as test) in usage, never billable, never in revenue,
   * a statement, the quality signals or the levels.
   */
  test?: true;
}

/** Platform rejections (401/404/413/429) are counted per client and code, never billed. */
export interface RejectionCount {
  clientId: string;
  month: string;
  code: string;
  count: number;
}

export const UNKNOWN_CLIENT = '-';

/** Rejection counts per (client, month, code), gathered until a batch takes them. */
/** Rejection counts per batch at most: with ids and codes bounded, ≤ 200 bytes each as JSON. */
export const MAX_BATCH_REJECTIONS = 400;

export class RejectionTally {
  private readonly counts = new Map<string, RejectionCount>();

  get size(): number {
    return this.counts.size;
  }

  add(r: RejectionCount): void {
    const key = `${r.clientId}#${r.month}#${r.code}`;
    const known = this.counts.get(key);
    if (known) known.count += r.count;
    else this.counts.set(key, { ...r });
  }

  reject(clientId: string, code: string, atMs: number): void {
    this.add({ clientId, month: monthOf(atMs), code, count: 1 });
  }

  /**
   * What is counted so far, all of it or at most `max` counts (the oldest first: the local meter's
   * batch is one store item, so a burst of rejections across many clients goes in several). What
   * is taken is gone from the tally.
   */
  take(max = Infinity): RejectionCount[] {
    const out: RejectionCount[] = [];
    for (const [key, count] of this.counts) {
      if (out.length >= max) break;
      out.push(count);
      this.counts.delete(key);
    }
    return out;
  }
}

export function billedMsOf(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

/** Only a successful call (2xx/3xx from the feature) is billable. */
export function isBillable(outcome: Outcome, status: number): boolean {
  return outcome === 'ok' && status >= 200 && status < 400;
}

/** The counters kept per line: (month, client, feature, unit price, authors' split). */
export interface UsageCounters {
  calls: number;
  billableCalls: number;
  errors: number;
  timeouts: number;
  billedMs: number;
  billableMs: number;
  /** Σ billed ms × memory MB over billable calls: the compute that is charged */
  billableMbMs: number;
  requestBytes: number;
  responseBytes: number;
}

export const COUNTER_NAMES = [
  'calls',
  'billableCalls',
  'errors',
  'timeouts',
  'billedMs',
  'billableMs',
  'billableMbMs',
  'requestBytes',
  'responseBytes',
] as const satisfies readonly (keyof UsageCounters)[];

export interface UsageAggregate extends UsageCounters {
  month: string;
  clientId: string;
  featureId: string;
  price: UnitPrice;
  authors: AuthorShare[];
  /** a line of test calls: its own line, never billed */
  test?: true;
}

type LineOf = { clientId: string; featureId: string; price: UnitPrice; authors: readonly AuthorShare[]; test?: true | undefined };

export function zeroCounters(): UsageCounters {
  return { calls: 0, billableCalls: 0, errors: 0, timeouts: 0, billedMs: 0, billableMs: 0, billableMbMs: 0, requestBytes: 0, responseBytes: 0 };
}

/** The line an aggregate belongs to, without its month. */
export function lineKey(a: LineOf): string {
  return `${a.clientId}#${a.featureId}#${priceKey(a.price)}#${authorsKey(a.authors)}${a.test ? '#test' : ''}`;
}

export function aggregateKey(a: LineOf & { month: string }): string {
  return `${a.month}#${lineKey(a)}`;
}

/** Folds records into per-line aggregates; the order of records never changes the result. */
export function aggregateRecords(records: Iterable<UsageRecord>): Map<string, UsageAggregate> {
  const out = new Map<string, UsageAggregate>();
  for (const r of records) {
    const month = monthOf(r.startedAt);
    const test = r.test ? ({ test: true } as const) : {};
    const key = aggregateKey({ month, clientId: r.clientId, featureId: r.featureId, price: r.price, authors: r.authors, ...test });
    let agg = out.get(key);
    if (!agg) {
      agg = { month, clientId: r.clientId, featureId: r.featureId, price: r.price, authors: canonicalAuthors(r.authors), ...test, ...zeroCounters() };
      out.set(key, agg);
    }
    agg.calls += 1;
    agg.billedMs += r.billedMs;
    agg.requestBytes += r.requestBytes;
    agg.responseBytes += r.responseBytes;
    if (r.outcome === 'feature_error') agg.errors += 1;
    if (r.outcome === 'timeout') agg.timeouts += 1;
    // A test call is never billable, whatever its record says.
    if (r.billable && !r.test) {
      agg.billableCalls += 1;
      agg.billableMs += r.billedMs;
      agg.billableMbMs += r.billedMs * r.memoryMb;
    }
  }
  return out;
}

export function addCounters(into: UsageCounters, from: UsageCounters): void {
  for (const name of COUNTER_NAMES) into[name] += from[name];
}

/** One row of a usage report: a client's use of one feature in one month, all prices together. */
export interface UsageRow extends UsageCounters {
  month: string;
  clientId: string;
  featureId: string;
  amountMicros: number;
  /** of the billable calls, those the feature's monthly allowance makes free (absent: none) */
  freeCalls?: number;
  /** the calls made with test keys: a row of their own, amount always 0 */
  test?: true;
}

/**
 * Per (client, feature) rows, each amount computed per price line then summed; a client's test
 * calls of a feature are a row of their own, after its live row; sorted by ids. A feature's
 * monthly allowance is taken off as the statement will (shared/free-calls.ts).
 */
export function usageRows(aggregates: Iterable<UsageAggregate>): UsageRow[] {
  const rows = new Map<string, UsageRow & { lines: Map<string, { price: UnitPrice; billableCalls: number; exact: bigint; micros: bigint }> }>();
  for (const a of aggregates) {
    const key = `${a.month}#${a.clientId}#${a.featureId}${a.test ? '#test' : ''}`;
    let row = rows.get(key);
    if (!row) {
      row = { month: a.month, clientId: a.clientId, featureId: a.featureId, ...(a.test ? { test: true } : {}), ...zeroCounters(), amountMicros: 0, lines: new Map() };
      rows.set(key, row);
    }
    addCounters(row, a);
    if (a.test) continue;
    const pk = priceKey(a.price);
    const line = row.lines.get(pk) ?? { price: a.price, billableCalls: 0, exact: 0n, micros: 0n };
    line.billableCalls += a.billableCalls;
    line.exact += exactValue(a.price, a.billableCalls, a.billableMbMs);
    line.micros += lineAmountMicros(a.price, a.billableCalls, a.billableMbMs);
    row.lines.set(pk, line);
  }
  return [...rows.values()]
    .map(({ lines, ...row }) => {
      const priced = [...lines.values()].sort((x, y) => comparePrices(x.price, y.price));
      const free = allocateFreeCalls(priced);
      let amount = 0n;
      priced.forEach((l, i) => {
        const f = free[i] ?? 0;
        // Without free calls, the amounts as they always were (per aggregate, to the micro).
        if (f === 0) amount += l.micros;
        else {
          const { num, den } = chargedFraction(l.exact, l.billableCalls, f);
          amount += divRoundHalfUp(num, den * MB_MS_PER_GB_SECOND);
        }
      });
      const freeCalls = free.reduce((n, f) => n + f, 0);
      return { ...row, ...(freeCalls > 0 ? { freeCalls } : {}), amountMicros: toSafeNumber(amount) };
    })
    .sort((x, y) => cmp(x.month, y.month) || cmp(x.clientId, y.clientId) || cmp(x.featureId, y.featureId) || Number(x.test ?? false) - Number(y.test ?? false));
}

/** The lines that are billed: everything but test calls. */
export function liveAggregates<A extends { test?: true }>(aggregates: Iterable<A>): A[] {
  return [...aggregates].filter((a) => !a.test);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A group of records (and rejection counts) committed together by one writer. */
/**
 * An upper bound of a record's size as JSON, in bytes: its strings' lengths (all ASCII: ids,
 * slugs, versions and author ids are restricted to it) plus what its keys, numbers and enums can
 * take at most. The meter cuts a batch by it, so that a batch (one store item) stays far below
 * the 400 KB an item may hold whatever the features' manifests (shared/item-bounds.test.ts).
 */
export function recordBytesBound(r: UsageRecord): number {
  let authors = 0;
  for (const a of r.authors) authors += a.id.length + AUTHOR_FIXED_BYTES;
  return RECORD_FIXED_BYTES + r.invocationId.length + r.clientId.length + r.keyId.length + r.featureId.length + r.featureVersion.length + r.outcome.length + authors;
}
/** A record's keys, punctuation, numbers (≤ 24 characters each), price and flags. */
const RECORD_FIXED_BYTES = 600;
/** `{"id":"…","weight":1000},` without the id. */
const AUTHOR_FIXED_BYTES = 24;

export interface UsageBatch {
  /** the feed that formed the batch (the local meter, the AWS aggregator): a fixed few, never one per process */
  writerId: string;
  /** strictly increasing per writer; aggregates accept a writer's batches in this order only */
  seq: number;
  records: UsageRecord[];
  rejections: RejectionCount[];
}

export function batchId(b: Pick<UsageBatch, 'writerId' | 'seq'>): string {
  return `${b.writerId}#${String(b.seq).padStart(16, '0')}`;
}

/**
 * Seqs of one start of a long-lived writer (the local meter): each start takes the next epoch
 * from the store, and its seqs begin at epoch × SEQS_PER_EPOCH, so they stay above every seq of
 * the starts before it under one writer id, and an aggregate keeps one mark for all of them.
 */
export const SEQS_PER_EPOCH = 1_000_000_000;

/** Records of a batch grouped per (month, client, feature): the unit the log stores and lists. */
export function groupRecords(records: UsageRecord[]): Map<string, UsageRecord[]> {
  const groups = new Map<string, UsageRecord[]>();
  for (const r of records) {
    const key = `${monthOf(r.startedAt)}#${r.clientId}#${r.featureId}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return groups;
}

/**
 * Consecutive batches of one writer as one: all records, rejection counts summed, and the highest
 * seq, which is what the aggregates will remember for that writer.
 */
export function mergeBatches(batches: UsageBatch[]): UsageBatch {
  const first = batches[0];
  if (!first) throw new RangeError('mergeBatches needs at least one batch');
  const rejections = new RejectionTally();
  let seq = first.seq;
  for (const b of batches) {
    if (b.writerId !== first.writerId) throw new RangeError('mergeBatches: batches of different writers');
    seq = Math.max(seq, b.seq);
    for (const r of b.rejections) rejections.add(r);
  }
  return { writerId: first.writerId, seq, records: batches.flatMap((b) => b.records), rejections: rejections.take() };
}
