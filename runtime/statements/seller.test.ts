import { describe, expect, it } from 'vitest';
import { operatorEnv, readSeller } from './seller.ts';

describe('the operator as seller', () => {
  it('reads the seller and VAT settings, with defaults that say they are not configured', () => {
    const none = readSeller({});
    expect(none.party.legalName).toMatch(/FAASCAPE_SELLER_NAME not set/);
    expect(none.vat).toEqual({ sellerCountry: 'FR', rateBps: 2000 });
    expect(none.prefix).toBe('FSC');
    const de = readSeller({ FAASCAPE_SELLER_NAME: 'Faascape GmbH', FAASCAPE_SELLER_ADDRESS: 'Str. 1|10115 Berlin', FAASCAPE_SELLER_COUNTRY: 'de', FAASCAPE_SELLER_VAT_NUMBER: 'DE136695976', FAASCAPE_VAT_RATE_PERCENT: '19', FAASCAPE_INVOICE_PREFIX: 'FGB' });
    expect(de).toEqual({ party: { legalName: 'Faascape GmbH', address: ['Str. 1', '10115 Berlin'], country: 'DE', vatNumber: 'DE136695976' }, vat: { sellerCountry: 'DE', rateBps: 1900 }, prefix: 'FGB' });
  });

  it('refuses settings that would put a wrong invoice or payment file out', () => {
    expect(() => readSeller({ FAASCAPE_SELLER_VAT_NUMBER: 'DE136695976' })).toThrow(/not of FR/);
    expect(() => readSeller({ FAASCAPE_VAT_RATE_PERCENT: '20%' })).toThrow(/FAASCAPE_VAT_RATE_PERCENT/);
    expect(() => readSeller({ FAASCAPE_INVOICE_PREFIX: 'fsc' })).toThrow(/FAASCAPE_INVOICE_PREFIX/);
    expect(() => operatorEnv({ FAASCAPE_PAYOUT_IBAN: 'FR7630006000011234567890188' })).toThrow(/FAASCAPE_PAYOUT_IBAN/);
  });

  it('passes only the operator settings that are set to a deployment', () => {
    expect(operatorEnv({ FAASCAPE_SELLER_NAME: 'Faascape SAS', FAASCAPE_PAYOUT_IBAN: 'FR7630006000011234567890189', HOME: '/root', AWS_SECRET_ACCESS_KEY: 'x' })).toEqual({ FAASCAPE_SELLER_NAME: 'Faascape SAS', FAASCAPE_PAYOUT_IBAN: 'FR7630006000011234567890189' });
  });
});
