/**
 * A client's invoice as people read it (issue #16): amounts in whole cents, a number from one
 * gapless sequence per year, the seller and the buyer, VAT computed once on the net total.
 * A final invoice never changes; a correction is a credit note that names the invoice it corrects.
 */

/** One party of an invoice: the operator (seller) or the client (buyer). */
export interface InvoiceParty {
  legalName: string;
  /** postal address, one line per entry */
  address: string[];
  /** ISO 3166 code */
  country: string;
  /** checked by format and national checksum; absent when the party has none */
  vatNumber?: string;
}

export interface InvoiceLine {
  featureId: string;
  /** what the line bills, e.g. "iban-check, 2026-11: 1,204 calls" */
  description: string;
  /** the month the usage belongs to (a later month for an adjustment of late usage) */
  usageMonth: string;
  calls: number;
  /** rounded half-up to the cent once, from the line's exact value */
  amountCents: number;
}

export interface InvoiceVat {
  kind: 'domestic' | 'eu_no_vat_number' | 'reverse_charge' | 'outside_eu';
  rateBps: number;
  /** VAT on the net total, rounded half-up once */
  vatCents: number;
  /** the legal mention printed when no VAT is charged */
  mention?: string;
}

export interface Invoice {
  /** e.g. FSC-2026-000123; credit notes share the sequence */
  number: string;
  kind: 'invoice' | 'credit_note';
  /** for a credit note: the number of the invoice it corrects */
  corrects?: string;
  /** ISO date (YYYY-MM-DD) */
  issuedOn: string;
  /** the statement month it bills */
  month: string;
  currency: 'EUR';
  clientId: string;
  seller: InvoiceParty;
  buyer: InvoiceParty;
  lines: InvoiceLine[];
  /** Σ lines */
  netCents: number;
  vat: InvoiceVat;
  /** net + VAT */
  totalCents: number;
}

/** 12345 -> "123.45"; negative amounts (credit notes) keep their sign. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`an amount of cents is an integer, got ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
