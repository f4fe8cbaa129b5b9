/**
 * `npm run sim:aws`, short: the real AWS Lambda handlers (gateway containers started and retired,
 * the spool drain, the statements sweep and close) against the real embedded store, with faults
 * on. Invariant 1 end to end: no answered call lost or counted twice, through throttling, a write
 * outage, containers dying mid-batch, crashed, bisected and duplicated spool deliveries; and the
 * same count in the records, the aggregates and the closed statement.
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
  'wruPerCall',
  'rruPerCall',
  'hotPathWriteRoundTrips',
  'hottestPartitionWritesPerSecond',
  'costPerMillionUsd',
] as const;

describe('sim:aws', () => {
  it('a short month with faults: every answered call counted once, records = aggregates = statement', async () => {
    const r = await runSim({
      calls: 800,
      clients: 20,
      features: 5,
      containers: 24,
      concurrency: 16,
      faults: true,
      // Rates well above the CLI's defaults, so that a short run meets every fault.
      killRate: 0.3,
      drainCrashRate: 0.3,
      duplicateDeliveryRate: 0.3,
      outage: [0.4, 0.45],
      rate: 100,
      sweepEverySimS: 1,
      featureMs: 0,
      progressMs: 0,
    });
    // The CLI prints the result as its last stdout line: it must survive JSON.
    const line = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
    for (const f of FIELDS) expect(line, f).toHaveProperty(f);
    for (const f of FIELDS.filter((f) => f !== 'costPerMillionUsd')) expect(typeof line[f], f).toBe('number');
    expect(typeof r.costPerMillionUsd.total).toBe('number');
    expect(r.costPerMillionUsd.total).toBeGreaterThan(0);

    expect(r.failures).toEqual([]);
    expect(r.calls).toBe(800);
    expect(r.lost).toBe(0);
    expect(r.doubleCounted).toBe(0);
    expect(r.served2xx).toBeGreaterThan(650);
    expect(r.records).toBe(r.aggregatedCalls);
    expect(r.statementCalls).toBe(r.aggregatedCalls);
    // Every answered call with a record is in the store, plus the unanswered ones a dying container committed.
    expect(r.records).toBeGreaterThanOrEqual(r.served2xx);
    expect(r.ledgerMismatchLines).toBe(0);
    expect(r.ok).toBe(true);

    // The faults really happened.
    const injected = r.faultsInjected as Record<string, number>;
    expect(injected.throttle).toBeGreaterThan(0);
    expect(injected.outage).toBeGreaterThan(0);
    const containers = r.containers as Record<string, number>;
    expect(containers.killedMidBatch).toBeGreaterThan(0);
    expect(containers.started).toBeGreaterThanOrEqual(24);
    const spool = r.spool as Record<string, number> & { drain: Record<string, number> };
    expect(spool.sent).toBeGreaterThan(0);
    expect(spool.redelivered).toBeGreaterThan(0);
    expect(spool.drain.crashes).toBeGreaterThan(0);
    expect(spool.deadLettered).toBe(0);
    expect(r.hotPathWriteRoundTrips).toBeGreaterThanOrEqual(1);
    expect(r.wruPerCall).toBeGreaterThan(0);
  }, 60_000);
});
