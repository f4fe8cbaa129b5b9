import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VAT, OUTSIDE_EU_MENTION, REVERSE_CHARGE_MENTION, vatCents, VatError, vatTreatment } from './vat.ts';

describe('which VAT an invoice carries', () => {
  it.each([
    // seller FR 20 %
    ['FR', 'FR12345678901', { kind: 'domestic', rateBps: 2_000 }],
    ['FR', undefined, { kind: 'domestic', rateBps: 2_000 }],
    ['fr', undefined, { kind: 'domestic', rateBps: 2_000 }],
    ['DE', 'DE123456789', { kind: 'reverse_charge', rateBps: 0, mention: REVERSE_CHARGE_MENTION }],
    ['GR', 'EL123456789', { kind: 'reverse_charge', rateBps: 0, mention: REVERSE_CHARGE_MENTION }],
    ['IT', undefined, { kind: 'eu_no_vat_number', rateBps: 2_000 }],
    ['US', undefined, { kind: 'outside_eu', rateBps: 0, mention: OUTSIDE_EU_MENTION }],
    ['CH', 'CHE123456789', { kind: 'outside_eu', rateBps: 0, mention: OUTSIDE_EU_MENTION }],
    ['GB', 'GB123456789', { kind: 'outside_eu', rateBps: 0, mention: OUTSIDE_EU_MENTION }],
  ] as const)('a buyer in %s with VAT number %s', (country, vatNumber, expected) => {
    expect(vatTreatment(DEFAULT_VAT, { country, ...(vatNumber ? { vatNumber } : {}) })).toEqual(expected);
  });

  it("follows the operator's country and rate", () => {
    const de = { sellerCountry: 'DE', rateBps: 1_900 };
    expect(vatTreatment(de, { country: 'DE' })).toEqual({ kind: 'domestic', rateBps: 1_900 });
    expect(vatTreatment(de, { country: 'FR', vatNumber: 'FR12345678901' }).kind).toBe('reverse_charge');
  });

  it('refuses what is not a country or a rate', () => {
    expect(() => vatTreatment(DEFAULT_VAT, { country: 'France' })).toThrow(VatError);
    expect(() => vatTreatment({ sellerCountry: 'FR', rateBps: 20.5 }, { country: 'FR' })).toThrow(VatError);
  });
});

describe('VAT amounts', () => {
  it('is the net total × rate, rounded half-up once', () => {
    expect(vatCents(1_000, 2_000)).toBe(200);
    expect(vatCents(1, 2_000)).toBe(0); // 0.2 cent
    expect(vatCents(3, 2_000)).toBe(1); // 0.6 cent
    expect(vatCents(25, 2_000)).toBe(5);
    expect(vatCents(1_234_567, 550)).toBe(67_901); // 67,901.185 cents
    expect(vatCents(0, 2_000)).toBe(0);
    expect(() => vatCents(-1, 2_000)).toThrow(VatError);
  });

  it('never differs from the exact VAT by more than half a cent, and grows with the net total', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 10_000 }), (net, rate) => {
        const vat = vatCents(net, rate);
        const exactTimes2 = BigInt(net) * BigInt(rate) * 2n; // 2 × 10,000 × exact VAT
        expect(BigInt(vat) * 20_000n - exactTimes2 <= 10_000n).toBe(true);
        expect(exactTimes2 - BigInt(vat) * 20_000n < 10_000n).toBe(true);
        expect(vatCents(net + 1, rate)).toBeGreaterThanOrEqual(vat);
      }),
    );
  });
});
