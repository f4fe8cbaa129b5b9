/**
 * A client's invoice as people read it (issue #16): amounts in whole cents, a number from one
 * gapless sequence per year, the seller and the buyer, VAT computed once on the net total.
 * A final invoice never changes; a correction is a credit note that names the invoice it corrects.
 */
import { DomainError } from './errors.ts';
import { microsToCents } from './money.ts';
import type { Statement } from './statement.ts';
import { vatCents, vatTreatment, type VatConfig } from './vat.ts';

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

/** The seller's details and VAT policy: the operator's configuration. */
export interface SellerConfig {
  party: InvoiceParty;
  vat: VatConfig;
  /** the invoice number's prefix, e.g. "FSC" */
  prefix: string;
}

export class InvoiceError extends DomainError {
  override readonly name = 'InvoiceError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

/** "FSC", 2026, 123 -> "FSC-2026-000123": one gapless sequence per prefix and year. */
export function invoiceNumber(prefix: string, year: number, seq: number): string {
  if (!/^[A-Z]{2,8}$/.test(prefix)) throw new InvoiceError(`an invoice prefix is 2-8 capital letters, got "${prefix}"`);
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > 999_999) throw new InvoiceError(`an invoice sequence number is 1..999999, got ${seq}`);
  return `${prefix}-${year}-${String(seq).padStart(6, '0')}`;
}

const NUMBER = /^([A-Z]{2,8})-(\d{4})-(\d{6})$/;

export function parseInvoiceNumber(text: string): { prefix: string; year: number; seq: number } | undefined {
  const m = NUMBER.exec(text);
  return m ? { prefix: m[1] as string, year: Number(m[2]), seq: Number(m[3]) } : undefined;
}

function centsOf(micros: number, what: string): number {
  const cents = microsToCents(micros);
  if (cents === undefined) throw new InvoiceError(`${what} is ${micros} micros, not a whole number of cents`);
  return cents;
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * A client's invoice for a closed month, from its part of the final statement (lines and late
 * usage adjustments, already in whole cents), the parties and the VAT rule. Pure: the number and
 * the issue date are given, so building it again gives the same invoice.
 */
export function buildInvoice(args: {
  number: string;
  issuedOn: string;
  part: Pick<Statement, 'month' | 'clients' | 'adjustments'>;
  clientId: string;
  seller: SellerConfig;
  buyer: InvoiceParty;
}): Invoice {
  const { part, clientId } = args;
  const client = part.clients.find((c) => c.clientId === clientId);
  if (!client) throw new InvoiceError(`client "${clientId}" has nothing billed in ${part.month}`);
  const lines: InvoiceLine[] = [
    ...client.lines.flatMap((l) => {
      const free = l.freeCalls ?? 0;
      const charged = l.billableCalls - free;
      const made = l.calls !== l.billableCalls ? ` (${count(l.calls)} made)` : '';
      const line = {
        featureId: l.featureId,
        description: `${l.featureId}: ${count(charged)} billable call${charged === 1 ? '' : 's'}${free ? '' : made}`,
        usageMonth: part.month,
        calls: charged,
        amountCents: centsOf(l.amountMicros, `the line of ${l.featureId}`),
      };
      if (!free) return [line];
      // The allowance is shown, at a zero price, right after the line it came off.
      const freeLine = { featureId: l.featureId, description: `${l.featureId}: ${count(free)} free call${free === 1 ? '' : 's'} (monthly allowance)${made}`, usageMonth: part.month, calls: free, amountCents: 0 };
      return charged > 0 ? [line, freeLine] : [freeLine];
    }),
    ...part.adjustments
      .filter((a) => a.clientId === clientId)
      .map((a) => ({
        featureId: a.featureId,
        description: `${a.featureId}: ${count(a.billableCalls)} billable call${a.billableCalls === 1 ? '' : 's'} of ${a.originalMonth} received after its close`,
        usageMonth: a.originalMonth,
        calls: a.billableCalls,
        amountCents: centsOf(a.amountMicros, `the adjustment of ${a.featureId} (${a.originalMonth})`),
      })),
  ];
  const netCents = lines.reduce((n, l) => n + l.amountCents, 0);
  if (netCents !== centsOf(client.totalMicros, `the total of ${clientId}`)) throw new InvoiceError(`the lines of ${clientId} do not add up to its total`);
  const treatment = vatTreatment(args.seller.vat, args.buyer);
  const vat = vatCents(netCents, treatment.rateBps);
  return {
    number: args.number,
    kind: 'invoice',
    issuedOn: args.issuedOn,
    month: part.month,
    currency: 'EUR',
    clientId,
    seller: args.seller.party,
    buyer: args.buyer,
    lines,
    netCents,
    vat: { kind: treatment.kind, rateBps: treatment.rateBps, vatCents: vat, ...('mention' in treatment ? { mention: treatment.mention } : {}) },
    totalCents: netCents + vat,
  };
}

/**
 * The credit note that cancels an invoice in full: the same lines, VAT and total, negated, under
 * its own number. A final invoice never changes; a partial correction is a credit note and a new
 * invoice.
 */
export function creditNoteFor(invoice: Invoice, number: string, issuedOn: string): Invoice {
  if (invoice.kind !== 'invoice') throw new InvoiceError(`${invoice.number} is a credit note: only an invoice can be credited`);
  // 0 - x, not -x: a zero stays +0 (JSON has no -0, so a stored note must equal the one built).
  const neg = (x: number): number => 0 - x;
  return {
    ...invoice,
    number,
    kind: 'credit_note',
    corrects: invoice.number,
    issuedOn,
    lines: invoice.lines.map((l) => ({ ...l, amountCents: neg(l.amountCents) })),
    netCents: neg(invoice.netCents),
    vat: { ...invoice.vat, vatCents: neg(invoice.vat.vatCents) },
    totalCents: neg(invoice.totalCents),
  };
}

/** The buyer printed when a client has not filled in its billing details: VAT as at home. */
export function provisionalBuyer(clientName: string, seller: SellerConfig): InvoiceParty {
  return { legalName: clientName, address: [], country: seller.vat.sellerCountry };
}
