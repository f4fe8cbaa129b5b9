import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkBillingDetails } from './billing.ts';
import { buildInvoice, creditNoteFor, formatCents, InvoiceError, invoiceNumber, parseInvoiceNumber, provisionalBuyer, type SellerConfig } from './invoice.ts';
import { computeStatement, type LateUsage } from './statement.ts';
import type { UsageAggregate } from './usage.ts';
import { OUTSIDE_EU_MENTION, REVERSE_CHARGE_MENTION } from './vat.ts';

const SELLER: SellerConfig = { party: { legalName: 'Faascape SAS', address: ['1 rue A'], country: 'FR', vatNumber: 'FR40303265045' }, vat: { sellerCountry: 'FR', rateBps: 2000 }, prefix: 'FSC' };
const agg = (clientId: string, featureId: string, perCallMicros: number, calls: number, month = '2026-11'): UsageAggregate => ({
  month, clientId, featureId, price: { perCallMicros, perGbSecondMicros: 0, currency: 'EUR' }, authors: [{ id: 'alice', weight: 1 }],
  calls, billableCalls: calls, errors: 0, timeouts: 0, billedMs: calls, billableMs: calls, billableMbMs: calls * 128, requestBytes: 0, responseBytes: 0,
});
const statementOf = (aggregates: UsageAggregate[], late: LateUsage[] = []) => computeStatement({ month: '2026-11', status: 'final', policy: { developerShareBps: 7000, minimumPayoutMicros: 0 }, aggregates, late, carriedIn: new Map() });
const FR_BUYER = { legalName: 'Acme SARL', address: ['2 rue B'], country: 'FR' };

describe('buildInvoice', () => {
  it('bills the client’s lines in cents, VAT once on the net total, and its late usage as dated lines', () => {
    // iban-check: 1,204 calls × €0.0025 = €3.01; vat-check: 3 × €0.0025 = €0.0075 -> €0.01; late October: 2 × €0.0025 -> €0.01.
    const s = statementOf([agg('acme', 'iban-check', 2_500, 1_204), agg('acme', 'vat-check', 2_500, 3), agg('globex', 'iban-check', 2_500, 9)], [{ originalMonth: '2026-10', aggregate: agg('acme', 'iban-check', 2_500, 2, '2026-10') }]);
    const inv = buildInvoice({ number: 'FSC-2026-000007', issuedOn: '2026-12-01', part: s, clientId: 'acme', seller: SELLER, buyer: FR_BUYER });
    expect(inv.lines.map((l) => [l.featureId, l.usageMonth, l.calls, l.amountCents])).toEqual([
      ['iban-check', '2026-11', 1204, 301],
      ['vat-check', '2026-11', 3, 1],
      ['iban-check', '2026-10', 2, 1],
    ]);
    expect(inv.lines[0]?.description).toBe('iban-check: 1,204 billable calls');
    expect(inv.lines[2]?.description).toContain('of 2026-10 received after its close');
    // 303 cents net; VAT 20 % = 60.6 -> 61 cents, rounded once on the total (per line it would be 60 + 0 + 0).
    expect(inv).toMatchObject({ number: 'FSC-2026-000007', kind: 'invoice', month: '2026-11', clientId: 'acme', netCents: 303, vat: { kind: 'domestic', rateBps: 2000, vatCents: 61 }, totalCents: 364 });
    expect(inv.vat.mention).toBeUndefined();
    expect(inv.seller).toEqual(SELLER.party);
    expect(inv.buyer).toEqual(FR_BUYER);
  });

  it('applies the VAT rule of the buyer: reverse charge in another EU country with a VAT number, none outside the EU', () => {
    const s = statementOf([agg('acme', 'iban-check', 10_000, 100)]);
    const de = checkBillingDetails({ legalName: 'Acme GmbH', address: ['Str. 1'], country: 'DE', vatNumber: 'DE136695976' });
    expect(buildInvoice({ number: 'FSC-2026-000001', issuedOn: '2026-12-01', part: s, clientId: 'acme', seller: SELLER, buyer: de }).vat).toEqual({ kind: 'reverse_charge', rateBps: 0, vatCents: 0, mention: REVERSE_CHARGE_MENTION });
    const us = { legalName: 'Acme Inc', address: ['1 Main St'], country: 'US' };
    expect(buildInvoice({ number: 'FSC-2026-000001', issuedOn: '2026-12-01', part: s, clientId: 'acme', seller: SELLER, buyer: us }).vat).toEqual({ kind: 'outside_eu', rateBps: 0, vatCents: 0, mention: OUTSIDE_EU_MENTION });
    // Without billing details: provisional, VAT as at home.
    expect(buildInvoice({ number: 'FSC-2026-000001', issuedOn: '2026-12-01', part: s, clientId: 'acme', seller: SELLER, buyer: provisionalBuyer('acme', SELLER) }).vat.kind).toBe('domestic');
  });

  it('property: net = Σ lines = the statement’s total in cents; total = net + VAT rounded half-up once', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('f1', 'f2', 'f3'), fc.integer({ min: 1, max: 9_999 }), fc.integer({ min: 1, max: 5_000 })), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 2_700 }), (rows, rateBps) => {
        const unique = [...new Map(rows.map((r) => [r[0], r])).values()];
        const s = statementOf(unique.map(([f, price, calls]) => agg('acme', f, price, calls)));
        const client = s.clients[0];
        if (!client || client.totalMicros === 0) return;
        const inv = buildInvoice({ number: 'FSC-2026-000001', issuedOn: '2026-12-01', part: s, clientId: 'acme', seller: { ...SELLER, vat: { sellerCountry: 'FR', rateBps } }, buyer: FR_BUYER });
        expect(inv.netCents).toBe(inv.lines.reduce((n, l) => n + l.amountCents, 0));
        expect(inv.netCents * 10_000).toBe(client.totalMicros);
        const exact = inv.netCents * rateBps; // VAT × 10,000
        expect(inv.vat.vatCents).toBe(Math.floor(exact / 10_000) + (exact % 10_000 >= 5_000 ? 1 : 0));
        expect(inv.totalCents).toBe(inv.netCents + inv.vat.vatCents);
      }),
    );
  });

  it('refuses a client with nothing billed, and amounts that are not whole cents', () => {
    const s = statementOf([agg('acme', 'f1', 10_000, 1)]);
    expect(() => buildInvoice({ number: 'FSC-2026-000001', issuedOn: '2026-12-01', part: s, clientId: 'nobody', seller: SELLER, buyer: FR_BUYER })).toThrow(InvoiceError);
    // A statement closed before amounts were in cents.
    const old = { ...s, clients: s.clients.map((c) => ({ ...c, totalMicros: 10_001, lines: c.lines.map((l) => ({ ...l, amountMicros: 10_001 })) })) };
    expect(() => buildInvoice({ number: 'FSC-2026-000001', issuedOn: '2026-12-01', part: old, clientId: 'acme', seller: SELLER, buyer: FR_BUYER })).toThrow(/not a whole number of cents/);
  });
});

describe('credit notes and numbers', () => {
  it('a credit note negates every amount, names the invoice it corrects, and cannot itself be credited', () => {
    const s = statementOf([agg('acme', 'f1', 10_000, 7)]);
    const inv = buildInvoice({ number: 'FSC-2026-000001', issuedOn: '2026-12-01', part: s, clientId: 'acme', seller: SELLER, buyer: FR_BUYER });
    const note = creditNoteFor(inv, 'FSC-2026-000009', '2026-12-04');
    expect(note).toMatchObject({ number: 'FSC-2026-000009', kind: 'credit_note', corrects: 'FSC-2026-000001', issuedOn: '2026-12-04', netCents: -7, totalCents: -8, vat: { vatCents: -1 } });
    expect(note.lines.map((l) => l.amountCents)).toEqual([-7]);
    expect(() => creditNoteFor(note, 'FSC-2026-000010', '2026-12-05')).toThrow(InvoiceError);
  });

  it('formats numbers and cents', () => {
    expect(invoiceNumber('FSC', 2026, 123)).toBe('FSC-2026-000123');
    expect(parseInvoiceNumber('FSC-2026-000123')).toEqual({ prefix: 'FSC', year: 2026, seq: 123 });
    expect(parseInvoiceNumber('FSC-2026-123')).toBeUndefined();
    expect(() => invoiceNumber('FSC', 2026, 0)).toThrow(InvoiceError);
    expect(() => invoiceNumber('fsc', 2026, 1)).toThrow(InvoiceError);
    expect([0, 5, 99, 100, 12_345, -364].map(formatCents)).toEqual(['0.00', '0.05', '0.99', '1.00', '123.45', '-3.64']);
  });
});

describe('checkBillingDetails', () => {
  it('accepts and normalises details; a VAT number must be valid and of the buyer’s country', () => {
    expect(checkBillingDetails({ legalName: '  Acme   GmbH ', address: 'Str. 1\n\n10115 Berlin', country: 'de', vatNumber: 'de 136 695 976' })).toEqual({ legalName: 'Acme GmbH', address: ['Str. 1', '10115 Berlin'], country: 'DE', vatNumber: 'DE136695976' });
    expect(() => checkBillingDetails({ legalName: 'Acme', address: ['x'], country: 'FR', vatNumber: 'DE136695976' })).toThrow(/vatNumber: DE136695976 is a VAT number of DE, not of FR/);
    expect(() => checkBillingDetails({ legalName: 'Acme', address: ['x'], country: 'DE', vatNumber: 'DE136695977' })).toThrow(/vatNumber/);
    expect(() => checkBillingDetails({ legalName: 'A', address: [], country: 'France' })).toThrow(/legalName.*address.*country/);
  });
});
