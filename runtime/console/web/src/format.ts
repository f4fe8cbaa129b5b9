/** Display formats for counts, ratios, latencies, dates and months (amounts: see money.ts). */
const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return integer.format(n);
}

/** 0.9951 → "99.5 %"; null (no call yet) → "—". A ratio, not money, so a float is fine. */
export function formatRate(rate: number | null): string {
  if (rate === null) return '—';
  const pct = Math.floor(rate * 1000) / 10;
  return `${pct.toFixed(1)} %`;
}

export function formatMs(ms: number | null): string {
  return ms === null ? '—' : `${formatCount(ms)} ms`;
}

/** Epoch ms → "2026-03-01 14:02 UTC": the statements are UTC, so the screen is too. */
export function formatDateTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "2026-03" → "March 2026". */
export function monthName(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const name = m ? MONTH_NAMES[Number(m[2]) - 1] : undefined;
  return m && name ? `${name} ${m[1]}` : month;
}

export function isMonth(text: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}
