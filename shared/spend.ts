/**
 * A client's monthly spend cap: spending is compared with it before each call. From 85 % the
 * console warns; at 100 % calls are refused (429 spend_cap_reached) until the month ends or the
 * cap is raised. The call that crosses the cap is served: the cap is checked before a call, and
 * a call's price is known only after it ran.
 */
export type CapStatus = 'none' | 'ok' | 'warning' | 'reached';

/** 85 % in basis points: integers only, no float in a money comparison. */
export const CAP_WARNING_BPS = 8_500;

export function capStatus(spentMicros: number, capMicros: number | undefined | null): CapStatus {
  if (capMicros === undefined || capMicros === null) return 'none';
  if (spentMicros >= capMicros) return 'reached';
  if (BigInt(spentMicros) * 10_000n >= BigInt(capMicros) * BigInt(CAP_WARNING_BPS)) return 'warning';
  return 'ok';
}
