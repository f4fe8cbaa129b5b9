import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  clientDays,
  dayOf,
  dayStart,
  emptyFeatureDay,
  featureDays,
  isDay,
  mergeClientDays,
  mergeFeatureDays,
  failuresOf,
  qualitySignals,
  type FeatureDay,
} from './day-stats.ts';
import { histogramOf, LATENCY_BUCKETS, percentileMs } from './latency.ts';
import { billedMsOf, isBillable, type Outcome, type UsageRecord } from './usage.ts';

const DAY_MS = 86_400_000;
const at = (iso: string): number => Date.parse(iso);

function record(over: Partial<UsageRecord> & { startedAt: number }): UsageRecord {
  const outcome: Outcome = over.outcome ?? 'ok';
  const status = over.status ?? (outcome === 'ok' ? 200 : outcome === 'timeout' ? 504 : 502);
  const durationMs = over.durationMs ?? 12.3;
  return {
    invocationId: `inv-${over.startedAt}-${Math.random()}`,
    clientId: 'c_acme',
    keyId: 'k_1',
    featureId: 'echo',
    featureVersion: '1.0.0',
    durationMs,
    billedMs: billedMsOf(durationMs),
    memoryMb: 128,
    requestBytes: 1,
    responseBytes: 1,
    status,
    outcome,
    price: { perCallMicros: 1_000, perGbSecondMicros: 0, currency: 'EUR' },
    authors: [{ id: 'a_ada', weight: 1 }],
    billable: isBillable(outcome, status),
    ...over,
  };
}

const T0 = at('2025-02-26T00:00:00Z');
const recordArb: fc.Arbitrary<UsageRecord> = fc
  .record({
    clientId: fc.constantFrom('c_acme', 'c_globex', 'c_initech'),
    featureId: fc.constantFrom('echo', 'vat-check'),
    // a week around a month end, leap day included (2025 has none; 2028-02-29 below)
    startedAt: fc.oneof(fc.integer({ min: T0, max: T0 + 7 * DAY_MS }), fc.integer({ min: at('2028-02-28T00:00:00Z'), max: at('2028-03-01T23:59:59.999Z') })),
    outcomeStatus: fc.constantFrom<[Outcome, number]>(['ok', 200], ['ok', 302], ['ok', 404], ['ok', 500], ['feature_error', 502], ['timeout', 504]),
    durationMs: fc.double({ min: 0, max: 1_000_000, noNaN: true }),
  })
  .map(({ outcomeStatus: [outcome, status], ...r }) => record({ ...r, outcome, status }));
const recordsArb = fc.array(recordArb, { maxLength: 60 });

function sorted<T>(m: Map<string, T>): [string, T][] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('days', () => {
  it('dayOf is the UTC calendar day', () => {
    expect(dayOf(at('2025-03-31T23:59:59.999Z'))).toBe('2025-03-31');
    expect(dayOf(at('2025-04-01T00:00:00.000Z'))).toBe('2025-04-01');
    expect(dayOf(at('2025-04-01T01:30:00+02:00'))).toBe('2025-03-31');
    expect(dayOf(0)).toBe('1970-01-01');
  });

  it('isDay accepts real calendar days only', () => {
    for (const d of ['2025-03-31', '2028-02-29', '1970-01-01']) expect(isDay(d)).toBe(true);
    for (const d of ['2025-02-29', '2025-04-31', '2025-13-01', '2025-3-1', '2025-03', '', ' 2025-03-01', '2025-03-01T00:00']) expect(isDay(d)).toBe(false);
    expect(() => dayStart('2025-02-30')).toThrow(RangeError);
  });

  it('addDays crosses months, years and leap days', () => {
    expect(addDays('2025-03-31', 1)).toBe('2025-04-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2025-03-30', -29)).toBe('2025-03-01');
  });

  it('dayOf(dayStart(d)) = d and addDays is consistent with day starts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: at('9998-12-31T00:00:00Z') }), fc.integer({ min: -400, max: 400 }), (t, n) => {
        const d = dayOf(t);
        expect(isDay(d)).toBe(true);
        expect(dayOf(dayStart(d))).toBe(d);
        expect(dayStart(d)).toBeLessThanOrEqual(t);
        expect(t - dayStart(d)).toBeLessThan(DAY_MS);
        const shifted = dayStart(d) + n * DAY_MS;
        if (shifted >= 0 && shifted <= at('9999-12-31T00:00:00Z')) expect(dayStart(addDays(d, n))).toBe(shifted);
      }),
    );
  });
});

describe('featureDays / clientDays', () => {
  it('example', () => {
    const recs = [
      record({ startedAt: at('2025-03-31T10:00:00Z'), durationMs: 3 }),
      record({ startedAt: at('2025-03-31T23:59:59Z'), outcome: 'timeout', durationMs: 30_000.5 }),
      record({ startedAt: at('2025-04-01T00:00:00Z'), outcome: 'feature_error', clientId: 'c_globex' }),
      record({ startedAt: at('2025-04-01T08:00:00Z'), status: 404 }),
    ];
    const f = featureDays(recs);
    expect([...f.keys()].sort()).toEqual(['echo#2025-03-31', 'echo#2025-04-01']);
    const mar = f.get('echo#2025-03-31') as FeatureDay;
    expect({ ...mar, latency: undefined }).toEqual({ featureId: 'echo', day: '2025-03-31', calls: 2, okCalls: 1, errors: 0, timeouts: 1, clientErrors: 0, latency: undefined });
    expect(mar.latency[2]).toBe(1); // 3 ms in (2, 5]
    expect(mar.latency[14]).toBe(1); // 30 000.5 ms in (30 000, 60 000]
    expect(f.get('echo#2025-04-01')).toMatchObject({ calls: 2, okCalls: 0, errors: 1, timeouts: 0, clientErrors: 1 }); // the 404 is the client's
    expect(sorted(clientDays(recs))).toEqual([
      ['c_acme#2025-03-31#echo', { clientId: 'c_acme', day: '2025-03-31', featureId: 'echo', calls: 2, billableCalls: 1 }],
      ['c_acme#2025-04-01#echo', { clientId: 'c_acme', day: '2025-04-01', featureId: 'echo', calls: 1, billableCalls: 0 }],
      ['c_globex#2025-04-01#echo', { clientId: 'c_globex', day: '2025-04-01', featureId: 'echo', calls: 1, billableCalls: 0 }],
    ]);
  });

  it('the order of records never changes the result', () => {
    fc.assert(
      fc.property(
        recordsArb.chain((recs) => fc.tuple(fc.constant(recs), fc.shuffledSubarray(recs, { minLength: recs.length, maxLength: recs.length }))),
        ([recs, shuffled]) => {
          expect(sorted(featureDays(shuffled))).toEqual(sorted(featureDays(recs)));
          expect(sorted(clientDays(shuffled))).toEqual(sorted(clientDays(recs)));
        },
      ),
    );
  });

  it('the stats of a concatenation are the merge of the stats of each part', () => {
    fc.assert(
      fc.property(recordsArb, recordsArb, recordsArb, (a, b, c) => {
        expect(sorted(featureDays([...a, ...b, ...c]))).toEqual(sorted(mergeFeatureDays([featureDays(a), featureDays(b), featureDays(c)])));
        expect(sorted(clientDays([...a, ...b, ...c]))).toEqual(sorted(mergeClientDays([clientDays(a), clientDays(b), clientDays(c)])));
      }),
    );
  });

  it('merging leaves its inputs alone', () => {
    const a = featureDays([record({ startedAt: T0 })]);
    const before = structuredClone(sorted(a));
    mergeFeatureDays([a, a]);
    expect(sorted(a)).toEqual(before);
  });

  it('counts add up: per day, per client, and against the records', () => {
    fc.assert(
      fc.property(recordsArb, (recs) => {
        const f = featureDays(recs);
        const c = clientDays(recs);
        let total = 0;
        for (const d of f.values()) {
          expect(d.latency).toHaveLength(LATENCY_BUCKETS);
          expect(d.latency.reduce((s, n) => s + n, 0)).toBe(d.calls);
          // billable calls, feature errors and timeouts are disjoint; the rest are ok but not 2xx/3xx
          expect(d.okCalls + d.errors + d.timeouts).toBeLessThanOrEqual(d.calls);
          const own = recs.filter((r) => r.featureId === d.featureId && dayOf(r.startedAt) === d.day);
          expect(d.calls).toBe(own.length);
          expect(d.calls - d.okCalls).toBe(own.filter((r) => !r.billable).length);
          expect(d.errors).toBe(own.filter((r) => r.outcome === 'feature_error').length);
          expect(d.timeouts).toBe(own.filter((r) => r.outcome === 'timeout').length);
          // a 4xx the feature answers is the client's error; everything not served and not that is the feature's failure
          expect(d.clientErrors).toBe(own.filter((r) => r.outcome === 'ok' && r.status >= 400 && r.status < 500).length);
          expect(failuresOf(d)).toBe(own.filter((r) => r.outcome !== 'ok' || r.status >= 500).length);
          expect(d.latency).toEqual(histogramOf(own.map((r) => r.durationMs)));
          const perClient = [...c.values()].filter((x) => x.featureId === d.featureId && x.day === d.day);
          expect(perClient.reduce((s, x) => s + x.calls, 0)).toBe(d.calls);
          expect(perClient.reduce((s, x) => s + x.billableCalls, 0)).toBe(d.okCalls);
          total += d.calls;
        }
        expect(total).toBe(recs.length);
      }),
    );
  });
});

describe('qualitySignals', () => {
  const NOW = at('2025-03-30T15:00:00Z');
  const day = (d: string, calls: number, okCalls: number, latency: number[], clientErrors = 0): FeatureDay => {
    const fd = emptyFeatureDay('echo', d);
    fd.calls = calls;
    fd.okCalls = okCalls;
    fd.clientErrors = clientErrors;
    latency.forEach((n, i) => (fd.latency[i] = n));
    return fd;
  };

  it('is empty without calls', () => {
    const none = { calls30d: 0, successRate: null, failures: 0, clientErrors: 0, p50Ms: null, p95Ms: null };
    expect(qualitySignals([], NOW)).toEqual(none);
    expect(qualitySignals([day('2025-02-28', 5, 5, [5])], NOW)).toEqual(none);
  });

  it('sums [today − 29, today] only', () => {
    const days = [
      day('2025-02-28', 1_000, 0, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1_000]), // today − 30: out
      day('2025-03-01', 10, 9, [0, 10]), // today − 29: in
      day('2025-03-30', 10, 8, [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]), // today: in
      day('2025-03-31', 1_000, 0, [1_000]), // tomorrow: out
    ];
    expect(qualitySignals(days, NOW)).toEqual({ calls30d: 20, successRate: 17 / 20, failures: 3, clientErrors: 0, p50Ms: 2, p95Ms: 1_000 });
    expect(qualitySignals(days, NOW, 1)).toEqual({ calls30d: 10, successRate: 0.8, failures: 2, clientErrors: 0, p50Ms: 1_000, p95Ms: 1_000 });
    expect(qualitySignals(days, at('2025-03-30T23:59:59.999Z')).calls30d).toBe(20);
    expect(qualitySignals(days, at('2025-03-31T00:00:00Z')).calls30d).toBe(1_010);
  });

  it("a client's bad input (a 4xx the feature answers) is not a failure of the feature", () => {
    // iban-check: 89 served, 11 answered 400 to malformed JSON, nothing failed: 100 %, not 89 %.
    const q = qualitySignals([day('2025-03-30', 100, 89, [100], 11)], NOW);
    expect(q).toMatchObject({ calls30d: 100, successRate: 1, failures: 0, clientErrors: 11 });
    // 2 threw or timed out among 90 calls with valid input.
    expect(qualitySignals([day('2025-03-30', 100, 88, [100], 10)], NOW)).toMatchObject({ successRate: 88 / 90, failures: 2, clientErrors: 10 });
    // Only 4xx: no call says anything about the feature.
    expect(qualitySignals([day('2025-03-30', 3, 0, [3], 3)], NOW).successRate).toBeNull();
  });

  it('a percentile never exceeds the timeout (a 1 000 ms timeout never shows p95 2 000 ms)', () => {
    // 90 fast calls, 10 cut at the 1 000 ms timeout (measured 1 000.4 ms: in (1 000, 2 000]).
    const records = [
      ...Array.from({ length: 90 }, (_, i) => record({ startedAt: NOW - i, durationMs: 3 })),
      ...Array.from({ length: 10 }, (_, i) => record({ startedAt: NOW - 100 - i, outcome: 'timeout', durationMs: 1_000.4 })),
    ];
    const days = [...featureDays(records).values()];
    expect(qualitySignals(days, NOW).p95Ms).toBe(2_000); // uncapped: the bucket's bound
    expect(qualitySignals(days, NOW, 30, 1_000)).toMatchObject({ p50Ms: 5, p95Ms: 1_000 });
    // A timeout between bounds: calls in (2 000, 5 000] with a 3 000 ms timeout read 3 000.
    const slow = [...featureDays([record({ startedAt: NOW, durationMs: 2_900 })]).values()];
    expect(qualitySignals(slow, NOW, 30, 3_000).p95Ms).toBe(3_000);
  });

  it('refuses a window that is not a positive whole number of days', () => {
    for (const w of [0, -1, 1.5, NaN]) expect(() => qualitySignals([], NOW, w)).toThrow(RangeError);
  });

  it('equals the signals computed from the raw records in the window', () => {
    fc.assert(
      fc.property(recordsArb, fc.integer({ min: T0 - 40 * DAY_MS, max: at('2028-03-10T00:00:00Z') }), fc.integer({ min: 1, max: 40 }), (recs, now, w) => {
        const echo = recs.filter((r) => r.featureId === 'echo');
        const days = [...featureDays(echo).values()];
        const lo = dayStart(dayOf(now)) - (w - 1) * DAY_MS;
        const hi = dayStart(dayOf(now)) + DAY_MS;
        const inWindow = echo.filter((r) => r.startedAt >= lo && r.startedAt < hi);
        const h = histogramOf(inWindow.map((r) => r.durationMs));
        const valid = inWindow.filter((r) => !(r.outcome === 'ok' && r.status >= 400 && r.status < 500));
        expect(qualitySignals(days, now, w)).toEqual({
          calls30d: inWindow.length,
          successRate: valid.length ? inWindow.filter((r) => r.billable).length / valid.length : null,
          failures: valid.filter((r) => !r.billable).length,
          clientErrors: inWindow.length - valid.length,
          p50Ms: percentileMs(h, 0.5),
          p95Ms: percentileMs(h, 0.95),
        });
      }),
    );
  });
});
