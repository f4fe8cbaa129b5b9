import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { usageRecord } from '../../test/helpers/usage-record.ts';
import { monthOf } from '../../shared/month.ts';
import type { UnitPrice } from '../../shared/price.ts';
import { aggregateRecords, billedMsOf, type AuthorShare, isBillable, MAX_BATCH_REJECTIONS, type Outcome, type UsageBatch, type UsageRecord } from '../../shared/usage.ts';
import { silentLogger } from '../logger.ts';
import { MemoryUsageLog } from './memory-usage-log.ts';
import { Meter, type MeterOptions } from './meter.ts';
import { FileSpool } from './spool.ts';
import type { UsageLog } from './usage-log.ts';

// ---- fixtures ---------------------------------------------------------------------------------

const PRICES: UnitPrice[] = [
  { perCallMicros: 2_000, perGbSecondMicros: 16, currency: 'EUR' },
  { perCallMicros: 500, perGbSecondMicros: 0, currency: 'EUR' },
];
const MARCH = Date.UTC(2025, 2, 14, 12);
const APRIL = Date.UTC(2025, 3, 1, 0, 0, 0, 5);

function makeRecord(over: Partial<UsageRecord> = {}): UsageRecord {
  return usageRecord({ startedAt: MARCH, price: PRICES[0] as UnitPrice, ...over });
}

/** Records spread over clients, features, prices, months and outcomes: several aggregates. */
function varied(n: number): UsageRecord[] {
  const outcomes: [Outcome, number][] = [
    ['ok', 200],
    ['ok', 404],
    ['feature_error', 502],
    ['timeout', 504],
    ['ok', 302],
  ];
  return Array.from({ length: n }, (_, i) => {
    const [outcome, status] = outcomes[i % outcomes.length] as [Outcome, number];
    return makeRecord({
      clientId: i % 3 === 0 ? 'c_acme' : 'c_globex',
      featureId: i % 2 === 0 ? 'echo' : 'vat-check',
      price: PRICES[i % 7 === 0 ? 1 : 0] as UnitPrice,
      authors: i % 11 === 0 ? [{ id: 'a_bob', weight: 1 }, { id: 'a_ada', weight: 3 }] : [{ id: 'a_ada', weight: 1 }],
      startedAt: i % 5 === 0 ? APRIL : MARCH,
      outcome,
      status,
      durationMs: (i * 37) % 900 + 0.4,
      memoryMb: i % 4 === 0 ? 1024 : 128,
      requestBytes: i * 3,
      responseBytes: i * 7,
    });
  });
}

function sortedObject<T>(m: Map<string, T>): Record<string, T> {
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Every counter of every aggregate equals what the records add up to, no more, no less. */
function expectAggregatesOf(log: MemoryUsageLog, records: UsageRecord[]): void {
  expect(sortedObject(log.aggregates())).toEqual(sortedObject(aggregateRecords(records)));
}

/** Each record stored exactly once, in exactly one batch. */
function expectRecordsOnce(log: MemoryUsageLog, records: UsageRecord[]): void {
  const byId = log.recordsById();
  expect(log.recordCount()).toBe(records.length);
  for (const r of records) expect(byId.get(r.invocationId)).toEqual([r]);
}

function rejectionMap(log: MemoryUsageLog): Record<string, number> {
  return Object.fromEntries([...log.rejectionCounts().entries()].map(([k, r]) => [k, r.count]));
}

function totalCalls(log: MemoryUsageLog): number {
  let n = 0;
  for (const a of log.aggregates().values()) n += a.calls;
  return n;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function until(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(2);
  }
}

function spoolFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

// ---- a process that can crash ------------------------------------------------------------------

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * What a process has asked of the store or the disk and not yet heard back about. A crash waits
 * for these to land (as a request already sent would), so that the next process starts after
 * them, then nothing more goes out and no answer comes back.
 */
class Process {
  crashed = false;
  private readonly inflight = new Set<Promise<unknown>>();
  run<T>(f: () => Promise<T>): Promise<T> {
    if (this.crashed) return never();
    const p = f();
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p.then(
      (v) => (this.crashed ? never<T>() : v),
      (e: unknown) => (this.crashed ? never<T>() : Promise.reject(e)),
    );
  }
  async crash(): Promise<void> {
    this.crashed = true;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }
}

/** The log as a process sees it. */
class CrashableLog implements UsageLog {
  constructor(
    private readonly inner: UsageLog,
    private readonly proc: Process,
  ) {}
  commit(b: UsageBatch): Promise<void> {
    return this.proc.run(() => this.inner.commit(b));
  }
  apply(bs: UsageBatch[]): Promise<void> {
    return this.proc.run(() => this.inner.apply(bs));
  }
  settle(bs: UsageBatch[]): Promise<void> {
    return this.proc.run(() => this.inner.settle(bs));
  }
  committed(): Promise<UsageBatch[]> {
    return this.proc.run(() => this.inner.committed());
  }
}

/** The real file spool, as a process sees it. */
class CrashableSpool extends FileSpool {
  constructor(
    dir: string,
    private readonly proc: Process,
  ) {
    super(dir);
  }
  override put(b: UsageBatch): Promise<void> {
    return this.proc.run(() => super.put(b));
  }
  override remove(b: Pick<UsageBatch, 'writerId' | 'seq'>): Promise<void> {
    return this.proc.run(() => super.remove(b));
  }
  override list(): Promise<UsageBatch[]> {
    return this.proc.run(() => super.list());
  }
}

// ---- per-test resources -------------------------------------------------------------------------

const dirs: string[] = [];
const logs: MemoryUsageLog[] = [];
const live = new Set<Meter>();

function spoolDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'faascape-meter-'));
  dirs.push(d);
  return path.join(d, 'spool');
}

function newLog(...args: ConstructorParameters<typeof MemoryUsageLog>): MemoryUsageLog {
  const log = new MemoryUsageLog(...args);
  logs.push(log);
  return log;
}

function newMeter(log: UsageLog, spool: FileSpool | string, opts: Partial<MeterOptions> = {}): Meter {
  const meter = new Meter(log, typeof spool === 'string' ? new FileSpool(spool) : spool, { logger: silentLogger, ...opts });
  live.add(meter);
  return meter;
}

interface Proc {
  meter: Meter;
  crash(): Promise<void>;
}

/** A meter in its own process: `crash()` cuts it off from the store and the spool. */
function startProc(log: UsageLog, dir: string, opts: Partial<MeterOptions> = {}): Proc {
  const proc = new Process();
  const meter = newMeter(new CrashableLog(log, proc), new CrashableSpool(dir, proc), opts);
  return {
    meter,
    async crash() {
      await proc.crash();
      live.delete(meter);
      // Only clears the rejection timer: its applier now waits forever on calls that never return.
      await meter.close(1);
    },
  };
}

afterEach(async () => {
  for (const log of logs.splice(0)) log.clearFaults();
  for (const meter of [...live]) {
    live.delete(meter);
    await meter.close(5_000);
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

// ---- tests ------------------------------------------------------------------------------------

describe('MemoryUsageLog (the twin of DynamoUsageLog)', () => {
  it('applies a writer’s batch to an aggregate once, and never an older one after a newer', async () => {
    const log = newLog();
    const r1 = makeRecord();
    const r2 = makeRecord();
    const b1: UsageBatch = { writerId: 'w', seq: 1, records: [r1], rejections: [{ clientId: 'c_acme', month: '2025-03', code: '429', count: 2 }] };
    const b2: UsageBatch = { writerId: 'w', seq: 2, records: [r2], rejections: [] };
    await log.commit(b1);
    await log.commit(b1);
    await log.commit(b2);
    expect(await log.committed()).toEqual([b1, b2]);
    await log.apply([b1]);
    await log.apply([b1]);
    await log.apply([b2]);
    await log.apply([b1]);
    expectAggregatesOf(log, [r1, r2]);
    expect(rejectionMap(log)).toEqual({ 'c_acme#2025-03#429': 2 });
    // another writer's seq 1 is its own
    const r3 = makeRecord();
    await log.apply([{ writerId: 'v', seq: 1, records: [r3], rejections: [] }]);
    expectAggregatesOf(log, [r1, r2, r3]);
    expectRecordsOnce(log, [r1, r2, r3]);
    await log.settle([b1, b2]);
    expect(await log.committed()).toEqual([]);
    expect(await log.records('2025-03', 'c_acme', 'echo')).toEqual([r1, r2, r3]);
    expect(await log.hasUsage('2025-03')).toBe(true);
    expect(await log.hasUsage('2025-04')).toBe(false);
  });

  it('applies several batches as one unit under the highest seq, records kept per batch', async () => {
    const log = newLog();
    const [r1, r2, r3] = [makeRecord(), makeRecord(), makeRecord()];
    const b = (seq: number, r: UsageRecord): UsageBatch => ({ writerId: 'w', seq, records: [r], rejections: [{ clientId: 'c', month: '2025-03', code: '401', count: 1 }] });
    await log.apply([b(1, r1), b(2, r2)]);
    expect(log.writerSeq([...log.aggregates().keys()][0] as string, 'w')).toBe(2);
    await log.apply([b(2, r2)]); // already in: rejected
    await log.apply([b(1, r1)]); // older: rejected
    await log.apply([b(3, r3)]);
    expectAggregatesOf(log, [r1, r2, r3]);
    expect(rejectionMap(log)).toEqual({ 'c#2025-03#401': 3 });
    expect([...log.recordsById().values()].map((copies) => copies.length)).toEqual([1, 1, 1]);
  });

  it('injects failures before, after and in the middle of apply', async () => {
    const log = newLog();
    const recs = [makeRecord(), makeRecord({ featureId: 'other' }), makeRecord({ clientId: 'c_other' })];
    const batch: UsageBatch = { writerId: 'w', seq: 1, records: recs, rejections: [] };
    log.failNext('apply').failApplyPartially(1);
    await expect(log.apply([batch])).rejects.toThrow(/injected/);
    expect(log.aggregates().size).toBe(0);
    await expect(log.apply([batch])).rejects.toThrow(/partial/);
    expect(totalCalls(log)).toBe(1);
    await log.apply([batch]);
    expectAggregatesOf(log, recs);
    const other: UsageBatch = { ...batch, seq: 2, records: [] };
    await log.commit(batch);
    await log.commit(other);
    log.failSettlePartially(1).failNext('settle', 1, { after: true });
    await expect(log.settle([batch, other])).rejects.toThrow(/partial/);
    expect(log.committedIds()).toHaveLength(1);
    await expect(log.settle([other])).rejects.toThrow(/full/);
    expect(log.committedIds()).toEqual([]);
    log.down = true;
    await expect(log.committed()).rejects.toThrow(/down/);
  });
});

describe('Meter', () => {
  it('resolves record() only once its batch is committed', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir());
    const hold = deferred();
    log.gate('commit', hold.promise);
    const r = makeRecord();
    let resolved = false;
    let committedWhenResolved: string[] = [];
    const p = meter.record(r).then(() => {
      resolved = true;
      committedWhenResolved = log.commitHistory.flatMap((b) => b.records.map((x) => x.invocationId));
    });
    await until(() => log.calls.commit === 1);
    await sleep(30);
    expect(resolved).toBe(false);
    expect(log.successes.commit).toBe(0);
    log.gate('commit', undefined);
    hold.resolve();
    await p;
    expect(committedWhenResolved).toEqual([r.invocationId]);
    expect(await meter.settled()).toBe(true);
    expectAggregatesOf(log, [r]);
  });

  it('groups records of the same tick into one commit', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir());
    const recs = varied(200);
    await Promise.all(recs.map((r) => meter.record(r)));
    expect(log.calls.commit).toBeLessThanOrEqual(2);
    expect(log.commitHistory.flatMap((b) => b.records.map((x) => x.invocationId)).sort()).toEqual(recs.map((r) => r.invocationId).sort());
    expect(await meter.settled()).toBe(true);
    expectAggregatesOf(log, recs);
  });

  it('gathers records arriving behind commits in flight into the next batch', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir(), { maxInflightCommits: 2, maxBatchRecords: 60 });
    const hold = deferred();
    log.gate('commit', hold.promise);
    const first = meter.record(makeRecord());
    await until(() => log.calls.commit === 1);
    const second = meter.record(makeRecord());
    await until(() => log.calls.commit === 2);
    const rest = varied(100).map((r) => meter.record(r));
    await sleep(20);
    expect(log.calls.commit).toBe(2); // two in flight: the 100 wait
    log.gate('commit', undefined);
    hold.resolve();
    await Promise.all([first, second, ...rest]);
    expect(log.commitHistory.map((b) => b.records.length)).toEqual([1, 1, 60, 40]);
    expect(log.commitHistory.map((b) => b.seq)).toEqual([1, 2, 3, 4]);
    expect(await meter.settled()).toBe(true);
    expect(totalCalls(log)).toBe(102);
  });

  it('lets durable batches gather for applyDelayMs, then applies them as one unit; settled() does not wait for it', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir(), { applyDelayMs: 150 });
    for (let i = 0; i < 3; i += 1) await meter.record(makeRecord()); // three batches, one after the other
    expect(log.calls.commit).toBe(3);
    await sleep(30);
    expect(log.calls.apply).toBe(0); // still gathering
    await until(() => log.calls.apply === 1);
    expect(totalCalls(log)).toBe(3); // the three batches in one unit
    expect(meter.stats()).toMatchObject({ recordsApplied: 3, backlogRecords: 0, pendingBatches: 0 });

    await meter.record(makeRecord());
    const t0 = Date.now();
    expect(await meter.settled()).toBe(true);
    expect(Date.now() - t0).toBeLessThan(100); // a waiter takes what is durable at once
    expect(totalCalls(log)).toBe(4);
  });

  it('(control) with applyDelayMs 0 every durable batch is applied on its own', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir(), { applyDelayMs: 0 });
    for (let i = 0; i < 3; i += 1) {
      await meter.record(makeRecord());
      await until(() => log.calls.apply === i + 1);
    }
    expect(totalCalls(log)).toBe(3);
  });

  it('counts every record exactly once', async () => {
    const log = newLog({ latencyMs: 1 });
    const meter = newMeter(log, spoolDir(), { maxBatchRecords: 40 });
    const recs = varied(300);
    const done: Promise<void>[] = [];
    for (let i = 0; i < recs.length; i += 30) {
      for (const r of recs.slice(i, i + 30)) done.push(meter.record(r));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(done);
    expect(await meter.settled()).toBe(true);
    const aggs = [...log.aggregates().values()];
    expect(aggs.reduce((n, a) => n + a.calls, 0)).toBe(300);
    expect(aggs.reduce((n, a) => n + a.billableCalls, 0)).toBe(recs.filter((r) => r.billable).length);
    expectAggregatesOf(log, recs);
    expectRecordsOnce(log, recs);
    expect(log.committedIds()).toEqual([]);
  });

  it('keeps each batch within one store item, whatever the records weigh and however many clients were refused', async () => {
    const log = newLog();
    const sizes: { bytes: number; records: number; rejections: number }[] = [];
    const commit = log.commit.bind(log);
    log.commit = async (b: UsageBatch) => {
      sizes.push({ bytes: Buffer.byteLength(JSON.stringify(b)), records: b.records.length, rejections: b.rejections.length });
      return commit(b);
    };
    const meter = newMeter(log, spoolDir());
    // The heaviest records a manifest allows: ten authors with 63-character ids.
    const authors = Array.from({ length: 10 }, (_, i) => ({ id: `${i}${'a'.repeat(62)}`, weight: 1000 }));
    const recs = Array.from({ length: 400 }, () => makeRecord({ authors, featureVersion: `1.0.0-${'v'.repeat(58)}` }));
    for (let c = 0; c < 1_000; c++) meter.reject(`client-${c}`, 'rate_limited', MARCH);
    await Promise.all(recs.map((r) => meter.record(r)));
    expect(await meter.settled()).toBe(true);
    expect(sizes.length).toBeGreaterThan(1);
    for (const b of sizes) expect(b.bytes).toBeLessThan(400 * 1024);
    for (const b of sizes) expect(b.rejections).toBeLessThanOrEqual(MAX_BATCH_REJECTIONS);
    expect(sizes.reduce((n, b) => n + b.records, 0)).toBe(400);
    expect(sizes.reduce((n, b) => n + b.rejections, 0)).toBe(1_000);
    expectRecordsOnce(log, recs);
  });

  it('spools through a store outage, then replays every record once', async () => {
    const log = newLog();
    const dir = spoolDir();
    const meter = newMeter(log, dir);
    log.down = true;
    const recs = varied(50);
    const first = recs.slice(0, 20).map((r) => meter.record(r));
    await new Promise((r) => setImmediate(r));
    const second = recs.slice(20).map((r) => meter.record(r));
    await Promise.all([...first, ...second]); // durable in the spool: the calls may answer
    const files = spoolFiles(dir);
    expect(files.filter((f) => f.endsWith('.json')).length).toBe(meter.stats().batchesSpooled);
    expect(meter.stats().batchesSpooled).toBeGreaterThanOrEqual(2);
    expect(log.successes.commit).toBe(0);

    const t0 = Date.now();
    expect(await meter.settled(200)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(log.aggregates().size).toBe(0);

    log.down = false;
    expect(await meter.settled(5_000)).toBe(true);
    expectAggregatesOf(log, recs);
    expectRecordsOnce(log, recs);
    expect(spoolFiles(dir)).toEqual([]);
    expect(log.committedIds()).toEqual([]);
  });

  it('does not count twice a batch whose apply failed half way and was retried', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir());
    const recs = varied(30); // several aggregates in one batch
    expect(aggregateRecords(recs).size).toBeGreaterThan(3);
    log.failApplyPartially(1).failApplyPartially(3).failNext('apply', 1, { after: true });
    await Promise.all(recs.map((r) => meter.record(r)));
    expect(await meter.settled()).toBe(true);
    expect(meter.stats().applyFailures).toBe(3);
    expectAggregatesOf(log, recs);
    expectRecordsOnce(log, recs);
  });

  it('keeps the writer order: a later batch never overtakes a half-applied one', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir());
    const a = varied(20);
    const b = varied(20);
    log.failApplyPartially(2, 3);
    await Promise.all(a.map((r) => meter.record(r)));
    await until(() => log.calls.apply >= 1);
    await Promise.all(b.map((r) => meter.record(r))); // lands on the same aggregates while a is retried
    expect(await meter.settled()).toBe(true);
    expectAggregatesOf(log, [...a, ...b]);
  });

  it('(control) without the per-writer seq condition the same retries count twice', async () => {
    const log = newLog({ unconditional: true });
    const meter = newMeter(log, spoolDir());
    const recs = varied(30);
    log.failApplyPartially(1).failApplyPartially(3);
    await Promise.all(recs.map((r) => meter.record(r)));
    expect(await meter.settled()).toBe(true);
    expect(totalCalls(log)).toBeGreaterThan(recs.length);
  });

  it('counts rejections once, flushed by settled() and across apply retries', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir());
    for (let i = 0; i < 3; i++) meter.reject('c_acme', '401', MARCH);
    for (let i = 0; i < 2; i++) meter.reject('c_acme', '429', MARCH);
    meter.reject('-', '404', APRIL);
    log.failApplyPartially(1).failNext('apply', 1, { after: true }).failNext('settle', 1, { after: true });
    expect(await meter.settled()).toBe(true);
    expect(log.calls.commit).toBe(1);
    expect(meter.stats().applyFailures).toBe(3);
    expect(rejectionMap(log)).toEqual({ 'c_acme#2025-03#401': 3, 'c_acme#2025-03#429': 2, '-#2025-04#404': 1 });

    // carried by the next batch of records, and again through a half-failed apply
    const recs = varied(10);
    meter.reject('c_acme', '401', MARCH);
    log.failApplyPartially(aggregateRecords(recs).size); // every aggregate in, the rejection not
    await Promise.all(recs.map((r) => meter.record(r)));
    expect(await meter.settled()).toBe(true);
    expect(rejectionMap(log)).toEqual({ 'c_acme#2025-03#401': 4, 'c_acme#2025-03#429': 2, '-#2025-04#404': 1 });
    expectAggregatesOf(log, recs);
  });

  it('flushes lone rejections on its timer', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir(), { rejectionFlushMs: 10 });
    meter.reject('c_acme', '413', MARCH);
    await until(() => log.successes.settle === 1);
    expect(rejectionMap(log)).toEqual({ 'c_acme#2025-03#413': 1 });
  });

  /**
   * A process commits three batches while the store takes only part of each apply, then dies:
   * batch 1 committed and half applied, batch 2 committed but its answer lost (so spooled too),
   * batch 3 spooled only. A new process (a new writer) recovers them.
   */
  async function crashWithThreeBatches(freshOpts: Partial<MeterOptions>) {
    const log = newLog();
    const dir = spoolDir();
    const old = startProc(log, dir);
    log.failApplyPartially(1, Infinity); // the store takes one aggregate of a unit, then fails

    const b1 = varied(12);
    old.meter.reject('c_acme', '429', MARCH);
    await Promise.all(b1.map((r) => old.meter.record(r)));
    await until(() => log.calls.apply >= 2); // applied in part, retried in part
    expect(totalCalls(log)).toBeGreaterThan(0);
    expect(totalCalls(log)).toBeLessThan(b1.length);

    log.failNext('commit', 1, { after: true }); // committed, but the answer is lost: spooled too
    const b2 = varied(8);
    await Promise.all(b2.map((r) => old.meter.record(r)));
    log.failNext('commit', 1); // not committed: spooled only
    const b3 = varied(5);
    await Promise.all(b3.map((r) => old.meter.record(r)));

    expect(log.committedIds()).toHaveLength(2);
    expect(spoolFiles(dir).filter((f) => f.endsWith('.json'))).toHaveLength(2);
    await old.crash();
    log.clearFaults();

    const fresh = newMeter(log, dir, freshOpts);
    expect(fresh.writerId).not.toBe(old.meter.writerId);
    expect(await fresh.recover()).toBe(3);
    expect(await fresh.settled()).toBe(true);
    return { log, dir, all: [...b1, ...b2, ...b3] };
  }

  it('recovers after a crash: committed, spooled, both, half-applied, nothing doubled (batches replayed one by one)', async () => {
    const { log, dir, all } = await crashWithThreeBatches({ maxApplyUnit: 1 });
    expectAggregatesOf(log, all);
    expectRecordsOnce(log, all);
    expect(rejectionMap(log)).toEqual({ 'c_acme#2025-03#429': 1 });
    expect(spoolFiles(dir)).toEqual([]);
    expect(log.committedIds()).toEqual([]);
  });

  // Regression (fixed) (meter.ts, recover() + runApplier units): a unit may be retried only unchanged, but a new
  // process cannot know the units of the dead one and regroups the recovered batches of a writer
  // into one unit under the highest seq. Here the dead process's unit {1} reached one aggregate
  // (w_old = 1); recovery applies {1, 2, 3} as one unit with seq 3, that aggregate accepts it
  // (1 < 3) and gets batch 1 a second time. Expected: every counter equals aggregateRecords of
  // the 25 records; actual: the line batch 1 reached counts batch 1's calls twice.
  it('recovers after a crash with default units: recovered batches are applied one by one', async () => {
    const { log, all } = await crashWithThreeBatches({});
    expect(totalCalls(log)).toBe(all.length);
    expectAggregatesOf(log, all);
  });

  it('recovers after a crash between apply and settle without counting twice', async () => {
    const log = newLog();
    const dir = spoolDir();
    const old = startProc(log, dir);
    log.failNext('settle', Infinity);
    const recs = varied(10);
    await Promise.all(recs.map((r) => old.meter.record(r)));
    await until(() => log.successes.apply >= 1);
    expectAggregatesOf(log, recs);
    await old.crash();
    log.clearFaults();

    const fresh = newMeter(log, dir);
    expect(await fresh.recover()).toBe(1);
    expect(await fresh.settled()).toBe(true);
    expectAggregatesOf(log, recs);
    expect(log.committedIds()).toEqual([]);
  });

  // Regression (fixed) (same cause, the simplest case): batch 1 applied, its settle failing, batch 2 committed
  // behind it; the process dies. Recovery applies {1, 2} as one unit with seq 2; every aggregate
  // batch 1 reached has w_old = 1 < 2 and adds batch 1 again. Expected calls: 2, actual: 3.
  it('recovers a crash between apply and settle with a later batch committed, counting each once', async () => {
    const log = newLog();
    const dir = spoolDir();
    const old = startProc(log, dir);
    log.failNext('settle', Infinity);
    const first = makeRecord();
    await old.meter.record(first);
    await until(() => log.successes.apply >= 1);
    const second = makeRecord();
    await old.meter.record(second); // committed while the applier retries unit {1}
    expect(log.committedIds()).toHaveLength(2);
    await old.crash();
    log.clearFaults();

    const fresh = newMeter(log, dir);
    expect(await fresh.recover()).toBe(2);
    expect(await fresh.settled()).toBe(true);
    expect(totalCalls(log)).toBe(2);
  });

  it('recovers nothing from a clean store and spool', async () => {
    const meter = newMeter(newLog(), spoolDir());
    expect(await meter.recover()).toBe(0);
    expect(await meter.settled()).toBe(true);
  });

  // Regression (fixed) (meter.ts, settled()): settled() forces only the first batch past the in-flight limit;
  // further pending records stay pending and are not part of the target it waits for. With the
  // default options (400 records a batch, 2 commits in flight), 1,000 records recorded in one tick
  // then settled(): two batches (800 records) are formed, 200 stay pending, and settled() resolves
  // true once the two batches are applied, with 800 of the 1,000 calls in the aggregates.
  // close() is settled(), so it can return with records not yet even committed.
  it('settled() covers every record recorded before it', async () => {
    const log = newLog();
    const meter = newMeter(log, spoolDir());
    const recs = Array.from({ length: 1_000 }, () => makeRecord());
    const done = recs.map((r) => meter.record(r));
    const ok = await meter.settled();
    const countedAtSettled = totalCalls(log);
    await Promise.all(done); // drain before asserting, so nothing is left running
    await meter.settled();
    expect(totalCalls(log)).toBe(1_000);
    expect(ok).toBe(true);
    expect(countedAtSettled).toBe(1_000);
  });
});

// ---- property: any interleaving of records, faults and crashes counts exactly once -------------

type Step =
  | { t: 'records'; recs: Omit<UsageRecord, 'invocationId'>[]; rejs: { clientId: string; code: string; at: number }[] }
  | { t: 'fault'; method: 'commit' | 'apply' | 'settle'; mode: 'before' | 'after' | 'partial'; times: number; k: number }
  | { t: 'outage'; recs: Omit<UsageRecord, 'invocationId'>[] }
  | { t: 'pause'; ms: number }
  | { t: 'crash' };

const recordArb: fc.Arbitrary<Omit<UsageRecord, 'invocationId'>> = fc
  .record({
    clientId: fc.constantFrom('c1', 'c2'),
    featureId: fc.constantFrom('f1', 'f2'),
    price: fc.constantFrom(...PRICES),
    // the last two are one split in two orders: one line
    authors: fc.constantFrom<AuthorShare[]>([{ id: 'a1', weight: 1 }], [{ id: 'a1', weight: 1 }, { id: 'a2', weight: 2 }], [{ id: 'a2', weight: 2 }, { id: 'a1', weight: 1 }]),
    startedAt: fc.constantFrom(MARCH, APRIL - 10, APRIL),
    result: fc.constantFrom<[Outcome, number]>(['ok', 200], ['ok', 201], ['ok', 304], ['ok', 404], ['ok', 500], ['feature_error', 502], ['timeout', 504]),
    durationMs: fc.integer({ min: 0, max: 30_000 }).map((x) => x / 10),
    memoryMb: fc.constantFrom(128, 256, 1024),
    requestBytes: fc.nat(10_000),
    responseBytes: fc.nat(10_000),
  })
  .map(({ result: [outcome, status], durationMs, ...r }) => ({
    ...r,
    keyId: 'k',
    featureVersion: '1',
    durationMs,
    billedMs: billedMsOf(durationMs),
    status,
    outcome,
    billable: isBillable(outcome, status),
  }));

const stepArb = (crashes: boolean): fc.Arbitrary<Step> =>
  fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('records' as const), recs: fc.array(recordArb, { minLength: 1, maxLength: 6 }), rejs: fc.array(fc.record({ clientId: fc.constantFrom('c1', '-'), code: fc.constantFrom('401', '429'), at: fc.constantFrom(MARCH, APRIL) }), { maxLength: 2 }) }) },
  {
    weight: 3,
    arbitrary: fc
      .record({ method: fc.constantFrom('commit' as const, 'apply' as const, 'settle' as const), mode: fc.constantFrom('before' as const, 'after' as const, 'partial' as const), times: fc.integer({ min: 1, max: 2 }), k: fc.integer({ min: 0, max: 3 }) })
      .map((f) => ({ t: 'fault' as const, ...f, mode: f.mode === 'partial' && f.method === 'commit' ? ('before' as const) : f.mode })),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('outage' as const), recs: fc.array(recordArb, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 20 }) }) },
  ...(crashes ? [{ weight: 1, arbitrary: fc.constant({ t: 'crash' as const }) }] : []),
);

async function runScenario(steps: Step[], opts: Partial<MeterOptions>): Promise<void> {
  const log = new MemoryUsageLog();
  const dir = spoolDir();
  let proc = startProc(log, dir, opts);
  await proc.meter.recover();
  const all: UsageRecord[] = [];
  const rejections = new Map<string, number>();
  const record = async (specs: Omit<UsageRecord, 'invocationId'>[]) => {
    const recs = specs.map((s) => ({ ...s, invocationId: makeRecord().invocationId }));
    all.push(...recs);
    await Promise.all(recs.map((r) => proc.meter.record(r)));
  };
  try {
    for (const s of steps) {
      switch (s.t) {
        case 'records':
          for (const j of s.rejs) {
            proc.meter.reject(j.clientId, j.code, j.at);
            const key = `${j.clientId}#${monthOf(j.at)}#${j.code}`;
            rejections.set(key, (rejections.get(key) ?? 0) + 1);
          }
          await record(s.recs); // every record (and the rejections before it) durable past here
          break;
        case 'fault':
          if (s.mode === 'partial' && s.method === 'apply') log.failApplyPartially(s.k, s.times);
          else if (s.mode === 'partial' && s.method === 'settle') log.failSettlePartially(s.k, s.times);
          else log.failNext(s.method, s.times, { after: s.mode === 'after' });
          break;
        case 'outage':
          log.down = true;
          await record(s.recs);
          log.down = false;
          break;
        case 'pause':
          await sleep(s.ms);
          break;
        case 'crash':
          await proc.crash();
          proc = startProc(log, dir, opts);
          await proc.meter.recover();
          break;
      }
    }
    expect(await proc.meter.settled(15_000)).toBe(true);
    expectAggregatesOf(log, all);
    expectRecordsOnce(log, all);
    expect(rejectionMap(log)).toEqual(Object.fromEntries(rejections));
    expect(log.committedIds()).toEqual([]);
    expect(spoolFiles(dir)).toEqual([]);
  } finally {
    log.clearFaults();
    await proc.crash(); // stops the last meter whatever happened, timers included
  }
}

describe('Meter under random faults (property)', () => {
  it('ends with the aggregates of exactly the records it acknowledged, through any faults', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb(false), { minLength: 1, maxLength: 14 }), (steps) => runScenario(steps, {})),
      { numRuns: 20 },
    );
  }, 60_000);

  // Live units may merge batches; recovered ones are applied one by one (see the regression tests
  // above), which keeps crash recovery exact with the default options.
  it('also through crashes and recoveries, with the default apply units', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb(true), { minLength: 1, maxLength: 14 }), (steps) => runScenario(steps, {})),
      { numRuns: 20 },
    );
  }, 60_000);
});
