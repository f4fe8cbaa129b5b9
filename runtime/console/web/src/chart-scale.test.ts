import { describe, expect, it } from 'vitest';
import { dayLabel, restingValue, stepFor, valueMax, valueSplits, xSplits } from './chart-scale.ts';
import { formatMs } from './format.ts';

const DAY_S = 86_400;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;

describe('value axes', () => {
  it('count in whole steps: 13 calls is 0 5 10, not 0 3 5 8 10 13', () => {
    expect(valueSplits(13)).toEqual([0, 5, 10]);
    expect(valueSplits(3)).toEqual([0, 1, 2, 3]);
    expect(valueSplits(1)).toEqual([0, 1]);
    expect(valueSplits(0)).toEqual([0]);
    for (let max = 1; max < 5_000; max += 7) {
      const s = valueSplits(max);
      expect(s.every(Number.isInteger), String(max)).toBe(true);
      expect(s.length).toBeGreaterThanOrEqual(2);
      expect(s.length).toBeLessThanOrEqual(6);
    }
  });

  it('latency labels are distinct (2.2 ms max: 0 1 2 ms, not 2 ms 2 ms 1 ms 1 ms)', () => {
    for (const max of [0.4, 1.3, 2.2, 7.9, 48, 1_000, 2_000]) {
      const labels = valueSplits(max).map((v) => formatMs(v));
      expect(new Set(labels).size, `${max}: ${labels.join(', ')}`).toBe(labels.length);
    }
    expect(valueSplits(2.2).map((v) => formatMs(v))).toEqual(['0 ms', '1 ms', '2 ms']);
  });

  it('the top of the axis is a tick above the largest value', () => {
    expect(valueMax(13)).toBe(15);
    expect(valueMax(10)).toBe(12);
    expect(valueMax(0)).toBe(1);
    for (const max of [1, 3, 13, 99, 100, 1_234]) {
      expect(valueMax(max)).toBeGreaterThan(max);
      expect(valueMax(max) % stepFor(max)).toBe(0);
    }
  });
});

describe('daily x axis', () => {
  it('labels days, at most one per 56 px, never hours', () => {
    const xs = Array.from({ length: 30 }, (_, i) => day('2026-11-07') + i * DAY_S);
    const narrow = xSplits(xs, 300, 56);
    expect(narrow.length).toBeLessThanOrEqual(5);
    expect(narrow.every((s) => s % DAY_S === 0)).toBe(true);
    expect(xSplits(xs, 1_000, 56).map(dayLabel).slice(0, 3)).toEqual(['7 Nov', '9 Nov', '11 Nov']);
    expect(xSplits([day('2026-12-06')], 300, 56).map(dayLabel)).toEqual(['6 Dec']);
  });
});

describe('legend values before a hover', () => {
  it('counts and amounts: the total; latencies: the largest; nothing: null', () => {
    expect(restingValue('count', [0, 3, null, 2])).toEqual({ kind: 'total', value: 5 });
    expect(restingValue('micros', [1_000, 2_500])).toEqual({ kind: 'total', value: 3_500 });
    expect(restingValue('ms', [null, 50, 200, 20])).toEqual({ kind: 'max', value: 200 });
    expect(restingValue('ms', [null, null])).toBeNull();
  });
});
