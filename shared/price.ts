import { divRoundHalfUp, parseDecimalMicros, toSafeNumber } from './money.ts';

/** A feature's unit prices, fixed on each usage record when the call happens. */
export interface UnitPrice {
  /** micros per billable call */
  perCallMicros: number;
  /** micros per GB-second of billed compute (GB = 1024 MB, as Lambda bills) */
  perGbSecondMicros: number;
  currency: string;
  /** calls each client gets free per month (manifest `freeCallsPerMonth`); absent: none */
  freeCallsPerMonth?: number;
}

export interface PriceText {
  perCall: string;
  perGbSecond: string;
  currency: string;
}

export function parsePrice(text: PriceText): UnitPrice {
  return {
    perCallMicros: toSafeNumber(parseDecimalMicros(text.perCall)),
    perGbSecondMicros: toSafeNumber(parseDecimalMicros(text.perGbSecond)),
    currency: text.currency,
  };
}

/** Identifies a price so that usage at different prices never lands on one line. */
export function priceKey(p: UnitPrice): string {
  // Without an allowance the key is what it always was: lines stored before allowances still match.
  return `${p.currency}:${p.perCallMicros}:${p.perGbSecondMicros}${p.freeCallsPerMonth ? `:free${p.freeCallsPerMonth}` : ''}`;
}

/** ms × MB per GB-second: 1,000 ms × 1,024 MB. */
export const MB_MS_PER_GB_SECOND = 1_024_000n;

/**
 * A line's exact value in units of 1/1,024,000 micro (no rounding): billable calls × per-call
 * price × 1,024,000 + Σ(billed ms × MB) × per-GB-second price.
 */
export function exactValue(price: UnitPrice, billableCalls: number | bigint, billableMbMs: number | bigint): bigint {
  return BigInt(billableCalls) * BigInt(price.perCallMicros) * MB_MS_PER_GB_SECOND + BigInt(billableMbMs) * BigInt(price.perGbSecondMicros);
}

/**
 * The charge for one line (one client, one feature, one unit price): billable calls × per-call
 * price, plus Σ(billed ms × MB) × per-GB-second price ÷ 1,024,000 rounded half-up once per line,
 * never per call, so a thousand tiny calls are not each rounded up.
 */
export function lineAmountMicros(price: UnitPrice, billableCalls: number | bigint, billableMbMs: number | bigint): bigint {
  const calls = BigInt(billableCalls) * BigInt(price.perCallMicros);
  const compute = divRoundHalfUp(BigInt(billableMbMs) * BigInt(price.perGbSecondMicros), MB_MS_PER_GB_SECOND);
  return calls + compute;
}

/**
 * One call's price with its compute part rounded up, for spend caps: the sum of these over a
 * line's calls is never below `lineAmountMicros` of the line (Σ⌈xᵢ⌉ ≥ ⌈Σxᵢ⌉ ≥ half-up of Σxᵢ),
 * so a cap held on them is held on the invoice too.
 */
export function callCeilingMicros(price: UnitPrice, mbMs: number): number {
  const compute = (BigInt(mbMs) * BigInt(price.perGbSecondMicros) + MB_MS_PER_GB_SECOND - 1n) / MB_MS_PER_GB_SECOND;
  return toSafeNumber(BigInt(price.perCallMicros) + compute);
}
