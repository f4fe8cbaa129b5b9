import * as cs from './checksums.ts';

export type VatReason = 'unknown_country' | 'bad_format' | 'bad_checksum';
export type ChecksumStatus = 'valid' | 'invalid' | 'not_checked';

export interface VatResult {
  /** True when the format matches and the check digits are right (or the country has none we check). */
  valid: boolean;
  /** Normalised full VAT number, e.g. "FR40303265045" (Greece as "EL..."). */
  vat: string;
  /** VAT country prefix (EL for Greece), or null when the input does not start with two letters. */
  country: string | null;
  countryName: string | null;
  /** National part of the number, without the country prefix. */
  number: string;
  formatValid: boolean;
  checksum: ChecksumStatus;
  reason?: VatReason;
  message?: string;
}

interface CountryRule {
  name: string;
  pattern: RegExp;
  /** Human description of the national part, for error messages. */
  format: string;
  /** Undefined when we do not verify check digits for this country. */
  checksum?: (national: string) => boolean;
  /** Country-specific clean-up applied before the format check (e.g. restoring leading zeros). */
  normalize?: (national: string) => string;
}

export const RULES: Readonly<Record<string, CountryRule>> = {
  AT: { name: 'Austria', pattern: /^U[0-9]{8}$/, format: 'U and 8 digits', checksum: cs.checkAT },
  BE: {
    name: 'Belgium',
    pattern: /^[01][0-9]{9}$/,
    format: '10 digits starting with 0 or 1',
    checksum: cs.checkBE,
    // Older 9-digit numbers are written without the leading 0.
    normalize: (n) => (/^[0-9]{9}$/.test(n) ? `0${n}` : n),
  },
  BG: { name: 'Bulgaria', pattern: /^[0-9]{9,10}$/, format: '9 or 10 digits' },
  CY: {
    name: 'Cyprus',
    pattern: /^[013-59][0-9]{7}[A-Z]$/,
    format: '8 digits and a letter',
    checksum: cs.checkCY,
  },
  CZ: { name: 'Czechia', pattern: /^[0-9]{8,10}$/, format: '8, 9 or 10 digits' },
  DE: { name: 'Germany', pattern: /^[1-9][0-9]{8}$/, format: '9 digits', checksum: cs.checkDE },
  DK: { name: 'Denmark', pattern: /^[1-9][0-9]{7}$/, format: '8 digits', checksum: cs.checkDK },
  EE: { name: 'Estonia', pattern: /^10[0-9]{7}$/, format: '9 digits starting with 10', checksum: cs.checkEE },
  EL: {
    name: 'Greece',
    pattern: /^[0-9]{9}$/,
    format: '9 digits',
    checksum: cs.checkEL,
    // Old 8-digit tax numbers are written without the leading 0.
    normalize: (n) => (/^[0-9]{8}$/.test(n) ? `0${n}` : n),
  },
  ES: {
    name: 'Spain',
    pattern: /^(?:[0-9]{8}[A-Z]|[XYZKLM][0-9]{7}[A-Z]|[ABCDEFGHJNPQRSUVW][0-9]{7}[0-9A-J])$/,
    format: '9 characters: a letter or digit, 7 digits, and a letter or digit (NIF, NIE or CIF)',
    checksum: cs.checkES,
  },
  FI: { name: 'Finland', pattern: /^[0-9]{8}$/, format: '8 digits', checksum: cs.checkFI },
  FR: {
    name: 'France',
    pattern: /^[0-9A-HJ-NP-Z]{2}[0-9]{9}$/,
    format: 'a 2-character key followed by the 9-digit SIREN',
    checksum: cs.checkFR,
  },
  HR: { name: 'Croatia', pattern: /^[0-9]{11}$/, format: '11 digits', checksum: cs.checkHR },
  HU: { name: 'Hungary', pattern: /^[0-9]{8}$/, format: '8 digits', checksum: cs.checkHU },
  IE: {
    name: 'Ireland',
    pattern: /^(?:[0-9]{7}[A-W][A-IW]?|[0-9][A-Z+*][0-9]{5}[A-W])$/,
    format: '7 digits followed by one or two letters',
    checksum: cs.checkIE,
  },
  IT: { name: 'Italy', pattern: /^[0-9]{11}$/, format: '11 digits', checksum: cs.checkIT },
  LT: { name: 'Lithuania', pattern: /^(?:[0-9]{9}|[0-9]{12})$/, format: '9 or 12 digits' },
  LU: { name: 'Luxembourg', pattern: /^[0-9]{8}$/, format: '8 digits', checksum: cs.checkLU },
  LV: { name: 'Latvia', pattern: /^[0-9]{11}$/, format: '11 digits' },
  MT: { name: 'Malta', pattern: /^[1-9][0-9]{7}$/, format: '8 digits', checksum: cs.checkMT },
  NL: {
    name: 'Netherlands',
    pattern: /^[0-9]{9}B(?:0[1-9]|[1-9][0-9])$/,
    format: '9 digits, the letter B and 2 digits (e.g. 123456789B01)',
    checksum: cs.checkNL,
    // Leading zeros of the 9-digit part are often dropped.
    normalize: (n) => (/^[0-9]{1,8}B[0-9]{2}$/.test(n) ? n.padStart(12, '0') : n),
  },
  PL: { name: 'Poland', pattern: /^[0-9]{10}$/, format: '10 digits', checksum: cs.checkPL },
  PT: { name: 'Portugal', pattern: /^[1-9][0-9]{8}$/, format: '9 digits', checksum: cs.checkPT },
  RO: { name: 'Romania', pattern: /^[1-9][0-9]{1,9}$/, format: '2 to 10 digits', checksum: cs.checkRO },
  SE: { name: 'Sweden', pattern: /^[0-9]{10}01$/, format: '12 digits ending in 01', checksum: cs.checkSE },
  SI: { name: 'Slovenia', pattern: /^[1-9][0-9]{7}$/, format: '8 digits', checksum: cs.checkSI },
  SK: { name: 'Slovakia', pattern: /^[1-9][0-9]{9}$/, format: '10 digits', checksum: cs.checkSK },
  XI: {
    name: 'Northern Ireland',
    pattern: /^(?:[0-9]{9}|[0-9]{12}|GD[0-4][0-9]{2}|HA[5-9][0-9]{2})$/,
    format: '9 or 12 digits',
  },
};

/** The 27 member states' VAT prefixes plus XI (Northern Ireland, also in VIES). */
export const SUPPORTED_COUNTRIES: readonly string[] = Object.keys(RULES);

/** Strips spaces, dots, hyphens, slashes, colons and brackets, and upper-cases. */
export function compactVat(input: string): string {
  return input.replace(/[\s\u00a0\u202f.\-/:()]+/g, '').toUpperCase();
}

export function checkVat(input: string): VatResult {
  const compact = compactVat(input);
  const rawPrefix = compact.slice(0, 2);
  // Greece's ISO code is GR but its VAT prefix is EL; accept both.
  const prefix = rawPrefix === 'GR' ? 'EL' : rawPrefix;
  const rule = RULES[prefix];
  if (!/^[A-Z]{2}$/.test(prefix) || rule === undefined) {
    return {
      valid: false,
      vat: compact,
      country: /^[A-Z]{2}$/.test(prefix) ? prefix : null,
      countryName: null,
      number: compact,
      formatValid: false,
      checksum: 'not_checked',
      reason: 'unknown_country',
      message: /^[A-Z]{2}$/.test(prefix)
        ? `"${prefix}" is not an EU VAT country prefix (use EL for Greece, XI for Northern Ireland).`
        : 'A VAT number must start with its two-letter country prefix, e.g. "FR" or "DE".',
    };
  }

  const rawNumber = compact.slice(2);
  const number = rule.normalize ? rule.normalize(rawNumber) : rawNumber;
  const base = { vat: `${prefix}${number}`, country: prefix, countryName: rule.name, number };

  if (!rule.pattern.test(number)) {
    return {
      valid: false,
      ...base,
      formatValid: false,
      checksum: 'not_checked',
      reason: 'bad_format',
      message: `A VAT number from ${rule.name} is ${prefix} followed by ${rule.format}.`,
    };
  }
  if (rule.checksum === undefined) {
    return { valid: true, ...base, formatValid: true, checksum: 'not_checked' };
  }
  if (!rule.checksum(number)) {
    return {
      valid: false,
      ...base,
      formatValid: true,
      checksum: 'invalid',
      reason: 'bad_checksum',
      message: 'The check digits do not match: there is probably a typo in this VAT number.',
    };
  }
  return { valid: true, ...base, formatValid: true, checksum: 'valid' };
}
