/**
 * Money on screen. Amounts arrive as integer micro-euros (1 EUR = 1,000,000 micros); a float
 * never holds an amount here: the euro part and the fraction are split with integer % and an
 * exact division, then printed as digits, so €0.1 + €0.2 stays €0.30.
 */
const MICROS = 1_000_000;

/** Thousands separators on the euro part, on digits so very large amounts stay exact. */
function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * 1_234_560_000 → "€1,234.56"; 1500 → "€0.0015" (per-call prices need up to 6 decimals);
 * -2_500_000 → "-€2.50". At least `minDecimals` decimals, more only when they are not zero.
 */
export function formatEuros(micros: number, minDecimals = 2): string {
  if (!Number.isSafeInteger(micros)) return '—';
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const fraction = abs % MICROS;
  // (abs - fraction) is a multiple of a million, so this division is exact.
  const euros = (abs - fraction) / MICROS;
  let decimals = String(fraction).padStart(6, '0');
  const keep = Math.max(Math.min(minDecimals, 6), decimals.replace(/0+$/, '').length);
  decimals = decimals.slice(0, keep);
  return `${sign}€${groupDigits(String(euros))}${decimals ? `.${decimals}` : ''}`;
}

/** The API's decimal amounts: at most 12 integer digits and 6 decimals, no leading zero. */
const DECIMAL = /^(0|[1-9]\d{0,11})(?:\.(\d{1,6}))?$/;

/**
 * What a person types in an amount field ("50", "50,5", " €1,200.00 ") → the decimal string the
 * API takes ("50", "50.5", "1200.00"), or undefined when it is not an amount.
 */
export function parseEurosInput(text: string): string | undefined {
  let t = text.trim().replace(/^€\s*|\s*€$/g, '').replace(/\s/g, '');
  // "1,200.50": commas are thousands; "12,50": a decimal comma; "1,200" alone could be either
  // (1.2 in Paris, 1200 in Dublin), so it is refused rather than guessed.
  if (t.includes('.')) t = t.replace(/,/g, '');
  else if (/^[1-9]\d{0,2},\d{3}$/.test(t)) return undefined;
  else if (/^\d+,\d{1,6}$/.test(t)) t = t.replace(',', '.');
  else if (/^\d{1,3}(,\d{3})+$/.test(t)) t = t.replace(/,/g, '');
  t = t.replace(/^0+(?=\d)/, '');
  return DECIMAL.test(t) ? t : undefined;
}

/** A decimal euro string ("50.5") → micros (50_500_000), through digits only. */
export function decimalToMicros(decimal: string): number {
  const m = DECIMAL.exec(decimal);
  if (!m) throw new RangeError(`"${decimal}" is not a decimal amount`);
  return Number(m[1]) * MICROS + Number((m[2] ?? '').padEnd(6, '0'));
}

/** 50_500_000 → "50.50": the plain decimal the API takes back, for pre-filling a form. */
export function microsToDecimal(micros: number): string {
  return formatEuros(micros).replace(/[€,]/g, '');
}

/** spent / cap as a percentage with one decimal, rounded down, from integers (e.g. 87.4). */
export function percentOf(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.floor((part * 1000) / whole) / 10;
}
