/**
 * The aggregator Lambda (runtime/aws/aggregator-lambda.ts) as the simulation runs it:
 * - on its schedule during the traffic: the module's own `handler` (real clock), one module
 *   instance per aggregator container (`?aggregator=N`); with faults, a share of the runs die
 *   mid-apply (their SDK calls stop answering after k writes, as a gateway container's) and the
 *   container is replaced. Their claim stays until its 10-minute lease is over;
 * - after the traffic: `createAggregatorHandler(createAggregator(…))`, the code the module's
 *   `handler` builds, with its clock injected: the schedule's runs once every window written is
 *   closed and every lease taken during the traffic is over.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createAggregatorHandler } from '../../runtime/aws/aggregator-lambda.ts';
import { createAggregator } from '../../runtime/services/aggregator.ts';
import type { Logger } from '../../runtime/logger.ts';
import { documentClient } from '../../runtime/store/dynamo-client.ts';
import type { TableNames } from '../../runtime/store/tables.ts';
import { idle, newActor, newInvocation, scope, type Actor, type Invocation, type Units } from './instrument.ts';
import type { Sequence } from './rng.ts';

const AGGREGATOR_MODULE = new URL('../../runtime/aws/aggregator-lambda.ts', import.meta.url).href;

interface HandlerResult {
  runs: number;
  applied: number;
  caughtUp: boolean;
  records: number;
}

export interface AggregatorStats {
  /** Lambda invocations (scheduled during the traffic, then after it) */
  invocations: number;
  scheduled: number;
  afterTraffic: number;
  containers: number;
  /** invocations killed mid-apply */
  killed: number;
  /** invocations whose handler threw (e.g. in the write outage) */
  failed: number;
  /** runOnce calls inside the invocations (claims and idle checks) */
  runs: number;
  /** records folded, as the handlers reported them (a run killed before it reported is not in) */
  records: number;
  /** Σ of each invocation's longest chain of sequential DynamoDB attempts (for its modelled duration) */
  sequentialRoundTrips: number;
  /** the same, for invocations that found nothing to apply */
  idleRoundTrips: number;
  idleInvocations: number;
  lastApplied: number | null;
  caughtUp: boolean;
  /** runs after the traffic that ended without catching up (killed, failed, or blocked by a claim) */
  afterTrafficIncomplete: number;
  /** the DynamoDB units those incomplete runs consumed (in the month's units too) */
  incompleteRunsUnits: { wru: number; rru: number };
  /** per run after the traffic: its outcome and the SDK retry quota its DynamoDB client had left (500 at start) */
  afterTrafficRuns: { outcome: string; retryCapacityLeft: number | null }[];
}

type Outcome = HandlerResult | 'killed' | 'threw';

async function runInvocation(actor: Actor, inv: Invocation, fn: () => Promise<HandlerResult>): Promise<Outcome> {
  const killed = new Promise<'killed'>((resolve) => {
    actor.onKilled = () => resolve('killed');
  });
  try {
    return await Promise.race([scope.run({ actor, inv }, fn), killed]);
  } catch {
    return 'threw';
  }
}

export class Aggregations {
  private handler: (() => Promise<HandlerResult>) | undefined;
  private actor: Actor | undefined;
  private generation = 0;
  private afterTrafficNext = 0;
  readonly stats: AggregatorStats = {
    invocations: 0,
    scheduled: 0,
    afterTraffic: 0,
    containers: 0,
    killed: 0,
    failed: 0,
    runs: 0,
    records: 0,
    sequentialRoundTrips: 0,
    idleRoundTrips: 0,
    idleInvocations: 0,
    lastApplied: null,
    caughtUp: false,
    afterTrafficIncomplete: 0,
    incompleteRunsUnits: { wru: 0, rru: 0 },
    afterTrafficRuns: [],
  };
  constructor(
    private readonly draws: Sequence,
    private readonly faults: { killRate: number } | undefined,
    private readonly simNow: () => number,
    /** the probe's units of the aggregator actors */
    private readonly units: Units,
  ) {}

  private account(inv: Invocation, outcome: Outcome): void {
    this.stats.invocations++;
    this.stats.sequentialRoundTrips += inv.anyDepth;
    if (outcome === 'killed') this.stats.killed++;
    else if (outcome === 'threw') this.stats.failed++;
    else {
      this.stats.runs += outcome.runs;
      this.stats.records += outcome.records;
      this.stats.lastApplied = outcome.applied;
      this.stats.caughtUp = outcome.caughtUp;
      if (outcome.records === 0) {
        this.stats.idleInvocations++;
        this.stats.idleRoundTrips += inv.anyDepth;
      }
    }
  }

  private async retire(actor: Actor): Promise<void> {
    await idle(actor);
    for (const c of actor.clients) c.destroy();
    actor.clients.clear();
  }

  /** One scheduled run during the traffic: the module's `handler`, in its container. */
  async scheduled(): Promise<Outcome> {
    if (!this.handler || !this.actor) {
      this.generation++;
      this.stats.containers++;
      this.actor = newActor(`aggregator-${this.generation}`, 'aggregator');
      const mod = (await import(`${AGGREGATOR_MODULE}?aggregator=${this.generation}`)) as { handler: () => Promise<HandlerResult> };
      this.handler = mod.handler;
    }
    const actor = this.actor;
    const handler = this.handler;
    this.stats.scheduled++;
    const inv = newInvocation(this.stats.scheduled, this.simNow());
    // A run with records writes its claim, one update per aggregate item, then its advance; an
    // empty one its claim and advance: k in 1..8 kills either kind part-way.
    if (this.faults && this.draws.next() < this.faults.killRate) inv.killAfterWrites = 1 + this.draws.int(8);
    const outcome = await runInvocation(actor, inv, handler);
    this.account(inv, outcome);
    if (outcome === 'killed') {
      await this.retire(actor);
      this.handler = undefined;
      this.actor = undefined;
    }
    return outcome;
  }

  /**
   * One scheduled run once the traffic is over, while the spool drains: the code the module's
   * `handler` builds, with the run's clock (`clock`, ahead of the real one as simulated time
   * jumps to the next message's visibility). Killed like the runs during the traffic.
   */
  async at(tables: TableNames, logger: Logger, emit: (line: string) => void, clock: () => number): Promise<Outcome> {
    const actor = newActor(`aggregator-drain-${this.stats.scheduled}`, 'aggregator');
    const db = documentClient(new DynamoDBClient({}));
    this.stats.scheduled++;
    const inv = newInvocation(this.stats.scheduled, this.simNow());
    if (this.faults && this.draws.next() < this.faults.killRate) inv.killAfterWrites = 1 + this.draws.int(8);
    const outcome = await runInvocation(actor, inv, createAggregatorHandler(createAggregator(db, tables, logger, clock), logger, emit, clock));
    this.account(inv, outcome);
    await this.retire(actor);
    db.destroy();
    return outcome;
  }

  /**
   * The schedule's runs after the traffic, clock `startMs` (+ real time elapsed), until caught up
   * or `maxRuns` ran. With faults, the first is killed after `killAfterWrites` of its aggregate
   * writes (mid-apply); the next comes after the lease (+11 min) and takes the same windows over.
   * Resolves whether the aggregator caught up.
   */
  async afterTraffic(tables: TableNames, logger: Logger, emit: (line: string) => void, startMs: number, killAfterWrites: number | undefined, maxRuns: number): Promise<boolean> {
    // A later call goes on from where the last one stopped: its first run comes after their leases.
    const realStart = Date.now();
    const base = Math.max(startMs, this.afterTrafficNext);
    let offset = 0;
    for (let attempt = 0; attempt < maxRuns; attempt++) {
      const clock = () => base + offset + (Date.now() - realStart);
      this.afterTrafficNext = base + offset + 11 * 60_000 + (Date.now() - realStart);
      const actor = newActor(`aggregator-after-${this.stats.afterTraffic}`, 'aggregator');
      const db = documentClient(new DynamoDBClient({}));
      const handler = createAggregatorHandler(createAggregator(db, tables, logger, clock), logger, emit, clock);
      this.stats.afterTraffic++;
      const inv = newInvocation(this.stats.afterTraffic, this.simNow());
      if (attempt === 0 && killAfterWrites !== undefined) {
        inv.killAfterWrites = killAfterWrites;
        inv.killCounts = 'usage';
      }
      const before = { wru: this.units.wru, rru: this.units.rru };
      const outcome = await runInvocation(actor, inv, handler);
      this.account(inv, outcome);
      const strategy = (await (db.config as { retryStrategy: () => Promise<{ getCapacity?: () => number }> }).retryStrategy()) ?? {};
      this.stats.afterTrafficRuns.push({
        outcome: typeof outcome === 'string' ? outcome : outcome.caughtUp ? 'caught up' : 'stopped',
        retryCapacityLeft: typeof strategy.getCapacity === 'function' ? strategy.getCapacity() : null,
      });
      await this.retire(actor);
      db.destroy();
      if (outcome !== 'killed' && outcome !== 'threw' && outcome.caughtUp) return true;
      // Killed, failed or stopped by a claim it could not take: the next scheduled run after the lease.
      this.stats.afterTrafficIncomplete++;
      this.stats.incompleteRunsUnits.wru += this.units.wru - before.wru;
      this.stats.incompleteRunsUnits.rru += this.units.rru - before.rru;
      offset += 11 * 60_000;
    }
    return false;
  }
}
