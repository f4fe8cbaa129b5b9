/**
 * Reconciliation: what the clients saw, class by class, against what the store holds.
 *
 * - A response carrying `faascape-invocation-id` reached a feature: it must have exactly one
 *   record (same id, same status), and the aggregates of its (client, feature) must count exactly
 *   the records.
 * - A platform error without an id is a rejection: 401/404 feature_not_found/413/429/503 are
 *   counted per (client, code) — the client is `-` when the key was not accepted — and 400, 405,
 *   404 not_found and 500 are counted nowhere (see the gateway's platformErrors middleware).
 */
import { UNKNOWN_CLIENT } from '../../../shared/usage.ts';
import { countBy, type Res } from './http.ts';
import type { StoreSnapshot } from './store.ts';

/** Platform error codes and their statuses (README, "HTTP API"). */
export const STATUS_OF_CODE: Record<string, number> = {
  invalid_request: 400,
  missing_api_key: 401,
  invalid_api_key: 401,
  feature_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  rate_limited: 429,
  quota_exceeded: 429,
  spend_cap_reached: 429,
  not_signed_in: 401,
  internal_error: 500,
  feature_error: 502,
  service_unavailable: 503,
  feature_timeout: 504,
};

/** Codes the meter counts as rejections (never billed). */
export const COUNTED_CODES = new Set(['missing_api_key', 'invalid_api_key', 'feature_not_found', 'payload_too_large', 'rate_limited', 'quota_exceeded', 'service_unavailable']);

export function rejectionKeyOf(r: Res): string | undefined {
  if (r.netError || r.invocationId || r.status < 400 || !r.code || !COUNTED_CODES.has(r.code)) return undefined;
  const client = r.code === 'missing_api_key' || r.code === 'invalid_api_key' ? UNKNOWN_CLIENT : (r.req.clientId ?? UNKNOWN_CLIENT);
  return `${client} ${r.code}`;
}

export interface ClientView {
  /** per `client feature`: invocation id → status the client saw */
  ids: Map<string, Map<string, number>>;
  /** per `client code` */
  rejections: Map<string, number>;
  /** platform errors counted nowhere by design (400, 405, 404 not_found, 500), per `status code` */
  uncounted: Map<string, number>;
  netErrors: number;
}

export function clientView(results: Res[]): ClientView {
  const ids = new Map<string, Map<string, number>>();
  const rejections = new Map<string, number>();
  const uncounted = new Map<string, number>();
  let netErrors = 0;
  for (const r of results) {
    if (r.netError) {
      netErrors += 1;
      continue;
    }
    if (r.invocationId) {
      const pair = `${r.req.clientId} ${r.req.featureId}`;
      let m = ids.get(pair);
      if (!m) ids.set(pair, (m = new Map()));
      if (m.has(r.invocationId)) throw new Error(`the platform gave invocation id ${r.invocationId} to two responses`);
      m.set(r.invocationId, r.status);
      continue;
    }
    const rk = rejectionKeyOf(r);
    if (rk) rejections.set(rk, (rejections.get(rk) ?? 0) + 1);
    else if (r.status >= 400) {
      const k = `${r.status} ${r.code ?? '(no code)'}`;
      uncounted.set(k, (uncounted.get(k) ?? 0) + 1);
    }
  }
  return { ids, rejections, uncounted, netErrors };
}

export interface PairCheck {
  pair: string;
  seen: number;
  records: number;
  distinct: number;
  missing: number;
  duplicates: number;
  /** records no client saw an answer for (in flight at a crash) */
  unseen: number;
  statusMismatches: number;
  aggregateCalls: number;
  aggregateBillable: number;
  recordsBillable: number;
  aggregateErrors: number;
  recordsErrors: number;
  aggregateTimeouts: number;
  recordsTimeouts: number;
}

export interface Reconciliation {
  pairs: PairCheck[];
  rejections: { key: string; seen: number; counted: number }[];
  totals: { seen: number; records: number; missing: number; duplicates: number; unseen: number; statusMismatches: number; aggregateCalls: number };
}

export function reconcile(view: ClientView, snap: StoreSnapshot): Reconciliation {
  const pairs: PairCheck[] = [];
  const pairKeys = new Set([...view.ids.keys(), ...snap.records.keys(), ...snap.aggregates.keys()]);
  for (const pair of [...pairKeys].sort()) {
    const seen = view.ids.get(pair) ?? new Map<string, number>();
    const records = snap.records.get(pair) ?? [];
    const byId = countBy(records, (r) => r.invocationId);
    const agg = snap.aggregates.get(pair) ?? { calls: 0, billableCalls: 0, errors: 0, timeouts: 0 };
    let statusMismatches = 0;
    for (const r of records) {
      const s = seen.get(r.invocationId);
      if (s !== undefined && s !== r.status) statusMismatches += 1;
    }
    pairs.push({
      pair,
      seen: seen.size,
      records: records.length,
      distinct: byId.size,
      missing: [...seen.keys()].filter((id) => !byId.has(id)).length,
      duplicates: [...byId.values()].filter((n) => n > 1).length,
      unseen: [...byId.keys()].filter((id) => !seen.has(id)).length,
      statusMismatches,
      aggregateCalls: agg.calls,
      aggregateBillable: agg.billableCalls,
      recordsBillable: records.filter((r) => r.billable).length,
      aggregateErrors: agg.errors,
      recordsErrors: records.filter((r) => r.outcome === 'feature_error').length,
      aggregateTimeouts: agg.timeouts,
      recordsTimeouts: records.filter((r) => r.outcome === 'timeout').length,
    });
  }
  const rejectionKeys = new Set([...view.rejections.keys(), ...snap.rejections.keys()]);
  const rejections = [...rejectionKeys].sort().map((key) => ({ key, seen: view.rejections.get(key) ?? 0, counted: snap.rejections.get(key) ?? 0 }));
  const sum = (f: (p: PairCheck) => number) => pairs.reduce((s, p) => s + f(p), 0);
  return {
    pairs,
    rejections,
    totals: {
      seen: sum((p) => p.seen),
      records: sum((p) => p.records),
      missing: sum((p) => p.missing),
      duplicates: sum((p) => p.duplicates),
      unseen: sum((p) => p.unseen),
      statusMismatches: sum((p) => p.statusMismatches),
      aggregateCalls: sum((p) => p.aggregateCalls),
    },
  };
}

export function formatReconciliation(r: Reconciliation): string {
  const lines = ['  records per (client, feature):  seen by clients / records / distinct ids / aggregate calls (billable, errors, timeouts) / missing / duplicates / unseen'];
  for (const p of r.pairs) {
    if (!p.seen && !p.records && !p.aggregateCalls) continue;
    lines.push(
      `    ${p.pair.padEnd(26)} ${String(p.seen).padStart(7)} / ${String(p.records).padStart(7)} / ${String(p.distinct).padStart(7)} / ${String(p.aggregateCalls).padStart(7)} (${p.aggregateBillable}, ${p.aggregateErrors}, ${p.aggregateTimeouts}) / ${p.missing} / ${p.duplicates} / ${p.unseen}`,
    );
  }
  lines.push('  rejections per (client, code):  seen by clients / counted in the store');
  for (const x of r.rejections) lines.push(`    ${x.key.padEnd(34)} ${String(x.seen).padStart(7)} / ${String(x.counted).padStart(7)}`);
  const t = r.totals;
  lines.push(`  totals: ${t.seen} metered answers seen, ${t.records} records, ${t.aggregateCalls} aggregate calls, ${t.missing} missing, ${t.duplicates} duplicated, ${t.unseen} unseen, ${t.statusMismatches} status mismatches`);
  return lines.join('\n');
}

/** The invariants every scenario holds: nothing missing, nothing twice, aggregates = records. */
export function exactlyOnceProblems(r: Reconciliation, opts: { maxUnseen: number }): string[] {
  const problems: string[] = [];
  for (const p of r.pairs) {
    if (p.missing) problems.push(`${p.pair}: ${p.missing} answered call(s) without a record`);
    if (p.duplicates) problems.push(`${p.pair}: ${p.duplicates} invocation id(s) recorded more than once`);
    if (p.records !== p.distinct) problems.push(`${p.pair}: ${p.records} records but ${p.distinct} distinct ids`);
    if (p.aggregateCalls !== p.distinct) problems.push(`${p.pair}: aggregate calls ${p.aggregateCalls} != ${p.distinct} distinct records`);
    if (p.aggregateBillable !== p.recordsBillable) problems.push(`${p.pair}: aggregate billable ${p.aggregateBillable} != ${p.recordsBillable} billable records`);
    if (p.aggregateErrors !== p.recordsErrors) problems.push(`${p.pair}: aggregate errors ${p.aggregateErrors} != ${p.recordsErrors}`);
    if (p.aggregateTimeouts !== p.recordsTimeouts) problems.push(`${p.pair}: aggregate timeouts ${p.aggregateTimeouts} != ${p.recordsTimeouts}`);
    if (p.statusMismatches) problems.push(`${p.pair}: ${p.statusMismatches} record(s) with another status than the client saw`);
  }
  if (r.totals.unseen > opts.maxUnseen) problems.push(`${r.totals.unseen} records no client saw, more than the ${opts.maxUnseen} calls in flight`);
  return problems;
}

export function rejectionProblems(r: Reconciliation, mode: 'exact' | 'at-most-seen'): string[] {
  return r.rejections
    .filter((x) => (mode === 'exact' ? x.counted !== x.seen : x.counted > x.seen))
    .map((x) => `rejections ${x.key}: seen ${x.seen}, counted ${x.counted}`);
}

export function monthsBetween(fromMs: number, toMs: number): string[] {
  const a = new Date(fromMs).toISOString().slice(0, 7);
  const b = new Date(toMs).toISOString().slice(0, 7);
  return a === b ? [a] : [a, b];
}
