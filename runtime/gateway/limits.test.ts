import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreProcess } from '../local/embedded-store.ts';
import { LimitLedger, type LimitStore, type TestCallLedger } from '../limits/limit-ledger.ts';
import type { Logger } from '../logger.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { tableNames } from '../store/tables.ts';
import { PlatformError } from './errors.ts';
import { LEASES, SharedLimits, type Admission } from './limits.ts';
import { MAX_TEST_LEASE, TestAllowance } from './test-allowance.ts';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;
const MONTH = '2026-12';
const T0 = Date.UTC(2026, 11, 6, 12);

let dir: string;
let store: StoreProcess;
let dynamo: ReturnType<typeof localDynamoClient>;
let ledger: LimitLedger;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-limits-'));
  store = new StoreProcess(dir);
  await store.start();
  dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential, maxAttempts: 1 });
  const tables = tableNames('l-');
  await ensureTables(dynamo, tables);
  ledger = new LimitLedger(documentClient(dynamo), tables);
});
afterAll(async () => {
  dynamo.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The ledger, counting the rate leases and the month leases (and give-backs) written. */
function countingRateWrites(): LimitStore & { writes: number; monthWrites: number } {
  const store = {
    writes: 0,
    monthWrites: 0,
    takeRate: (...a: Parameters<LimitStore['takeRate']>) => {
      store.writes++;
      return ledger.takeRate(...a);
    },
    takeMonth: (...a: Parameters<LimitStore['takeMonth']>) => {
      store.monthWrites++;
      return ledger.takeMonth(...a);
    },
    monthCommitted: (...a: Parameters<LimitStore['monthCommitted']>) => ledger.monthCommitted(...a),
  };
  return store;
}

const instances = (n: number, s: LimitStore = ledger) => Array.from({ length: n }, () => new SharedLimits(s, quiet));

/** The code of a refusal, or 'ok' with the admission. */
type Attempt = { code: 'ok'; admission: Admission } | { code: string; error: PlatformError };

async function attempt(l: SharedLimits, clientId: string, limits: Parameters<SharedLimits['admit']>[1], now: number, reservation = 0): Promise<Attempt> {
  try {
    return { code: 'ok', admission: await l.admit(clientId, limits, now, MONTH, reservation) };
  } catch (e) {
    if (e instanceof PlatformError) return { code: e.code, error: e };
    throw e;
  }
}
const admitted = (r: Attempt): r is { code: 'ok'; admission: Admission } => r.code === 'ok';
const refusal = (r: Attempt): PlatformError => (r as { error: PlatformError }).error;

describe('SharedLimits over one limit store, many gateway instances', () => {
  it('a monthly quota is never exceeded by 10 instances calling at once, and every call of it is served once slices come back', async () => {
    const gws = instances(10);
    const quota = 137;
    let served = 0;
    const refusals: Record<string, number> = {};
    // 10 instances × 40 concurrent calls, 5 rounds a second apart (slices are leased on demand).
    for (let round = 0; round < 5; round++) {
      const now = T0 + round * 1_000;
      const results = await Promise.all(gws.flatMap((g) => Array.from({ length: 40 }, () => attempt(g, 'quota-10', { monthlyQuota: quota }, now))));
      for (const r of results) {
        if (r.code === 'ok') served++;
        else refusals[r.code] = (refusals[r.code] ?? 0) + 1;
      }
      expect(served).toBeLessThanOrEqual(quota);
    }
    expect(Object.keys(refusals)).toEqual(['quota_exceeded']);
    // Slices still held by other instances go back when they are closed (in AWS: when they expire).
    await Promise.all(gws.map((g) => g.close()));
    const late = new SharedLimits(ledger, quiet);
    for (let i = 0; i < 200 && served < quota + 1; i++) {
      const r = await attempt(late, 'quota-10', { monthlyQuota: quota }, T0 + 60_000 + i);
      if (r.code !== 'ok') break;
      served++;
    }
    expect(served).toBe(quota);
    await late.close();
    expect((await ledger.monthCommitted('quota-10', MONTH)).calls).toBe(quota);
  });

  it('a spend cap is never passed: each call reserves its price and largest compute, and gives back the rest', async () => {
    const gws = instances(4);
    const cap = 100_000;
    let spent = 0;
    let refused = 0;
    for (let round = 0; round < 20; round++) {
      const now = T0 + round * 500;
      const results = await Promise.all(gws.flatMap((g) => Array.from({ length: 8 }, () => attempt(g, 'capped', { monthlySpendCapMicros: cap }, now, 3_000))));
      for (const r of results) {
        if (admitted(r)) {
          // the call cost 2,000 of its 3,000 reserved (a shorter compute than its timeout)
          r.admission.settle(2_000);
          spent += 2_000;
        } else {
          expect(r.code).toBe('spend_cap_reached');
          expect(Number(refusal(r).headers['retry-after'])).toBeGreaterThan(0);
          refused++;
        }
      }
      expect(spent).toBeLessThanOrEqual(cap);
    }
    expect(refused).toBeGreaterThan(0);
    await Promise.all(gws.map((g) => g.close()));
    expect((await ledger.monthCommitted('capped', MONTH)).micros).toBe(spent);
    // What slices held comes back: a later instance spends it, until less than one reservation is left.
    const late = new SharedLimits(ledger, quiet);
    for (let i = 0; i < 100; i++) {
      const r = await attempt(late, 'capped', { monthlySpendCapMicros: cap }, T0 + 60_000 + i * 2_000, 3_000);
      if (!admitted(r)) break;
      r.admission.settle(2_000);
      spent += 2_000;
    }
    await late.close();
    const committed = await ledger.monthCommitted('capped', MONTH);
    expect(committed.micros).toBe(spent);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(cap - spent).toBeLessThan(3_000);
    // The refusal is marked with the cap it was refused for: the console says "reached".
    expect(committed.capRefused).toBe(cap);
  });

  it('a rate of 50/s across 20 instances, asked 8 × that, serves within ±10 % of 50/s over a minute with Retry-After on every refusal', async () => {
    const counting = countingRateWrites();
    const gws = instances(20, counting);
    const limits = { rps: 50, burst: 50 };
    let served = 0;
    let refusedWithRetryAfter = 0;
    // 60 s of virtual time in 50 ms steps: each instance is asked 1 call per step (400/s in all, 8 × the rate).
    const start = T0 + 3_600_000;
    for (let step = 0; step < 1_200; step++) {
      const now = start + step * 50;
      const results = await Promise.all(gws.map((g) => attempt(g, 'rated', limits, now)));
      for (const r of results) {
        if (r.code === 'ok') served++;
        else if (r.code === 'rate_limited' && Number(refusal(r).headers['retry-after']) >= 1) refusedWithRetryAfter++;
      }
    }
    const perSecond = served / 60;
    expect(perSecond).toBeGreaterThanOrEqual(45);
    expect(perSecond).toBeLessThanOrEqual(55 + 50 / 60);
    expect(refusedWithRetryAfter).toBe(1_200 * 20 - served);
    // 8 × the rate: instances back off (with jitter) from an empty bucket; most refusals cost no write
    expect(counting.writes / served).toBeLessThanOrEqual(0.5);
  });

  it('at steady load (90 % of a 100/s rate over 20 instances) refuses nothing and leases at ≤ 0.1 writes per call', async () => {
    const counting = countingRateWrites();
    const gws = instances(20, counting);
    let served = 0;
    let refused = 0;
    const start = T0 + 7_200_000;
    // 90 calls a second: 9 instances each 100 ms, in turn, for 60 s.
    for (let step = 0; step < 600; step++) {
      const now = start + step * 100;
      const results = await Promise.all(Array.from({ length: 9 }, (_, k) => attempt(gws[(step * 9 + k) % 20] as SharedLimits, 'steady', { rps: 100, burst: 100 }, now)));
      for (const r of results) (r.code === 'ok' ? served++ : refused++);
    }
    expect(refused).toBe(0);
    expect(served).toBe(5_400);
    expect(counting.writes / served).toBeLessThanOrEqual(0.1);
  });

  it('at steady load with a rate, a quota and a spend cap, every limit together costs ≤ 0.1 writes per call (invariants 8 and 9)', async () => {
    const counting = countingRateWrites();
    const gws = instances(20, counting);
    const limits = { rps: 100, burst: 100, monthlyQuota: 1_000_000_000, monthlySpendCapMicros: 1_000_000_000_000 };
    let served = 0;
    const start = T0 + 9_000_000;
    for (let step = 0; step < 600; step++) {
      const now = start + step * 100;
      const results = await Promise.all(Array.from({ length: 9 }, (_, k) => attempt(gws[(step * 9 + k) % 20] as SharedLimits, 'steady-all', limits, now, 205)));
      for (const r of results) {
        expect(r.code).toBe('ok');
        if (admitted(r)) r.admission.settle(200);
        served++;
      }
    }
    expect((counting.writes + counting.monthWrites) / served).toBeLessThanOrEqual(0.1);
  });

  it('a slice follows its instance\'s demand down: after a pause the next call gives back what it no longer needs', async () => {
    const [g] = instances(1) as [SharedLimits];
    // 10 calls a second for 10 s: the instance holds a slice for its next 30 s of demand.
    for (let i = 0; i < 100; i++) expect((await attempt(g, 'fading', { monthlyQuota: 100_000 }, T0 + i * 100)).code).toBe('ok');
    await expect.poll(async () => (await ledger.monthCommitted('fading', MONTH)).calls - 100).toBeGreaterThan(100);
    const held = (await ledger.monthCommitted('fading', MONTH)).calls - 100;
    // 20 s without a call (a container about to be frozen, then removed), then one call.
    expect((await attempt(g, 'fading', { monthlyQuota: 100_000 }, T0 + 30_000)).code).toBe('ok');
    await expect.poll(async () => (await ledger.monthCommitted('fading', MONTH)).calls - 101).toBeLessThan(held / 10);
  });

  it('answers carry RateLimit-Policy and RateLimit for the rate and the quota', async () => {
    const [g] = instances(1) as [SharedLimits];
    const r = await attempt(g, 'headers', { rps: 5, burst: 10, monthlyQuota: 1_000 }, T0);
    const headers = admitted(r) ? r.admission.headers : {};
    expect(headers['ratelimit-policy']).toBe(`"rate";q=10;w=2, "month";q=1000;w=${31 * 86_400}`);
    expect(headers.ratelimit).toMatch(/^"rate";r=\d+;t=\d+, "month";r=\d+;t=\d+$/);
    await g.close();
  });
});

describe('SharedLimits when a write\'s answer is lost', () => {
  it('a give-back applied by the store whose answer was lost is not given back again: the quota holds', async () => {
    const quota = 40;
    let loseNextGiveBack = false;
    // The real ledger, except that one give-back's answer is lost after the store applied it.
    const flaky: LimitStore = {
      takeRate: (...a) => ledger.takeRate(...a),
      monthCommitted: (...a) => ledger.monthCommitted(...a),
      takeMonth: async (c, m, ask) => {
        const r = await ledger.takeMonth(c, m, ask);
        if (loseNextGiveBack && ask.calls === 0 && ask.giveCalls > 0) {
          loseNextGiveBack = false;
          throw Object.assign(new Error('socket timeout after the store applied the write'), { name: 'TimeoutError' });
        }
        return r;
      },
    };
    const g1 = new SharedLimits(flaky, quiet);
    const g2 = new SharedLimits(ledger, quiet);
    let served = 0;
    // g1 serves a call (its slice holds more), then its slice expires and is swept: lost answer.
    if ((await attempt(g1, 'lost-answer', { monthlyQuota: quota }, T0)).code === 'ok') served++;
    expect((await ledger.monthCommitted('lost-answer', MONTH)).calls).toBeGreaterThan(served);
    loseNextGiveBack = true;
    await attempt(g1, 'someone-else', {}, T0 + LEASES.monthLeaseMs + 2_000);
    await expect.poll(() => loseNextGiveBack).toBe(false);
    const later = T0 + LEASES.monthLeaseMs + 3_000;
    for (let i = 0; i < 200; i++) if ((await attempt(g1, 'lost-answer', { monthlyQuota: quota }, later + i)).code === 'ok') served++;
    for (let i = 0; i < 200; i++) if ((await attempt(g2, 'lost-answer', { monthlyQuota: quota }, later + i)).code === 'ok') served++;
    await g1.close();
    await g2.close();
    const g3 = new SharedLimits(ledger, quiet);
    for (let i = 0; i < 100; i++) if ((await attempt(g3, 'lost-answer', { monthlyQuota: quota }, T0 + 3 * LEASES.monthLeaseMs + i * 1_100)).code === 'ok') served++;
    await g3.close();
    expect(served).toBeLessThanOrEqual(quota);
    expect((await ledger.monthCommitted('lost-answer', MONTH)).calls).toBeLessThanOrEqual(quota);
  });

  it('refuses a DynamoDB client that retries on its own: a retried give-back would count twice', async () => {
    const retrying = localDynamoClient({ endpoint: store.endpoint, credential: store.credential, maxAttempts: 3 });
    try {
      const l = new LimitLedger(documentClient(retrying), tableNames('l-'));
      await expect(l.takeMonth('x', MONTH, { calls: 1, micros: 0, giveCalls: 0, giveMicros: 0, minMicros: 0, quota: 5 })).rejects.toThrow(/maxAttempts 1/);
    } finally {
      retrying.destroy();
    }
  });
});

describe('SharedLimits when the limit store cannot be reached', () => {
  const down: LimitStore = {
    takeRate: () => Promise.reject(new Error('connect ECONNREFUSED')),
    takeMonth: () => Promise.reject(new Error('connect ECONNREFUSED')),
    monthCommitted: () => Promise.reject(new Error('connect ECONNREFUSED')),
  };

  it('a client with a quota or a cap is refused with 503 limits_unavailable (never served past what it agreed to), and the outage is told once', async () => {
    const told: number[] = [];
    const g = new SharedLimits(down, quiet, undefined, (at) => told.push(at));
    expect((await attempt(g, 'q', { monthlyQuota: 10 }, T0)).code).toBe('limits_unavailable');
    expect((await attempt(g, 'c', { monthlySpendCapMicros: 10 }, T0, 1)).code).toBe('limits_unavailable');
    // at most once every 10 s per instance: a metric line, not one per request
    expect(told).toEqual([T0]);
  });

  it('a client with only a rate is served at its rate by each instance on its own (fail open, bounded)', async () => {
    const g = new SharedLimits(down, quiet);
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) codes.push((await attempt(g, 'r', { rps: 2, burst: 3 }, T0 + i)).code);
    expect(codes).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    // a second later the bucket has 2 more
    expect((await attempt(g, 'r', { rps: 2, burst: 3 }, T0 + 1_010)).code).toBe('ok');
  });

  it('slices already held keep serving through an outage, then 503', async () => {
    let up = true;
    const flaky: LimitStore = {
      takeRate: (...a) => (up ? ledger.takeRate(...a) : down.takeRate(...a)),
      takeMonth: (...a) => (up ? ledger.takeMonth(...a) : down.takeMonth(...a)),
      monthCommitted: (...a) => ledger.monthCommitted(...a),
    };
    const g = new SharedLimits(flaky, quiet);
    // Demand of ~20/s leases a slice of many calls; then the store goes away.
    for (let i = 0; i < 20; i++) expect((await attempt(g, 'held', { monthlyQuota: 10_000 }, T0 + i * 50)).code).toBe('ok');
    up = false;
    const codes = new Set<string>();
    let ok = 0;
    for (let i = 0; i < 500; i++) {
      const r = await attempt(g, 'held', { monthlyQuota: 10_000 }, T0 + 1_000 + i);
      codes.add(r.code);
      if (r.code === 'ok') ok++;
    }
    expect(ok).toBeGreaterThan(0);
    expect([...codes].sort()).toEqual(['limits_unavailable', 'ok']);
    up = true;
    await g.close();
    // Every call served was counted: what the slices held and did not serve went back.
    expect((await ledger.monthCommitted('held', MONTH)).calls).toBe(20 + ok);
  });
});

it('slices last long enough to amortise their write, and no longer than a few seconds', () => {
  expect(LEASES.rateLeaseMs).toBeGreaterThan(LEASES.rateHorizonS * 1000);
  expect(LEASES.monthLeaseMs).toBeGreaterThan(LEASES.monthHorizonS * 1000);
  expect(LEASES.monthLeaseMs).toBeLessThanOrEqual(60_000);
});

/** The ledger, counting its writes. */
function countingTestLeases(): TestCallLedger & { writes: number } {
  const c = {
    writes: 0,
    takeTestCalls: (...a: Parameters<TestCallLedger['takeTestCalls']>) => {
      c.writes++;
      return ledger.takeTestCalls(...a);
    },
  };
  return c;
}

let keys = 0;
const DAY = '2026-12-06';

describe("an account's daily allowance of test calls", () => {
  it('one instance: exactly the allowance, each answer saying what is left, in leases of at most 32 calls', async () => {
    const key = `k${++keys}`;
    const store = countingTestLeases();
    const allowance = new TestAllowance(store, 200);
    for (let i = 1; i <= 200; i++) expect(await allowance.take(key, DAY)).toEqual({ ok: true, used: i });
    expect(await allowance.take(key, DAY)).toEqual({ ok: false, used: 200 });
    // Leases 1, 2, 4, 8, 16, 32, 32, 32, 32, then the last 41 − … : far fewer writes than calls.
    expect(store.writes).toBeLessThanOrEqual(6 + Math.ceil((200 - 63) / MAX_TEST_LEASE) + 1);
    // The next day starts afresh.
    expect(await allowance.take(key, '2026-12-07')).toEqual({ ok: true, used: 1 });
  });

  it('any number of instances, calls in any order: never more than the allowance, and a key calling once costs one call of it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(4), { minLength: 1, maxLength: 120 }), async (perDay, n, order) => {
        const key = `k${++keys}`;
        const instances = Array.from({ length: n }, () => new TestAllowance(ledger, perDay));
        // Concurrent calls, each to the instance the order names.
        const results = await Promise.all(order.map((i) => (instances[i % n] as TestAllowance).take(key, DAY)));
        const served = results.filter((r) => r.ok).length;
        expect(served).toBeLessThanOrEqual(perDay);
        // A lone call on a fresh instance of a fresh key leases exactly one call.
        const fresh = `k${++keys}`;
        expect(await new TestAllowance(ledger, perDay).take(fresh, DAY)).toEqual({ ok: true, used: 1 });
        expect(await new TestAllowance(ledger, perDay).take(fresh, DAY)).toEqual({ ok: perDay > 1, used: perDay > 1 ? 2 : perDay });
      }),
      { numRuns: 25 },
    );
  });
});
