/**
 * The numbers a chart's axes and legend show, as pure functions (components/chart.tsx draws them
 * with uPlot). Days on daily charts, never hours; whole numbers on count, latency and amount axes,
 * so no label repeats ("2 ms, 2 ms, 1 ms") and no count is fractional ("0 3 5 8 10 13"); and a
 * legend that shows a value (the period's total, or its slowest latency) before any hover.
 */

/** Whole steps of 1, 2 and 5 times a power of ten: what a value axis counts in. */
export function stepFor(max: number, targetTicks = 5): number {
  const rough = Math.max(max, 1) / Math.max(1, targetTicks);
  let power = 1;
  while (power * 10 <= rough) power *= 10;
  for (const m of [1, 2, 5, 10]) if (m * power >= rough) return m * power;
  return 10 * power;
}

/** Ticks of a value axis from 0: whole multiples of `stepFor(max)` up to max, at least [0, 1 step] when max > 0. */
export function valueSplits(max: number, targetTicks = 5): number[] {
  if (!(max > 0)) return [0];
  const step = stepFor(max, targetTicks);
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9 && out.length <= 100; v += step) out.push(v);
  return out;
}

/** The top of a value axis: above the largest value, on a tick, so the top bar never touches the frame. */
export function valueMax(max: number, targetTicks = 5): number {
  if (!(max > 0)) return 1;
  const step = stepFor(max, targetTicks);
  return Math.ceil((max * 1.05) / step) * step;
}

/**
 * Which x values get a label: every k-th one from the first, k chosen so labels are at least
 * `minGapPx` apart on a chart `widthPx` wide. Only the data's own x values (day or month starts).
 */
export function xSplits(xs: readonly number[], widthPx: number, minGapPx: number): number[] {
  const room = Math.max(1, Math.floor(widthPx / minGapPx));
  const every = Math.max(1, Math.ceil(xs.length / room));
  return xs.filter((_, i) => i % every === 0);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Unix seconds at a UTC day start → "7 Nov" (the month only where it changes is not worth the surprise). */
export function dayLabel(s: number): string {
  const d = new Date(s * 1000);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** Unix seconds at a UTC month start → "2026-03". */
export function monthLabel(s: number): string {
  return new Date(s * 1000).toISOString().slice(0, 7);
}

/**
 * What a legend entry shows while no point is hovered: additive series (counts, amounts) their
 * total over the chart, latencies their largest value; null when there is nothing.
 */
export function restingValue(unit: 'count' | 'ms' | 'micros', values: readonly (number | null)[]): { kind: 'total' | 'max'; value: number } | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return null;
  if (unit === 'ms') return { kind: 'max', value: Math.max(...present) };
  return { kind: 'total', value: present.reduce((a, b) => a + b, 0) };
}
