import { setTimeout as sleep } from 'node:timers/promises';
import {
  addClientDay,
  addFeatureDay,
  assertDay,
  clientDayKey,
  clientDays,
  emptyFeatureDay,
  featureDayKey,
  featureDays,
  type ClientDay,
  type FeatureDay,
} from '../../shared/day-stats.ts';
import { monthStart } from '../../shared/month.ts';
import {
  aggregateKey,
  aggregateRecords,
  batchId,
  cmp,
  COUNTER_NAMES,
  groupRecords,
  mergeBatches,
  type RejectionCount,
  type UsageAggregate,
  type UsageBatch,
  type UsageRecord,
  zeroCounters,
} from '../../shared/usage.ts';
import type { UsageLog, UsageReader } from './usage-log.ts';

/** The UsageLog methods whose calls can be counted, held and made to fail. */
export type UsageLogMethod = 'commit' | 'apply' | 'settle' | 'committed';

const METHODS: readonly UsageLogMethod[] = ['commit', 'apply', 'settle', 'committed'];

/** The error every injected fault throws, so a test can tell it from a real bug. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

interface Fault {
  remaining: number;
  /**
   * 'before': the call fails and changes nothing (the request never reached the store).
   * 'after': the call takes full effect, then fails (the response was lost).
   * a number: apply writes the record groups and the first `n` aggregate/rejection/day updates,
   * settle deletes the first `n` commits, then the call fails, as when an outage hits in the
   * middle of parallel writes.
   */
  mode: 'before' | 'after' | number;
}

interface AggregateItem {
  agg: UsageAggregate;
  /** `w_<writerId>` in the real table: the last seq of each writer this aggregate absorbed */
  writers: Map<string, number>;
}

interface RejectionItem {
  rejection: RejectionCount;
  writers: Map<string, number>;
}

/** A per-day stats item (feature day or client day) and the last seq of each writer it absorbed. */
interface DayItem<T> {
  stats: T;
  writers: Map<string, number>;
}

export interface MemoryUsageLogOptions {
  /** wait this long in every call (0: only a microtask), to let other work interleave */
  latencyMs?: number;
  /**
   * Drop the per-writer seq condition on aggregates (every apply adds). Only for tests that
   * show what the condition protects against; never a faithful twin.
   */
  unconditional?: boolean;
}

function clone<T>(value: T): T {
  // The real adapter stores JSON: what comes back never aliases what went in.
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * An in-memory twin of DynamoUsageLog with the same semantics: `commit` puts the batch under its
 * batch id (overwrite); `apply` takes consecutive batches of one writer as one unit, puts each
 * record group under (group, batch id) (overwrite) and adds the unit to each aggregate and
 * rejection counter only if that item's last seq for the writer is absent or lower than the
 * unit's (highest) seq; `settle` deletes the commits; `committed` lists commits by batch id.
 * Faults can be injected per method, and calls can be held until a test releases them.
 */
export class MemoryUsageLog implements UsageLog, UsageReader {
  /** while true, every call fails before taking effect (the store is unreachable) */
  down = false;
  /** calls made, failed ones included */
  readonly calls: Record<UsageLogMethod, number> = { commit: 0, apply: 0, settle: 0, committed: 0 };
  /** calls that returned normally */
  readonly successes: Record<UsageLogMethod, number> = { commit: 0, apply: 0, settle: 0, committed: 0 };
  /** every batch successfully committed, in call order (a retried batch appears again) */
  readonly commitHistory: UsageBatch[] = [];

  private readonly pendingItems = new Map<string, UsageBatch>();
  /** group key (month#client#feature) → batch id → records */
  private readonly groups = new Map<string, Map<string, UsageRecord[]>>();
  private readonly aggs = new Map<string, AggregateItem>();
  private readonly rejects = new Map<string, RejectionItem>();
  /** keyed `featureId#day` */
  private readonly featureDayItems = new Map<string, DayItem<FeatureDay>>();
  /** keyed `clientId#day#featureId` */
  private readonly clientDayItems = new Map<string, DayItem<ClientDay>>();
  private readonly faults: Record<UsageLogMethod, Fault[]> = { commit: [], apply: [], settle: [], committed: [] };
  private readonly gates: Partial<Record<UsageLogMethod, Promise<unknown>>> = {};

  constructor(private readonly opts: MemoryUsageLogOptions = {}) {}

  // ---- fault injection ----------------------------------------------------------------------

  /**
   * The next `times` calls of `method` fail (Infinity: until `clearFaults`). With
   * `{ after: true }` each such call first takes full effect, then fails (a lost response).
   */
  failNext(method: UsageLogMethod, times = 1, opts: { after?: boolean } = {}): this {
    this.faults[method].push({ remaining: times, mode: opts.after ? 'after' : 'before' });
    return this;
  }

  /**
   * The next `times` calls of `apply` write the record groups and only the first `updates`
   * conditional updates of the unit, then fail. Their order: aggregates (in `aggregateRecords`
   * order), then rejections, then feature days (`featureDays` order), then client days
   * (`clientDays` order); so `n` ≤ aggregates + rejections never touches a day item.
   */
  failApplyPartially(updates: number, times = 1): this {
    this.faults.apply.push({ remaining: times, mode: updates });
    return this;
  }

  /** The next `times` calls of `settle` delete only the first `deletes` commits, then fail. */
  failSettlePartially(deletes: number, times = 1): this {
    this.faults.settle.push({ remaining: times, mode: deletes });
    return this;
  }

  /** Forgets every injected fault and gate, and brings the store back up. */
  clearFaults(): this {
    for (const m of METHODS) {
      this.faults[m] = [];
      delete this.gates[m];
    }
    this.down = false;
    return this;
  }

  /** Every call of `method` waits for `until` before doing anything (undefined: no more). */
  gate(method: UsageLogMethod, until: Promise<unknown> | undefined): this {
    if (until) this.gates[method] = until;
    else delete this.gates[method];
    return this;
  }

  // ---- UsageLog -----------------------------------------------------------------------------

  async commit(batch: UsageBatch): Promise<void> {
    const fault = await this.enter('commit');
    const copy = clone(batch);
    this.pendingItems.set(batchId(copy), copy);
    this.commitHistory.push(clone(batch));
    this.leave('commit', fault);
  }

  /**
   * Like DynamoUsageLog.apply: the batches are one unit (`mergeBatches`: all records, the highest
   * seq). Each batch's record groups are put under its own batch id; each aggregate, rejection
   * counter and per-day stats item of the unit is added only if its last seq for the writer is
   * absent or below the unit's.
   */
  async apply(batches: UsageBatch[]): Promise<void> {
    const fault = await this.enter('apply');
    const copies = batches.map(clone);
    const unit = mergeBatches(copies);
    for (const b of copies) {
      const id = batchId(b);
      for (const [groupKey, recs] of groupRecords(b.records)) {
        let byBatch = this.groups.get(groupKey);
        if (!byBatch) this.groups.set(groupKey, (byBatch = new Map()));
        byBatch.set(id, recs);
      }
    }
    const updates: (() => void)[] = [];
    for (const agg of aggregateRecords(unit.records).values()) updates.push(() => this.addAggregate(unit, agg));
    for (const r of unit.rejections) updates.push(() => this.addRejection(unit, r));
    for (const d of featureDays(unit.records).values()) updates.push(() => this.addFeatureDay(unit, d));
    for (const d of clientDays(unit.records).values()) updates.push(() => this.addClientDay(unit, d));
    const limit = typeof fault?.mode === 'number' ? fault.mode : updates.length;
    for (const update of updates.slice(0, limit)) update();
    this.leave('apply', fault);
  }

  /** Deletes the batches' commits (with a partial fault: only the first `n`, then fails). */
  async settle(batches: UsageBatch[]): Promise<void> {
    const fault = await this.enter('settle');
    const limit = typeof fault?.mode === 'number' ? fault.mode : batches.length;
    for (const b of batches.slice(0, limit)) this.pendingItems.delete(batchId(b));
    this.leave('settle', fault);
  }

  async committed(): Promise<UsageBatch[]> {
    const fault = await this.enter('committed');
    const out = [...this.pendingItems.entries()].sort(([a], [b]) => cmp(a, b)).map(([, batch]) => clone(batch));
    this.leave('committed', fault);
    return out;
  }

  // ---- UsageReader (same shapes and order as the real adapter) ------------------------------

  async clientAggregates(clientId: string, month: string): Promise<UsageAggregate[]> {
    await this.enter(undefined);
    return [...this.aggregates().values()].filter((a) => a.clientId === clientId && a.month === month);
  }

  async monthAggregates(month: string): Promise<UsageAggregate[]> {
    await this.enter(undefined);
    return [...this.aggregates().values()].filter((a) => a.month === month);
  }

  /** The twin derives it from its aggregates, which count every applied call exactly once. */
  async monthCalls(month: string): Promise<number> {
    return (await this.monthAggregates(month)).reduce((n, a) => n + a.calls, 0);
  }

  async firstUsageMonth(): Promise<string | undefined> {
    await this.enter(undefined);
    return [...this.aggs.values()].map((a) => a.agg.month).sort()[0];
  }

  async hasUsage(month: string): Promise<boolean> {
    await this.enter(undefined);
    return [...this.aggs.values()].some((a) => a.agg.month === month);
  }

  async records(month: string, clientId: string, featureId: string): Promise<UsageRecord[]> {
    await this.enter(undefined);
    const byBatch = this.groups.get(`${month}#${clientId}#${featureId}`);
    return [...(byBatch?.values() ?? [])]
      .flat()
      .map(clone)
      .sort((a, b) => a.startedAt - b.startedAt || (a.invocationId < b.invocationId ? -1 : 1));
  }

  async rejections(month: string): Promise<{ clientId: string; code: string; count: number }[]> {
    await this.enter(undefined);
    return [...this.rejects.values()]
      .filter((r) => r.rejection.month === month)
      .map(({ rejection: r }) => ({ clientId: r.clientId, code: r.code, count: r.count }))
      .sort((a, b) => (a.clientId + a.code < b.clientId + b.code ? -1 : 1));
  }

  async featureDays(featureId: string, fromDay: string, toDay: string): Promise<FeatureDay[]> {
    await this.enter(undefined);
    assertDay(fromDay);
    assertDay(toDay);
    return [...this.featureDayItems.values()]
      .map((item) => item.stats)
      .filter((d) => d.featureId === featureId && d.day >= fromDay && d.day <= toDay)
      .sort((a, b) => cmp(a.day, b.day))
      .map(clone);
  }

  async clientDays(clientId: string, month: string): Promise<ClientDay[]> {
    await this.enter(undefined);
    monthStart(month); // throws on anything but YYYY-MM
    return [...this.clientDayItems.values()]
      .map((item) => item.stats)
      .filter((d) => d.clientId === clientId && d.day.startsWith(`${month}-`))
      .sort((a, b) => cmp(a.day, b.day) || cmp(a.featureId, b.featureId))
      .map(clone);
  }

  // ---- synchronous read helpers for tests (never fail, never held) --------------------------

  /** Every feature day, keyed `featureId#day`, as copies. */
  featureDayStats(): Map<string, FeatureDay> {
    return new Map([...this.featureDayItems.entries()].sort(([a], [b]) => cmp(a, b)).map(([k, item]) => [k, clone(item.stats)]));
  }

  /** Every client day, keyed `clientId#day#featureId`, as copies. */
  clientDayStats(): Map<string, ClientDay> {
    return new Map([...this.clientDayItems.entries()].sort(([a], [b]) => cmp(a, b)).map(([k, item]) => [k, clone(item.stats)]));
  }

  /** Every aggregate, keyed by `aggregateKey`, as copies. */
  aggregates(): Map<string, UsageAggregate> {
    return new Map([...this.aggs.entries()].sort(([a], [b]) => cmp(a, b)).map(([k, item]) => [k, clone(item.agg)]));
  }

  /** Every rejection counter, keyed by `clientId#month#code`, as copies. */
  rejectionCounts(): Map<string, RejectionCount> {
    return new Map([...this.rejects.entries()].sort(([a], [b]) => cmp(a, b)).map(([k, item]) => [k, clone(item.rejection)]));
  }

  /** Distinct invocation ids over every stored record group. */
  recordCount(): number {
    return this.recordsById().size;
  }

  /**
   * Each invocation id with every stored copy of its record. A batch written twice overwrites
   * itself, so more than one copy means the record went into two different batches.
   */
  recordsById(): Map<string, UsageRecord[]> {
    const out = new Map<string, UsageRecord[]>();
    for (const byBatch of this.groups.values()) {
      for (const recs of byBatch.values()) {
        for (const r of recs) {
          const copies = out.get(r.invocationId);
          if (copies) copies.push(clone(r));
          else out.set(r.invocationId, [clone(r)]);
        }
      }
    }
    return out;
  }

  /** Batch ids committed and not settled, in order. */
  committedIds(): string[] {
    return [...this.pendingItems.keys()].sort(cmp);
  }

  /** The last seq of `writerId` an aggregate absorbed (undefined if none). */
  writerSeq(key: string, writerId: string): number | undefined {
    return this.aggs.get(key)?.writers.get(writerId);
  }

  // ---- internals ----------------------------------------------------------------------------

  private addAggregate(batch: UsageBatch, agg: UsageAggregate): void {
    const key = aggregateKey(agg);
    let item = this.aggs.get(key);
    const last = item?.writers.get(batch.writerId);
    // ConditionExpression: attribute_not_exists(#w) OR #w < :seq; a failed condition is ignored.
    if (!this.opts.unconditional && last !== undefined && !(last < batch.seq)) return;
    if (!item) {
      // the line's identity (month, client, feature, price, ...) as the real item SETs it
      item = { agg: { ...clone(agg), ...zeroCounters() }, writers: new Map() };
      this.aggs.set(key, item);
    }
    item.writers.set(batch.writerId, batch.seq);
    for (const c of COUNTER_NAMES) item.agg[c] += agg[c];
  }

  private addRejection(batch: UsageBatch, r: RejectionCount): void {
    const key = `${r.clientId}#${r.month}#${r.code}`;
    let item = this.rejects.get(key);
    const last = item?.writers.get(batch.writerId);
    if (!this.opts.unconditional && last !== undefined && !(last < batch.seq)) return;
    if (!item) {
      item = { rejection: { clientId: r.clientId, month: r.month, code: r.code, count: 0 }, writers: new Map() };
      this.rejects.set(key, item);
    }
    item.writers.set(batch.writerId, batch.seq);
    item.rejection.count += r.count;
  }

  private addFeatureDay(batch: UsageBatch, d: FeatureDay): void {
    this.addDayItem(this.featureDayItems, featureDayKey(d), batch, () => emptyFeatureDay(d.featureId, d.day), (into) => addFeatureDay(into, d));
  }

  private addClientDay(batch: UsageBatch, d: ClientDay): void {
    const zero = (): ClientDay => ({ clientId: d.clientId, day: d.day, featureId: d.featureId, calls: 0, billableCalls: 0 });
    this.addDayItem(this.clientDayItems, clientDayKey(d), batch, zero, (into) => addClientDay(into, d));
  }

  /** The aggregates' rule: add only if the item's last seq for the writer is absent or lower. */
  private addDayItem<T>(items: Map<string, DayItem<T>>, key: string, batch: UsageBatch, zero: () => T, add: (into: T) => void): void {
    let item = items.get(key);
    const last = item?.writers.get(batch.writerId);
    if (!this.opts.unconditional && last !== undefined && !(last < batch.seq)) return;
    if (!item) {
      item = { stats: zero(), writers: new Map() };
      items.set(key, item);
    }
    item.writers.set(batch.writerId, batch.seq);
    add(item.stats);
  }

  /** Counts the call, waits for its gate and latency, and throws or returns the fault to apply. */
  private async enter(method: UsageLogMethod | undefined): Promise<Fault | undefined> {
    if (method) this.calls[method] += 1;
    const gate = method ? this.gates[method] : undefined;
    if (gate) await gate;
    if (this.opts.latencyMs) await sleep(this.opts.latencyMs);
    else await Promise.resolve();
    if (this.down) throw new InjectedFault(`usage store down (${method ?? 'read'})`);
    if (!method) return undefined;
    const queue = this.faults[method];
    const fault = queue[0];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) queue.shift();
    if (fault.mode === 'before') throw new InjectedFault(`injected ${method} failure`);
    return fault;
  }

  /** After the call took its (full or partial) effect: fail if a fault says so. */
  private leave(method: UsageLogMethod, fault: Fault | undefined): void {
    if (fault) throw new InjectedFault(`injected ${method} failure after ${fault.mode === 'after' ? 'full' : `partial (${fault.mode})`} effect`);
    this.successes[method] += 1;
  }
}
