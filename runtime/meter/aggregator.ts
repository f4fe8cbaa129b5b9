import { randomUUID } from 'node:crypto';
import { lastClosedWindow, windowEndMs, windowOf } from '../../shared/lanes.ts';
import { mergeUpdates, planAggregateUpdates, type ItemUpdate } from '../../shared/usage-plan.ts';
import { RejectionTally, type UsageBatch, type UsageRecord } from '../../shared/usage.ts';
import { describeError, type Logger } from '../logger.ts';
import { runLimited } from '../store/run-limited.ts';
import type { LaneRecords } from './lane-records.ts';

/**
 * The one feed the aggregates know in AWS: `w_agg` on an aggregate item is the last window it
 * absorbed, so an item carries one such attribute however many containers, retries or spool
 * replays wrote records.
 */
export const AGGREGATOR_WRITER = 'agg';

/** The part of the usage log the aggregator writes to (DynamoUsageLog). */
export interface AggregateSink {
  /** each item's update is tried up to `attempts` times before the run fails */
  applyUpdates(feed: Pick<UsageBatch, 'writerId' | 'seq'>, updates: readonly ItemUpdate[], attempts?: number): Promise<void>;
}

/**
 * A run writes thousands of items; one throttled write must not fail it, or the retry re-sends
 * all of them (each refused by its condition, still billed). The SDK's own retries draw on a
 * quota that only successes refill, so refused writes drain it: the aggregator retries per item.
 */
const WRITE_ATTEMPTS = 5;

export interface AggregatorOptions {
  clock?: () => number;
  logger: Logger;
  /** how long a run may hold its claim before another may take the same windows over */
  leaseMs?: number;
  /** windows one run reads at most: bounds a run's memory after a long stop */
  maxWindowsPerRun?: number;
  /** where the very first run starts, back from now: there is no state before it */
  initialLookbackMs?: number;
  /** lane queries in flight at once */
  concurrency?: number;
}

export interface AggregateRun {
  outcome: 'applied' | 'idle' | 'busy';
  /** windows after..upTo were applied (or were being, when busy) */
  after: number;
  upTo: number;
  records: number;
  rejections: number;
  /** items that are neither a record nor rejections: logged whole, skipped, never block the run */
  unreadable: number;
  /** how far the aggregates trail the clock once this run is done, ms */
  lagMs: number;
}

/**
 * Folds closed windows of every lane into the aggregates, in order, exactly once: a run claims
 * windows applied < w ≤ to in the state item, applies them under the condition `w_agg < to`,
 * then advances `applied`. A run that dies leaves its claim; once the lease is over the next
 * run applies the very same windows again: the items that took them refuse, the others take them.
 */
export class Aggregator {
  private readonly clock: () => number;
  private readonly owner = randomUUID();

  constructor(
    private readonly lanes: LaneRecords,
    private readonly sink: AggregateSink,
    private readonly opts: AggregatorOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
  }

  async runOnce(): Promise<AggregateRun> {
    const layout = this.lanes.layout;
    const now = this.clock();
    const state = await this.lanes.state();
    const initial = windowOf(now - (this.opts.initialLookbackMs ?? 86_400_000), layout);
    const after = state?.applied ?? initial;
    const lag = (applied: number) => Math.max(0, now - windowEndMs(applied, layout));
    let to: number;
    if (state?.plan) {
      // Our own claim (a run of ours that failed part-way, or whose claim answer was lost) is
      // resumed at once; another's only once its lease is over.
      const ours = state.plan.owner === this.owner;
      if (!ours && state.plan.leaseUntil > now) return { outcome: 'busy', after, upTo: state.plan.to, records: 0, rejections: 0, unreadable: 0, lagMs: lag(after) };
      to = state.plan.to;
      if (!ours) this.opts.logger.warn('aggregator: taking over an interrupted run', { after, upTo: to, owner: state.plan.owner });
    } else {
      to = Math.min(lastClosedWindow(now, layout), after + (this.opts.maxWindowsPerRun ?? 120));
      if (to <= after) return { outcome: 'idle', after, upTo: after, records: 0, rejections: 0, unreadable: 0, lagMs: lag(after) };
    }
    const plan = { to, owner: this.owner, leaseUntil: now + (this.opts.leaseMs ?? 600_000) };
    if (!(await this.lanes.claim(state, initial, plan))) {
      // Refused: another run got in first, or our own claim landed and only its answer was lost
      // (a retry of it then finds the state changed). The state tells which.
      const now2 = await this.lanes.state();
      if (now2?.plan?.owner !== this.owner || now2.plan.to !== to) {
        return { outcome: 'busy', after, upTo: to, records: 0, rejections: 0, unreadable: 0, lagMs: lag(after) };
      }
    }
    // Folded a page at a time: the run holds one entry per aggregate item, never every record.
    const updates = new Map<string, ItemUpdate>();
    let records = 0;
    let rejections = 0;
    let unreadable = 0;
    await runLimited(
      this.lanes.ranges(after, to).map((range) => () =>
        this.lanes.readPages(range, (page) => {
          const pageRecords: UsageRecord[] = [];
          const tally = new RejectionTally();
          for (const { body } of page.bodies) {
            if ('record' in body) pageRecords.push(body.record);
            else for (const r of body.rejections) tally.add(r);
          }
          const pageRejections = tally.take();
          records += pageRecords.length;
          rejections += pageRejections.length;
          mergeUpdates(updates, planAggregateUpdates(pageRecords, pageRejections));
          for (const item of page.unreadable) {
            unreadable += 1;
            this.opts.logger.error('aggregator: unreadable usage item skipped', { item });
          }
        }),
      ),
      this.opts.concurrency ?? 8,
    );
    await this.sink.applyUpdates({ writerId: AGGREGATOR_WRITER, seq: to }, [...updates.values()], WRITE_ATTEMPTS);
    if (!(await this.lanes.advance(plan))) {
      // Another run took the claim over while this one was slow: it applies (or applied) the
      // same windows, and the items took them once.
      return { outcome: 'busy', after, upTo: to, records, rejections, unreadable, lagMs: lag(after) };
    }
    return { outcome: 'applied', after, upTo: to, records, rejections, unreadable, lagMs: lag(to) };
  }

  /**
   * Runs until every closed window is applied (the monthly close needs it) or no run can make
   * progress; never stops at the first failure of a run: it retries a few times, then reports.
   */
  async catchUp(maxRuns = 1_000): Promise<{ runs: AggregateRun[]; applied: number; caughtUp: boolean }> {
    const runs: AggregateRun[] = [];
    let failures = 0;
    for (let i = 0; i < maxRuns; i++) {
      let run: AggregateRun;
      try {
        run = await this.runOnce();
      } catch (e) {
        failures += 1;
        this.opts.logger.warn('aggregator run failed', { error: describeError(e), failures });
        if (failures >= 3) throw e;
        continue;
      }
      runs.push(run);
      if (run.outcome !== 'applied') break;
    }
    const state = await this.lanes.state();
    const applied = state?.applied ?? -1;
    return { runs, applied, caughtUp: !state?.plan && applied >= lastClosedWindow(this.clock(), this.lanes.layout) };
  }
}

