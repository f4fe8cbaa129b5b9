import { checkVatNumber, splitVatNumber, type VatNumberFailure, type VatNumberParts } from '../../shared/vat-number.ts';

// The validation itself (formats, national check digits) is the platform's shared rule: this
// module only shapes the feature's answer. Re-exported for the feature's tests and callers.
export { VAT_RULES as RULES } from '../../shared/vat-number.ts';

export type VatReason = VatNumberFailure;
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

/** What the answer says about the number whatever the verdict, so a typo can be shown in place. */
function present(parts: VatNumberParts): Pick<VatResult, 'vat' | 'country' | 'countryName' | 'number'> {
  return parts.known
    ? { vat: `${parts.prefix}${parts.national}`, country: parts.prefix, countryName: parts.rule.name, number: parts.national }
    : { vat: parts.compact, country: parts.prefix, countryName: null, number: parts.compact };
}

export function checkVat(input: string): VatResult {
  const base = present(splitVatNumber(input));
  const check = checkVatNumber(input);
  if (check.ok) return { valid: true, ...base, formatValid: true, checksum: check.checksum };
  const formatValid = check.code === 'bad_checksum';
  return { valid: false, ...base, formatValid, checksum: formatValid ? 'invalid' : 'not_checked', reason: check.code, message: check.reason };
}
