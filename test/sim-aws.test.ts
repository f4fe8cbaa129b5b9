/**
 * `npm run sim:aws`, short: the real AWS Lambda handlers (gateway containers started and retired,
 * the spool drain, the aggregator on its schedule and after the traffic, the statements close)
 * against the real embedded store, with faults on, ambiguous writes included. Invariant 1 end to
 * end: no answered call lost or counted twice, through throttling, a write outage, writes applied
 * whose answer was lost, containers dying at their write, crashed, bisected and duplicated spool
 * deliveries, aggregator runs killed mid-apply; and the same count in the lane records, the
 * aggregates and the closed statement. And the hot path the lanes promise: one write per call.
 */
import { describe, expect, it } from 'vitest';
import { runSim } from '../bench/sim/run.ts';

const FIELDS = [
  'calls',
  'served2xx',
  'records',
  'aggregatedCalls',
  'statementCalls',
  'lost',
  'doubleCounted',
  'maxItemBytes',
  'writerAttributes',
  'wruPerCall',
  'rruPerCall',
  'hotPathWriteRoundTrips',
  'hottestPartitionWritesPerSecond',
  'costPerMillionUsd',
  'quotaOvershootCalls',
  'spendOvershootMicros',
  'spendOvershootBoundMicros',
  'limitWruPerCall',
] as const;

describe('sim:aws', () => {
  // ≈ 25 s; the close's catch-up walks the month's remaining windows: longer early in a month.
  // One retry: on a starved machine (load > 4 on 2 cores) one spooled item was seen, once in ten
  // runs, to reach SQS's 10 receives and be dead-lettered (kept, not lost; the run then fails).
  // Left to investigate (closing note of 2026-12-06); a second failure in a row still fails.
  it('a short month with faults: every answered call counted once, records = aggregates = statement, one write per call', { timeout: 120_000, retry: 1 }, async () => {
    const r = await runSim({
      calls: 800,
      clients: 20,
      features: 5,
      containers: 24,
      concurrency: 16,
      faults: true,
      // Rates well above the CLI's defaults, so that a short run meets every fault.
      killRate: 0.4,
      drainCrashRate: 0.35,
      duplicateDeliveryRate: 0.3,
      aggregatorKillRate: 0.5,
      ambiguousRate: 0.02,
      outage: [0.4, 0.45],
      rate: 100,
      aggregateEverySimS: 2,
      featureMs: 0,
      progressMs: 0,
      // The limit scenarios, short: 10 containers, 6 s of real time, a 20/s rate asked 40/s.
      limits: true,
      limitInstances: 10,
      limitSeconds: 6,
      limitRps: 20,
    });
    // The CLI prints the result as its last stdout line: it must survive JSON.
    const line = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
    for (const f of FIELDS) expect(line, f).toHaveProperty(f);
    for (const f of FIELDS.filter((f) => f !== 'costPerMillionUsd')) expect(typeof line[f], f).toBe('number');
    expect(r.costPerMillionUsd.total).toBeGreaterThan(0);
    expect(r.costPerMillionUsd.platform).toBeGreaterThan(0);
    expect(r.costPerMillionUsd.platform).toBeLessThan(r.costPerMillionUsd.total as number);
    expect(r.costPerMillionUsd.lambdaAggregatorDuration).toBeGreaterThan(0);

    expect(r.failures).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.calls).toBe(800);
    expect(r.lost).toBe(0);
    expect(r.doubleCounted).toBe(0);
    expect(r.doubleCountedNon2xx).toBe(0);
    expect(r.served2xx).toBeGreaterThan(680);
    expect(r.records).toBe(r.aggregatedCalls);
    expect(r.statementCalls).toBe(r.aggregatedCalls);
    expect(r.duplicateRecords).toBe(0);
    // Every answered call with a record is in the store, plus the unanswered ones whose write landed.
    expect(r.records).toBeGreaterThanOrEqual(r.served2xx);
    expect(r.ledgerMismatchLines).toBe(0);
    expect(r.ok).toBe(true);

    // The design's promises.
    expect(r.hotPathWriteRoundTrips).toBeGreaterThan(0);
    expect(r.hotPathWriteRoundTrips).toBeLessThanOrEqual(1);
    expect(r.wruPerCall).toBeGreaterThan(0);
    expect(r.wruPerCall).toBeLessThanOrEqual(2);
    expect(r.writerAttributes).toBeLessThanOrEqual(1);

    // The faults really happened.
    const injected = r.faultsInjected as Record<string, number>;
    expect(injected.throttle).toBeGreaterThan(0);
    expect(injected.outage).toBeGreaterThan(0);
    expect((injected.ambiguous ?? 0) + (injected.outageApplied ?? 0)).toBeGreaterThan(0);
    const containers = r.containers as Record<string, number>;
    expect(containers.killedBeforeWrite).toBeGreaterThan(0);
    expect(containers.killedAfterWrite).toBeGreaterThan(0);
    expect(containers.started).toBeGreaterThanOrEqual(24);
    const spool = r.spool as Record<string, number> & { drain: Record<string, number> };
    expect(spool.sent).toBeGreaterThan(0);
    expect(spool.redelivered).toBeGreaterThan(0);
    expect(spool.drain.crashes).toBeGreaterThan(0);
    expect(spool.deadLettered).toBe(0);
    const aggregator = r.aggregator as Record<string, number> & { afterTrafficRuns: { outcome: string }[] };
    expect(aggregator.scheduled).toBeGreaterThan(0);
    // Runs died part-way (during the traffic, while the spool drained, or mid-apply after it);
    // a later one, after the lease, took the same windows over.
    expect(aggregator.killed).toBeGreaterThan(0);
    expect((r.logs as { warn: Record<string, number> }).warn['aggregator: taking over an interrupted run']).toBeGreaterThan(0);
    expect(aggregator.afterTrafficRuns.at(-1)?.outcome).toBe('caught up');

    // Limits across 10 containers, with the same faults: the quota and the cap never passed, the
    // rate within its bound (a failure above otherwise), standard headers on every answer, the
    // client within its limits never refused; and every limited client really hit its limit.
    expect(r.quotaOvershootCalls).toBe(0);
    expect(r.spendOvershootMicros).toBeLessThanOrEqual(r.spendOvershootBoundMicros as number);
    expect(r.rateConfiguredPerSecond).toEqual({ 'limited-rate': 20 });
    const limits = r.limits as {
      byClient: Record<string, Record<string, number>>;
      configured: Record<string, { monthlyQuota?: number }>;
      missingRetryAfter: number;
      missingRateLimitHeaders: number;
      steadyRefused: number;
      quotaCallsInStatement: number;
    };
    // What was served is what was billed, never past the quota; asked past it (how much was asked
    // depends on this machine's load), calls were refused.
    const quota = limits.configured['limited-quota']?.monthlyQuota as number;
    const served = limits.byClient['limited-quota']?.['200'] ?? 0;
    const asked = served + (limits.byClient['limited-quota']?.['429'] ?? 0);
    expect(served).toBeLessThanOrEqual(quota);
    expect(limits.quotaCallsInStatement).toBe(served);
    if (asked > quota) expect(limits.byClient['limited-quota']?.['429']).toBeGreaterThan(0);
    expect(limits.missingRetryAfter).toBe(0);
    expect(limits.missingRateLimitHeaders).toBe(0);
    expect(limits.steadyRefused).toBe(0);
  });
});
