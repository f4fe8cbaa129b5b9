import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { apportion } from './apportion.ts';

/** Ids in a deliberately scrambled pool, so insertion order never matches id order by accident. */
const IDS = ['m', 'b', 'z', 'a', 'k', 'c', 'y', 'd', 'aa', 'B'];

interface Case {
  entries: [string, bigint][];
  denominator: bigint;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  entries: fc
    .uniqueArray(fc.record({ id: fc.constantFrom(...IDS), num: fc.bigInt({ min: 0n, max: 2_000n }) }), { minLength: 0, maxLength: 8, selector: (e) => e.id })
    .map((es) => es.map((e): [string, bigint] => [e.id, e.num])),
  // Small denominators make equal remainders (ties) frequent.
  denominator: fc.bigInt({ min: 1n, max: 12n }),
});

/** Σ floors and how many parties have a non-zero remainder: the feasible totals are Σfloor..Σfloor+k. */
function bounds(c: Case): { floors: bigint; fractional: bigint } {
  let floors = 0n;
  let fractional = 0n;
  for (const [, n] of c.entries) {
    floors += n / c.denominator;
    if (n % c.denominator !== 0n) fractional += 1n;
  }
  return { floors, fractional };
}

/** Independent reference: who gets a ceiling, by an explicit ranking (remainder desc, id asc). */
function reference(c: Case, total: bigint): Map<string, bigint> {
  const ranked = c.entries
    .filter(([, n]) => n % c.denominator !== 0n)
    .map(([id, n]) => ({ id, rem: n % c.denominator }))
    .sort((x, y) => {
      if (x.rem !== y.rem) return x.rem > y.rem ? -1 : 1;
      return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
    });
  const extra = Number(total - bounds(c).floors);
  const ceil = new Set(ranked.slice(0, extra).map((r) => r.id));
  return new Map(c.entries.map(([id, n]) => [id, n / c.denominator + (ceil.has(id) ? 1n : 0n)]));
}

const feasible = caseArb.chain((c) => {
  const { floors, fractional } = bounds(c);
  return fc.record({ c: fc.constant(c), total: fc.bigInt({ min: floors, max: floors + fractional }) });
});

describe('apportion', () => {
  it('hands out exactly the total, each party the floor or the ceiling of its entitlement, largest remainders first', () => {
    fc.assert(
      fc.property(feasible, ({ c, total }) => {
        const out = apportion(total, new Map(c.entries), c.denominator);
        expect([...out.keys()].sort()).toEqual(c.entries.map(([id]) => id).sort());
        expect([...out.values()].reduce((s, v) => s + v, 0n)).toBe(total);
        for (const [id, n] of c.entries) {
          const got = out.get(id) as bigint;
          const floor = n / c.denominator;
          const ceil = floor + (n % c.denominator === 0n ? 0n : 1n);
          expect(got === floor || got === ceil).toBe(true);
          // |got − n/d| < 1
          const diff = got * c.denominator - n;
          expect(diff < c.denominator && -diff < c.denominator).toBe(true);
        }
        // Largest remainder: every party rounded up has a remainder > (or = with a smaller id than)
        // every party with a remainder that was rounded down.
        const up = c.entries.filter(([id, n]) => (out.get(id) as bigint) * c.denominator > n);
        const down = c.entries.filter(([id, n]) => (out.get(id) as bigint) * c.denominator < n);
        for (const [ua, un] of up) {
          for (const [da, dn] of down) {
            const ur = un % c.denominator;
            const dr = dn % c.denominator;
            expect(ur > dr || (ur === dr && ua < da)).toBe(true);
          }
        }
        expect(out).toEqual(reference(c, total));
      }),
      { numRuns: 400 },
    );
  });

  it('does not depend on the insertion order of the map', () => {
    fc.assert(
      fc.property(
        feasible.chain((x) => fc.tuple(fc.constant(x), fc.shuffledSubarray(x.c.entries, { minLength: x.c.entries.length, maxLength: x.c.entries.length }))),
        ([{ c, total }, shuffled]) => {
          const a = apportion(total, new Map(c.entries), c.denominator);
          const b = apportion(total, new Map(shuffled), c.denominator);
          const c2 = apportion(total, new Map([...c.entries].reverse()), c.denominator);
          const sorted = (m: Map<string, bigint>) => [...m].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
          expect(sorted(b)).toEqual(sorted(a));
          expect(sorted(c2)).toEqual(sorted(a));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws when the total is below Σ floors or above Σ ceilings', () => {
    fc.assert(
      fc.property(caseArb, fc.bigInt({ min: 1n, max: 50n }), fc.boolean(), (c, by, below) => {
        const { floors, fractional } = bounds(c);
        const total = below ? floors - by : floors + fractional + by;
        expect(() => apportion(total, new Map(c.entries), c.denominator)).toThrow(RangeError);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts both ends of the feasible range', () => {
    // 7/3 = 2.33, 5/3 = 1.67, 6/3 = 2: floors 5, two fractional parties -> 5..7.
    const nums = new Map([
      ['x', 7n],
      ['y', 5n],
      ['w', 6n],
    ]);
    expect(apportion(5n, nums, 3n)).toEqual(new Map([['x', 2n], ['y', 1n], ['w', 2n]]));
    expect(apportion(6n, nums, 3n)).toEqual(new Map([['x', 2n], ['y', 2n], ['w', 2n]])); // y has the larger remainder
    expect(apportion(7n, nums, 3n)).toEqual(new Map([['x', 3n], ['y', 2n], ['w', 2n]]));
    // An exact party never takes a ceiling it is not owed: 8 would need w to get 3 > 6/3.
    expect(() => apportion(8n, nums, 3n)).toThrow(RangeError);
    expect(() => apportion(4n, nums, 3n)).toThrow(RangeError);
  });

  it('breaks equal remainders by id, whatever the insertion order', () => {
    // Each of zoe, amy, max is owed 1/2; total 1 -> the single extra unit goes to the smallest id: amy.
    const orders: [string, bigint][][] = [
      [['zoe', 1n], ['amy', 1n], ['max', 1n]],
      [['max', 1n], ['zoe', 1n], ['amy', 1n]],
      [['amy', 1n], ['max', 1n], ['zoe', 1n]],
    ];
    for (const o of orders) {
      expect(apportion(1n, new Map(o), 2n)).toEqual(new Map([['zoe', 0n], ['amy', 1n], ['max', 0n]]));
      // total 2: amy and max (the two smallest ids)
      expect(apportion(2n, new Map(o), 2n)).toEqual(new Map([['zoe', 0n], ['amy', 1n], ['max', 1n]]));
    }
    // A larger remainder beats a smaller id: bob 2/3 vs alice 1/3 -> bob.
    expect(apportion(1n, new Map([['alice', 1n], ['bob', 2n]]), 3n)).toEqual(new Map([['alice', 0n], ['bob', 1n]]));
  });

  it('refuses a non-positive denominator and a negative entitlement', () => {
    expect(() => apportion(0n, new Map([['a', 1n]]), 0n)).toThrow(RangeError);
    expect(() => apportion(0n, new Map([['a', 1n]]), -3n)).toThrow(RangeError);
    expect(() => apportion(0n, new Map([['a', -1n]]), 3n)).toThrow(RangeError);
  });

  it('apportions nothing over no parties, and refuses to invent a party', () => {
    expect(apportion(0n, new Map(), 7n)).toEqual(new Map());
    expect(() => apportion(1n, new Map(), 7n)).toThrow(RangeError);
  });

  it('stays exact on huge BigInt entitlements', () => {
    const d = 10_000n * 60n;
    const big = 2n ** 80n + 123_456_789n;
    const out = apportion((big * 3n) / d, new Map([['p', big], ['q', big], ['r', big]]), d);
    const floor = big / d;
    expect([...out.values()].reduce((s, v) => s + v, 0n)).toBe((big * 3n) / d);
    for (const v of out.values()) expect(v === floor || v === floor + 1n).toBe(true);
  });
});
