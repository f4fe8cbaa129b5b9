import {
  findPhoneNumbersInText,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import type { Warning } from './types.ts';

export interface PhoneResult {
  phone: string | null;
  phoneValid: boolean;
  phoneType: string | null;
  phoneCountry: string | null;
  phoneExtension: string | null;
  warnings: Warning[];
}

/** Upper-cases a region code and accepts "UK", the common (reserved) alias of "GB". Undefined when unsupported. */
export function toRegion(code: string): CountryCode | undefined {
  const upper = code.trim().toUpperCase();
  const region = upper === 'UK' ? 'GB' : upper;
  return /^[A-Z]{2}$/.test(region) && isSupportedCountry(region) ? region : undefined;
}

function found(number: PhoneNumber, warnings: Warning[]): PhoneResult {
  return {
    phone: number.number,
    phoneValid: true,
    phoneType: number.getType()?.toLowerCase() ?? null,
    phoneCountry: number.country ?? null,
    phoneExtension: number.ext ?? null,
    warnings,
  };
}

/** Normalises a phone number to E.164 ("+33612345678"), reading national numbers in the given default region. */
export function normalizePhone(raw: string | null | undefined, region: CountryCode): PhoneResult {
  const text = (raw ?? '').normalize('NFKC').replace(/\s+/gu, ' ').trim();
  // French "poste 12" is an extension; libphonenumber only knows "ext.", "x", "#"...
  const parseable = text.replace(/\s*\b(?:poste|post\.?)\s*(\d{1,6})$/iu, ' ext. $1');
  const none = { phone: null, phoneValid: false, phoneType: null, phoneCountry: null, phoneExtension: null };
  if (text === '') return { ...none, warnings: [] };

  // A CRM field sometimes holds several numbers ("06 12 34 56 78 / 01 23 45 67 89"): keep the first.
  const all = findPhoneNumbersInText(parseable, { defaultCountry: region });
  const [firstFound, ...others] = all;
  if (firstFound !== undefined && others.length > 0) {
    return found(firstFound.number, [{
      field: 'phone',
      code: 'PHONE_MULTIPLE_NUMBERS',
      message: `phone "${text}" contains ${all.length} numbers; only the first one was kept`,
    }]);
  }

  const parsed = parsePhoneNumberFromString(parseable, { defaultCountry: region });
  if (parsed?.isValid()) return found(parsed, []);
  const where = parsed?.country ?? (text.startsWith('+') || text.startsWith('00') ? undefined : region);
  return {
    ...none,
    phone: text,
    warnings: [{
      field: 'phone',
      code: 'PHONE_INVALID',
      message: `phone "${text}" is not a valid phone number${where === undefined ? '' : ` for ${where}`}`,
    }],
  };
}
