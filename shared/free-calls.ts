/**
 * A feature's free monthly allowance (manifest `freeCallsPerMonth`): each client's first calls of
 * the month cost nothing, are metered like any other, and show on its invoice at a zero price.
 *
 * Applied where money is computed from aggregates, so exactly the same way on the client's page
 * during the month and on the statement: per (month, client, feature), the allowance (the largest
 * snapshotted on its lines, should it have changed in the month) is shared out over its price
 * lines in invoice order (cheapest per-call price first), at most a line's billable calls each. A
 * free call's per-call price is waived, and its share of the line's compute pro rata: a line of
 * b billable calls with f free is charged exactly (b − f) ÷ b of its value, rounded once.
 */
import type { UnitPrice } from './price.ts';

/** Invoice order of a feature's price lines: per-call price, then compute price, then allowance. */
export function comparePrices(a: UnitPrice, b: UnitPrice): number {
  return (
    (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0) ||
    a.perCallMicros - b.perCallMicros ||
    a.perGbSecondMicros - b.perGbSecondMicros ||
    (a.freeCallsPerMonth ?? 0) - (b.freeCallsPerMonth ?? 0)
  );
}

/** The free calls of each of one (month, client, feature)'s lines, given in invoice order. */
export function allocateFreeCalls(lines: readonly { price: UnitPrice; billableCalls: number }[]): number[] {
  let left = Math.max(0, ...lines.map((l) => l.price.freeCallsPerMonth ?? 0));
  return lines.map((l) => {
    const free = Math.min(left, l.billableCalls);
    left -= free;
    return free;
  });
}

/**
 * A line's charged value as a fraction: its exact value × (billable − free) ÷ billable. Without
 * free calls, the exact value itself (denominator 1), so nothing changes for a feature without
 * an allowance.
 */
export function chargedFraction(exact: bigint, billableCalls: number, freeCalls: number): { num: bigint; den: bigint } {
  if (freeCalls <= 0 || billableCalls <= 0) return { num: exact, den: 1n };
  if (freeCalls > billableCalls) throw new RangeError(`free calls (${freeCalls}) exceed billable calls (${billableCalls})`);
  return { num: exact * BigInt(billableCalls - freeCalls), den: BigInt(billableCalls) };
}

/** Groups items by a key, keeping each group in the order given by `compare`. */
export function byFeature<T>(items: readonly T[], keyOf: (t: T) => string, compare: (a: T, b: T) => number): T[][] {
  return [...groupBy(items, keyOf).values()].map((g) => g.sort(compare));
}

/** Items by key, in the order met (Map.groupBy, which the features' ES2023 typings do not know yet). */
export function groupBy<T>(items: Iterable<T>, keyOf: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const t of items) {
    const k = keyOf(t);
    const g = groups.get(k);
    if (g) g.push(t);
    else groups.set(k, [t]);
  }
  return groups;
}
