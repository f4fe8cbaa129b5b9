import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { UnitPrice } from './price.ts';
import { canonicalJson, computeStatement, lateUsage, type LateUsage, type Statement, type StatementInput, type StatementPolicy } from './statement.ts';
import type { AuthorShare, UsageAggregate, UsageCounters } from './usage.ts';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const MONTH = '2025-03';
const eur = (perCallMicros: number, perGbSecondMicros: number): UnitPrice => ({ perCallMicros, perGbSecondMicros, currency: 'EUR' });
const byId = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function counters(over: Partial<UsageCounters> = {}): UsageCounters {
  return { calls: 0, billableCalls: 0, errors: 0, timeouts: 0, billedMs: 0, billableMs: 0, billableMbMs: 0, requestBytes: 0, responseBytes: 0, ...over };
}

function agg(clientId: string, featureId: string, price: UnitPrice, authors: AuthorShare[], over: Partial<UsageCounters> = {}, month = MONTH): UsageAggregate {
  return { month, clientId, featureId, price: { ...price }, authors: authors.map((a) => ({ ...a })), ...counters(over) };
}

function input(over: Partial<StatementInput> = {}): StatementInput {
  return {
    month: MONTH,
    status: 'draft',
    policy: { developerShareBps: 7000, minimumPayoutMicros: 0 },
    aggregates: [],
    late: [],
    carriedIn: new Map(),
    ...over,
  };
}

const dev = (s: Statement, id: string) => s.developers.find((d) => d.developerId === id);
const client = (s: Statement, id: string) => s.clients.find((c) => c.clientId === id);

/** Walks the whole output: every `…Micros` field must be a non-negative safe integer. */
function microsFields(value: unknown, path = '$', out: { path: string; value: unknown }[] = []): { path: string; value: unknown }[] {
  if (Array.isArray(value)) value.forEach((v, i) => microsFields(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.endsWith('Micros')) out.push({ path: `${path}.${k}`, value: v });
      microsFields(v, `${path}.${k}`, out);
    }
  }
  return out;
}

/** Every object in a parsed canonical JSON has its keys in sorted order. */
function keysSortedEverywhere(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keysSortedEverywhere);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    const sorted = [...keys].sort(byId);
    return keys.every((k, i) => k === sorted[i]) && Object.values(value).every(keysSortedEverywhere);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Reference implementation (independent of the code under test)
// ---------------------------------------------------------------------------------------------

/** n / d rounded half-up, via quotient and remainder (not the (2n + d) / 2d trick of money.ts). */
function refHalfUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  return r * 2n >= d ? q + 1n : q;
}

/**
 * One line, billed: billable calls × per-call + Σ MB·ms × per-GB-second ÷ (1000 ms × 1024 MB),
 * rounded half-up to the cent (10,000 micros) once, in micros.
 */
function refLineAmount(perCall: number, perGb: number, billableCalls: bigint, mbMs: bigint): bigint {
  return refHalfUp(billableCalls * BigInt(perCall) * 1000n * 1024n + mbMs * BigInt(perGb), 1000n * 1024n * 10_000n) * 10_000n;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

interface Rational {
  n: bigint;
  d: bigint;
}
function addQ(x: Rational, y: Rational): Rational {
  const n = x.n * y.d + y.n * x.d;
  const d = x.d * y.d;
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

interface RefLine {
  clientId: string;
  featureId: string;
  perCall: number;
  perGb: number;
  calls: number;
  billableCalls: number;
  billedMs: number;
  mbMs: bigint;
  authors: AuthorShare[];
  amount: bigint;
}

interface Reference {
  lines: RefLine[];
  late: (RefLine & { originalMonth: string })[];
  clientTotals: Map<string, bigint>;
  revenue: bigint;
  pool: bigint;
  exact: Map<string, Rational>;
}

/**
 * Prices each (client, feature, unit price) line once from the summed counters (the reference
 * assumes such a line carries one author split, which the generator guarantees), prices late
 * usage the same way per original month, and computes every developer's entitlement as an
 * exact reduced rational Σ amount × bps × weight / (10000 × total weight).
 */
function reference(inp: StatementInput): Reference {
  // Lines gather aggregates by (client, feature, unit price); late ones also by original month.
  const group = (items: { month: string; a: UsageAggregate }[]) => {
    const groups = new Map<string, RefLine & { originalMonth: string }>();
    for (const { month, a } of items) {
      const key = [month, a.clientId, a.featureId, a.price.currency, a.price.perCallMicros, a.price.perGbSecondMicros].join('|');
      const g = groups.get(key);
      if (!g) {
        groups.set(key, {
          originalMonth: month,
          clientId: a.clientId,
          featureId: a.featureId,
          perCall: a.price.perCallMicros,
          perGb: a.price.perGbSecondMicros,
          calls: a.calls,
          billableCalls: a.billableCalls,
          billedMs: a.billedMs,
          mbMs: BigInt(a.billableMbMs),
          authors: a.authors,
          amount: 0n,
        });
      } else {
        if (JSON.stringify(g.authors) !== JSON.stringify(a.authors)) throw new Error('reference: one line with two author splits');
        g.calls += a.calls;
        g.billableCalls += a.billableCalls;
        g.billedMs += a.billedMs;
        g.mbMs += BigInt(a.billableMbMs);
      }
    }
    return [...groups.values()].map((l) => ({ ...l, amount: refLineAmount(l.perCall, l.perGb, BigInt(l.billableCalls), l.mbMs) }));
  };
  const lines = group(inp.aggregates.filter((a) => a.month === inp.month).map((a) => ({ month: inp.month, a })));
  const late = group(inp.late.map((l) => ({ month: l.originalMonth, a: l.aggregate })));
  const clientTotals = new Map<string, bigint>();
  let revenue = 0n;
  const exact = new Map<string, Rational>();
  const bps = BigInt(inp.policy.developerShareBps);
  for (const l of [...lines, ...late]) {
    clientTotals.set(l.clientId, (clientTotals.get(l.clientId) ?? 0n) + l.amount);
    revenue += l.amount;
    if (l.amount === 0n) continue;
    const total = BigInt(l.authors.reduce((s, a) => s + a.weight, 0));
    for (const a of l.authors) {
      exact.set(a.id, addQ(exact.get(a.id) ?? { n: 0n, d: 1n }, { n: l.amount * bps * BigInt(a.weight), d: 10_000n * total }));
    }
  }
  return { lines, late, clientTotals, revenue, pool: (revenue * bps) / 10_000n, exact };
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const DEVS = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'];

/** 1–3 distinct developers with weights 1–5, in canonical (id) order. */
const authorsArb: fc.Arbitrary<AuthorShare[]> = fc
  .uniqueArray(fc.record({ id: fc.constantFrom(...DEVS), weight: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 3, selector: (a) => a.id })
  .map((as) => [...as].sort((x, y) => byId(x.id, y.id)));

/** Per-call prices often collide (so lines of one feature differ by their GB-second price only). */
const priceArb: fc.Arbitrary<UnitPrice> = fc.record({
  perCallMicros: fc.oneof(fc.constantFrom(0, 1000, 2000), fc.integer({ min: 0, max: 5000 })),
  perGbSecondMicros: fc.integer({ min: 0, max: 20 }),
  currency: fc.constant('EUR'),
});

/**
 * f1..f6, each with two author splits (the split may change mid-month) and two prices, made
 * distinct so that distinct indices are distinct lines (the store keys a line by its values).
 */
const catalogArb = fc.array(
  fc.record({ splits: fc.tuple(authorsArb, authorsArb), prices: fc.tuple(priceArb, priceArb) }).map(({ splits: [s0, s1], prices: [p0, p1] }) => {
    const sameSplit = JSON.stringify(s0) === JSON.stringify(s1);
    const first = s1[0] as AuthorShare;
    const split1 = sameSplit ? [{ id: first.id, weight: first.weight === 5 ? 4 : first.weight + 1 }, ...s1.slice(1)] : s1;
    const samePrice = p0.perCallMicros === p1.perCallMicros && p0.perGbSecondMicros === p1.perGbSecondMicros;
    const price1 = samePrice ? { ...p1, perGbSecondMicros: p1.perGbSecondMicros === 20 ? 19 : p1.perGbSecondMicros + 1 } : p1;
    return { splits: [s0, split1] as [AuthorShare[], AuthorShare[]], prices: [p0, price1] as [UnitPrice, UnitPrice] };
  }),
  { minLength: 6, maxLength: 6 },
);

/** Consistent counters: billable ≤ calls, errors + timeouts ≤ non-billable calls, MB·ms = billable ms × memory. */
const countersArb: fc.Arbitrary<UsageCounters> = fc
  .record({
    calls: fc.integer({ min: 0, max: 20 }),
    billable: fc.integer({ min: 0, max: 20 }),
    errors: fc.integer({ min: 0, max: 20 }),
    timeouts: fc.integer({ min: 0, max: 20 }),
    msPerCall: fc.integer({ min: 1, max: 3000 }),
    memoryMb: fc.constantFrom(1, 128, 129, 256, 1000, 1536, 3008),
    bytes: fc.integer({ min: 0, max: 10_000 }),
  })
  .map((r) => {
    const billableCalls = Math.min(r.billable, r.calls);
    const errors = Math.min(r.errors, r.calls - billableCalls);
    const timeouts = Math.min(r.timeouts, r.calls - billableCalls - errors);
    const billableMs = billableCalls * r.msPerCall;
    return {
      calls: r.calls,
      billableCalls,
      errors,
      timeouts,
      billedMs: r.calls * r.msPerCall,
      billableMs,
      billableMbMs: billableMs * r.memoryMb,
      requestBytes: r.bytes * r.calls,
      responseBytes: 2 * r.bytes * r.calls,
    };
  });

const lineRefArb = fc.record({
  client: fc.integer({ min: 1, max: 5 }),
  feature: fc.integer({ min: 0, max: 5 }),
  split: fc.integer({ min: 0, max: 1 }),
  price: fc.integer({ min: 0, max: 1 }),
  counters: countersArb,
});

type Catalog = { splits: [AuthorShare[], AuthorShare[]]; prices: [UnitPrice, UnitPrice] }[];
type LineRef = { client: number; feature: number; split: number; price: number; counters: UsageCounters };

function toAggregate(catalog: Catalog, r: LineRef, month = MONTH): UsageAggregate {
  const f = catalog[r.feature] as Catalog[number];
  return agg(`c${r.client}`, `f${r.feature + 1}`, r.price === 0 ? f.prices[0] : f.prices[1], r.split === 0 ? f.splits[0] : f.splits[1], r.counters, month);
}

/**
 * A random month. Aggregates are unique per (client, feature, price), so each client line carries
 * one author split; the same feature still appears with both its splits and both its prices
 * across clients and lines. Late usage is free-form.
 */
const monthArb = fc
  .record({
    catalog: catalogArb,
    lines: fc.uniqueArray(lineRefArb, { minLength: 0, maxLength: 25, selector: (l) => `${l.client}#${l.feature}#${l.price}` }),
    // One late aggregate per (original month, client, feature, price), as lateUsage produces them.
    late: fc.uniqueArray(fc.record({ originalMonth: fc.constantFrom('2025-01', '2025-02'), line: lineRefArb }), {
      maxLength: 5,
      selector: (l) => `${l.originalMonth}#${l.line.client}#${l.line.feature}#${l.line.price}`,
    }),
    policy: fc.record({ developerShareBps: fc.integer({ min: 0, max: 10_000 }), minimumPayoutMicros: fc.integer({ min: 0, max: 5_000_000 }) }),
    carried: fc.array(fc.tuple(fc.constantFrom(...DEVS, 'd7'), fc.integer({ min: 0, max: 12_000_000 })), { maxLength: 4 }),
    status: fc.constantFrom('draft' as const, 'final' as const),
  })
  .map(
    (m): StatementInput => ({
      month: MONTH,
      status: m.status,
      policy: m.policy,
      aggregates: m.lines.map((l) => toAggregate(m.catalog as Catalog, l)),
      late: m.late.map((l) => ({ originalMonth: l.originalMonth, aggregate: toAggregate(m.catalog as Catalog, l.line, l.originalMonth) })),
      carriedIn: new Map(m.carried),
    }),
  );

/** A month with a permutation of its aggregates. */
const monthWithPermutationArb = monthArb.chain((inp) =>
  fc.tuple(fc.constant(inp), fc.shuffledSubarray(inp.aggregates, { minLength: inp.aggregates.length, maxLength: inp.aggregates.length })),
);

const RUNS = { numRuns: 250 };

// ---------------------------------------------------------------------------------------------
// Properties over random months
// ---------------------------------------------------------------------------------------------

describe('computeStatement: properties over random months', () => {
  it('clients: lines priced once per line as the reference does, totals = lines + adjustments, Σ totals = revenue', () => {
    fc.assert(
      fc.property(monthArb, (inp) => {
        const s = computeStatement(inp);
        const ref = reference(inp);

        expect(s.clients.map((c) => c.clientId)).toEqual([...ref.clientTotals.keys()].sort(byId));
        let sum = 0;
        for (const c of s.clients) {
          const adjustments = s.adjustments.filter((a) => a.clientId === c.clientId);
          expect(c.totalMicros).toBe(c.lines.reduce((n, l) => n + l.amountMicros, 0) + adjustments.reduce((n, a) => n + a.amountMicros, 0));
          expect(BigInt(c.totalMicros)).toBe(ref.clientTotals.get(c.clientId));
          // Each line equals the reference line (same counters, amount priced once).
          const expected = ref.lines
            .filter((l) => l.clientId === c.clientId)
            .map((l) => ({
              featureId: l.featureId,
              unitPrice: { perCallMicros: l.perCall, perGbSecondMicros: l.perGb, currency: 'EUR' },
              calls: l.calls,
              billableCalls: l.billableCalls,
              billedMs: l.billedMs,
              amountMicros: Number(l.amount),
            }))
            .sort((x, y) => byId(x.featureId, y.featureId) || x.unitPrice.perCallMicros - y.unitPrice.perCallMicros || x.unitPrice.perGbSecondMicros - y.unitPrice.perGbSecondMicros);
          expect(c.lines).toEqual(expected);
          sum += c.totalMicros;
        }
        expect(sum).toBe(s.totals.revenueMicros);
        expect(BigInt(s.totals.revenueMicros)).toBe(ref.revenue);

        // Adjustments: one per (original month, client, feature, unit price), priced once by the reference.
        const got = s.adjustments.map((a) => canonicalJson(a)).sort();
        const want = ref.late
          .map((l) =>
            canonicalJson({
              originalMonth: l.originalMonth,
              clientId: l.clientId,
              featureId: l.featureId,
              unitPrice: { perCallMicros: l.perCall, perGbSecondMicros: l.perGb, currency: 'EUR' },
              calls: l.calls,
              billableCalls: l.billableCalls,
              billedMs: l.billedMs,
              amountMicros: Number(l.amount),
            }),
          )
          .sort();
        expect(got).toEqual(want);
      }),
      RUNS,
    );
  });

  it('developers: Σ earned = floor(revenue × share) = payout, each earned within 1 micro of its exact entitlement, largest remainders win', () => {
    fc.assert(
      fc.property(monthArb, (inp) => {
        const s = computeStatement(inp);
        const ref = reference(inp);
        const bps = BigInt(inp.policy.developerShareBps);

        const pool = (ref.revenue * bps) / 10_000n;
        expect(BigInt(s.totals.payoutMicros)).toBe(pool);
        expect(s.developers.reduce((n, d) => n + BigInt(d.earnedMicros), 0n)).toBe(pool);
        expect(BigInt(s.totals.platformMicros)).toBe(ref.revenue - pool);
        expect(s.totals.platformMicros + s.totals.payoutMicros).toBe(s.totals.revenueMicros);

        // Who is listed: every author of a line with revenue, and everyone carrying a balance in.
        const carried = [...inp.carriedIn].filter(([, v]) => v > 0).map(([k]) => k);
        expect(s.developers.map((d) => d.developerId)).toEqual([...new Set([...ref.exact.keys(), ...carried])].sort(byId));

        const fracs: { id: string; rem: Rational; up: boolean; exactInt: boolean }[] = [];
        for (const d of s.developers) {
          const q = ref.exact.get(d.developerId) ?? { n: 0n, d: 1n };
          const e = BigInt(d.earnedMicros);
          const floor = q.n / q.d;
          const ceil = floor + (q.n % q.d === 0n ? 0n : 1n);
          expect(e === floor || e === ceil, `${d.developerId}: ${e} vs ${q.n}/${q.d}`).toBe(true);
          const diff = e * q.d - q.n; // |earned − exact| < 1 micro
          expect(diff < q.d && -diff < q.d).toBe(true);
          fracs.push({ id: d.developerId, rem: { n: q.n % q.d, d: q.d }, up: diff > 0n, exactInt: q.n % q.d === 0n });

          // The developer's own lines restate the entitlement: Σ revenue × bps × w / (10000 × W).
          const fromLines = d.lines.reduce<Rational>(
            (acc, l) => addQ(acc, { n: BigInt(l.revenueMicros) * bps * BigInt(l.weight), d: 10_000n * BigInt(l.totalWeight) }),
            { n: 0n, d: 1n },
          );
          expect(fromLines.n * q.d).toBe(q.n * fromLines.d);
        }
        // Largest remainder with ties by id: everyone rounded up beats everyone rounded down.
        for (const u of fracs.filter((f) => f.up)) {
          for (const w of fracs.filter((f) => !f.up && !f.exactInt)) {
            const lhs = u.rem.n * w.rem.d;
            const rhs = w.rem.n * u.rem.d;
            expect(lhs > rhs || (lhs === rhs && u.id < w.id), `${u.id} rounded up over ${w.id}`).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('minimum payout: balances below it are carried out, others paid in whole cents with the sub-cent rest carried; totals are the sums', () => {
    fc.assert(
      fc.property(monthArb, (inp) => {
        const s = computeStatement(inp);
        expect(s.minimumPayoutMicros).toBe(inp.policy.minimumPayoutMicros);
        expect(s.developerSharePercent * 100).toBeCloseTo(inp.policy.developerShareBps, 6);
        let payable = 0;
        let carriedOut = 0;
        for (const d of s.developers) {
          expect(d.carriedInMicros).toBe(inp.carriedIn.get(d.developerId) ?? 0);
          const balance = d.earnedMicros + d.carriedInMicros;
          if (balance < inp.policy.minimumPayoutMicros) {
            expect(d.payableMicros).toBe(0);
            expect(d.carriedOutMicros).toBe(balance);
          } else {
            // Paid in whole cents; the sub-cent rest is carried.
            expect(d.payableMicros).toBe(balance - (balance % 10_000));
            expect(d.carriedOutMicros).toBe(balance % 10_000);
          }
          payable += d.payableMicros;
          carriedOut += d.carriedOutMicros;
        }
        expect(s.totals.payableMicros).toBe(payable);
        expect(s.totals.carriedOutMicros).toBe(carriedOut);
        // Nothing is lost: what is paid or carried out is what was earned plus what was carried in.
        const carriedInListed = s.developers.reduce((n, d) => n + d.carriedInMicros, 0);
        expect(payable + carriedOut).toBe(s.totals.payoutMicros + carriedInListed);
      }),
      RUNS,
    );
  });

  it('every …Micros amount anywhere in the output is a non-negative safe integer', () => {
    fc.assert(
      fc.property(monthArb, (inp) => {
        const s = computeStatement(inp);
        const fields = microsFields(s);
        expect(fields.length).toBeGreaterThanOrEqual(6);
        for (const f of fields) {
          expect(typeof f.value, f.path).toBe('number');
          expect(Number.isSafeInteger(f.value), f.path).toBe(true);
          expect(f.value as number, f.path).toBeGreaterThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });

  it('is deterministic: the same month in any aggregate order (and carried-in map order) gives the same canonical bytes', () => {
    fc.assert(
      fc.property(monthWithPermutationArb, ([inp, permuted]) => {
        const a = canonicalJson(computeStatement(inp));
        expect(canonicalJson(computeStatement(inp))).toBe(a);
        const b = canonicalJson(computeStatement({ ...inp, aggregates: permuted, carriedIn: new Map([...inp.carriedIn].reverse()) }));
        expect(b).toBe(a);
        expect(keysSortedEverywhere(JSON.parse(a))).toBe(true);
      }),
      RUNS,
    );
  });

  it('does not mutate its input', () => {
    fc.assert(
      fc.property(monthArb, (inp) => {
        const before = canonicalJson({ ...inp, carriedIn: [...inp.carriedIn] });
        computeStatement(inp);
        expect(canonicalJson({ ...inp, carriedIn: [...inp.carriedIn] })).toBe(before);
      }),
      { numRuns: 50 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Targeted examples, computed by hand
// ---------------------------------------------------------------------------------------------

const ALICE_BOB: AuthorShare[] = [
  { id: 'alice', weight: 2 },
  { id: 'bob', weight: 1 },
];

describe('computeStatement: worked examples', () => {
  it('alice:2 bob:1 on one cent at 70 %: pool 7,000 micros, alice 4,666.67 -> 4,667, bob 2,333.33 -> 2,333; under a cent, both carried', () => {
    // 10 billable calls × 1,000 micros = 10,000 micros (one cent) of revenue, no compute.
    // pool = floor(10,000 × 7000 / 10000) = 7,000.
    // alice: 7,000 × 2/3 = 4,666.666… (floor 4,666, remainder 0.67); bob: 7,000 × 1/3 = 2,333.333… (remainder 0.33).
    // Floors give 6,999; the one micro left goes to the larger remainder: alice.
    // Payouts are whole cents: with no minimum, 4,667 micros pay 0 cents and all of it is carried.
    const s = computeStatement(input({ aggregates: [agg('acme', 'hello', eur(1000, 0), ALICE_BOB, { calls: 12, billableCalls: 10, errors: 2 })] }));
    expect(s.clients).toEqual([
      {
        clientId: 'acme',
        totalMicros: 10_000,
        lines: [{ featureId: 'hello', unitPrice: eur(1000, 0), calls: 12, billableCalls: 10, billedMs: 0, amountMicros: 10_000 }],
      },
    ]);
    expect(s.totals).toEqual({ revenueMicros: 10_000, payoutMicros: 7_000, platformMicros: 3_000, payableMicros: 0, carriedOutMicros: 7_000 });
    expect(dev(s, 'alice')).toMatchObject({ earnedMicros: 4_667, payableMicros: 0, carriedOutMicros: 4_667 });
    expect(dev(s, 'bob')).toMatchObject({ earnedMicros: 2_333, payableMicros: 0, carriedOutMicros: 2_333 });
    expect(dev(s, 'alice')?.lines).toEqual([{ featureId: 'hello', revenueMicros: 10_000, weight: 2, totalWeight: 3 }]);
    expect(s.developerSharePercent).toBe(70);
  });

  it('a payable balance is paid in whole cents and its sub-cent rest is carried', () => {
    // 1,001 cents of revenue, alice alone at 70 %: earned 7,007,000 micros; with 12,345 carried in the balance is
    // 7,019,345: 7,010,000 paid (701 cents), 9,345 carried to next month. Nothing lost: paid + carried = balance.
    const s = computeStatement(
      input({ policy: { developerShareBps: 7000, minimumPayoutMicros: 5_000_000 }, aggregates: [agg('acme', 'pdf', eur(10_000, 0), [{ id: 'alice', weight: 1 }], { calls: 1001, billableCalls: 1001 })], carriedIn: new Map([['alice', 12_345]]) }),
    );
    expect(dev(s, 'alice')).toMatchObject({ earnedMicros: 7_007_000, carriedInMicros: 12_345, payableMicros: 7_010_000, carriedOutMicros: 9_345 });
    expect(s.totals).toMatchObject({ payableMicros: 7_010_000, carriedOutMicros: 9_345 });
  });

  it('a line is rounded half-up to the cent once, not per call, and not via the micro', () => {
    // 10 billable calls of 200 ms at 128 MB: 25,600 MB·ms each, 256,000 MB·ms on the line.
    // At 0.20 € per GB-second one call's compute is 25,600 × 200,000 / 1,024,000 = 5,000 micros (half a cent),
    // plus 2,000 per call: 7,000 micros a call.
    //   per call, to the cent: 10 × 1 cent = 100,000 micros (wrong);
    //   per line: 20,000 + 50,000 = 70,000 micros, 7 cents exactly (right).
    const a = agg('acme', 'ocr', eur(2000, 200_000), [{ id: 'carol', weight: 1 }], {
      calls: 10,
      billableCalls: 10,
      billedMs: 2000,
      billableMs: 2000,
      billableMbMs: 256_000,
    });
    const s = computeStatement(input({ aggregates: [a] }));
    expect(client(s, 'acme')?.lines[0]?.amountMicros).toBe(70_000);
    expect(s.totals.revenueMicros).toBe(70_000);

    // Exactly half a cent on the line rounds up: one call at 5,000 micros -> 1 cent.
    const half = agg('acme', 'ocr', eur(5000, 0), [{ id: 'carol', weight: 1 }], { calls: 1, billableCalls: 1 });
    expect(computeStatement(input({ aggregates: [half] })).totals.revenueMicros).toBe(10_000);
    // Just under half rounds down: 51,199 MB·ms × 100,000 / 1,024,000 = 4,999.90 micros -> 0 cents.
    const c = agg('acme', 'ocr', eur(0, 100_000), [{ id: 'carol', weight: 1 }], { calls: 1, billableCalls: 1, billedMs: 400, billableMs: 400, billableMbMs: 51_199 });
    expect(computeStatement(input({ aggregates: [c] })).totals.revenueMicros).toBe(0);
    // Rounded to the micro first, 4,999.51 micros would become 5,000 and then a whole cent: the cent is taken
    // from the exact value instead. 5,119,500 MB·ms × 1,000 / 1,024,000 = 4,999.51 micros -> 0 cents.
    const twice = agg('acme', 'ocr', eur(0, 1000), [{ id: 'carol', weight: 1 }], { calls: 1, billableCalls: 1, billedMs: 5000, billableMs: 5000, billableMbMs: 5_119_500 });
    expect(computeStatement(input({ aggregates: [twice] })).totals.revenueMicros).toBe(0);
  });

  it('non-billable calls and compute are never charged', () => {
    // 5 calls, none billable, 1000 ms each at 1024 MB: billedMs counted on the line, nothing charged.
    const a = agg('acme', 'ocr', eur(2000, 20), [{ id: 'carol', weight: 1 }], { calls: 5, errors: 3, timeouts: 2, billedMs: 5000 });
    const s = computeStatement(input({ aggregates: [a] }));
    expect(s.clients).toEqual([{ clientId: 'acme', totalMicros: 0, lines: [{ featureId: 'ocr', unitPrice: eur(2000, 20), calls: 5, billableCalls: 0, billedMs: 5000, amountMicros: 0 }] }]);
    expect(s.developers).toEqual([]);
    expect(s.totals).toEqual({ revenueMicros: 0, payoutMicros: 0, platformMicros: 0, payableMicros: 0, carriedOutMicros: 0 });
  });

  it('a balance reaching the minimum is paid in full, carried-in included; one below it is carried out', () => {
    // One feature by alice alone: 1000 billable calls × 2000 = 2,000,000 micros; at 75 % alice earns 1,500,000.
    // alice: carriedIn 9,000,000 + earned 1,500,000 = 10,500,000 >= 10,000,000 -> payable 10,500,000, carriedOut 0.
    // bob:   carriedIn 100 + earned 0 = 100 < 10,000,000 -> payable 0, carriedOut 100.
    // carol: carriedIn exactly 10,000,000 (= the minimum) -> payable 10,000,000.
    // dave:  carriedIn 0 and nothing earned -> not listed.
    const s = computeStatement(
      input({
        policy: { developerShareBps: 7500, minimumPayoutMicros: 10_000_000 },
        aggregates: [agg('acme', 'pdf', eur(2000, 0), [{ id: 'alice', weight: 1 }], { calls: 1000, billableCalls: 1000 })],
        carriedIn: new Map([
          ['bob', 100],
          ['alice', 9_000_000],
          ['carol', 10_000_000],
          ['dave', 0],
        ]),
      }),
    );
    expect(s.developers.map((d) => d.developerId)).toEqual(['alice', 'bob', 'carol']);
    expect(dev(s, 'alice')).toMatchObject({ earnedMicros: 1_500_000, carriedInMicros: 9_000_000, payableMicros: 10_500_000, carriedOutMicros: 0 });
    expect(dev(s, 'bob')).toMatchObject({ earnedMicros: 0, carriedInMicros: 100, payableMicros: 0, carriedOutMicros: 100, lines: [] });
    expect(dev(s, 'carol')).toMatchObject({ earnedMicros: 0, carriedInMicros: 10_000_000, payableMicros: 10_000_000, carriedOutMicros: 0 });
    expect(s.totals).toEqual({ revenueMicros: 2_000_000, payoutMicros: 1_500_000, platformMicros: 500_000, payableMicros: 20_500_000, carriedOutMicros: 100 });

    // Without the carry, alice's 1,500,000 is under the minimum and is carried out entirely.
    const alone = computeStatement(
      input({
        policy: { developerShareBps: 7500, minimumPayoutMicros: 10_000_000 },
        aggregates: [agg('acme', 'pdf', eur(2000, 0), [{ id: 'alice', weight: 1 }], { calls: 1000, billableCalls: 1000 })],
      }),
    );
    expect(dev(alone, 'alice')).toMatchObject({ earnedMicros: 1_500_000, payableMicros: 0, carriedOutMicros: 1_500_000 });
    expect(alone.totals).toMatchObject({ payoutMicros: 1_500_000, payableMicros: 0, carriedOutMicros: 1_500_000 });
  });

  it('late usage is billed as adjustment lines tagged with the original month and counts in revenue and totals', () => {
    // March: acme 10 calls × 10,000 = 100,000.
    // Late from January: acme 5 × 10,000 = 50,000; globex (no March usage) 2 × 10,000 = 20,000.
    // Revenue 170,000; acme total 150,000 (line 100,000 + adjustment 50,000); globex 20,000 (no lines).
    // Pool at 70 %: 119,000, alice:2 bob:1 -> 79,333.33 / 39,666.67 -> alice 79,333, bob 39,667.
    const late: LateUsage[] = [
      { originalMonth: '2025-01', aggregate: agg('globex', 'hello', eur(10_000, 0), ALICE_BOB, { calls: 2, billableCalls: 2 }, '2025-01') },
      { originalMonth: '2025-01', aggregate: agg('acme', 'hello', eur(10_000, 0), ALICE_BOB, { calls: 5, billableCalls: 5 }, '2025-01') },
    ];
    const s = computeStatement(input({ aggregates: [agg('acme', 'hello', eur(10_000, 0), ALICE_BOB, { calls: 10, billableCalls: 10 })], late }));
    expect(s.totals.revenueMicros).toBe(170_000);
    expect(client(s, 'acme')).toMatchObject({ totalMicros: 150_000 });
    expect(client(s, 'acme')?.lines.map((l) => l.amountMicros)).toEqual([100_000]);
    expect(client(s, 'globex')).toEqual({ clientId: 'globex', totalMicros: 20_000, lines: [] });
    expect(s.adjustments).toEqual([
      { originalMonth: '2025-01', clientId: 'acme', featureId: 'hello', unitPrice: eur(10_000, 0), calls: 5, billableCalls: 5, billedMs: 0, amountMicros: 50_000 },
      { originalMonth: '2025-01', clientId: 'globex', featureId: 'hello', unitPrice: eur(10_000, 0), calls: 2, billableCalls: 2, billedMs: 0, amountMicros: 20_000 },
    ]);
    expect(s.totals.payoutMicros).toBe(119_000);
    expect(dev(s, 'alice')?.earnedMicros).toBe(79_333);
    expect(dev(s, 'bob')?.earnedMicros).toBe(39_667);
    expect(dev(s, 'alice')?.lines).toEqual([{ featureId: 'hello', revenueMicros: 170_000, weight: 2, totalWeight: 3 }]);
  });

  it('an aggregate of another month is not billed in this statement', () => {
    const s = computeStatement(
      input({ aggregates: [agg('acme', 'hello', eur(10_000, 0), ALICE_BOB, { calls: 1, billableCalls: 1 }), agg('acme', 'hello', eur(10_000, 0), ALICE_BOB, { calls: 9, billableCalls: 9 }, '2025-02')] }),
    );
    expect(s.totals.revenueMicros).toBe(10_000);
  });

  it('breaks equal remainders by developer id, not by the order features come in', () => {
    // At 0.01 % (1 bps), a cent of revenue owes 1 micro. f-z (zoe:1 zora:1) and f-a (amy:1 abe:1), a cent each:
    // each author is owed 0.5 micro. Pool floor(20,000 × 1 / 10,000) = 2; floors 0, two micros to hand out,
    // remainders all tie at 0.5: the smaller ids, abe and amy, get them — in whichever order the aggregates
    // arrive (zoe's feature is seen first here).
    const zoe = agg('acme', 'f-z', eur(10_000, 0), [{ id: 'zoe', weight: 1 }, { id: 'zora', weight: 1 }], { calls: 1, billableCalls: 1 });
    const amy = agg('acme', 'f-a', eur(10_000, 0), [{ id: 'abe', weight: 1 }, { id: 'amy', weight: 1 }], { calls: 1, billableCalls: 1 });
    for (const aggregates of [
      [zoe, amy],
      [amy, zoe],
    ]) {
      const s = computeStatement(input({ policy: { developerShareBps: 1, minimumPayoutMicros: 0 }, aggregates }));
      expect(s.totals.payoutMicros).toBe(2);
      expect(s.developers.map((d) => [d.developerId, d.earnedMicros])).toEqual([
        ['abe', 1],
        ['amy', 1],
        ['zoe', 0],
        ['zora', 0],
      ]);
    }

    // Within one feature: max:1 ben:1 on a cent at 3 bps: each owed 1.5, pool 3 -> ben 2, max 1.
    const s = computeStatement(
      input({
        policy: { developerShareBps: 3, minimumPayoutMicros: 0 },
        aggregates: [agg('acme', 'f', eur(10_000, 0), [{ id: 'ben', weight: 1 }, { id: 'max', weight: 1 }], { calls: 1, billableCalls: 1 })],
      }),
    );
    expect(dev(s, 'ben')?.earnedMicros).toBe(2);
    expect(dev(s, 'max')?.earnedMicros).toBe(1);
  });

  it('sums a developer over features with different splits before rounding', () => {
    // f1 (alice:1 bob:1) a cent, f2 (alice:1 carol:1) a cent, at 1 bps: alice 0.5 + 0.5 = 1 micro exactly,
    // bob 0.5, carol 0.5. Pool 2. Rounding per feature would give alice 0 or 2; summed first she gets 1,
    // the remaining micro goes to bob (tie with carol, smaller id).
    const s = computeStatement(
      input({
        policy: { developerShareBps: 1, minimumPayoutMicros: 0 },
        aggregates: [
          agg('acme', 'f1', eur(10_000, 0), [{ id: 'alice', weight: 1 }, { id: 'bob', weight: 1 }], { calls: 1, billableCalls: 1 }),
          agg('acme', 'f2', eur(10_000, 0), [{ id: 'alice', weight: 1 }, { id: 'carol', weight: 1 }], { calls: 1, billableCalls: 1 }),
        ],
      }),
    );
    expect(s.developers.map((d) => [d.developerId, d.earnedMicros])).toEqual([
      ['alice', 1],
      ['bob', 1],
      ['carol', 0],
    ]);
  });

  it('the same feature under two author splits (mid-month change) shares each split\'s revenue by its own weights', () => {
    // hello at 10,000/call: 3 calls under alice:2 bob:1 (30,000), 2 calls under alice:1 carol:1 (20,000), at 100 %.
    // Different prices so the client lines stay separate. alice 20,000 + 10,000 = 30,000, bob 10,000, carol 10,000.
    const s = computeStatement(
      input({
        policy: { developerShareBps: 10_000, minimumPayoutMicros: 0 },
        aggregates: [
          agg('acme', 'hello', eur(10_000, 0), ALICE_BOB, { calls: 3, billableCalls: 3 }),
          agg('acme', 'hello', eur(10_000, 1), [{ id: 'alice', weight: 1 }, { id: 'carol', weight: 1 }], { calls: 2, billableCalls: 2 }),
        ],
      }),
    );
    expect(s.developers.map((d) => [d.developerId, d.earnedMicros])).toEqual([
      ['alice', 30_000],
      ['bob', 10_000],
      ['carol', 10_000],
    ]);
    expect(dev(s, 'alice')?.lines).toEqual([
      { featureId: 'hello', revenueMicros: 20_000, weight: 1, totalWeight: 2 },
      { featureId: 'hello', revenueMicros: 30_000, weight: 2, totalWeight: 3 },
    ]);
  });

  it('merges the author splits of one (client, feature, price) into one client line; each split keeps its revenue', () => {
    // hello at 10,000/call, no compute, authors changed mid-month: 3 calls (2 billable) under alice:2 bob:1,
    // 4 calls (4 billable) under carol:1. One client line: 7 calls, 6 billable, 30 + 40 ms, 60,000 micros.
    // At 100 %: alice 2/3 × 20,000 = 13,333.33, bob 6,666.67, carol 40,000 -> pool 60,000, floors 59,999,
    // the micro left goes to bob (0.67 > 0.33).
    const s = computeStatement(
      input({
        policy: { developerShareBps: 10_000, minimumPayoutMicros: 0 },
        aggregates: [
          agg('acme', 'hello', eur(10_000, 0), [{ id: 'carol', weight: 1 }], { calls: 4, billableCalls: 4, billedMs: 40, billableMs: 40 }),
          agg('acme', 'hello', eur(10_000, 0), ALICE_BOB, { calls: 3, billableCalls: 2, errors: 1, billedMs: 30, billableMs: 20 }),
        ],
      }),
    );
    expect(s.clients).toEqual([
      { clientId: 'acme', totalMicros: 60_000, lines: [{ featureId: 'hello', unitPrice: eur(10_000, 0), calls: 7, billableCalls: 6, billedMs: 70, amountMicros: 60_000 }] },
    ]);
    expect(s.developers.map((d) => [d.developerId, d.earnedMicros])).toEqual([
      ['alice', 13_333],
      ['bob', 6_667],
      ['carol', 40_000],
    ]);
    expect(dev(s, 'carol')?.lines).toEqual([{ featureId: 'hello', revenueMicros: 40_000, weight: 1, totalWeight: 1 }]);
  });

  it('refuses a share outside 0..10000 bps', () => {
    for (const bps of [-1, 10_001, 70.5]) {
      expect(() => computeStatement(input({ policy: { developerShareBps: bps, minimumPayoutMicros: 0 } as StatementPolicy }))).toThrow(RangeError);
    }
  });

  it('canonicalJson sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: { c: 1, d: 2 }, b: 1 })).toBe(canonicalJson({ b: 1, a: { d: 2, c: 1 } }));
  });

  // A (client, feature, unit price) line whose usage spans two author splits (the authors changed
  // mid-month, the price did not) is still rounded once: 512,000 + 512,000 MB·ms at 10,000 micros
  // per GB-second is exactly one cent, not half a cent -> 1 cent twice. Each split's revenue is
  // its exact half of that cent.
  it('rounds a client line once even when its usage spans two author splits', () => {
    const p = eur(0, 10_000);
    const s = computeStatement(
      input({
        aggregates: [
          agg('acme', 'ocr', p, [{ id: 'alice', weight: 1 }], { calls: 1, billableCalls: 1, billedMs: 500, billableMs: 500, billableMbMs: 512_000 }),
          agg('acme', 'ocr', p, [{ id: 'bob', weight: 1 }], { calls: 1, billableCalls: 1, billedMs: 500, billableMs: 500, billableMbMs: 512_000 }),
        ],
      }),
    );
    expect(client(s, 'acme')?.lines).toHaveLength(1);
    expect(client(s, 'acme')?.lines[0]?.amountMicros).toBe(10_000);
    expect(s.totals.revenueMicros).toBe(10_000);
    expect(s.developers.map((d) => [d.developerId, d.lines[0]?.revenueMicros])).toEqual([
      ['alice', 5_000],
      ['bob', 5_000],
    ]);
  });

  // The statement's bytes (and SHA-256) must not depend on the order the store returned late usage.
  it('orders adjustments independently of the order of late usage (price differs only per GB-second)', () => {
    const l1: LateUsage = { originalMonth: '2025-01', aggregate: agg('acme', 'ocr', eur(1000, 10), ALICE_BOB, { calls: 1, billableCalls: 1 }, '2025-01') };
    const l2: LateUsage = { originalMonth: '2025-01', aggregate: agg('acme', 'ocr', eur(1000, 20), ALICE_BOB, { calls: 2, billableCalls: 2 }, '2025-01') };
    expect(canonicalJson(computeStatement(input({ late: [l2, l1] })))).toBe(canonicalJson(computeStatement(input({ late: [l1, l2] }))));
  });

  it('orders adjustments independently of the order of late usage (author split differs)', () => {
    const l1: LateUsage = { originalMonth: '2025-01', aggregate: agg('acme', 'ocr', eur(1000, 0), ALICE_BOB, { calls: 1, billableCalls: 1 }, '2025-01') };
    const l2: LateUsage = { originalMonth: '2025-01', aggregate: agg('acme', 'ocr', eur(1000, 0), [{ id: 'carol', weight: 1 }], { calls: 2, billableCalls: 2 }, '2025-01') };
    expect(canonicalJson(computeStatement(input({ late: [l2, l1] })))).toBe(canonicalJson(computeStatement(input({ late: [l1, l2] }))));
  });

  it('adjustments with distinct (month, client, feature, per-call price) are ordered by those keys', () => {
    const mk = (m: string, c: string, f: string, perCall: number): LateUsage => ({ originalMonth: m, aggregate: agg(c, f, eur(perCall, 0), ALICE_BOB, { calls: 1, billableCalls: 1 }, m) });
    const late = [mk('2025-02', 'a', 'f', 1), mk('2025-01', 'b', 'f', 1), mk('2025-01', 'a', 'g', 1), mk('2025-01', 'a', 'f', 2), mk('2025-01', 'a', 'f', 1)];
    const s = computeStatement(input({ late }));
    expect(s.adjustments.map((a) => `${a.originalMonth} ${a.clientId} ${a.featureId} ${a.unitPrice.perCallMicros}`)).toEqual([
      '2025-01 a f 1',
      '2025-01 a f 2',
      '2025-01 a g 1',
      '2025-01 b f 1',
      '2025-02 a f 1',
    ]);
    expect(canonicalJson(computeStatement(input({ late: [...late].reverse() })))).toBe(canonicalJson(s));
  });
});

// ---------------------------------------------------------------------------------------------
// lateUsage
// ---------------------------------------------------------------------------------------------

const COUNTER_KEYS = ['calls', 'billableCalls', 'errors', 'timeouts', 'billedMs', 'billableMs', 'billableMbMs', 'requestBytes', 'responseBytes'] as const;

function plus(a: UsageCounters, b: UsageCounters): UsageCounters {
  const out = counters();
  for (const k of COUNTER_KEYS) out[k] = a[k] + b[k];
  return out;
}

describe('lateUsage', () => {
  const JAN = '2025-01';

  it('returns nothing when nothing changed', () => {
    const current = [agg('acme', 'hello', eur(1000, 0), ALICE_BOB, { calls: 5, billableCalls: 5 }, JAN), agg('beta', 'hello', eur(1000, 0), ALICE_BOB, { calls: 1 }, JAN)];
    expect(lateUsage(JAN, current, current.map((a) => ({ ...a })))).toEqual([]);
    expect(lateUsage(JAN, [], [])).toEqual([]);
  });

  it('returns the difference per line, tagged with the original month', () => {
    // Final statement billed 5 calls; 3 more (2 billable, 1 error) arrived afterwards.
    const billed = agg('acme', 'hello', eur(1000, 17), ALICE_BOB, { calls: 5, billableCalls: 5, billedMs: 50, billableMs: 50, billableMbMs: 6400, requestBytes: 500, responseBytes: 900 }, JAN);
    const current = agg('acme', 'hello', eur(1000, 17), ALICE_BOB, { calls: 8, billableCalls: 7, errors: 1, billedMs: 90, billableMs: 70, billableMbMs: 8960, requestBytes: 800, responseBytes: 1500 }, JAN);
    expect(lateUsage(JAN, [current], [billed])).toEqual([
      {
        originalMonth: JAN,
        aggregate: agg('acme', 'hello', eur(1000, 17), ALICE_BOB, { calls: 3, billableCalls: 2, errors: 1, billedMs: 40, billableMs: 20, billableMbMs: 2560, requestBytes: 300, responseBytes: 600 }, JAN),
      },
    ]);
  });

  it('subtracts both the final statement and earlier adjustments, matching authors in any order', () => {
    const final = agg('acme', 'hello', eur(1000, 0), ALICE_BOB, { calls: 5, billableCalls: 5 }, JAN);
    const earlierAdjustment = agg('acme', 'hello', eur(1000, 0), [ALICE_BOB[1] as AuthorShare, ALICE_BOB[0] as AuthorShare], { calls: 2, billableCalls: 2 }, JAN);
    const current = agg('acme', 'hello', eur(1000, 0), ALICE_BOB, { calls: 8, billableCalls: 8 }, JAN);
    const out = lateUsage(JAN, [current], [final, earlierAdjustment]);
    expect(out).toHaveLength(1);
    expect(out[0]?.aggregate).toMatchObject({ calls: 1, billableCalls: 1 });
    expect(lateUsage(JAN, [current], [final, earlierAdjustment, agg('acme', 'hello', eur(1000, 0), ALICE_BOB, { calls: 1, billableCalls: 1 }, JAN)])).toEqual([]);
  });

  it('matches a current line whose authors are listed in another order', () => {
    const billed = agg('acme', 'hello', eur(1000, 0), ALICE_BOB, { calls: 5, billableCalls: 5 }, JAN);
    const current = agg('acme', 'hello', eur(1000, 0), [ALICE_BOB[1] as AuthorShare, ALICE_BOB[0] as AuthorShare], { calls: 6, billableCalls: 6 }, JAN);
    expect(lateUsage(JAN, [current], [billed]).map((l) => l.aggregate.calls)).toEqual([1]);
    expect(lateUsage(JAN, [{ ...current, calls: 5, billableCalls: 5 }], [billed])).toEqual([]);
  });

  it('keeps lines of another price, split or client apart; a line never billed comes back whole', () => {
    const billed = [agg('acme', 'hello', eur(1000, 0), ALICE_BOB, { calls: 5, billableCalls: 5 }, JAN)];
    const otherPrice = agg('acme', 'hello', eur(2000, 0), ALICE_BOB, { calls: 5, billableCalls: 5 }, JAN);
    const otherSplit = agg('acme', 'hello', eur(1000, 0), [{ id: 'alice', weight: 1 }], { calls: 5, billableCalls: 5 }, JAN);
    const otherClient = agg('beta', 'hello', eur(1000, 0), ALICE_BOB, { calls: 5, billableCalls: 5 }, JAN);
    const out = lateUsage(JAN, [billed[0] as UsageAggregate, otherPrice, otherSplit, otherClient], billed);
    expect(out).toEqual([
      { originalMonth: JAN, aggregate: otherPrice },
      { originalMonth: JAN, aggregate: otherSplit },
      { originalMonth: JAN, aggregate: otherClient },
    ]);
  });

  it('never returns a negative difference', () => {
    // The store holds less than was billed (e.g. a line already over-adjusted): nothing to bill.
    const billed = agg('acme', 'hello', eur(1000, 0), ALICE_BOB, { calls: 9, billableCalls: 9 }, JAN);
    const current = agg('acme', 'hello', eur(1000, 0), ALICE_BOB, { calls: 7, billableCalls: 7 }, JAN);
    expect(lateUsage(JAN, [current], [billed])).toEqual([]);
  });

  it('property: current = billed + late -> exactly the late part of every line that grew, nothing else; input untouched', () => {
    const lineArb = fc.record({ client: fc.integer({ min: 1, max: 3 }), feature: fc.integer({ min: 0, max: 5 }), split: fc.integer({ min: 0, max: 1 }), price: fc.integer({ min: 0, max: 1 }) });
    const arb = fc.record({
      catalog: catalogArb,
      lines: fc.uniqueArray(fc.record({ line: lineArb, billed: countersArb, late: countersArb, billedInTwo: fc.boolean() }), {
        maxLength: 12,
        selector: (l) => `${l.line.client}#${l.line.feature}#${l.line.split}#${l.line.price}`,
      }),
    });
    fc.assert(
      fc.property(arb, ({ catalog, lines }) => {
        const cat = catalog as Catalog;
        const current: UsageAggregate[] = [];
        const billed: UsageAggregate[] = [];
        const expected: LateUsage[] = [];
        for (const l of lines) {
          const base = toAggregate(cat, { ...l.line, counters: counters() }, JAN);
          current.push({ ...base, ...plus(l.billed, l.late) });
          if (l.billedInTwo) {
            // Billed partly in the final statement, partly as an earlier adjustment, authors listed backwards.
            const half = counters();
            for (const k of COUNTER_KEYS) half[k] = Math.floor(l.billed[k] / 2);
            const rest = counters();
            for (const k of COUNTER_KEYS) rest[k] = l.billed[k] - half[k];
            billed.push({ ...base, ...half }, { ...base, authors: [...base.authors].reverse(), ...rest });
          } else if (l.billed.calls > 0) billed.push({ ...base, ...l.billed });
          if (l.late.calls > 0) expected.push({ originalMonth: JAN, aggregate: { ...base, ...l.late } });
        }
        const snapshot = canonicalJson([current, billed]);
        const out = lateUsage(JAN, current, billed);
        expect(out).toEqual(expected);
        for (const o of out) for (const k of COUNTER_KEYS) expect(o.aggregate[k]).toBeGreaterThanOrEqual(0);
        expect(canonicalJson([current, billed])).toBe(snapshot);
        // Billing the late part makes the next run find nothing.
        expect(lateUsage(JAN, current, [...billed, ...out.map((o) => o.aggregate)])).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
