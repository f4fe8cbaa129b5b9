import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mergeUpdates, MONTHS_PK, planAggregateUpdates, type ItemUpdate } from './usage-plan.ts';
import { MoneyError } from './money.ts';
import { computeStatement, DEFAULT_POLICY } from './statement.ts';
import { monthStart, nextMonth } from './month.ts';
import type { UnitPrice } from './price.ts';
import {
  aggregateRecords,
  authorsKey,
  batchId,
  billedMsOf,
  canonicalAuthors,
  groupRecords,
  isBillable,
  mergeBatches,
  usageRows,
  zeroCounters,
  type AuthorShare,
  type Outcome,
  type UsageAggregate,
  type UsageBatch,
  type UsageRecord,
} from './usage.ts';

const at = (iso: string): number => Date.parse(iso);
const eur = (perCallMicros: number, perGbSecondMicros: number): UnitPrice => ({ perCallMicros, perGbSecondMicros, currency: 'EUR' });
const ALICE_BOB: AuthorShare[] = [
  { id: 'alice', weight: 2 },
  { id: 'bob', weight: 1 },
];

let seq = 0;
function record(overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    invocationId: `inv-${++seq}`,
    clientId: 'acme',
    keyId: 'key-1',
    featureId: 'iban-check',
    featureVersion: '1.0.0',
    startedAt: at('2026-11-15T10:00:00.000Z'),
    durationMs: 12.3,
    billedMs: 13,
    memoryMb: 128,
    requestBytes: 100,
    responseBytes: 200,
    status: 200,
    outcome: 'ok',
    price: eur(1000, 17),
    authors: ALICE_BOB,
    billable: true,
    ...overrides,
  };
}

const PRICES = [eur(1000, 17), eur(2000, 17), eur(2000, 0), { ...eur(1000, 17), currency: 'USD' }];
/** Revenue splits; the first two are the same split listed in a different order. */
const SPLITS: AuthorShare[][] = [ALICE_BOB, [{ id: 'bob', weight: 1 }, { id: 'alice', weight: 2 }], [{ id: 'alice', weight: 1 }, { id: 'bob', weight: 1 }], [{ id: 'carol', weight: 1 }]];

/** Records as the gateway writes them: billedMs and billable derived from the call. */
const recordArb: fc.Arbitrary<UsageRecord> = fc
  .record({
    invocationId: fc.uuid(),
    clientId: fc.constantFrom('acme', 'globex', 'initech'),
    keyId: fc.constantFrom('k1', 'k2'),
    featureId: fc.constantFrom('iban-check', 'vat-check'),
    featureVersion: fc.constant('1.0.0'),
    startedAt: fc.integer({ min: at('2026-10-25T00:00:00.000Z'), max: at('2027-01-05T00:00:00.000Z') }),
    durationMs: fc.double({ min: 0, max: 3000, noNaN: true }),
    memoryMb: fc.constantFrom(128, 256, 1024),
    requestBytes: fc.nat({ max: 10_000 }),
    responseBytes: fc.nat({ max: 10_000 }),
    status: fc.constantFrom(200, 201, 204, 302, 399, 400, 404, 500, 502, 504),
    outcome: fc.constantFrom<Outcome>('ok', 'feature_error', 'timeout'),
    price: fc.constantFrom(...PRICES),
    authors: fc.constantFrom(...SPLITS),
  })
  .map((r) => ({ ...r, billedMs: billedMsOf(r.durationMs), billable: isBillable(r.outcome, r.status) }));

const recordsArb = fc.array(recordArb, { maxLength: 40 });

/** Sorted entries, so comparisons never depend on Map insertion order. */
const entries = <V>(m: Map<string, V>): [string, V][] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const samePrice = (a: UnitPrice, b: UnitPrice) => a.currency === b.currency && a.perCallMicros === b.perCallMicros && a.perGbSecondMicros === b.perGbSecondMicros;
/** Same split: same ids with the same weights, whatever the order they are listed in. */
const sameSplit = (a: readonly AuthorShare[], b: readonly AuthorShare[]) =>
  a.length === b.length && a.every((x) => b.some((y) => y.id === x.id && y.weight === x.weight));
const inMonth = (month: string, t: number) => monthStart(month) <= t && t < monthStart(nextMonth(month));
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/** Half-up division by 1,024,000 written as floor((x + 512,000) / 1,024,000). */
const computeMicros = (mbMs: bigint, perGb: bigint) => (mbMs * perGb + 512_000n) / 1_024_000n;

describe('isBillable', () => {
  it('bills an ok call with a 2xx or 3xx status', () => {
    expect(isBillable('ok', 200)).toBe(true);
    expect(isBillable('ok', 201)).toBe(true);
    expect(isBillable('ok', 304)).toBe(true);
    expect(isBillable('ok', 399)).toBe(true);
  });

  it('never bills 1xx, 4xx or 5xx, nor a feature error or timeout whatever the status', () => {
    expect(isBillable('ok', 199)).toBe(false);
    expect(isBillable('ok', 400)).toBe(false);
    expect(isBillable('ok', 404)).toBe(false);
    expect(isBillable('ok', 500)).toBe(false);
    expect(isBillable('feature_error', 200)).toBe(false);
    expect(isBillable('timeout', 200)).toBe(false);
  });

  it('is true exactly for outcome ok with a status whose hundreds digit is 2 or 3', () => {
    fc.assert(
      fc.property(fc.constantFrom<Outcome>('ok', 'feature_error', 'timeout'), fc.integer({ min: 0, max: 999 }), (outcome, status) => {
        const klass = Math.floor(status / 100);
        expect(isBillable(outcome, status)).toBe(outcome === 'ok' && (klass === 2 || klass === 3));
      }),
      { numRuns: 500 },
    );
  });
});

describe('billedMsOf', () => {
  it('rounds a duration up to the millisecond, with at least 1 ms', () => {
    expect(billedMsOf(0)).toBe(1);
    expect(billedMsOf(0.01)).toBe(1);
    expect(billedMsOf(1)).toBe(1);
    expect(billedMsOf(1.0001)).toBe(2);
    expect(billedMsOf(12.3)).toBe(13);
    expect(billedMsOf(250)).toBe(250);
  });

  it('is the smallest whole number of ms (at least 1) that covers the duration', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1_000_000, noNaN: true }), (d) => {
        const b = billedMsOf(d);
        expect(Number.isInteger(b)).toBe(true);
        expect(b).toBeGreaterThanOrEqual(1);
        expect(b).toBeGreaterThanOrEqual(d);
        expect(b - 1 < Math.max(d, 1)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('aggregateRecords', () => {
  it('gives nothing for no records', () => {
    expect(aggregateRecords([]).size).toBe(0);
  });

  it('does not depend on the order of records', () => {
    fc.assert(
      fc.property(
        recordsArb.chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length, maxLength: rs.length }))),
        ([records, shuffled]) => {
          expect(entries(aggregateRecords(shuffled))).toEqual(entries(aggregateRecords(records)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('counts every counter from the records of its own line, and every record lands on exactly one line', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const aggregates = [...aggregateRecords(records).values()];
        let covered = 0;
        for (const a of aggregates) {
          const mine = records.filter((r) => inMonth(a.month, r.startedAt) && r.clientId === a.clientId && r.featureId === a.featureId && samePrice(r.price, a.price) && sameSplit(r.authors, a.authors));
          const billable = mine.filter((r) => r.billable);
          covered += mine.length;
          expect(mine.length).toBeGreaterThan(0);
          expect(a.calls).toBe(mine.length);
          expect(a.billableCalls).toBe(billable.length);
          expect(a.errors).toBe(mine.filter((r) => r.outcome === 'feature_error').length);
          expect(a.timeouts).toBe(mine.filter((r) => r.outcome === 'timeout').length);
          expect(a.billedMs).toBe(sum(mine.map((r) => r.billedMs)));
          expect(a.billableMs).toBe(sum(billable.map((r) => r.billedMs)));
          expect(a.billableMbMs).toBe(sum(billable.map((r) => r.billedMs * r.memoryMb)));
          expect(a.requestBytes).toBe(sum(mine.map((r) => r.requestBytes)));
          expect(a.responseBytes).toBe(sum(mine.map((r) => r.responseBytes)));
        }
        expect(covered).toBe(records.length);
      }),
      { numRuns: 150 },
    );
  });

  it('charges compute only for billable calls', () => {
    const [line] = aggregateRecords([
      record({ billedMs: 10, memoryMb: 128, outcome: 'ok', status: 200, billable: true }),
      record({ billedMs: 1000, memoryMb: 128, outcome: 'timeout', status: 504, billable: false }),
      record({ billedMs: 20, memoryMb: 128, outcome: 'feature_error', status: 500, billable: false }),
      record({ billedMs: 30, memoryMb: 128, outcome: 'ok', status: 404, billable: false }),
    ]).values();
    expect(line).toMatchObject({ calls: 4, billableCalls: 1, errors: 1, timeouts: 1, billedMs: 1060, billableMs: 10, billableMbMs: 1280 });
  });

  it('makes two lines when the price changes mid-month', () => {
    const lines = [
      ...aggregateRecords([
        record({ startedAt: at('2026-11-03T09:00:00.000Z'), price: eur(1000, 17) }),
        record({ startedAt: at('2026-11-10T09:00:00.000Z'), price: eur(1000, 17) }),
        record({ startedAt: at('2026-11-20T09:00:00.000Z'), price: eur(1500, 17) }),
      ]).values(),
    ];
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => [l.month, l.price.perCallMicros, l.calls]).sort()).toEqual([
      ['2026-11', 1000, 2],
      ['2026-11', 1500, 1],
    ]);
  });

  it('separates months by startedAt in UTC, at the exact millisecond', () => {
    const lines = [
      ...aggregateRecords([
        record({ startedAt: at('2026-11-30T23:59:59.999Z') }),
        record({ startedAt: at('2026-12-01T00:00:00.000Z') }),
        // 00:30 on 1 December in Paris is still November in UTC
        record({ startedAt: at('2026-12-01T00:30:00.000+01:00') }),
      ]).values(),
    ];
    expect(lines.map((l) => [l.month, l.calls]).sort()).toEqual([
      ['2026-11', 2],
      ['2026-12', 1],
    ]);
  });

  it('keeps clients and features apart', () => {
    const lines = aggregateRecords([
      record({ clientId: 'acme', featureId: 'iban-check' }),
      record({ clientId: 'acme', featureId: 'vat-check' }),
      record({ clientId: 'globex', featureId: 'iban-check' }),
    ]);
    expect(lines.size).toBe(3);
    for (const l of lines.values()) expect(l.calls).toBe(1);
  });

  it('makes two lines when the authors’ split changes mid-month', () => {
    const lines = [
      ...aggregateRecords([
        record({ authors: [{ id: 'alice', weight: 2 }, { id: 'bob', weight: 1 }] }),
        record({ authors: [{ id: 'alice', weight: 1 }, { id: 'bob', weight: 1 }] }),
      ]).values(),
    ];
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.calls)).toEqual([1, 1]);
  });

  it('keeps one line for the same split listed in another order, with authors sorted by id', () => {
    const lines = [
      ...aggregateRecords([
        record({ authors: [{ id: 'bob', weight: 1 }, { id: 'alice', weight: 2 }] }),
        record({ authors: [{ id: 'alice', weight: 2 }, { id: 'bob', weight: 1 }] }),
      ]).values(),
    ];
    expect(lines).toHaveLength(1);
    expect(lines[0]?.calls).toBe(2);
    expect(lines[0]?.authors).toEqual([
      { id: 'alice', weight: 2 },
      { id: 'bob', weight: 1 },
    ]);
  });
});

describe('canonicalAuthors and authorsKey', () => {
  it('sort authors by id, keep only id and weight, and leave the input alone', () => {
    const input = [{ id: 'bob', weight: 1, extra: 'x' } as AuthorShare, { id: 'alice', weight: 2 }];
    expect(canonicalAuthors(input)).toEqual([
      { id: 'alice', weight: 2 },
      { id: 'bob', weight: 1 },
    ]);
    expect(input[0]?.id).toBe('bob');
  });

  it('key two splits equally exactly when they give the same weight to the same ids', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SPLITS), fc.constantFrom(...SPLITS), (a, b) => {
        expect(authorsKey(a) === authorsKey(b)).toBe(sameSplit(a, b));
      }),
      { numRuns: 50 },
    );
  });
});

describe('usageRows', () => {
  it('sums amounts per (client, feature), each computed on its own price line (independent reference)', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const rows = usageRows(aggregateRecords(records).values());
        // Reference straight from the records: group by month/client/feature, then by price.
        const expected = new Map<string, { calls: number; amount: bigint }>();
        for (const r of records) {
          const d = new Date(r.startedAt);
          const month = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
          const key = [month, r.clientId, r.featureId].join('|');
          const e = expected.get(key) ?? { calls: 0, amount: 0n };
          e.calls += 1;
          expected.set(key, e);
        }
        for (const [key, e] of expected) {
          const [month, clientId, featureId] = key.split('|') as [string, string, string];
          const mine = records.filter((r) => inMonth(month, r.startedAt) && r.clientId === clientId && r.featureId === featureId);
          // SPLITS[0] and SPLITS[1] are the same split: one line, so skip the duplicate.
          for (const price of PRICES) {
            for (const split of [SPLITS[0]!, SPLITS[2]!, SPLITS[3]!]) {
              const billable = mine.filter((r) => r.billable && samePrice(r.price, price) && sameSplit(r.authors, split));
              const calls = BigInt(billable.length);
              const mbMs = billable.reduce((s, r) => s + BigInt(r.billedMs) * BigInt(r.memoryMb), 0n);
              e.amount += calls * BigInt(price.perCallMicros) + computeMicros(mbMs, BigInt(price.perGbSecondMicros));
            }
          }
        }
        expect(rows.map((r) => [[r.month, r.clientId, r.featureId].join('|'), r.calls, r.amountMicros]).sort()).toEqual(
          [...expected].map(([k, e]) => [k, e.calls, Number(e.amount)]).sort(),
        );
        for (const r of rows) expect(Number.isSafeInteger(r.amountMicros)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('rounds compute per price line, not over the merged row', () => {
    // Two price lines of the same client and feature, each with exactly 0.5 micro of compute.
    const line = (perCall: number): UsageAggregate => ({
      month: '2026-11',
      clientId: 'acme',
      featureId: 'iban-check',
      price: eur(perCall, 1000),
      authors: ALICE_BOB,
      ...zeroCounters(),
      calls: 1,
      billableCalls: 1,
      billableMbMs: 512,
    });
    const [row] = usageRows([line(2000), line(2500)]);
    expect(row?.amountMicros).toBe(2000 + 1 + 2500 + 1); // merging first would give 2000 + 2500 + 1
    expect(row).toMatchObject({ calls: 2, billableCalls: 2, billableMbMs: 1024 });
  });

  it('adds every counter of the lines it merges', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const aggregates = [...aggregateRecords(records).values()];
        const rows = usageRows(aggregates);
        for (const row of rows) {
          const mine = aggregates.filter((a) => a.month === row.month && a.clientId === row.clientId && a.featureId === row.featureId);
          for (const name of ['calls', 'billableCalls', 'errors', 'timeouts', 'billedMs', 'billableMs', 'billableMbMs', 'requestBytes', 'responseBytes'] as const) {
            expect(row[name]).toBe(sum(mine.map((a) => a[name])));
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('sorts rows by month, then client, then feature, one row per triple', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const rows = usageRows([...aggregateRecords(records).values()].reverse());
        const keys = rows.map((r) => [r.month, r.clientId, r.featureId]);
        for (let i = 1; i < keys.length; i++) {
          const prev = keys[i - 1]!.join('\u0000');
          const cur = keys[i]!.join('\u0000');
          expect(prev < cur).toBe(true); // strictly increasing: sorted and no duplicates
        }
      }),
      { numRuns: 100 },
    );
    const rows = usageRows(
      aggregateRecords([
        record({ startedAt: at('2026-12-02T00:00:00Z'), clientId: 'acme', featureId: 'iban-check' }),
        record({ startedAt: at('2026-11-02T00:00:00Z'), clientId: 'globex', featureId: 'iban-check' }),
        record({ startedAt: at('2026-11-02T00:00:00Z'), clientId: 'acme', featureId: 'vat-check' }),
        record({ startedAt: at('2026-11-02T00:00:00Z'), clientId: 'acme', featureId: 'iban-check' }),
      ]).values(),
    );
    expect(rows.map((r) => `${r.month} ${r.clientId} ${r.featureId}`)).toEqual([
      '2026-11 acme iban-check',
      '2026-11 acme vat-check',
      '2026-11 globex iban-check',
      '2026-12 acme iban-check',
    ]);
  });

  it('refuses an amount past 2^53 micros instead of rounding it', () => {
    const huge: UsageAggregate = { month: '2026-11', clientId: 'acme', featureId: 'x', price: eur(2 ** 20, 0), authors: ALICE_BOB, ...zeroCounters(), calls: 2 ** 40, billableCalls: 2 ** 40 };
    expect(() => usageRows([huge])).toThrow(MoneyError);
  });
});

describe('groupRecords', () => {
  it('groups by month#client#feature, whatever the price', () => {
    const a = record({ startedAt: at('2026-11-30T23:59:59.999Z'), price: eur(1000, 17) });
    const b = record({ startedAt: at('2026-11-01T00:00:00.000Z'), price: eur(2000, 17) });
    const c = record({ startedAt: at('2026-12-01T00:00:00.000Z') });
    const d = record({ startedAt: at('2026-11-05T00:00:00.000Z'), clientId: 'globex' });
    const groups = groupRecords([a, b, c, d]);
    expect([...groups.keys()].sort()).toEqual(['2026-11#acme#iban-check', '2026-11#globex#iban-check', '2026-12#acme#iban-check']);
    expect(groups.get('2026-11#acme#iban-check')).toEqual([a, b]);
    expect(groups.get('2026-12#acme#iban-check')).toEqual([c]);
  });

  it('partitions the records, keeping their order inside each group', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const groups = groupRecords(records);
        let total = 0;
        for (const [key, group] of groups) {
          const [month, clientId, featureId] = key.split('#') as [string, string, string];
          total += group.length;
          // exactly the records of that month, client and feature, in input order
          expect(group).toEqual(records.filter((r) => inMonth(month, r.startedAt) && r.clientId === clientId && r.featureId === featureId));
        }
        expect(total).toBe(records.length);
      }),
      { numRuns: 100 },
    );
  });
});

describe('batchId', () => {
  it('is the writer id and the zero-padded sequence', () => {
    expect(batchId({ writerId: 'w1', seq: 42 })).toBe('w1#0000000000000042');
    expect(batchId({ writerId: 'w1', seq: 0 })).toBe('w1#0000000000000000');
  });

  it('sorts seq 9 before seq 10', () => {
    expect(batchId({ writerId: 'w', seq: 9 }) < batchId({ writerId: 'w', seq: 10 })).toBe(true);
  });

  it('orders a writer’s batches lexicographically exactly as their seq numerically', () => {
    fc.assert(
      fc.property(fc.constantFrom('w1', 'spool-a', 'host-7'), fc.integer({ min: 0, max: 999_999_999_999 }), fc.integer({ min: 0, max: 999_999_999_999 }), (writerId, a, b) => {
        const ia = batchId({ writerId, seq: a });
        const ib = batchId({ writerId, seq: b });
        expect(Math.sign(ia < ib ? -1 : ia > ib ? 1 : 0)).toBe(Math.sign(a - b));
      }),
      { numRuns: 500 },
    );
  });
});

describe('mergeBatches', () => {
  const batch = (seq: number, records: UsageRecord[], rejections: UsageBatch['rejections'] = []): UsageBatch => ({ writerId: 'w1', seq, records, rejections });

  it('keeps every record in order, sums rejection counts per (client, month, code) and keeps the highest seq', () => {
    const [a, b, c] = [record(), record(), record()];
    const first = batch(7, [a!], [
      { clientId: 'acme', month: '2026-11', code: '429', count: 2 },
      { clientId: '-', month: '2026-11', code: '401', count: 1 },
    ]);
    const second = batch(8, [b!, c!], [
      { clientId: 'acme', month: '2026-11', code: '429', count: 3 },
      { clientId: 'acme', month: '2026-12', code: '429', count: 1 },
    ]);
    const merged = mergeBatches([first, second]);
    expect(merged.writerId).toBe('w1');
    expect(merged.seq).toBe(8);
    expect(merged.records).toEqual([a, b, c]);
    const counts = Object.fromEntries(merged.rejections.map((r) => [`${r.clientId} ${r.month} ${r.code}`, r.count]));
    expect(counts).toEqual({ 'acme 2026-11 429': 5, '- 2026-11 401': 1, 'acme 2026-12 429': 1 });
    // the input batches are left as they were
    expect(first.rejections[0]?.count).toBe(2);
  });

  it('preserves the total of rejection counts and records for any batches of one writer', () => {
    const rejection = fc.record({ clientId: fc.constantFrom('acme', '-'), month: fc.constantFrom('2026-11', '2026-12'), code: fc.constantFrom('401', '429'), count: fc.integer({ min: 1, max: 50 }) });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 1000 }), fc.array(rejection, { maxLength: 5 }), fc.nat({ max: 3 })), { minLength: 1, maxLength: 6 }), (specs) => {
        const batches = specs.map(([seq, rejections, n]) => batch(seq, Array.from({ length: n }, () => record()), rejections));
        const merged = mergeBatches(batches);
        expect(merged.seq).toBe(Math.max(...specs.map(([seq]) => seq)));
        expect(merged.records).toEqual(batches.flatMap((b) => b.records));
        expect(sum(merged.rejections.map((r) => r.count))).toBe(sum(specs.flatMap(([, rs]) => rs.map((r) => r.count))));
        const keys = merged.rejections.map((r) => `${r.clientId} ${r.month} ${r.code}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses no batches and batches of different writers', () => {
    expect(() => mergeBatches([])).toThrow(RangeError);
    expect(() => mergeBatches([batch(1, []), { ...batch(2, []), writerId: 'w2' }])).toThrow(RangeError);
  });
});

describe('planAggregateUpdates (what the aggregator and the local meter write)', () => {
  /** The usage table as DynamoDB would hold it after the updates: SET overwrites, ADD sums. */
  function applyAll(updates: ItemUpdate[], into = new Map<string, Record<string, unknown>>()) {
    for (const u of updates) {
      const key = `${u.pk}\u0000${u.sk}`;
      const item = into.get(key) ?? {};
      Object.assign(item, u.set);
      for (const [k, n] of Object.entries(u.add)) item[k] = Number(item[k] ?? 0) + n;
      into.set(key, item);
    }
    return into;
  }

  it('gives the same items whether records are applied at once or in any split (window ranges, batches)', () => {
    fc.assert(
      fc.property(recordsArb, fc.nat(40), (records, cut) => {
        const whole = applyAll(planAggregateUpdates(records, []));
        const split = applyAll(planAggregateUpdates(records.slice(cut), []), applyAll(planAggregateUpdates(records.slice(0, cut), [])));
        expect(entries(split)).toEqual(entries(whole));
      }),
    );
  });

  it('merges the plans of parts into the plan of the whole (the aggregator folds page by page)', () => {
    fc.assert(
      fc.property(recordsArb, fc.nat(40), fc.nat(40), (records, a, b) => {
        const [i, j] = [Math.min(a, b), Math.max(a, b)];
        const merged = new Map<string, ItemUpdate>();
        for (const part of [records.slice(0, i), records.slice(i, j), records.slice(j)]) mergeUpdates(merged, planAggregateUpdates(part, []));
        expect(entries(applyAll([...merged.values()]))).toEqual(entries(applyAll(planAggregateUpdates(records, []))));
        // One update per item: what the aggregator writes is bounded by items, not records.
        expect(merged.size).toBe(new Set(planAggregateUpdates(records, []).map((u) => `${u.pk}\u0000${u.sk}`)).size);
      }),
    );
  });

  it('counts every record once in its usage line and in its month, and writes each item once per unit', () => {
    fc.assert(
      fc.property(recordsArb, (records) => {
        const updates = planAggregateUpdates(records, [{ clientId: 'acme', month: '2026-11', code: 'rate_limited', count: 3 }]);
        const keys = updates.map((u) => `${u.pk}\u0000${u.sk}`);
        expect(new Set(keys).size).toBe(keys.length);
        const lines = updates.filter((u) => u.sk.startsWith('U#'));
        expect(lines.reduce((n, u) => n + (u.add.calls ?? 0), 0)).toBe(records.length);
        expect(updates.filter((u) => u.pk === MONTHS_PK).reduce((n, u) => n + (u.add.calls ?? 0), 0)).toBe(records.length);
        expect(updates.find((u) => u.sk === 'R#2026-11#rate_limited')?.add).toEqual({ count: 3 });
      }),
    );
  });
});

describe('test calls', () => {
  const markSome = fc.array(fc.tuple(recordArb, fc.boolean()), { maxLength: 40 }).map((xs) =>
    // Some records are test calls; a few even claim to be billable: aggregation must not believe them.
    xs.map(([r, test]) => (test ? { ...r, test: true as const } : r)),
  );
  const month = '2026-11';

  it('never change a statement, usage amounts or billable counters: the same as without them', () => {
    fc.assert(
      fc.property(markSome, (records) => {
        const live = records.filter((r) => !r.test);
        const all = [...aggregateRecords(records).values()];
        const liveOnly = [...aggregateRecords(live).values()];
        const statement = (aggregates: UsageAggregate[]) =>
          computeStatement({ month, status: 'draft', policy: DEFAULT_POLICY, aggregates, late: [], carriedIn: new Map() });
        expect(statement(all)).toEqual(statement(liveOnly));
        const rows = usageRows(all);
        expect(rows.filter((r) => !r.test)).toEqual(usageRows(liveOnly));
        const testRows = rows.filter((r) => r.test);
        expect(testRows.every((r) => r.amountMicros === 0 && r.billableCalls === 0 && r.billableMbMs === 0)).toBe(true);
        expect(sum(testRows.map((r) => r.calls))).toBe(records.length - live.length);
      }),
    );
  });

  it('are a line of their own in the stored plan, so a read-back keeps them apart', () => {
    const [r] = fc.sample(recordArb, { numRuns: 1, seed: 7 });
    const live = { ...(r as UsageRecord) };
    const test = { ...live, invocationId: `${live.invocationId}-t`, test: true as const };
    const usage = planAggregateUpdates([live, test], []).filter((u) => u.sk.startsWith('U#'));
    expect(usage).toHaveLength(2);
    expect(usage.filter((u) => u.set.test === true).map((u) => u.sk.endsWith('#test'))).toEqual([true]);
  });
});
