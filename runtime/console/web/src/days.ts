/**
 * UTC calendar days and months as chart x values. The API omits days without calls; a chart
 * must still show those days as zero, or a quiet week would vanish between two busy days.
 */
const DAY_MS = 86_400_000;

export function dayStartS(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

export function monthStartS(month: string): number {
  return Date.parse(`${month}-01T00:00:00Z`) / 1000;
}

export function todayUtc(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included (empty when from > to). */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < 400; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The last day of a YYYY-MM month. */
export function lastDayOfMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, m ?? 1, 0)).toISOString().slice(0, 10);
}

/** The days a chart spans: the data's own days widened to the given window. */
export function spanDays(days: string[], from: string, to: string): string[] {
  let lo = from;
  let hi = to;
  for (const d of days) {
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  return dayRange(lo, hi);
}
