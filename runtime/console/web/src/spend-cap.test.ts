import { describe, expect, it } from 'vitest';
import { capText } from './spend-cap.ts';

describe('capText', () => {
  it('over the cap: says the cap is reached and that the call that crossed it was served, not a bare percentage', () => {
    const t = capText(10_700, 10_000, 'reached');
    expect(t.headline).toBe('Spend cap reached: €0.0107 spent, €0.0007 over your €0.01 cap');
    expect(t.headline).not.toMatch(/%/);
    expect(t.banner?.kind).toBe('error');
    expect(t.banner?.title).toMatch(/cap reached/i);
    expect(t.banner?.body).toMatch(/call that crossed the cap was served/);
    expect(t.banner?.body).toMatch(/429 spend_cap_reached/);
  });

  it('exactly at the cap: reached, nothing crossed it', () => {
    const t = capText(10_000, 10_000, 'reached');
    expect(t.headline).toBe('Spend cap reached: €0.01 spent of your €0.01 cap');
    expect(t.banner?.body).not.toMatch(/crossed/);
  });

  it('under the cap: the share used; a warning from 85 %; no cap: no percentage', () => {
    expect(capText(5_000, 10_000, 'ok')).toEqual({ headline: '€0.005 spent so far of your €0.01 cap (50.0 %)' });
    expect(capText(8_740, 10_000, 'warning').banner).toMatchObject({ kind: 'warning', title: 'You have used 87.4 % of your monthly spend cap.' });
    expect(capText(8_740, null, 'none')).toEqual({ headline: '€0.00874 spent so far this month (no spend cap)' });
  });
});
