/**
 * A uPlot time chart (days or months on x) with its text alternative: an aria-label summary on
 * the drawing and the same numbers as a table under a disclosure. uPlot draws on a canvas, so
 * without the table a screen reader (or a printout) would get nothing.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { dayLabel, monthLabel, restingValue, valueMax, valueSplits, xSplits } from '../chart-scale.ts';
import { dayStartS, monthStartS } from '../days.ts';
import { formatCount, formatMs } from '../format.ts';
import { formatEuros } from '../money.ts';
import { numeric, Table } from './table.tsx';

export type Unit = 'count' | 'ms' | 'micros';

export interface ChartSeries {
  label: string;
  /** one value per x; null where there is nothing to draw */
  values: (number | null)[];
  color: string;
  unit: Unit;
  bars?: boolean;
}

export const PALETTE = ['#1d4ed8', '#b91c1c', '#15803d', '#7e22ce', '#c2410c', '#0e7490', '#a16207', '#be185d'];

const UNIT_LABEL: Record<Unit, string> = { count: 'calls', ms: 'ms', micros: 'EUR' };

function formatValue(unit: Unit, v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (unit === 'micros') return formatEuros(Math.round(v));
  if (unit === 'ms') return formatMs(Math.round(v));
  return formatCount(v);
}

/** "2026-03-07" or "2026-03" → unix seconds, UTC. */
function xValue(label: string): number {
  return label.length === 7 ? monthStartS(label) : dayStartS(label);
}

/** A legend value while nothing is hovered: the period's total (counts, amounts) or largest latency. */
function resting(s: ChartSeries): string {
  const r = restingValue(s.unit, s.values);
  return r === null ? '—' : `${r.kind === 'total' ? 'total' : 'max'} ${formatValue(s.unit, r.value)}`;
}

function options(xs: number[], x: string[], series: ChartSeries[], width: number, height: number, monthly: boolean): uPlot.Options {
  const units = [...new Set(series.map((s) => s.unit))];
  // Half a step of room on each side, so the first and last bars are not cut in half. From the
  // data itself: with a single point uPlot would widen the range to a thousand days first.
  const half = monthly ? 15 * 86_400 : 43_200;
  const first = xs[0] ?? 0;
  const last = xs[xs.length - 1] ?? first;
  const scales: uPlot.Scales = { x: { time: true, range: () => [first - half, last + half] } };
  // Counts, latencies and amounts start at zero (a chart that starts at 9,000 calls lies) and
  // end on a whole tick above the largest value.
  for (const u of units) scales[u] = { range: (_self, _min, max) => [0, valueMax(max)] };
  const axes: uPlot.Axis[] = [
    {
      stroke: '#475569',
      grid: { stroke: '#e2e8f0' },
      // A tick on each day or month of the data (every few when they would crowd), never on hours.
      splits: (self: uPlot) => xSplits(xs, self.bbox.width > 0 ? self.bbox.width / uPlot.pxRatio : width, monthly ? 80 : 56),
      values: (_self: uPlot, splits: number[]) => splits.map(monthly ? monthLabel : dayLabel),
    },
    ...units.map(
      (u, i): uPlot.Axis => ({
        scale: u,
        side: i === 0 ? 3 : 1,
        stroke: '#475569',
        grid: { show: i === 0, stroke: '#e2e8f0' },
        label: UNIT_LABEL[u],
        size: u === 'micros' ? 80 : 60,
        // Whole steps of 1, 2, 5 × 10ⁿ: no fractional count, no repeated latency label.
        splits: (_self, _axis, _min, max) => valueSplits(max),
        values: (_self, splits) => splits.map((v) => formatValue(u, v)),
      }),
    ),
  ];
  return {
    width,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales,
    axes,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    series: [
      {
        label: monthly ? 'Month' : 'Day',
        value: (_self, v) => (v === null ? `${x[0] ?? ''} – ${x[x.length - 1] ?? ''}` : new Date(v * 1000).toISOString().slice(0, monthly ? 7 : 10)),
      },
      ...series.map(
        (s): uPlot.Series => ({
          label: s.label,
          scale: s.unit,
          stroke: s.color,
          width: 2,
          ...(s.bars ? { fill: `${s.color}55`, paths: uPlot.paths.bars?.({ size: [0.6, 48] }) } : {}),
          // Bars need no dots; lines get uPlot's default (dots only when there is room for them).
          ...(s.bars ? { points: { show: false } } : {}),
          spanGaps: false,
          // Values without a mouse: the total or the largest until a point is hovered.
          value: (_self, v, _series, idx) => (idx === null || idx === undefined ? resting(s) : formatValue(s.unit, v)),
        }),
      ),
    ],
  };
}

export function Chart({ title, x, series, summary, height = 240 }: { title: string; x: string[]; series: ChartSeries[]; summary: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const monthly = x.length > 0 && x.every((l) => l.length === 7);
  // Redraw only when the numbers change, not on every parent render.
  const key = JSON.stringify([x, series]);

  useEffect(() => {
    const el = box.current;
    if (!el || x.length === 0) return;
    const width = () => Math.max(260, el.clientWidth);
    const xs = x.map(xValue);
    const data: uPlot.AlignedData = [xs, ...series.map((s) => s.values)];
    const plot = new uPlot(options(xs, x, series, width(), height, monthly), data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [key, height, monthly]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {x.length === 0 ? (
        <p class="muted">Nothing to draw yet.</p>
      ) : (
        <>
          <div ref={box} class="chart-canvas" role="img" aria-label={`${title}. ${summary}`} />
          <details class="chart-table">
            <summary>Show the numbers as a table</summary>
            <Table columns={[monthly ? 'Month' : 'Day', ...numeric(...series.map((s) => s.label))]}>
              <tbody>
                {x.map((label, i) => (
                  <tr key={label}>
                    <th scope="row">{label}</th>
                    {series.map((s) => (
                      <td class="num" key={s.label}>
                        {formatValue(s.unit, s.values[i])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </Table>
          </details>
        </>
      )}
    </figure>
  );
}
