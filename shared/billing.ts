/**
 * A client's billing details, as the client types them in the console: the buyer of its invoices.
 * Checked offline: a legal name, one to four address lines, an ISO country code, and an optional
 * VAT number checked by format and national checksum, which must belong to that country (it
 * decides reverse charge, so a number of another country would move the VAT).
 */
import { InvoiceError, type InvoiceParty } from './invoice.ts';
import { checkVatNumber } from './vat-number.ts';

/** Text as people meant it: trimmed, runs of white space (newlines included) as one space. */
export const singleLine = (v: unknown): string | undefined => (typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : undefined);
const text = singleLine;

export function checkBillingDetails(input: unknown): InvoiceParty {
  const problems: string[] = [];
  const o = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const legalName = text(o.legalName) ?? '';
  if (legalName.length < 2 || legalName.length > 140) problems.push('legalName: 2 to 140 characters');
  const rawAddress = Array.isArray(o.address) ? o.address : typeof o.address === 'string' ? o.address.split('\n') : [];
  const address = rawAddress.map(text).filter((l): l is string => !!l);
  if (address.length < 1 || address.length > 4 || address.some((l) => l.length > 70)) problems.push('address: 1 to 4 lines of at most 70 characters');
  const country = (text(o.country) ?? '').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) problems.push('country: an ISO 3166 code such as FR or DE');
  let vatNumber: string | undefined;
  const rawVat = text(o.vatNumber);
  if (rawVat) {
    const check = checkVatNumber(rawVat);
    if (!check.ok) problems.push(`vatNumber: ${check.reason}`);
    else if (/^[A-Z]{2}$/.test(country) && check.country !== country) problems.push(`vatNumber: ${check.vatNumber} is a VAT number of ${check.country}, not of ${country}`);
    else vatNumber = check.vatNumber;
  }
  if (problems.length) throw new InvoiceError(`billing details: ${problems.join('; ')}`);
  return { legalName, address, country, ...(vatNumber ? { vatNumber } : {}) };
}
