import { BANK_FIELDS, REGISTRY } from './registry.ts';

export type IbanReason = 'bad_characters' | 'unknown_country' | 'wrong_length' | 'bad_checksum';

export interface IbanResult {
  valid: boolean;
  /** The IBAN in electronic format: no spaces, upper case. */
  iban: string;
  /** The IBAN in print format: groups of four characters separated by spaces. */
  formatted: string;
  /** ISO 3166 two-letter country code taken from the IBAN, or null if it does not start with two letters. */
  country: string | null;
  countryName: string | null;
  checkDigits: string | null;
  bban: string | null;
  bankCode?: string;
  branchCode?: string;
  reason?: IbanReason;
  message?: string;
}

interface CountryFormat {
  name: string;
  length: number;
  bbanPattern: RegExp;
  bbanDescription: string;
}

const CLASS_PATTERN = { n: '[0-9]', a: '[A-Z]', c: '[A-Z0-9]' } as const;
const CLASS_WORDS = { n: 'digits', a: 'letters', c: 'letters or digits' } as const;

function compileFormat(name: string, structure: string): CountryFormat {
  let length = 4;
  let pattern = '';
  const parts: string[] = [];
  for (const match of structure.matchAll(/(\d+)!?([nac])/g)) {
    const count = Number(match[1]);
    const kind = match[2] as keyof typeof CLASS_PATTERN;
    length += count;
    pattern += `${CLASS_PATTERN[kind]}{${count}}`;
    parts.push(`${count} ${CLASS_WORDS[kind]}`);
  }
  return { name, length, bbanPattern: new RegExp(`^${pattern}$`), bbanDescription: parts.join(', ') };
}

const FORMATS = new Map<string, CountryFormat>(
  Object.entries(REGISTRY).map(([code, [name, structure]]) => [code, compileFormat(name, structure)]),
);

/** Number of countries in the length table (exposed for tests and documentation). */
export const SUPPORTED_COUNTRIES: readonly string[] = [...FORMATS.keys()];

/** Expected IBAN length for a country, or undefined if the country does not issue IBANs. */
export function ibanLength(country: string): number | undefined {
  return FORMATS.get(country)?.length;
}

/**
 * Strips spaces (any whitespace, including non-breaking spaces) and hyphens,
 * an optional leading "IBAN" label, and upper-cases the rest.
 */
export function normalizeIban(input: string): string {
  const compact = input.replace(/[\s\u00a0\u2000-\u200b\u202f\u2060\ufeff-]+/g, '').toUpperCase();
  return compact.startsWith('IBAN') ? compact.slice(4) : compact;
}

/** Print format: groups of four characters separated by single spaces. */
export function formatIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * ISO 7064 MOD 97-10 remainder of an alphanumeric string, letters counting as
 * 10..35. Processed one character at a time so the running value never
 * exceeds 97 * 100 + 35: exact integer arithmetic, no floats, no BigInt.
 */
export function mod97(value: string): number {
  let remainder = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      remainder = (remainder * 10 + (code - 48)) % 97;
    } else if (code >= 65 && code <= 90) {
      remainder = (remainder * 100 + (code - 55)) % 97;
    } else {
      return -1;
    }
  }
  return remainder;
}

/** Check digits for a country and BBAN (useful to build test data). */
export function computeCheckDigits(country: string, bban: string): string {
  const check = 98 - mod97(`${bban}${country}00`);
  return String(check).padStart(2, '0');
}

export function checkIban(input: string): IbanResult {
  const iban = normalizeIban(input);
  const prefix = iban.slice(0, 2);
  const country = /^[A-Z]{2}$/.test(prefix) ? prefix : null;
  const format = country === null ? undefined : FORMATS.get(country);
  const base: IbanResult = {
    valid: false,
    iban,
    formatted: formatIban(iban),
    country,
    countryName: format?.name ?? null,
    checkDigits: iban.length >= 4 ? iban.slice(2, 4) : null,
    bban: iban.length > 4 ? iban.slice(4) : null,
  };
  const invalid = (reason: IbanReason, message: string): IbanResult => ({ ...base, reason, message });

  if (!/^[A-Z0-9]*$/.test(iban)) {
    return invalid(
      'bad_characters',
      'An IBAN may only contain the letters A-Z and digits (spaces and hyphens are ignored).',
    );
  }
  if (country === null || format === undefined) {
    return invalid(
      'unknown_country',
      country === null
        ? 'An IBAN must start with a two-letter country code, e.g. "FR" or "DE".'
        : `"${country}" is not a country that issues IBANs according to the SWIFT IBAN registry.`,
    );
  }
  if (iban.length !== format.length) {
    return invalid(
      'wrong_length',
      `An IBAN from ${format.name} has ${format.length} characters; this one has ${iban.length}.`,
    );
  }
  const checkDigits = iban.slice(2, 4);
  const bban = iban.slice(4);
  if (!/^[0-9]{2}$/.test(checkDigits)) {
    return invalid('bad_characters', 'Characters 3 and 4 of an IBAN (the check digits) must be digits.');
  }
  if (!format.bbanPattern.test(bban)) {
    return invalid(
      'bad_characters',
      `The account part of an IBAN from ${format.name} must be ${format.bbanDescription}.`,
    );
  }
  // Check digits 00, 01 and 99 are never issued: 01 and 98 give the same remainder.
  if (checkDigits === '00' || checkDigits === '01' || checkDigits === '99' || mod97(bban + country + checkDigits) !== 1) {
    return invalid('bad_checksum', 'The check digits do not match: there is probably a typo in this IBAN.');
  }

  const result: IbanResult = { ...base, valid: true };
  const fields = BANK_FIELDS[country];
  if (fields) {
    result.bankCode = bban.slice(fields.bankCode[0], fields.bankCode[1]);
    if (fields.branchCode) result.branchCode = bban.slice(fields.branchCode[0], fields.branchCode[1]);
  }
  return result;
}
