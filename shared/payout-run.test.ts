import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { owedAfter, planPayoutRun, PayoutError, type Payee } from './payout-run.ts';

const VALID = ['FR1420041010050500013M02606', 'DE89370400440532013000', 'NL91ABNA0417164300'];
const dev = (developerId: string, payableCents: number) => ({ developerId, earnedMicros: 0, carriedInMicros: 0, payableMicros: payableCents * 10_000, carriedOutMicros: 0, lines: [] });

describe('planPayoutRun', () => {
  it('pays a valid IBAN in full, carries a missing or invalid one, and owes it to the next run', () => {
    const statement = { month: '2026-11', developers: [dev('ada', 1_234), dev('bob', 2_000), dev('cy', 1_500), dev('dee', 0)] };
    const payees = new Map<string, Payee>([
      ['ada', { name: 'Ada L', iban: 'FR14 2004 1010 0505 0001 3M02 606' }],
      ['cy', { name: 'Cy', iban: 'FR1420041010050500013M02607' }], // wrong check digits
    ]);
    const plan = planPayoutRun(statement, new Map([['eve', 700]]), payees);
    expect(plan.lines.map((l) => [l.developerId, l.paidCents, l.carriedCents, l.reason])).toEqual([
      ['ada', 1_234, 0, undefined],
      ['bob', 0, 2_000, 'no_payee'],
      ['cy', 0, 1_500, 'invalid_iban'],
      ['eve', 0, 700, 'no_payee'],
    ]);
    expect(plan.lines[0]).toMatchObject({ iban: 'FR1420041010050500013M02606', payeeName: 'Ada L' });
    expect(plan.paidCents).toBe(1_234);
    expect(plan.carriedCents).toBe(4_200);
    expect(owedAfter(plan)).toEqual(new Map([['bob', 2_000], ['cy', 1_500], ['eve', 700]]));
    // Next month bob has an IBAN: he is paid this month's payable plus what was owed.
    const next = planPayoutRun({ month: '2026-12', developers: [dev('bob', 100)] }, owedAfter(plan), new Map([['bob', { name: 'Bob', iban: VALID[1] as string }]]));
    expect(next.lines.find((l) => l.developerId === 'bob')).toMatchObject({ payableCents: 100, owedBeforeCents: 2_000, paidCents: 2_100, carriedCents: 0 });
  });

  it('property: nothing is lost: paid + carried = payable + owed before, per developer and in total; the same inputs give the same plan', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...ids), fc.integer({ min: 0, max: 10_000_000 })), { maxLength: 5 }),
        fc.array(fc.tuple(fc.constantFrom(...ids), fc.integer({ min: 0, max: 1_000_000 })), { maxLength: 5 }),
        fc.array(fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...VALID, 'XX00BAD')), { maxLength: 5 }),
        (payables, owed, ibans) => {
          const statement = { month: '2026-11', developers: [...new Map(payables).entries()].map(([id, c]) => dev(id, c)) };
          const owedMap = new Map(owed);
          const payees = new Map(ibans.map(([id, iban]) => [id, { name: `Payee ${id}`, iban }]));
          const plan = planPayoutRun(statement, owedMap, payees);
          let due = 0;
          for (const d of statement.developers) due += d.payableMicros / 10_000;
          for (const v of owedMap.values()) due += v;
          expect(plan.paidCents + plan.carriedCents).toBe(due);
          for (const l of plan.lines) {
            expect(l.paidCents + l.carriedCents).toBe(l.payableCents + l.owedBeforeCents);
            expect(l.paidCents === 0 || l.carriedCents === 0).toBe(true);
          }
          expect(plan.lines.map((l) => l.developerId)).toEqual([...plan.lines.map((l) => l.developerId)].sort());
          expect(planPayoutRun({ ...statement, developers: [...statement.developers].reverse() }, new Map([...owedMap].reverse()), payees)).toEqual(plan);
        },
      ),
    );
  });

  it('refuses payables that are not whole cents', () => {
    expect(() => planPayoutRun({ month: '2026-11', developers: [{ ...dev('a', 1), payableMicros: 10_001 }] }, new Map(), new Map())).toThrow(PayoutError);
  });
});
