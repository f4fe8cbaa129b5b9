import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MoneyError, formatMicros } from './money.ts';
import { MB_MS_PER_GB_SECOND, lineAmountMicros, parsePrice, priceKey, type UnitPrice } from './price.ts';

const eur = (perCallMicros: number, perGbSecondMicros: number): UnitPrice => ({ perCallMicros, perGbSecondMicros, currency: 'EUR' });

/**
 * Reference for one line, computed without divRoundHalfUp: 1,024,000 = 2^13 · 5^3, so
 * mbMs × perGbSecond / 1,024,000 always has a finite decimal expansion of at most 13 digits.
 * Scale by 10^13 (10^13 / 1,024,000 = 9,765,625), write the exact decimal as a string and round
 * half-up by looking at its first decimal digit.
 */
function referenceLine(perCall: bigint, perGbSecond: bigint, calls: bigint, mbMs: bigint): bigint {
  const scaled = (mbMs * perGbSecond * 9_765_625n).toString().padStart(14, '0');
  const whole = BigInt(scaled.slice(0, -13));
  const firstDecimal = Number(scaled.slice(-13, -12));
  return calls * perCall + whole + (firstDecimal >= 5 ? 1n : 0n);
}

describe('parsePrice', () => {
  it('converts decimal strings to integer micros and keeps the currency', () => {
    expect(parsePrice({ perCall: '0.002', perGbSecond: '0.000017', currency: 'EUR' })).toEqual({
      perCallMicros: 2000,
      perGbSecondMicros: 17,
      currency: 'EUR',
    });
    expect(parsePrice({ perCall: '0', perGbSecond: '1.5', currency: 'EUR' })).toEqual({ perCallMicros: 0, perGbSecondMicros: 1_500_000, currency: 'EUR' });
  });

  it('yields safe integers equal to the decimal text for any price up to 2^53 micros', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), (perCall, perGb) => {
        const p = parsePrice({ perCall: formatMicros(perCall), perGbSecond: formatMicros(perGb), currency: 'EUR' });
        expect(Number.isSafeInteger(p.perCallMicros)).toBe(true);
        expect(Number.isSafeInteger(p.perGbSecondMicros)).toBe(true);
        expect(BigInt(p.perCallMicros)).toBe(perCall);
        expect(BigInt(p.perGbSecondMicros)).toBe(perGb);
      }),
      { numRuns: 200 },
    );
  });

  it.each(['0.0000001', '1e-3', '-0.002', '0,002', ''])('refuses the price text %j', (bad) => {
    expect(() => parsePrice({ perCall: bad, perGbSecond: '0', currency: 'EUR' })).toThrow(MoneyError);
    expect(() => parsePrice({ perCall: '0', perGbSecond: bad, currency: 'EUR' })).toThrow(MoneyError);
  });

  // A price the text format accepts but that exceeds 2^53 micros must be refused, never rounded
  // ("999999999999.999999" as a float would become 1e18 micros, 1 micro more than written).
  it('refuses a price beyond 2^53 micros instead of silently rounding it', () => {
    expect(() => parsePrice({ perCall: '999999999999.999999', perGbSecond: '0', currency: 'EUR' })).toThrow(MoneyError);
  });
});

describe('priceKey', () => {
  it('is the same for equal prices held in different objects', () => {
    expect(priceKey(eur(2000, 17))).toBe(priceKey({ currency: 'EUR', perGbSecondMicros: 17, perCallMicros: 2000 }));
  });

  it('distinguishes prices that differ only by per-call, per-GB-second or currency', () => {
    const base = priceKey(eur(2000, 17));
    expect(priceKey(eur(2001, 17))).not.toBe(base);
    expect(priceKey(eur(2000, 18))).not.toBe(base);
    expect(priceKey({ ...eur(2000, 17), currency: 'USD' })).not.toBe(base);
    // swapping the two amounts is a different price
    expect(priceKey(eur(17, 2000))).not.toBe(base);
  });

  it('is equal for two prices exactly when all their fields are equal', () => {
    const amount = fc.integer({ min: 0, max: 5 }).map((n) => n * 1000);
    const price = fc.record({ perCallMicros: amount, perGbSecondMicros: amount, currency: fc.constantFrom('EUR', 'USD', 'EUR:1', '') });
    fc.assert(
      fc.property(price, price, (a, b) => {
        const same = a.perCallMicros === b.perCallMicros && a.perGbSecondMicros === b.perGbSecondMicros && a.currency === b.currency;
        expect(priceKey(a) === priceKey(b)).toBe(same);
      }),
      { numRuns: 300 },
    );
  });
});

describe('lineAmountMicros', () => {
  it('is calls × per-call plus MB-ms × per-GB-second / 1,024,000 rounded half-up (decimal-string reference)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        (perCall, perGb, calls, mbMs) => {
          const amount = lineAmountMicros(eur(perCall, perGb), calls, mbMs);
          expect(amount).toBe(referenceLine(BigInt(perCall), BigInt(perGb), BigInt(calls), BigInt(mbMs)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is always a bigint, whatever mix of number and bigint counters it gets', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), fc.nat({ max: 10_000 }), fc.nat({ max: 1_000_000 }), fc.nat({ max: 1_000_000_000 }), (perCall, perGb, calls, mbMs) => {
        const p = eur(perCall, perGb);
        const fromNumbers = lineAmountMicros(p, calls, mbMs);
        expect(typeof fromNumbers).toBe('bigint');
        expect(lineAmountMicros(p, BigInt(calls), BigInt(mbMs))).toBe(fromNumbers);
        expect(Number.isInteger(Number(fromNumbers))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('charges exactly the per-GB-second price for each whole GB-second (1,024 MB for 1,000 ms)', () => {
    expect(MB_MS_PER_GB_SECOND).toBe(1024n * 1000n);
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.nat({ max: 1_000_000 }), (perGb, gbSeconds) => {
        expect(lineAmountMicros(eur(0, perGb), 0, BigInt(gbSeconds) * 1024n * 1000n)).toBe(BigInt(perGb) * BigInt(gbSeconds));
      }),
      { numRuns: 100 },
    );
  });

  it('never charges less for more compute', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 40 }), (perGb, a, b) => {
        const p = eur(0, perGb);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(lineAmountMicros(p, 0, lo) <= lineAmountMicros(p, 0, hi)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('rounds compute half-up once per line, never per call', () => {
    // 1,000 calls of 4 ms at 128 MB = 512 MB-ms each, at 0.001 EUR per GB-second (1000 micros):
    // each call costs exactly 0.5 micro of compute.
    const price = eur(0, 1000);
    const perLine = lineAmountMicros(price, 1000, 1000 * 512);
    let roundedPerCall = 0n;
    for (let i = 0; i < 1000; i++) roundedPerCall += lineAmountMicros(price, 1, 512);
    expect(perLine).toBe(500n); // 512,000 × 1000 / 1,024,000 = 500 exactly
    expect(roundedPerCall).toBe(1000n); // 0.5 rounded up a thousand times
    expect(perLine).not.toBe(roundedPerCall);
  });

  it('adds the per-call charge on top of the rounded compute, unrounded', () => {
    // 3 calls at 0.002 EUR, 1,536,000 MB-ms at 0.000017 EUR/GB-s = 25.5 micros -> 26
    expect(lineAmountMicros(eur(2000, 17), 3, 1_536_000)).toBe(6000n + 26n);
    // 0.49 micro rounds down, 0.5 up
    expect(lineAmountMicros(eur(0, 49), 0, 10_240)).toBe(0n);
    expect(lineAmountMicros(eur(0, 50), 0, 10_240)).toBe(1n);
  });

  it('refuses fractional counters instead of turning them into money', () => {
    expect(() => lineAmountMicros(eur(2000, 17), 1.5, 0)).toThrow(RangeError);
    expect(() => lineAmountMicros(eur(2000, 17), 1, 0.5)).toThrow(RangeError);
  });
});
