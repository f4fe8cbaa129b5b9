import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addHistograms,
  emptyHistogram,
  histogramOf,
  LARGEST_FINITE_BOUND_MS,
  LATENCY_BUCKET_BOUNDS_MS,
  LATENCY_BUCKETS,
  latencyBucket,
  nearestRank,
  percentileMs,
} from './latency.ts';

const bound = (i: number): number => LATENCY_BUCKET_BOUNDS_MS[i] as number;

/** Durations that hit bounds exactly, just above them, and anywhere up to past the max timeout. */
const durationArb = fc.oneof(
  fc.double({ min: 0, max: 1_200_000, noNaN: true }),
  fc.integer({ min: 0, max: LATENCY_BUCKETS - 2 }).map(bound),
  fc.integer({ min: 0, max: LATENCY_BUCKETS - 2 }).map((i) => bound(i) + 0.001),
  fc.integer({ min: 0, max: 2_000 }),
);
const durationsArb = fc.array(durationArb, { minLength: 1, maxLength: 200 });
const pArb = fc.double({ min: 0, max: 1, noNaN: true });
const histogramArb = fc.array(fc.nat({ max: 1_000 }), { minLength: LATENCY_BUCKETS, maxLength: LATENCY_BUCKETS });

/** The nearest-rank percentile of the raw values: the ceil(p·n)-th smallest. */
function rawPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[nearestRank(p, sorted.length) - 1] as number;
}

describe('LATENCY_BUCKET_BOUNDS_MS', () => {
  it('is strictly increasing, covers the 900 s maximum timeout and ends with Infinity', () => {
    for (let i = 1; i < LATENCY_BUCKETS; i++) expect(bound(i)).toBeGreaterThan(bound(i - 1));
    expect(bound(LATENCY_BUCKETS - 1)).toBe(Infinity);
    expect(LARGEST_FINITE_BOUND_MS).toBe(900_000);
    expect(Object.isFrozen(LATENCY_BUCKET_BOUNDS_MS)).toBe(true);
  });
});

describe('latencyBucket', () => {
  it.each([
    [0, 0],
    [-3, 0],
    [0.4, 0],
    [1, 0],
    [1.0001, 1],
    [2, 1],
    [12.3, 4],
    [1_000, 9],
    [900_000, LATENCY_BUCKETS - 2],
    [900_000.5, LATENCY_BUCKETS - 1],
    [Infinity, LATENCY_BUCKETS - 1],
    [NaN, LATENCY_BUCKETS - 1],
  ])('%d ms → bucket %d', (ms, i) => {
    expect(latencyBucket(ms)).toBe(i);
  });

  it('puts every duration in the bucket whose range (previous bound, bound] holds it', () => {
    fc.assert(
      fc.property(durationArb, (d) => {
        const i = latencyBucket(d);
        expect(d).toBeLessThanOrEqual(bound(i));
        if (i > 0) expect(d).toBeGreaterThan(bound(i - 1));
      }),
    );
  });
});

describe('histograms', () => {
  it('emptyHistogram has one zero per bucket, a fresh array each time', () => {
    const h = emptyHistogram();
    expect(h).toEqual(new Array(LATENCY_BUCKETS).fill(0));
    h[0] = 5;
    expect(emptyHistogram()[0]).toBe(0);
  });

  it('the histogram of a concatenation is the sum of the histograms', () => {
    fc.assert(
      fc.property(fc.array(durationArb), fc.array(durationArb), (a, b) => {
        const sum = addHistograms(histogramOf(a), histogramOf(b));
        expect(sum).toEqual(histogramOf([...a, ...b]));
        expect(sum.reduce((s, c) => s + c, 0)).toBe(a.length + b.length);
      }),
    );
  });

  it('addHistograms adds in place, returns its target and refuses too many buckets', () => {
    const into = emptyHistogram();
    const out = addHistograms(into, [1, 2, 3]);
    expect(out).toBe(into);
    expect(into.slice(0, 4)).toEqual([1, 2, 3, 0]);
    expect(() => addHistograms(emptyHistogram(), new Array(LATENCY_BUCKETS + 1).fill(1))).toThrow(RangeError);
  });
});

describe('nearestRank', () => {
  it.each([
    [0, 10, 1],
    [0.5, 10, 5],
    [0.51, 10, 6],
    [0.95, 20, 19],
    [0.07, 100, 7],
    [1, 7, 7],
    [0.5, 1, 1],
  ])('p=%d of %d → %d', (p, n, rank) => {
    expect(nearestRank(p, n)).toBe(rank);
  });
});

describe('percentileMs', () => {
  it('is null for an empty histogram', () => {
    expect(percentileMs(emptyHistogram(), 0.5)).toBeNull();
    expect(percentileMs([], 0.95)).toBeNull();
  });

  it('refuses p outside [0, 1]', () => {
    for (const p of [-0.1, 1.01, NaN]) expect(() => percentileMs([1], p)).toThrow(RangeError);
  });

  it('reports the largest finite bound for the open-ended bucket', () => {
    const h = emptyHistogram();
    h[LATENCY_BUCKETS - 1] = 3;
    expect(percentileMs(h, 0.5)).toBe(LARGEST_FINITE_BOUND_MS);
  });

  it('examples', () => {
    const h = histogramOf([0.5, 3, 3, 4, 40, 40, 40, 40, 150, 2_500]);
    expect(percentileMs(h, 0)).toBe(1);
    expect(percentileMs(h, 0.5)).toBe(50); // 5th smallest: 40
    expect(percentileMs(h, 0.95)).toBe(5_000); // 10th: 2 500
    expect(percentileMs(h, 0.9)).toBe(200); // 9th: 150
  });

  it('never exceeds a ceiling (the timeout), and is the uncapped value below it', () => {
    const h = histogramOf([3, 3, 1_000.4]); // a call cut at a 1 000 ms timeout, measured a little over
    expect(percentileMs(h, 1)).toBe(2_000);
    expect(percentileMs(h, 1, 1_000)).toBe(1_000);
    expect(percentileMs(h, 0.5, 1_000)).toBe(5);
    fc.assert(
      fc.property(histogramArb, pArb, fc.integer({ min: 1, max: 900_000 }), (hist, p, ceiling) => {
        const capped = percentileMs(hist, p, ceiling);
        const plain = percentileMs(hist, p);
        if (plain === null) return void expect(capped).toBeNull();
        expect(capped).toBe(Math.min(plain, ceiling));
      }),
    );
  });

  it('is monotone in p', () => {
    fc.assert(
      fc.property(histogramArb, pArb, pArb, (h, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const x = percentileMs(h, lo);
        const y = percentileMs(h, hi);
        if (x === null || y === null) expect([x, y]).toEqual([null, null]);
        else expect(x).toBeLessThanOrEqual(y);
      }),
    );
  });

  it('returns the bound of the bucket that holds the true nearest-rank percentile', () => {
    fc.assert(
      fc.property(durationsArb, pArb, (durations, p) => {
        const truth = rawPercentile(durations, p);
        const got = percentileMs(histogramOf(durations), p);
        if (truth > LARGEST_FINITE_BOUND_MS) {
          expect(got).toBe(LARGEST_FINITE_BOUND_MS);
          return;
        }
        expect(got).not.toBeNull();
        const i = LATENCY_BUCKET_BOUNDS_MS.indexOf(got as number);
        expect(i).toBeGreaterThanOrEqual(0);
        expect(truth).toBeLessThanOrEqual(bound(i));
        if (i > 0) expect(truth).toBeGreaterThan(bound(i - 1));
      }),
      { numRuns: 500 },
    );
  });
});
