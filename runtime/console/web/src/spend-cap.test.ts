import { describe, expect, it } from 'vitest';
import { capText } from './spend-cap.ts';

describe('capText', () => {
  it('reached: says so first, and that spending never passes the cap; no bare percentage', () => {
    const t = capText(8_028, 10_000, 'reached');
    expect(t.headline).toBe('Spend cap reached: €0.008028 spent of your €0.01 cap');
    expect(t.headline).not.toMatch(/%/);
    expect(t.banner?.kind).toBe('error');
    expect(t.banner?.title).toMatch(/cap reached/i);
    expect(t.banner?.body).toMatch(/never passes/);
    expect(t.banner?.body).toMatch(/429 spend_cap_reached/);
  });

  it('under the cap: the share used; a warning from 85 %; no cap: no percentage', () => {
    expect(capText(5_000, 10_000, 'ok')).toEqual({ headline: '€0.005 spent so far of your €0.01 cap (50.0 %)' });
    expect(capText(8_740, 10_000, 'warning').banner).toMatchObject({ kind: 'warning', title: 'You have used 87.4 % of your monthly spend cap.' });
    expect(capText(8_740, null, 'none')).toEqual({ headline: '€0.00874 spent so far this month (no spend cap)' });
  });
});
