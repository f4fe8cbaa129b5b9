/** Months are UTC calendar months written YYYY-MM, from 1970 (Date.UTC maps years 0-99 to 19xx). */
const MONTH = /^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/;

export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

export function monthOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 7);
}

export function monthStart(month: string): number {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`"${month}" is not a month (YYYY-MM)`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
}

export function nextMonth(month: string): string {
  const start = new Date(monthStart(month));
  return monthOf(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

export function previousMonth(month: string): string {
  const start = new Date(monthStart(month));
  return monthOf(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - 1, 1));
}

/** A month has ended once its successor has begun. */
export function hasEnded(month: string, nowMs: number): boolean {
  return nowMs >= monthStart(nextMonth(month));
}
