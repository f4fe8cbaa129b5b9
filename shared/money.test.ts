import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MICROS_PER_UNIT, MoneyError, divRoundHalfUp, formatMicros, parseDecimalMicros, toSafeNumber } from './money.ts';

const TWO_POW_53 = 2n ** 53n;
/** The largest amount the text format can carry: 12 integer digits and 6 decimals. */
const MAX_TEXT_MICROS = 10n ** 18n - 1n;

/** A decimal string built from parts, with the micros it must denote computed from the same parts. */
const decimalText = fc
  .tuple(fc.bigInt({ min: 0n, max: 999_999_999_999n }), fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }))
  .map(([units, fraction]) => {
    const text = fraction === undefined ? `${units}` : `${units}.${fraction}`;
    // Reference: the fraction's digits are worth 10^(6 - k) micros each place-shifted, computed by scaling.
    const fractionMicros = fraction === undefined ? 0n : BigInt(fraction) * 10n ** BigInt(6 - fraction.length);
    return { text, micros: units * 1_000_000n + fractionMicros };
  });

describe('parseDecimalMicros', () => {
  it('reads "0.002" as 2000 micros and "1" as one unit', () => {
    expect(parseDecimalMicros('0.002')).toBe(2000n);
    expect(parseDecimalMicros('1')).toBe(1_000_000n);
    expect(parseDecimalMicros('0.000001')).toBe(1n);
    expect(parseDecimalMicros('12.5')).toBe(12_500_000n);
    expect(parseDecimalMicros('0')).toBe(0n);
  });

  it('turns any decimal with at most 6 decimals into the exact integer micros it denotes', () => {
    fc.assert(
      fc.property(decimalText, ({ text, micros }) => {
        const parsed = parseDecimalMicros(text);
        expect(typeof parsed).toBe('bigint');
        expect(parsed).toBe(micros);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips with formatMicros for any non-negative integer micros', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_TEXT_MICROS }), (micros) => {
        expect(parseDecimalMicros(formatMicros(micros))).toBe(micros);
      }),
      { numRuns: 300 },
    );
  });

  it.each(['1e3', '-1', '0.0000001', '1.', '.5', ' 1', '1 ', 'NaN', 'Infinity', '', '1,5', '+1', '01', '0x10', '1.5e-3', '1_000', '١'])(
    'rejects the float-like or malformed text %j with a MoneyError',
    (text) => {
      expect(() => parseDecimalMicros(text)).toThrow(MoneyError);
    },
  );

  it('rejects whatever a JavaScript number prints in exponent notation', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => /e/i.test(String(x))),
        (x) => {
          expect(() => parseDecimalMicros(String(x))).toThrow(MoneyError);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('never goes through floats: "0.1" + "0.2" is exactly 300000 micros, the same as "0.3"', () => {
    expect(0.1 + 0.2).not.toBe(0.3); // the float trap this module exists to avoid
    const sum = parseDecimalMicros('0.1') + parseDecimalMicros('0.2');
    expect(sum).toBe(300_000n);
    expect(sum).toBe(parseDecimalMicros('0.3'));
  });

  it('adds any number of ten-cent amounts without drift', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (n) => {
        let total = 0n;
        for (let i = 0; i < n; i++) total += parseDecimalMicros('0.1');
        expect(total).toBe(BigInt(n) * 100_000n);
        expect(formatMicros(total)).toBe(`${Math.floor(n / 10)}.${n % 10}00000`);
      }),
      { numRuns: 30 },
    );
  });
});

describe('formatMicros', () => {
  it('writes fixed six decimals, never scientific notation', () => {
    expect(formatMicros(2000n)).toBe('0.002000');
    expect(formatMicros(0n)).toBe('0.000000');
    expect(formatMicros(1_000_000n)).toBe('1.000000');
    expect(formatMicros(10n ** 21n)).toBe('1000000000000000.000000');
  });

  it('writes a minus sign in front of negative amounts, keeping the magnitude', () => {
    expect(formatMicros(-1n)).toBe('-0.000001');
    expect(formatMicros(-1_500_000n)).toBe('-1.500000');
  });

  it('gives the same text for a safe integer number as for the same bigint, always -?digits.6digits', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const text = formatMicros(n);
        expect(text).toBe(formatMicros(BigInt(n)));
        expect(text).toMatch(/^-?\d+\.\d{6}$/);
        // Reading the text back as units and micros gives the number again.
        const negative = text.startsWith('-');
        const [units, fraction] = text.replace('-', '').split('.') as [string, string];
        const back = BigInt(units) * MICROS_PER_UNIT + BigInt(fraction);
        expect(negative ? -back : back).toBe(BigInt(n));
      }),
      { numRuns: 200 },
    );
  });

  it('normalises any accepted decimal text to six decimals without changing its value', () => {
    fc.assert(
      fc.property(decimalText, ({ text }) => {
        const [units, fraction = ''] = text.split('.');
        expect(formatMicros(parseDecimalMicros(text))).toBe(`${units}.${fraction.padEnd(6, '0')}`);
      }),
      { numRuns: 200 },
    );
  });
});

describe('divRoundHalfUp', () => {
  it('rounds halves up (not to even) and everything else to the nearest integer', () => {
    expect(divRoundHalfUp(5n, 2n)).toBe(3n);
    expect(divRoundHalfUp(15n, 10n)).toBe(2n);
    expect(divRoundHalfUp(25n, 10n)).toBe(3n); // banker's rounding would give 2
    expect(divRoundHalfUp(14n, 10n)).toBe(1n);
    expect(divRoundHalfUp(16n, 10n)).toBe(2n);
    expect(divRoundHalfUp(1n, 3n)).toBe(0n);
    expect(divRoundHalfUp(2n, 3n)).toBe(1n);
    expect(divRoundHalfUp(0n, 7n)).toBe(0n);
    expect(divRoundHalfUp(7n, 1n)).toBe(7n);
  });

  it('returns the nearest integer to n/d with ties going up: -d <= 2(n - r·d) < d', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 15n }), (n, d) => {
        const r = divRoundHalfUp(n, d);
        const twiceError = 2n * (n - r * d);
        expect(twiceError >= -d).toBe(true);
        expect(twiceError < d).toBe(true); // +d would be a tie rounded down
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with a quotient-and-remainder reference', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
        const q = n / d;
        const rem = n % d;
        expect(divRoundHalfUp(n, d)).toBe(rem * 2n >= d ? q + 1n : q);
      }),
      { numRuns: 500 },
    );
  });

  it('always rounds an exact half up', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), (q, half) => {
        const d = half * 2n;
        expect(divRoundHalfUp(q * d + half, d)).toBe(q + 1n);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    [1n, 0n],
    [1n, -1n],
    [-1n, 3n],
    [0n, 0n],
  ])('rejects numerator %s over denominator %s', (n, d) => {
    expect(() => divRoundHalfUp(n, d)).toThrow(MoneyError);
  });
});

describe('toSafeNumber', () => {
  it('converts up to 2^53 - 1 and refuses 2^53 and beyond, in both directions', () => {
    expect(toSafeNumber(TWO_POW_53 - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toSafeNumber(-(TWO_POW_53 - 1n))).toBe(Number.MIN_SAFE_INTEGER);
    expect(() => toSafeNumber(TWO_POW_53)).toThrow(MoneyError);
    expect(() => toSafeNumber(TWO_POW_53 + 1n)).toThrow(MoneyError);
    expect(() => toSafeNumber(-TWO_POW_53)).toThrow(MoneyError);
  });

  it('returns exactly the same integer for any amount in the safe range', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(TWO_POW_53 - 1n), max: TWO_POW_53 - 1n }), (micros) => {
        const n = toSafeNumber(micros);
        expect(Number.isSafeInteger(n)).toBe(true);
        expect(BigInt(n)).toBe(micros);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every amount whose magnitude reaches 2^53, where numbers start to skip integers', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: TWO_POW_53, max: 2n ** 80n }), fc.boolean(), (magnitude, negative) => {
        expect(() => toSafeNumber(negative ? -magnitude : magnitude)).toThrow(MoneyError);
      }),
      { numRuns: 200 },
    );
  });
});
