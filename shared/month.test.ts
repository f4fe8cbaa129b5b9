import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { hasEnded, isMonth, monthOf, monthStart, nextMonth, previousMonth } from './month.ts';

const DAY_MS = 86_400_000;
const at = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad fixture ${iso}`);
  return t;
};

/** Months written YYYY-MM for years 1000..9998: neighbours stay within 0999..9999, clear of the Date.UTC 0–99 quirk. */
const monthArb = fc
  .tuple(fc.integer({ min: 1971, max: 9998 }), fc.integer({ min: 1, max: 12 }))
  .map(([y, m]) => `${y}-${String(m).padStart(2, '0')}`);

/** Instants from 1970 to the end of 9998. */
const instantArb = fc.integer({ min: 0, max: at('9998-12-31T23:59:59.999Z') });

describe('isMonth', () => {
  it.each(['2026-01', '2026-12', '1999-09', '2024-02'])('accepts %j', (text) => {
    expect(isMonth(text)).toBe(true);
  });

  it.each(['2026-13', '2026-1', '26-01', '2026-00', '2026/01', '2026-01-01', ' 2026-01', '2026-01 ', '2026-01\n', '02026-01', '', 'YYYY-MM'])(
    'rejects %j',
    (text) => {
      expect(isMonth(text)).toBe(false);
    },
  );

  it('accepts exactly what monthOf produces for any instant', () => {
    fc.assert(
      fc.property(instantArb, (t) => {
        expect(isMonth(monthOf(t))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('monthOf', () => {
  it('names the UTC calendar month of an instant', () => {
    expect(monthOf(at('2026-01-01T00:00:00.000Z'))).toBe('2026-01');
    expect(monthOf(at('2025-12-31T23:59:59.999Z'))).toBe('2025-12');
    expect(monthOf(at('2024-02-29T12:00:00.000Z'))).toBe('2024-02');
    expect(monthOf(0)).toBe('1970-01');
    expect(monthOf(-1)).toBe('1969-12');
  });

  it('uses UTC, not the local or an offset calendar', () => {
    // 00:30 on 1 March in Paris is still 28 February in UTC
    expect(monthOf(at('2026-03-01T00:30:00+01:00'))).toBe('2026-02');
    // 20:00 on 31 December in New York is already January in UTC
    expect(monthOf(at('2026-12-31T20:00:00-05:00'))).toBe('2027-01');
  });

  it('places every instant between the start of its month and the start of the next', () => {
    fc.assert(
      fc.property(instantArb, (t) => {
        const m = monthOf(t);
        expect(monthStart(m) <= t).toBe(true);
        expect(t < monthStart(nextMonth(m))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('monthStart', () => {
  it('is midnight UTC on the first day of the month', () => {
    expect(monthStart('2026-03')).toBe(at('2026-03-01T00:00:00.000Z'));
    expect(monthStart('2026-01')).toBe(at('2026-01-01T00:00:00.000Z'));
    expect(monthStart('2024-12')).toBe(at('2024-12-01T00:00:00.000Z'));
  });

  it.each(['2026-13', '2026-1', '26-01', 'garbage'])('throws a RangeError for %j', (text) => {
    expect(() => monthStart(text)).toThrow(RangeError);
  });

  it('lands on a day boundary for any month, with monthOf giving the month back', () => {
    fc.assert(
      fc.property(monthArb, (m) => {
        const start = monthStart(m);
        expect(Math.abs(start % DAY_MS)).toBe(0);
        expect(monthOf(start)).toBe(m);
        expect(monthOf(start - 1)).toBe(previousMonth(m));
      }),
      { numRuns: 300 },
    );
  });

  // Date.UTC maps years 0–99 to 1900–1999, so months start in 1970: earlier years are not months.
  it('refuses years before 1970, which Date.UTC cannot represent as written', () => {
    expect(isMonth('0050-01')).toBe(false);
    expect(isMonth('1969-12')).toBe(false);
    expect(isMonth('1970-01')).toBe(true);
    expect(() => monthStart('0050-01')).toThrow(RangeError);
  });
});

describe('nextMonth and previousMonth', () => {
  it('step across year boundaries', () => {
    expect(nextMonth('2025-12')).toBe('2026-01');
    expect(previousMonth('2026-01')).toBe('2025-12');
    expect(nextMonth('2026-01')).toBe('2026-02');
    expect(previousMonth('2026-03')).toBe('2026-02');
    expect(nextMonth('1999-12')).toBe('2000-01');
  });

  it('give February 29 days in leap years only (every 4 years, not centuries unless divisible by 400)', () => {
    const daysIn = (m: string): number => (monthStart(nextMonth(m)) - monthStart(m)) / DAY_MS;
    expect(daysIn('2024-02')).toBe(29);
    expect(daysIn('2025-02')).toBe(28);
    expect(daysIn('2000-02')).toBe(29);
    expect(daysIn('2100-02')).toBe(28);
    expect(daysIn('2026-01')).toBe(31);
    expect(daysIn('2026-04')).toBe(30);
    expect(daysIn('2026-12')).toBe(31);
    expect(previousMonth('2024-03')).toBe('2024-02');
    expect(monthStart('2024-03') - monthStart(previousMonth('2024-03'))).toBe(29 * DAY_MS);
  });

  it('undo each other for any month', () => {
    fc.assert(
      fc.property(monthArb, (m) => {
        expect(previousMonth(nextMonth(m))).toBe(m);
        expect(nextMonth(previousMonth(m))).toBe(m);
      }),
      { numRuns: 300 },
    );
  });

  it('move by exactly one calendar month (a reference built from year and month numbers)', () => {
    fc.assert(
      fc.property(monthArb, (m) => {
        const [y, mo] = m.split('-').map(Number) as [number, number];
        const index = y * 12 + (mo - 1);
        const name = (i: number) => `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
        expect(nextMonth(m)).toBe(name(index + 1));
        expect(previousMonth(m)).toBe(name(index - 1));
        const days = (monthStart(nextMonth(m)) - monthStart(m)) / DAY_MS;
        expect([28, 29, 30, 31]).toContain(days);
      }),
      { numRuns: 300 },
    );
  });
});

describe('hasEnded', () => {
  it('is false at the last millisecond of the month and true at the first of the next', () => {
    expect(hasEnded('2026-11', at('2026-11-30T23:59:59.999Z'))).toBe(false);
    expect(hasEnded('2026-11', at('2026-12-01T00:00:00.000Z'))).toBe(true);
    expect(hasEnded('2026-12', at('2026-12-31T23:59:59.999Z'))).toBe(false);
    expect(hasEnded('2026-12', at('2027-01-01T00:00:00.000Z'))).toBe(true);
    expect(hasEnded('2024-02', at('2024-02-29T23:59:59.999Z'))).toBe(false);
    expect(hasEnded('2024-02', at('2024-03-01T00:00:00.000Z'))).toBe(true);
  });

  it('is false during and before the month itself', () => {
    expect(hasEnded('2026-11', at('2026-11-01T00:00:00.000Z'))).toBe(false);
    expect(hasEnded('2026-11', at('2026-10-15T00:00:00.000Z'))).toBe(false);
  });

  it('is true exactly when the instant falls in a later month', () => {
    fc.assert(
      fc.property(monthArb, instantArb, (m, t) => {
        // 4-digit YYYY-MM strings sort like the months they name
        expect(hasEnded(m, t)).toBe(monthOf(t) > m);
      }),
      { numRuns: 300 },
    );
  });

  it('is true exactly when the instant falls in a later month, near the boundary', () => {
    fc.assert(
      fc.property(monthArb, fc.integer({ min: -3, max: 3 }), (m, offset) => {
        const t = monthStart(nextMonth(m)) + offset;
        expect(hasEnded(m, t)).toBe(offset >= 0);
      }),
      { numRuns: 200 },
    );
  });
});
