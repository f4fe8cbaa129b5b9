import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { batchId, MAX_BATCH_REJECTIONS, recordBytesBound, RejectionTally, type UsageBatch, type UsageRecord } from '../../shared/usage.ts';
import { describeError, type Logger } from '../logger.ts';
import type { FileSpool } from './spool.ts';
import { writeOrSpool } from './write-or-spool.ts';
import type { UsageLog } from './usage-log.ts';

export interface MeterOptions {
  /** the platform passes LOCAL_WRITER and its start's epoch; tests take a random id */
  writerId?: string;
  /** the seq before this start's first batch (epoch × SEQS_PER_EPOCH) */
  firstSeq?: number;
  /** records per batch; a batch is one store item, so it must stay well under 400 KB */
  maxBatchRecords?: number;
  /**
   * Batches being committed at once (default 1): more overlaps store latency, fewer makes bigger
   * batches. With one, every record arriving during a commit joins the next batch: under load that
   * halves the store's writes per call for the same answers (decision 18).
   */
  maxInflightCommits?: number;
  /** batches the applier adds to the aggregates in one go */
  maxApplyUnit?: number;
  /** how often lone rejection counts are flushed when no call carries them */
  rejectionFlushMs?: number;
  /**
   * How long a durable batch may wait for company before the applier takes it (default 100 ms):
   * the applier then adds several batches as one unit, one write per aggregate item for all of
   * them, instead of chasing every commit. Off the response path; `settled()` and `close()` do
   * not wait for it. 0 = apply as soon as a batch is durable.
   */
  applyDelayMs?: number;
  logger: Logger;
}

interface Waiter {
  record: UsageRecord;
  resolve: () => void;
}

interface Entry {
  n: number;
  batch: UsageBatch;
  committed: boolean;
  spooled: boolean;
  /** resolves once the batch is durable somewhere (store or spool) or known lost; never rejects */
  durable: Promise<void>;
  isDurable: boolean;
  /** when it became durable (performance.now(); 0 for batches recovered at start) */
  durableAt: number;
  /**
   * Left by an earlier process. Applied alone, never merged: that process may have applied it
   * part-way inside a unit we cannot know, and a merged unit's higher seq would let the lines it
   * already reached count it again.
   */
  recovered: boolean;
}

export interface MeterStats {
  writerId: string;
  recordsCommitted: number;
  batchesCommitted: number;
  batchesSpooled: number;
  batchesApplied: number;
  /** batches durable but not yet in the aggregates */
  pendingBatches: number;
  /** records in the aggregates (this start's, recovered batches included) */
  recordsApplied: number;
  /** records handed to record() and not yet in the aggregates: the aggregation backlog */
  backlogRecords: number;
  applyFailures: number;
}

/** How long a durable batch may wait for the next ones before the applier takes it (MeterOptions.applyDelayMs). */
export const DEFAULT_APPLY_DELAY_MS = 100;

/** Records in one apply unit at most (each may be a line of its own under interleaved traffic). */
const MAX_UNIT_RECORDS = 4_000;
/** A batch's records at most, by recordBytesBound: a quarter of the item's 400 KB left for rejections and slack. */
export const MAX_BATCH_BYTES = 300_000;

/** The local platform's one writer: its starts are told apart by epoch, not by id. */
export const LOCAL_WRITER = 'local';

export function newWriterId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Group commit for usage records. Concurrent calls' records are gathered into one batch and the
 * batch is committed as one store item; each caller's promise resolves once its batch is durable
 * (in the store, or in the local spool when the store fails). A single applier then adds the
 * batches to the aggregates strictly in order, retrying through outages, which is what makes the
 * per-writer sequence check in the aggregates sufficient for exactly-once counting.
 */
export class Meter {
  readonly writerId: string;
  private readonly maxBatch: number;
  private readonly maxInflight: number;
  private readonly maxUnit: number;
  private readonly applyDelayMs: number;
  private applyTimer: NodeJS.Timeout | undefined;
  private pending: Waiter[] = [];
  private readonly rejections = new RejectionTally();
  private seq = 0;
  private entries = 0;
  private inflight = 0;
  private flushScheduled = false;
  private queue: Entry[] = [];
  private applying = false;
  private closed = false;
  private appliedN = 0;
  private settleWaiters: { n: number; resolve: () => void }[] = [];
  private rejectionTimer: NodeJS.Timeout;
  private lastWarn = 0;
  private readonly counters = { recordsCommitted: 0, batchesCommitted: 0, batchesSpooled: 0, batchesApplied: 0, recordsApplied: 0, applyFailures: 0 };
  /** records handed to record() so far, and records of recovered batches */
  private recordsIn = 0;

  constructor(
    private readonly log: UsageLog,
    private readonly spool: FileSpool,
    private readonly opts: MeterOptions,
  ) {
    this.writerId = opts.writerId ?? newWriterId();
    this.seq = opts.firstSeq ?? 0;
    this.maxBatch = opts.maxBatchRecords ?? 400;
    this.maxInflight = opts.maxInflightCommits ?? 1;
    this.maxUnit = opts.maxApplyUnit ?? 64;
    this.applyDelayMs = opts.applyDelayMs ?? DEFAULT_APPLY_DELAY_MS;
    this.rejectionTimer = setInterval(() => {
      if (this.rejections.size > 0 && this.pending.length === 0) this.flush(true);
    }, opts.rejectionFlushMs ?? 1000);
    this.rejectionTimer.unref();
  }

  /** Resolves once the record is durable. Never rejects: a record is never dropped for an error. */
  record(record: UsageRecord): Promise<void> {
    this.recordsIn += 1;
    return new Promise((resolve) => {
      this.pending.push({ record, resolve });
      this.scheduleFlush();
    });
  }

  /** Counts a platform rejection (never billed). */
  reject(clientId: string, code: string, atMs: number): void {
    this.rejections.reject(clientId, code, atMs);
  }

  /** Waits (at most `timeoutMs`) until everything recorded so far is in the aggregates. */
  async settled(timeoutMs = 5_000): Promise<boolean> {
    if (this.pending.length > 0 || this.rejections.size > 0) this.flush(true);
    const target = this.entries;
    if (this.appliedN >= target) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<boolean>((resolve) => this.settleWaiters.push({ n: target, resolve: () => resolve(true) }));
    // Someone waits: the applier takes what is durable now, without waiting for company.
    void this.runApplier();
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  stats(): MeterStats {
    return { writerId: this.writerId, ...this.counters, pendingBatches: this.queue.length, backlogRecords: this.recordsIn - this.counters.recordsApplied };
  }

  /**
   * At start: batches committed but not applied (a crash between steps) and batches left in the
   * spool (a store outage) are queued for the applier, ahead of anything new, in (writer, seq) order.
   */
  async recover(): Promise<number> {
    const byId = new Map<string, Entry>();
    for (const batch of await this.spool.list()) {
      byId.set(batchId(batch), this.entry(batch, false, true));
    }
    for (const batch of await this.log.committed()) {
      const known = byId.get(batchId(batch));
      if (known) known.committed = true;
      else byId.set(batchId(batch), this.entry(batch, true, false));
    }
    const recovered = [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => ({ ...e, recovered: true }));
    for (const e of recovered) this.recordsIn += e.batch.records.length;
    // Renumber so that recovered entries settle before new ones.
    this.queue.unshift(...recovered);
    this.queue.forEach((e, i) => (e.n = this.appliedN + i + 1));
    this.entries = this.appliedN + this.queue.length;
    void this.runApplier();
    return recovered.length;
  }

  /** Flushes what is pending and waits (at most `timeoutMs`) for the applier to drain. */
  async close(timeoutMs = 5_000): Promise<void> {
    clearInterval(this.rejectionTimer);
    await this.settled(timeoutMs);
    clearTimeout(this.applyTimer);
    // What is still queued is durable (store commit or spool file): the next start recovers it.
    this.closed = true;
  }

  private entry(batch: UsageBatch, committed: boolean, spooled: boolean): Entry {
    return { n: 0, batch, committed, spooled, durable: Promise.resolve(), isDurable: true, durableAt: 0, recovered: false };
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Let every request finishing in this turn of the event loop join the batch.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush(false);
    });
  }

  /**
   * How many pending records the next batch takes: up to `maxBatch`, and no more than fit in
   * MAX_BATCH_BYTES (a batch is one store item, at most 400 KB), at least one.
   */
  private batchLength(): number {
    let bytes = 0;
    const n = Math.min(this.pending.length, this.maxBatch);
    for (let i = 0; i < n; i++) {
      bytes += recordBytesBound((this.pending[i] as Waiter).record);
      if (bytes > MAX_BATCH_BYTES) return Math.max(1, i);
    }
    return n;
  }

  /** `force` (settled, close, lone rejections) turns every pending record into a batch now. */
  private flush(force: boolean): void {
    while ((this.pending.length > 0 || (force && this.rejections.size > 0)) && (force || this.inflight < this.maxInflight)) {
      const waiters = this.pending.splice(0, this.batchLength());
      const batch: UsageBatch = {
        writerId: this.writerId,
        seq: ++this.seq,
        records: waiters.map((w) => w.record),
        rejections: this.rejections.take(MAX_BATCH_REJECTIONS),
      };
      const entry = this.entry(batch, false, false);
      entry.isDurable = false;
      entry.n = ++this.entries;
      this.queue.push(entry);
      this.inflight += 1;
      entry.durable = this.makeDurable(entry).finally(() => {
        entry.isDurable = true;
        entry.durableAt = performance.now();
        this.inflight -= 1;
        for (const w of waiters) w.resolve();
        void this.runApplier();
        if (this.pending.length > 0) this.scheduleFlush();
      });
    }
  }

  private async makeDurable(entry: Entry): Promise<void> {
    const outcome = await writeOrSpool(entry.batch, (b) => this.log.commit(b), (b) => this.spool.put(b), this.quietLogger, {
      spooled: 'usage store unavailable, spooling batch',
      lost: 'usage batch could not be stored or spooled',
      id: batchId(entry.batch),
    });
    if (outcome === 'stored') {
      entry.committed = true;
      this.counters.batchesCommitted += 1;
      this.counters.recordsCommitted += entry.batch.records.length;
    } else if (outcome === 'spooled') {
      entry.spooled = true;
      this.counters.batchesSpooled += 1;
    }
    // 'logged': the batch stays queued in memory for the applier, and whole in the log.
  }

  /**
   * The applier: one at a time, in queue order. Under load it takes several durable batches of
   * one writer as a unit (one aggregate update per line for all of them), and if the unit fails
   * part-way it retries that same unit, never a regrouped one (see UsageLog).
   */
  private async runApplier(): Promise<void> {
    if (this.applying) return;
    this.applying = true;
    let delay = 25;
    let unit: Entry[] | undefined;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const head = this.queue[0] as Entry;
        await head.durable;
        if (!unit && this.lingers(head)) break;
        if (!unit) {
          unit = [head];
          // A unit saves work only when its batches share lines; cap its size in records too, so
          // interleaved traffic (every record its own line) does not build huge units.
          let records = head.batch.records.length;
          for (const e of head.recovered ? [] : this.queue.slice(1, this.maxUnit)) {
            if (!e.isDurable || e.recovered || e.batch.writerId !== head.batch.writerId) break;
            if (records + e.batch.records.length > MAX_UNIT_RECORDS) break;
            records += e.batch.records.length;
            unit.push(e);
          }
        }
        try {
          for (const e of unit) {
            if (!e.committed) {
              await this.log.commit(e.batch);
              e.committed = true;
            }
            if (e.spooled) {
              await this.spool.remove(e.batch);
              e.spooled = false;
            }
          }
          const batches = unit.map((e) => e.batch);
          await this.log.apply(batches);
          await this.log.settle(batches);
        } catch (e) {
          this.counters.applyFailures += 1;
          this.warn('could not apply usage batch, will retry', e, head.batch);
          await sleep(delay);
          delay = Math.min(delay * 2, 1_000);
          continue;
        }
        delay = 25;
        this.queue.splice(0, unit.length);
        this.counters.batchesApplied += unit.length;
        for (const e of unit) this.counters.recordsApplied += e.batch.records.length;
        this.appliedN = (unit[unit.length - 1] as Entry).n;
        unit = undefined;
        this.settleWaiters = this.settleWaiters.filter((w) => (w.n <= this.appliedN ? (w.resolve(), false) : true));
      }
    } finally {
      this.applying = false;
    }
  }

  /**
   * Whether the applier should leave the head batch for now, to take it with the batches that
   * follow (arming a timer for when it has waited long enough): not when someone waits for the
   * aggregates, nor for a recovered batch, nor when a whole unit is already durable.
   */
  private lingers(head: Entry): boolean {
    if (this.applyDelayMs <= 0 || this.settleWaiters.length > 0 || head.recovered) return false;
    let durable = 0;
    let records = 0;
    for (const e of this.queue) {
      if (!e.isDurable || durable >= this.maxUnit || records >= MAX_UNIT_RECORDS) break;
      durable += 1;
      records += e.batch.records.length;
    }
    if (durable >= this.maxUnit || records >= MAX_UNIT_RECORDS) return false;
    const wait = head.durableAt + this.applyDelayMs - performance.now();
    if (wait <= 0) return false;
    if (!this.applyTimer) {
      this.applyTimer = setTimeout(() => {
        this.applyTimer = undefined;
        void this.runApplier();
      }, Math.ceil(wait));
      // Durable batches need no live process: one not applied yet is recovered at the next start.
      this.applyTimer.unref();
    }
    return true;
  }

  /** At most one warning a second: an outage must not flood the log. */
  private warn(msg: string, e: unknown, batch: UsageBatch): void {
    this.quietLogger.warn(msg, { error: describeError(e), batch: batchId(batch) });
  }

  private readonly quietLogger: Logger = {
    info: (msg, fields) => this.opts.logger.info(msg, fields),
    error: (msg, fields) => this.opts.logger.error(msg, fields),
    warn: (msg, fields) => {
      const now = Date.now();
      if (now - this.lastWarn < 1_000) return;
      this.lastWarn = now;
      this.opts.logger.warn(msg, fields);
    },
  };
}
