/**
 * Money is integer micro-units of a currency (1 EUR = 1,000,000 micros), carried as `bigint`
 * inside computations and as a safe integer `number` at the edges (JSON). A float never
 * becomes an amount: every conversion here goes through strings or integers.
 */
import { DomainError } from './errors.ts';

export const MICROS_PER_UNIT = 1_000_000n;

/** An amount that is not one: malformed text, or a value past what money may hold. */
export class MoneyError extends DomainError {
  override readonly name = 'MoneyError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

const DECIMAL = /^(0|[1-9]\d{0,11})(?:\.(\d{1,6}))?$/;

/** "0.002" -> 2000n. At most 6 decimals, non-negative, no exponent, no float ever parsed. */
export function parseDecimalMicros(text: string): bigint {
  const m = DECIMAL.exec(text);
  if (!m) throw new MoneyError(`"${text}" is not a decimal amount with at most 6 decimals`);
  const units = BigInt(m[1] ?? '0');
  const fraction = BigInt((m[2] ?? '').padEnd(6, '0'));
  return units * MICROS_PER_UNIT + fraction;
}

/** 2000n -> "0.002000": fixed 6 decimals, so finance tools never see scientific notation. */
export function formatMicros(micros: bigint | number): string {
  const v = BigInt(micros);
  const sign = v < 0n ? '-' : '';
  const abs = v < 0n ? -v : v;
  return `${sign}${abs / MICROS_PER_UNIT}.${(abs % MICROS_PER_UNIT).toString().padStart(6, '0')}`;
}

/** Integer division rounded half-up (away from zero for the half), for non-negative operands. */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n || numerator < 0n) throw new MoneyError('divRoundHalfUp expects numerator >= 0 and denominator > 0');
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/** Micros per cent: what people are billed and paid is whole cents. */
export const MICROS_PER_CENT = 10_000n;

/** True when an amount of micros is a whole number of cents. */
export function isWholeCents(micros: number | bigint): boolean {
  return BigInt(micros) % MICROS_PER_CENT === 0n;
}

/** Converts a JSON-safe amount of micros that is whole cents to cents; undefined when it is not. */
export function microsToCents(micros: number): number | undefined {
  return Number.isSafeInteger(micros) && isWholeCents(micros) ? micros / Number(MICROS_PER_CENT) : undefined;
}

/** Converts a bigint amount to a JSON-safe number, refusing anything past 2^53. */
export function toSafeNumber(micros: bigint): number {
  if (micros > BigInt(Number.MAX_SAFE_INTEGER) || micros < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError(`amount ${micros} exceeds the safe integer range`);
  }
  return Number(micros);
}
