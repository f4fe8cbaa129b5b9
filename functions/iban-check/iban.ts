import { checkIban as checkIbanRules, formatIbanPrint, ibanCountryName, normalizeIban, type IbanFailure } from '../../shared/iban.ts';
import { BANK_FIELDS } from './registry.ts';

// The validation itself (registry, lengths, MOD 97-10) is the platform's shared rule: this module
// only shapes the feature's answer. Re-exported for the feature's tests and callers.
export { computeCheckDigits, ibanLength } from '../../shared/iban.ts';

export type IbanReason = IbanFailure;

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

export function checkIban(input: string): IbanResult {
  const iban = normalizeIban(input);
  const prefix = iban.slice(0, 2);
  const country = /^[A-Z]{2}$/.test(prefix) ? prefix : null;
  // An invalid IBAN still gets its parts back, so the caller can show where the typo is.
  const base: IbanResult = {
    valid: false,
    iban,
    formatted: formatIbanPrint(iban),
    country,
    countryName: (country === null ? undefined : ibanCountryName(country)) ?? null,
    checkDigits: iban.length >= 4 ? iban.slice(2, 4) : null,
    bban: iban.length > 4 ? iban.slice(4) : null,
  };
  const check = checkIbanRules(input);
  if (!check.ok) return { ...base, reason: check.code, message: check.reason };

  const result: IbanResult = { ...base, valid: true };
  const fields = BANK_FIELDS[check.country];
  const bban = iban.slice(4);
  if (fields) {
    result.bankCode = bban.slice(fields.bankCode[0], fields.bankCode[1]);
    if (fields.branchCode) result.branchCode = bban.slice(fields.branchCode[0], fields.branchCode[1]);
  }
  return result;
}
