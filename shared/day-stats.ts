/**
 * Per-day statistics kept beside the monthly aggregates: per feature (calls, outcomes and a
 * latency histogram: the catalogue's quality signals and charts) and per client and feature
 * (calls per day). Pure folds over usage records: the order of records never changes them, and
 * the stats of two sets of records are the sum of the stats of each.
 */
import { addHistograms, emptyHistogram, latencyBucket, percentileMs } from './latency.ts';
import type { UsageRecord } from './usage.ts';

const DAY_MS = 86_400_000;

/** Days are UTC calendar days written YYYY-MM-DD, from 1970 (as months, see month.ts). */
const DAY = /^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** A real calendar day (2025-02-30 is not one). */
export function isDay(text: string): boolean {
  return DAY.test(text) && dayOf(Date.parse(`${text}T00:00:00Z`)) === text;
}

export function assertDay(day: string): void {
  if (!isDay(day)) throw new RangeError(`"${day}" is not a day (YYYY-MM-DD)`);
}

export function dayStart(day: string): number {
  assertDay(day);
  return Date.parse(`${day}T00:00:00Z`);
}

/** The day `n` days after `day` (before it when n < 0). */
export function addDays(day: string, n: number): string {
  return dayOf(dayStart(day) + n * DAY_MS);
}

/** One feature's calls on one UTC day. */
export interface FeatureDay {
  featureId: string;
  day: string;
  calls: number;
  /** billable calls: the feature answered 2xx/3xx */
  okCalls: number;
  /** outcome 'feature_error' */
  errors: number;
  /** outcome 'timeout' */
  timeouts: number;
  /**
   * the feature answered 4xx: the client's bad input (malformed JSON, a missing field), not a
   * failure of the feature. Days stored before this counter read 0.
   */
  clientErrors: number;
  /** counts per bucket of LATENCY_BUCKET_BOUNDS_MS, from each call's durationMs */
  latency: number[];
}

/** One client's calls of one feature on one UTC day. */
export interface ClientDay {
  clientId: string;
  day: string;
  featureId: string;
  calls: number;
  billableCalls: number;
}

export function featureDayKey(d: { featureId: string; day: string }): string {
  return `${d.featureId}#${d.day}`;
}

export function clientDayKey(d: { clientId: string; day: string; featureId: string }): string {
  return `${d.clientId}#${d.day}#${d.featureId}`;
}

export function emptyFeatureDay(featureId: string, day: string): FeatureDay {
  return { featureId, day, calls: 0, okCalls: 0, errors: 0, timeouts: 0, clientErrors: 0, latency: emptyHistogram() };
}

/** Adds the counters of `from` into `into` (same feature and day) and returns `into`. */
export function addFeatureDay(into: FeatureDay, from: FeatureDay): FeatureDay {
  into.calls += from.calls;
  into.okCalls += from.okCalls;
  into.errors += from.errors;
  into.timeouts += from.timeouts;
  into.clientErrors += from.clientErrors;
  addHistograms(into.latency, from.latency);
  return into;
}

export function addClientDay(into: ClientDay, from: ClientDay): ClientDay {
  into.calls += from.calls;
  into.billableCalls += from.billableCalls;
  return into;
}

/** The feature answered the client's request with a 4xx: the client's error, not the feature's. */
export function isClientError(r: Pick<UsageRecord, 'outcome' | 'status'>): boolean {
  return r.outcome === 'ok' && r.status >= 400 && r.status < 500;
}

/** Folds records into per (feature, day) stats keyed `featureId#day`. */
export function featureDays(records: Iterable<UsageRecord>): Map<string, FeatureDay> {
  const out = new Map<string, FeatureDay>();
  for (const r of records) {
    // The quality signals are the feature's live use: a test key's calls (a developer trying a draft) are not.
    if (r.test) continue;
    const day = dayOf(r.startedAt);
    const key = featureDayKey({ featureId: r.featureId, day });
    let d = out.get(key);
    if (!d) out.set(key, (d = emptyFeatureDay(r.featureId, day)));
    d.calls += 1;
    if (r.billable) d.okCalls += 1;
    if (r.outcome === 'feature_error') d.errors += 1;
    if (r.outcome === 'timeout') d.timeouts += 1;
    if (isClientError(r)) d.clientErrors += 1;
    const b = latencyBucket(r.durationMs);
    d.latency[b] = (d.latency[b] as number) + 1;
  }
  return out;
}

/** Folds records into per (client, day, feature) stats keyed `clientId#day#featureId`. */
export function clientDays(records: Iterable<UsageRecord>): Map<string, ClientDay> {
  const out = new Map<string, ClientDay>();
  for (const r of records) {
    const day = dayOf(r.startedAt);
    const key = clientDayKey({ clientId: r.clientId, day, featureId: r.featureId });
    let d = out.get(key);
    if (!d) out.set(key, (d = { clientId: r.clientId, day, featureId: r.featureId, calls: 0, billableCalls: 0 }));
    d.calls += 1;
    if (r.billable && !r.test) d.billableCalls += 1;
  }
  return out;
}

/** The sum of several featureDays maps (new objects; the inputs are left alone). */
export function mergeFeatureDays(maps: Iterable<Map<string, FeatureDay>>): Map<string, FeatureDay> {
  const out = new Map<string, FeatureDay>();
  for (const m of maps) {
    for (const [key, d] of m) {
      let into = out.get(key);
      if (!into) out.set(key, (into = emptyFeatureDay(d.featureId, d.day)));
      addFeatureDay(into, d);
    }
  }
  return out;
}

/** The sum of several clientDays maps (new objects; the inputs are left alone). */
export function mergeClientDays(maps: Iterable<Map<string, ClientDay>>): Map<string, ClientDay> {
  const out = new Map<string, ClientDay>();
  for (const m of maps) {
    for (const [key, d] of m) {
      let into = out.get(key);
      if (!into) out.set(key, (into = { clientId: d.clientId, day: d.day, featureId: d.featureId, calls: 0, billableCalls: 0 }));
      addClientDay(into, d);
    }
  }
  return out;
}

/** What the catalogue shows for a feature over its recent days. */
export interface QualitySignals {
  calls30d: number;
  /**
   * The feature's own reliability: okCalls / (calls − clientErrors), the calls it served well
   * among those it was given valid input for. Null when no call counts (none, or all 4xx).
   */
  successRate: number | null;
  /** the feature's own failures: it threw, crashed, timed out or answered 5xx */
  failures: number;
  /** calls the feature refused with a 4xx: the clients' bad input, not counted against it */
  clientErrors: number;
  /** upper bound of the latency bucket holding the median call, never above the timeout (see percentileMs) */
  p50Ms: number | null;
  p95Ms: number | null;
}

/** The feature's own failures among a day's calls: neither served (2xx/3xx) nor the client's 4xx. */
export function failuresOf(d: Pick<FeatureDay, 'calls' | 'okCalls' | 'clientErrors'>): number {
  return d.calls - d.okCalls - d.clientErrors;
}

/**
 * Sums one feature's days within the last `windowDays` UTC days, today included:
 * [today − (windowDays − 1), today]. Days outside the window are ignored. Percentiles are capped
 * at `timeoutMs`, the feature's timeout: no call takes longer (a timed-out call ends there).
 */
export function qualitySignals(days: FeatureDay[], nowMs: number, windowDays = 30, timeoutMs = Infinity): QualitySignals {
  if (!Number.isInteger(windowDays) || windowDays < 1) throw new RangeError(`windowDays must be a positive integer, got ${windowDays}`);
  const today = dayOf(nowMs);
  const first = addDays(today, -(windowDays - 1));
  let calls = 0;
  let okCalls = 0;
  let clientErrors = 0;
  const latency = emptyHistogram();
  for (const d of days) {
    if (d.day < first || d.day > today) continue;
    calls += d.calls;
    okCalls += d.okCalls;
    clientErrors += d.clientErrors;
    addHistograms(latency, d.latency);
  }
  return {
    calls30d: calls,
    successRate: calls - clientErrors > 0 ? okCalls / (calls - clientErrors) : null,
    failures: failuresOf({ calls, okCalls, clientErrors }),
    clientErrors,
    p50Ms: percentileMs(latency, 0.5, timeoutMs),
    p95Ms: percentileMs(latency, 0.95, timeoutMs),
  };
}
