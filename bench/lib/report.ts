/** What every bench script prints with: progress on stderr, figures on stdout, and their formats. */

export const progress = (line: string) => process.stderr.write(`· ${line}\n`);
export const out = (line = '') => process.stdout.write(`${line}\n`);

/** The median of the finite values; NaN when there is none. */
export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A figure with thousands separators and `digits` decimals; "n/a" for none. */
export function f(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function pad(s: string, w: number, right = false): string {
  return right ? s.padStart(w) : s.padEnd(w);
}
