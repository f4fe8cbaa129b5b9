/**
 * A client's monthly spend cap. Before a call runs, the gateway reserves its price and its largest
 * compute against the cap (decision 0013) and gives back what it did not cost when it ends, so the
 * cap is never passed. From 85 % of the cap the console warns; it is reached once the gateways
 * count all of it, or refused a call for it (the call did not fit in what was left).
 */
export type CapStatus = 'none' | 'ok' | 'warning' | 'reached';

/** 85 % in basis points: integers only, no float in a money comparison. */
export const CAP_WARNING_BPS = 8_500;

export function capStatus(usedMicros: number, capMicros: number | undefined | null): CapStatus {
  if (capMicros === undefined || capMicros === null) return 'none';
  if (usedMicros >= capMicros) return 'reached';
  if (BigInt(usedMicros) * 10_000n >= BigInt(capMicros) * BigInt(CAP_WARNING_BPS)) return 'warning';
  return 'ok';
}
