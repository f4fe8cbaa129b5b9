import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconcile } from './reconcile.ts';
import { computeStatement } from './statement.ts';
import type { UsageAggregate } from './usage.ts';

const aggregate = fc.record({
  client: fc.constantFrom('a', 'b', 'c'),
  feature: fc.constantFrom('f1', 'f2'),
  authors: fc.constantFrom([{ id: 'x', weight: 1 }], [{ id: 'x', weight: 2 }, { id: 'y', weight: 1 }], [{ id: 'z', weight: 3 }]),
  perCall: fc.integer({ min: 0, max: 5_000 }),
  calls: fc.integer({ min: 0, max: 100_000 }),
});

function toAggregate(a: { client: string; feature: string; authors: readonly { id: string; weight: number }[]; perCall: number; calls: number }): UsageAggregate {
  return {
    month: '2026-10', clientId: a.client, featureId: a.feature, price: { perCallMicros: a.perCall, perGbSecondMicros: 0, currency: 'EUR' }, authors: [...a.authors],
    calls: a.calls, billableCalls: a.calls, errors: 0, timeouts: 0, billedMs: a.calls, billableMs: a.calls, billableMbMs: a.calls * 128, requestBytes: 0, responseBytes: 0,
  };
}

describe('reconcile', () => {
  it('holds for every statement the domain computes', () => {
    fc.assert(
      fc.property(fc.array(aggregate, { maxLength: 12 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (aggs, bps, min, carried) => {
        const s = computeStatement({ month: '2026-10', status: 'draft', policy: { developerShareBps: bps, minimumPayoutMicros: min }, aggregates: aggs.map(toAggregate), late: [], carriedIn: new Map([['x', carried]]) });
        expect(reconcile(s)).toEqual({ clientsEqualRevenue: true, invoicesInCents: true, payoutsEqualShare: true, payablesInCents: true, platformIsTheRest: true });
      }),
    );
  });

  it('names the check a tampered statement fails', () => {
    const s = computeStatement({ month: '2026-10', status: 'draft', policy: { developerShareBps: 7000, minimumPayoutMicros: 0 }, aggregates: [toAggregate({ client: 'a', feature: 'f1', authors: [{ id: 'x', weight: 1 }], perCall: 1000, calls: 7 })], late: [], carriedIn: new Map() });
    expect(reconcile({ ...s, clients: s.clients.map((c) => ({ ...c, totalMicros: c.totalMicros + 1 })) }).clientsEqualRevenue).toBe(false);
    expect(reconcile({ ...s, totals: { ...s.totals, payoutMicros: s.totals.payoutMicros - 1 } }).payoutsEqualShare).toBe(false);
    expect(reconcile({ ...s, totals: { ...s.totals, platformMicros: s.totals.platformMicros + 1 } }).platformIsTheRest).toBe(false);
    // A line or total off the cent, or a total that is not the sum of its lines.
    const offCent = s.clients.map((c) => ({ ...c, lines: c.lines.map((l) => ({ ...l, amountMicros: l.amountMicros + 1 })), totalMicros: c.totalMicros + 1 }));
    expect(reconcile({ ...s, clients: offCent, totals: { ...s.totals, revenueMicros: s.totals.revenueMicros + 1 } }).invoicesInCents).toBe(false);
    expect(reconcile({ ...s, clients: s.clients.map((c) => ({ ...c, totalMicros: c.totalMicros + 10_000 })) }).invoicesInCents).toBe(false);
    // A payable off the cent, or one that loses what it does not carry.
    const d = s.developers.map((x) => ({ ...x, payableMicros: x.payableMicros + 1, carriedOutMicros: x.carriedOutMicros - 1 }));
    expect(reconcile({ ...s, developers: d, totals: { ...s.totals, payableMicros: s.totals.payableMicros + 1 } }).payablesInCents).toBe(false);
    const lost = s.developers.map((x) => ({ ...x, carriedOutMicros: x.carriedOutMicros + 10_000 }));
    expect(reconcile({ ...s, developers: lost }).payablesInCents).toBe(false);
  });
});
