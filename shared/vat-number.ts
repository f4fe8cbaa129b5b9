/**
 * EU VAT numbers, checked offline: the country's format and, where it has one we know, its
 * national check digits (issue #16). Shared by the platform (a buyer's VAT number decides reverse
 * charge, shared/vat.ts) and the vat-check feature, which only adds its presentation on top.
 * Valid here means well formed, not registered: only VIES says a number is in use, and that is a
 * network call, so it belongs at the edge.
 */
import * as cs from './vat-checksums.ts';

export type VatNumberFailure = 'unknown_country' | 'bad_format' | 'bad_checksum';

export type VatNumberCheck =
  /**
   * `vatNumber` normalised (e.g. FR40303265045, Greece as EL…); `country` its ISO 3166 code (GR for
   * EL); `checksum` 'not_checked' for the countries whose check digits are not public or not fixed
   */
  | { ok: true; vatNumber: string; country: string; checksum: 'valid' | 'not_checked' }
  /** `reason` is written for the person who typed the number; `code` is for callers that act on it */
  | { ok: false; code: VatNumberFailure; reason: string };

export interface VatCountryRule {
  name: string;
  pattern: RegExp;
  /** Human description of the national part, for error messages. */
  format: string;
  /** Undefined when we do not verify check digits for this country. */
  checksum?: (national: string) => boolean;
  /** Country-specific clean-up applied before the format check (e.g. restoring leading zeros). */
  normalize?: (national: string) => string;
}

/** By VAT prefix, which is the ISO code except for Greece (EL) and Northern Ireland (XI). */
export const VAT_RULES: Readonly<Record<string, VatCountryRule>> = {
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
export const VAT_PREFIXES: readonly string[] = Object.keys(VAT_RULES);

/**
 * The ISO 3166 code of the prefixes that differ from it. XI is the United Kingdom: its numbers
 * are in VIES for trade in goods only, so for the services Faascape sells an XI buyer is outside
 * the EU (shared/vat.ts decides that from the country).
 */
const ISO_COUNTRY: Readonly<Record<string, string>> = { EL: 'GR', XI: 'GB' };

/** Strips spaces, dots, hyphens, slashes, colons and brackets, and upper-cases. */
export function compactVatNumber(text: string): string {
  return text.replace(/[\s\u00a0\u202f.\-/:()]+/g, '').toUpperCase();
}

export type VatNumberParts =
  /** `national` after the country's clean-up (leading zeros restored), not yet checked */
  | { known: true; prefix: string; rule: VatCountryRule; national: string }
  /** `prefix` is null when the number does not start with two letters */
  | { known: false; compact: string; prefix: string | null };

/** A VAT number cut into its prefix and national part, before any check. */
export function splitVatNumber(text: string): VatNumberParts {
  const compact = compactVatNumber(text);
  const rawPrefix = compact.slice(0, 2);
  // Greece's ISO code is GR but its VAT prefix is EL; people write both.
  const prefix = rawPrefix === 'GR' ? 'EL' : rawPrefix;
  if (!/^[A-Z]{2}$/.test(prefix)) return { known: false, compact, prefix: null };
  const rule = VAT_RULES[prefix];
  if (rule === undefined) return { known: false, compact, prefix };
  const raw = compact.slice(2);
  return { known: true, prefix, rule, national: rule.normalize ? rule.normalize(raw) : raw };
}

export function checkVatNumber(text: string): VatNumberCheck {
  const parts = splitVatNumber(text);
  if (!parts.known) {
    return {
      ok: false,
      code: 'unknown_country',
      reason:
        parts.prefix === null
          ? 'A VAT number must start with its two-letter country prefix, e.g. "FR" or "DE".'
          : `"${parts.prefix}" is not an EU VAT country prefix (use EL for Greece, XI for Northern Ireland).`,
    };
  }
  const { prefix, rule, national } = parts;
  if (!rule.pattern.test(national)) {
    return { ok: false, code: 'bad_format', reason: `A VAT number from ${rule.name} is ${prefix} followed by ${rule.format}.` };
  }
  if (rule.checksum !== undefined && !rule.checksum(national)) {
    return { ok: false, code: 'bad_checksum', reason: 'The check digits do not match: there is probably a typo in this VAT number.' };
  }
  return {
    ok: true,
    vatNumber: `${prefix}${national}`,
    country: ISO_COUNTRY[prefix] ?? prefix,
    checksum: rule.checksum === undefined ? 'not_checked' : 'valid',
  };
}
