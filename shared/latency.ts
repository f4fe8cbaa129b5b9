/**
 * Latency as a fixed histogram: counts per bucket, so percentiles over any set of days can be
 * read from stored per-day counters without raw records, and histograms add up exactly.
 *
 * The bounds are part of the stored data (day items keep one counter per bucket index, `h<i>`):
 * never change, reorder or insert a bound, or past days would be read with the wrong ranges.
 */

/**
 * Inclusive upper bounds in milliseconds: bucket i holds durations in (bounds[i-1], bounds[i]]
 * (bucket 0: everything up to 1 ms). A roughly 1-2-5 ladder up to the 900 s maximum timeout;
 * the last bucket (Infinity) catches anything slower (a timeout's overrun).
 */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = Object.freeze([
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 900_000, Infinity,
]);

export const LATENCY_BUCKETS = LATENCY_BUCKET_BOUNDS_MS.length;

/** The largest finite bound: what a percentile falling in the open-ended last bucket reports. */
export const LARGEST_FINITE_BOUND_MS = LATENCY_BUCKET_BOUNDS_MS[LATENCY_BUCKETS - 2] as number;

/**
 * Index of the bucket holding `durationMs`: the first bound ≥ the duration. Zero and negative
 * durations go to bucket 0; NaN goes to the last bucket (it is never thrown on: one odd record
 * must not stop a batch from being applied).
 */
export function latencyBucket(durationMs: number): number {
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    if (durationMs <= (LATENCY_BUCKET_BOUNDS_MS[i] as number)) return i;
  }
  return LATENCY_BUCKETS - 1;
}

export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKETS).fill(0);
}

/** Adds `from` into `into` bucket by bucket and returns `into`. */
export function addHistograms(into: number[], from: readonly number[]): number[] {
  if (from.length > LATENCY_BUCKETS || into.length > LATENCY_BUCKETS) throw new RangeError(`a latency histogram has at most ${LATENCY_BUCKETS} buckets`);
  for (let i = 0; i < from.length; i++) into[i] = (into[i] ?? 0) + (from[i] as number);
  return into;
}

/** The histogram of a set of durations. */
export function histogramOf(durationsMs: Iterable<number>): number[] {
  const h = emptyHistogram();
  for (const d of durationsMs) {
    const i = latencyBucket(d);
    h[i] = (h[i] as number) + 1;
  }
  return h;
}

/**
 * The nearest rank of the p-quantile among n values: ceil(p × n), at least 1. A product that is
 * an integer up to floating-point noise (0.07 × 100 = 7.000000000000001) counts as that integer.
 */
export function nearestRank(p: number, n: number): number {
  const x = p * n;
  const r = Math.round(x);
  const rank = Math.abs(x - r) <= 1e-9 * Math.max(1, x) ? r : Math.ceil(x);
  return Math.min(n, Math.max(1, rank));
}

/**
 * The p-quantile (0 ≤ p ≤ 1) as the upper bound of the bucket holding it, by nearest rank: the
 * bucket of the ceil(p × n)-th smallest call. So the true quantile is ≤ the result and above the
 * previous bound. Null for an empty histogram. When that call is in the open-ended last bucket
 * the result is the largest finite bound (900 000 ms): a lower bound for it, not an upper one.
 *
 * `ceilingMs` is the feature's timeout: no call runs longer (a timed-out call is cut there, its
 * measured overrun is the platform's, not the feature's), so a bucket bound above it is reported
 * as the timeout: with a 1 000 ms timeout, calls in (1 000, 2 000] read 1 000 ms, never 2 000.
 */
export function percentileMs(histogram: readonly number[], p: number, ceilingMs = LARGEST_FINITE_BOUND_MS): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile ${p} is not within [0, 1]`);
  if (histogram.length > LATENCY_BUCKETS) throw new RangeError(`a latency histogram has at most ${LATENCY_BUCKETS} buckets`);
  const n = histogram.reduce((s, c) => s + c, 0);
  if (n <= 0) return null;
  const rank = nearestRank(p, n);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] as number;
    if (seen >= rank) return Math.min(LATENCY_BUCKET_BOUNDS_MS[i] as number, LARGEST_FINITE_BOUND_MS, ceilingMs);
  }
  return Math.min(LARGEST_FINITE_BOUND_MS, ceilingMs); // unreachable: the counts reach n ≥ rank
}
