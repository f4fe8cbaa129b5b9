/**
 * IBAN validation (ISO 13616), as one pure rule shared by the platform (payee details, SEPA payout
 * files) and the iban-check feature, which only adds its presentation on top (issue #16). An IBAN
 * is valid when its country issues IBANs, it has that country's length and BBAN format (SWIFT IBAN
 * Registry, shared/iban-registry.ts), and its check digits pass ISO 7064 MOD 97-10.
 */
import { REGISTRY } from './iban-registry.ts';

export type IbanFailure = 'bad_characters' | 'unknown_country' | 'wrong_length' | 'bad_checksum';

export type IbanCheck =
  /** `iban` in electronic format: no spaces, upper case; `country` its ISO 3166 prefix */
  | { ok: true; iban: string; country: string }
  /** `reason` is written for the person who typed the IBAN; `code` is for callers that act on it */
  | { ok: false; code: IbanFailure; reason: string };

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

/** The countries that issue IBANs, by ISO 3166 code. */
export const IBAN_COUNTRIES: readonly string[] = [...FORMATS.keys()];

/** Expected IBAN length for a country, or undefined if the country does not issue IBANs. */
export function ibanLength(country: string): number | undefined {
  return FORMATS.get(country)?.length;
}

/** The registry's English name of a country that issues IBANs. */
export function ibanCountryName(country: string): string | undefined {
  return FORMATS.get(country)?.name;
}

/**
 * Strips spaces (any whitespace, including non-breaking spaces) and hyphens,
 * an optional leading "IBAN" label, and upper-cases the rest.
 */
export function normalizeIban(input: string): string {
  const compact = input.replace(/[\s\u00a0\u2000-\u200b\u202f\u2060\ufeff-]+/g, '').toUpperCase();
  return compact.startsWith('IBAN') ? compact.slice(4) : compact;
}

/**
 * Print format: groups of four characters separated by single spaces. For display only: a
 * payment file carries the electronic format, and banks reject the spaces there.
 */
export function formatIbanPrint(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * ISO 7064 MOD 97-10 remainder of an alphanumeric string, letters counting as
 * 10..35, or -1 for any other character. Processed one character at a time so
 * the running value never exceeds 97 * 100 + 35: exact integer arithmetic, no
 * floats, no BigInt (a 34-character IBAN is far past 2^53 as one number).
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

export function checkIban(text: string): IbanCheck {
  const iban = normalizeIban(text);
  const prefix = iban.slice(0, 2);
  const country = /^[A-Z]{2}$/.test(prefix) ? prefix : null;
  const format = country === null ? undefined : FORMATS.get(country);
  const invalid = (code: IbanFailure, reason: string): IbanCheck => ({ ok: false, code, reason });

  if (!/^[A-Z0-9]*$/.test(iban)) {
    return invalid('bad_characters', 'An IBAN may only contain the letters A-Z and digits (spaces and hyphens are ignored).');
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
    return invalid('wrong_length', `An IBAN from ${format.name} has ${format.length} characters; this one has ${iban.length}.`);
  }
  const checkDigits = iban.slice(2, 4);
  const bban = iban.slice(4);
  if (!/^[0-9]{2}$/.test(checkDigits)) {
    return invalid('bad_characters', 'Characters 3 and 4 of an IBAN (the check digits) must be digits.');
  }
  if (!format.bbanPattern.test(bban)) {
    return invalid('bad_characters', `The account part of an IBAN from ${format.name} must be ${format.bbanDescription}.`);
  }
  // Check digits 00, 01 and 99 are never issued: 01 and 98 give the same remainder, so without
  // this a typo turning 98 into 01 would pass.
  if (checkDigits === '00' || checkDigits === '01' || checkDigits === '99' || mod97(bban + country + checkDigits) !== 1) {
    return invalid('bad_checksum', 'The check digits do not match: there is probably a typo in this IBAN.');
  }
  return { ok: true, iban, country };
}
