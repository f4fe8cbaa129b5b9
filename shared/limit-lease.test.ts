import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { borrowUs, DemandRate, emissionIntervalUs, rateLimitHeaders, rateRetryAfterS, rateTake, sliceSize, tokensAvailable, type RateSpec } from './limit-lease.ts';

/** Applies a take to a bucket the way the store's conditional update does; undefined when refused. */
function apply(spec: RateSpec, tat: number | undefined, take: number, nowUs: number, lookaheadUs: number): number | undefined {
  const plan = rateTake(spec, take, 0, nowUs, tat, lookaheadUs);
  if (plan.path === 'idle') return tat === undefined || tat < plan.idleBeforeUs ? plan.setTatUs : undefined;
  if (tat === undefined || tat < plan.minTatUs || tat > plan.maxTatUs) return undefined;
  return tat + plan.addUs;
}

describe('the shared token bucket (GCRA with a lookahead)', () => {
  it('whatever the instances take and when, tokens granted over any span ≤ 2 × burst + rps × (span + lookahead)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.array(fc.record({ gapUs: fc.integer({ min: 0, max: 200_000 }), take: fc.integer({ min: 1, max: 60 }) }), { minLength: 1, maxLength: 300 }),
        (rps, burst, lookaheadUs, takes) => {
          const spec = { rps, burst };
          let tat: number | undefined;
          let now = 1_000_000_000;
          const granted: { at: number; n: number }[] = [];
          for (const t of takes) {
            now += t.gapUs;
            // an instance asks only when the bucket (as it now is) holds the slice
            if (tokensAvailable(spec, tat, now, borrowUs(t.take, lookaheadUs)) < t.take) continue;
            const next = apply(spec, tat, t.take, now, lookaheadUs);
            expect(next).toBeDefined();
            tat = next;
            granted.push({ at: now, n: t.take });
          }
          const first = granted[0];
          if (!first) return;
          const spanUs = now - first.at;
          const total = granted.reduce((a, g) => a + g.n, 0);
          const bound = 2 * burst + lookaheadUs / emissionIntervalUs(rps) + (spanUs / 1e6) * rps + 60;
          expect(total).toBeLessThanOrEqual(Math.ceil(bound));
        },
      ),
    );
  });

  it('a take the store refuses is one the bucket cannot hold; a full bucket restarts from now', () => {
    const spec = { rps: 10, burst: 5 };
    const t = emissionIntervalUs(10);
    expect(t).toBe(100_000);
    expect(tokensAvailable(spec, undefined, 0)).toBe(5);
    expect(apply(spec, undefined, 5, 0, 0)).toBe(500_000);
    expect(apply(spec, 500_000, 1, 0, 0)).toBeUndefined();
    expect(tokensAvailable(spec, 500_000, 100_000)).toBe(1);
    expect(rateRetryAfterS(spec, 500_000, 0)).toBe(1);
    // full for less than a burst's time (0.5 s): that time is credit, on the same ADD
    expect(tokensAvailable(spec, 500_000, 800_000)).toBe(8);
    expect(apply(spec, 500_000, 8, 800_000, 0)).toBe(1_300_000);
    // idle for an hour: still at most a burst
    expect(tokensAvailable(spec, 500_000, 3_600_000_000)).toBe(5);
    expect(apply(spec, 500_000, 5, 3_600_000_000, 0)).toBe(3_600_500_000);
  });
});

describe('slices', () => {
  it('cover the horizon of demand, at least one, at most max, and at most 1/spread of what is left', () => {
    expect(sliceSize(0, 10, { max: 100 })).toBe(1);
    expect(sliceSize(2.5, 4, { max: 100 })).toBe(10);
    expect(sliceSize(50, 10, { max: 100 })).toBe(100);
    expect(sliceSize(50, 10, { max: 100, remaining: 80 })).toBe(10);
    expect(sliceSize(50, 10, { max: 100, remaining: 3 })).toBe(1);
  });

  it("an instance's demand converges on its call rate", () => {
    const d = new DemandRate(2_000);
    for (let ms = 0; ms <= 20_000; ms += 200) d.hit(ms);
    expect(d.perSecond(20_000)).toBeGreaterThan(4.5);
    expect(d.perSecond(20_000)).toBeLessThan(5.8);
    expect(d.perSecond(40_000)).toBeLessThan(0.01);
  });
});

describe('RateLimit headers (IETF httpapi draft)', () => {
  it('one policy item and one limit item per limit, integers only', () => {
    expect(
      rateLimitHeaders([
        { name: 'rate', quota: 10, windowS: 2, remaining: 3.7, resetS: 0.2 },
        { name: 'month', quota: 1_000, windowS: 2_592_000, remaining: 990, resetS: 86_400.5 },
      ]),
    ).toEqual({ 'ratelimit-policy': '"rate";q=10;w=2, "month";q=1000;w=2592000', ratelimit: '"rate";r=3;t=1, "month";r=990;t=86401' });
    expect(rateLimitHeaders([])).toEqual({});
  });
});
