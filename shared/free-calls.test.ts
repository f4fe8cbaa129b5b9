import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateFreeCalls, chargedFraction } from './free-calls.ts';
import type { UnitPrice } from './price.ts';
import { reconcile } from './reconcile.ts';
import { computeStatement, DEFAULT_POLICY } from './statement.ts';
import { usageRows, zeroCounters, type UsageAggregate } from './usage.ts';

const MONTH = '2026-11';
const price = (perCallMicros: number, perGbSecondMicros: number, free?: number): UnitPrice => ({ perCallMicros, perGbSecondMicros, currency: 'EUR', ...(free ? { freeCallsPerMonth: free } : {}) });

describe('allocateFreeCalls', () => {
  it('shares the allowance over the lines in order, at most each line’s billable calls', () => {
    expect(allocateFreeCalls([{ price: price(1000, 0, 100), billableCalls: 30 }, { price: price(2000, 0, 100), billableCalls: 200 }])).toEqual([30, 70]);
    expect(allocateFreeCalls([{ price: price(1000, 0, 100), billableCalls: 300 }])).toEqual([100]);
    expect(allocateFreeCalls([{ price: price(1000, 0), billableCalls: 300 }])).toEqual([0]);
    // An allowance changed within the month: the largest one applies, once.
    expect(allocateFreeCalls([{ price: price(1000, 0, 10), billableCalls: 8 }, { price: price(1000, 0, 50), billableCalls: 100 }])).toEqual([8, 42]);
  });

  it('charges (billable − free) ÷ billable of the exact value, and all of it without free calls', () => {
    expect(chargedFraction(900n, 9, 3)).toEqual({ num: 5400n, den: 9n });
    expect(chargedFraction(900n, 9, 0)).toEqual({ num: 900n, den: 1n });
    expect(() => chargedFraction(900n, 9, 10)).toThrow(RangeError);
  });
});

/** One month's aggregates over a few clients and features, each feature with an optional allowance. */
const aggregatesArb = fc
  .tuple(
    fc.array(fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
    fc.array(
      fc.record({
        client: fc.constantFrom('acme', 'globex'),
        feature: fc.integer({ min: 0, max: 2 }),
        perCall: fc.constantFrom(0, 1, 333, 1000, 2500),
        perGb: fc.constantFrom(0, 17, 1000),
        billable: fc.integer({ min: 0, max: 80 }),
        extra: fc.integer({ min: 0, max: 5 }),
        msPerCall: fc.integer({ min: 1, max: 900 }),
        author: fc.constantFrom('alice', 'bob'),
      }),
      { maxLength: 12 },
    ),
  )
  .map(([allowances, lines]) =>
    lines.map((l): UsageAggregate => ({
      month: MONTH,
      clientId: l.client,
      featureId: `f${l.feature}`,
      price: price(l.perCall, l.perGb, allowances[l.feature]),
      authors: [{ id: l.author, weight: 1 }],
      ...zeroCounters(),
      calls: l.billable + l.extra,
      billableCalls: l.billable,
      billableMs: l.billable * l.msPerCall,
      billedMs: (l.billable + l.extra) * l.msPerCall,
      billableMbMs: l.billable * l.msPerCall * 256,
    })),
  );

const statementOf = (aggregates: UsageAggregate[]) => computeStatement({ month: MONTH, status: 'draft', policy: DEFAULT_POLICY, aggregates, late: [], carriedIn: new Map() });
const withoutAllowances = (aggregates: UsageAggregate[]) => aggregates.map((a) => ({ ...a, price: { ...a.price, freeCallsPerMonth: undefined } }));

describe('a free monthly allowance on the statement', () => {
  it('frees min(allowance, billable calls) per client and feature, never raises a line, and still reconciles to the micro', () => {
    fc.assert(
      fc.property(aggregatesArb, (aggregates) => {
        const s = statementOf(aggregates);
        const full = statementOf(withoutAllowances(aggregates));
        expect(reconcile(s)).toEqual({ clientsEqualRevenue: true, invoicesInCents: true, payoutsEqualShare: true, payablesInCents: true, platformIsTheRest: true });
        for (const c of s.clients) {
          for (const feature of new Set(c.lines.map((l) => l.featureId))) {
            const lines = c.lines.filter((l) => l.featureId === feature);
            const mine = aggregates.filter((a) => a.clientId === c.clientId && a.featureId === feature);
            const allowance = Math.max(0, ...mine.map((a) => a.price.freeCallsPerMonth ?? 0));
            const billable = mine.reduce((n, a) => n + a.billableCalls, 0);
            expect(lines.reduce((n, l) => n + (l.freeCalls ?? 0), 0)).toBe(Math.min(allowance, billable));
            for (const l of lines) {
              expect(l.freeCalls ?? 0).toBeLessThanOrEqual(l.billableCalls);
              // All calls free: nothing to pay on the line.
              if (l.freeCalls === l.billableCalls) expect(l.amountMicros).toBe(0);
            }
          }
          const before = full.clients.find((x) => x.clientId === c.clientId);
          expect(c.totalMicros).toBeLessThanOrEqual(before?.totalMicros ?? 0);
        }
        expect(s.totals.revenueMicros).toBeLessThanOrEqual(full.totals.revenueMicros);
      }),
    );
  });

  it('is what the client’s usage page shows during the month: the same free calls, amounts within half a cent a line', () => {
    fc.assert(
      fc.property(aggregatesArb, (aggregates) => {
        const s = statementOf(aggregates);
        for (const row of usageRows(aggregates)) {
          const lines = s.clients.find((c) => c.clientId === row.clientId)?.lines.filter((l) => l.featureId === row.featureId) ?? [];
          expect(row.freeCalls ?? 0).toBe(lines.reduce((n, l) => n + (l.freeCalls ?? 0), 0));
          const billed = lines.reduce((n, l) => n + l.amountMicros, 0);
          // The page shows micros, the statement cents (each line rounded once, half-up).
          expect(Math.abs(billed - row.amountMicros)).toBeLessThanOrEqual(5_000 * lines.length + 2 * lines.length);
        }
      }),
    );
  });

  it('changes nothing for features without one', () => {
    fc.assert(
      fc.property(aggregatesArb, (aggregates) => {
        const none = withoutAllowances(aggregates);
        expect(statementOf(none).clients.every((c) => c.lines.every((l) => l.freeCalls === undefined))).toBe(true);
      }),
    );
  });
});
