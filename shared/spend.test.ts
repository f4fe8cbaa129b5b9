import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capStatus } from './spend.ts';

describe('capStatus', () => {
  it('is none without a cap, warning from 85 %, reached from 100 %', () => {
    expect(capStatus(1_000_000, undefined)).toBe('none');
    expect(capStatus(1_000_000, null)).toBe('none');
    expect(capStatus(849_999, 1_000_000)).toBe('ok');
    expect(capStatus(850_000, 1_000_000)).toBe('warning');
    expect(capStatus(999_999, 1_000_000)).toBe('warning');
    expect(capStatus(1_000_000, 1_000_000)).toBe('reached');
    expect(capStatus(0, 0)).toBe('reached');
  });

  it('never goes back down as spending grows, and is exact at any size (no float)', () => {
    const rank = { none: -1, ok: 0, warning: 1, reached: 2 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 1_000_000 }), (cap, spent, more) => {
        const a = capStatus(spent, cap);
        const b = capStatus(spent + more, cap);
        expect(rank[b]).toBeGreaterThanOrEqual(rank[a]);
        // 85 % exactly, by integer arithmetic
        expect(a === 'warning' || a === 'reached').toBe(BigInt(spent) * 100n >= BigInt(cap) * 85n);
      }),
    );
  });
});
