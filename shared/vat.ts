/**
 * Which VAT an invoice carries (issue #16), as one pure rule. The operator's country and rate are
 * configuration (default France, 20 %). Faascape sells electronically supplied services:
 * - a buyer in the operator's country: the operator's rate;
 * - a business in another EU country with a valid VAT number: reverse charge, 0 %, with the
 *   legal mention (Article 196 of Council Directive 2006/112/EC);
 * - a buyer outside the EU: no VAT, with the mention (Article 44: the place of supply is the
 *   buyer's country);
 * - a buyer in another EU country without a VAT number (not a business, for VAT): the operator's
 *   rate, which holds while the operator's EU cross-border sales stay under the €10,000 a year of
 *   Article 59c; above it, the buyer's country's rate applies (OSS), not handled here.
 * Amounts are integer cents; the VAT of an invoice is computed once on its net total per rate,
 * rounded half-up (as Lago does, lago-api #821), never per line.
 */

/** The EU member states by ISO 3166 code (Greece's VAT prefix is EL, its ISO code GR). */
export const EU_COUNTRIES: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK',
]);

export interface VatConfig {
  /** ISO 3166 code of the operator's country */
  sellerCountry: string;
  /** the operator's standard rate in basis points (2,000 = 20 %) */
  rateBps: number;
}

export const DEFAULT_VAT: VatConfig = { sellerCountry: 'FR', rateBps: 2_000 };

export interface VatBuyer {
  /** ISO 3166 code */
  country: string;
  /** a VAT number already checked (format and national checksum); absent: not a business for VAT */
  vatNumber?: string;
}

export type VatTreatment =
  | { kind: 'domestic'; rateBps: number }
  | { kind: 'eu_no_vat_number'; rateBps: number }
  | { kind: 'reverse_charge'; rateBps: 0; mention: string }
  | { kind: 'outside_eu'; rateBps: 0; mention: string };

export const REVERSE_CHARGE_MENTION = 'Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC).';
export const OUTSIDE_EU_MENTION = 'VAT not applicable: services supplied outside the EU (Article 44, Council Directive 2006/112/EC).';

export class VatError extends Error {
  override readonly name = 'VatError';
}

export function vatTreatment(config: VatConfig, buyer: VatBuyer): VatTreatment {
  const country = buyer.country.toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new VatError(`"${buyer.country}" is not an ISO 3166 country code`);
  if (!Number.isInteger(config.rateBps) || config.rateBps < 0 || config.rateBps > 10_000) throw new VatError(`a VAT rate is 0..10,000 basis points, got ${config.rateBps}`);
  if (country === config.sellerCountry.toUpperCase()) return { kind: 'domestic', rateBps: config.rateBps };
  if (!EU_COUNTRIES.has(country)) return { kind: 'outside_eu', rateBps: 0, mention: OUTSIDE_EU_MENTION };
  if (buyer.vatNumber) return { kind: 'reverse_charge', rateBps: 0, mention: REVERSE_CHARGE_MENTION };
  return { kind: 'eu_no_vat_number', rateBps: config.rateBps };
}

/** VAT on a net total in cents at a rate in basis points, rounded half-up once. */
export function vatCents(netCents: number, rateBps: number): number {
  if (!Number.isSafeInteger(netCents) || netCents < 0) throw new VatError(`a net total is a non-negative integer of cents, got ${netCents}`);
  return Number((BigInt(netCents) * BigInt(rateBps) * 2n + 10_000n) / 20_000n);
}
