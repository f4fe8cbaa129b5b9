import { checkBillingDetails } from '../../shared/billing.ts';
import { checkIban } from '../../shared/iban.ts';
import { InvoiceError, type SellerConfig } from '../../shared/invoice.ts';
import { DEFAULT_VAT } from '../../shared/vat.ts';

/**
 * The operator as seller, from the platform config (issue #16): FAASCAPE_SELLER_NAME,
 * FAASCAPE_SELLER_ADDRESS (lines separated by "|"), FAASCAPE_SELLER_COUNTRY (default FR),
 * FAASCAPE_SELLER_VAT_NUMBER, FAASCAPE_VAT_RATE_PERCENT (default 20) and FAASCAPE_INVOICE_PREFIX
 * (default FSC). Without a name, invoices say plainly that the operator is not configured: an
 * offline installation still works, and nobody mistakes its invoices for a real operator's.
 */
export function readSeller(env: NodeJS.ProcessEnv): SellerConfig {
  const country = (env.FAASCAPE_SELLER_COUNTRY || DEFAULT_VAT.sellerCountry).toUpperCase();
  const party = checkBillingDetails({
    legalName: env.FAASCAPE_SELLER_NAME || 'Faascape operator (FAASCAPE_SELLER_NAME not set)',
    address: (env.FAASCAPE_SELLER_ADDRESS || 'address not set (FAASCAPE_SELLER_ADDRESS)').split('|'),
    country,
    vatNumber: env.FAASCAPE_SELLER_VAT_NUMBER || undefined,
  });
  const rate = env.FAASCAPE_VAT_RATE_PERCENT;
  let rateBps = DEFAULT_VAT.rateBps;
  if (rate !== undefined && rate !== '') {
    const m = /^(\d{1,2})(?:\.(\d{1,2}))?$/.exec(rate);
    if (!m) throw new InvoiceError(`FAASCAPE_VAT_RATE_PERCENT must be a percentage 0-99 with at most 2 decimals, got "${rate}"`);
    rateBps = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  }
  const prefix = env.FAASCAPE_INVOICE_PREFIX || 'FSC';
  if (!/^[A-Z]{2,8}$/.test(prefix)) throw new InvoiceError(`FAASCAPE_INVOICE_PREFIX must be 2-8 capital letters, got "${prefix}"`);
  return { party, vat: { sellerCountry: country, rateBps }, prefix };
}

/** The settings above, and the payout account's, that a deployment passes to its Lambdas. */
const OPERATOR_SETTINGS = ['FAASCAPE_SELLER_NAME', 'FAASCAPE_SELLER_ADDRESS', 'FAASCAPE_SELLER_COUNTRY', 'FAASCAPE_SELLER_VAT_NUMBER', 'FAASCAPE_VAT_RATE_PERCENT', 'FAASCAPE_INVOICE_PREFIX', 'FAASCAPE_PAYOUT_NAME', 'FAASCAPE_PAYOUT_IBAN', 'FAASCAPE_PAYOUT_BIC'] as const;

/**
 * The operator's invoicing and payout settings from the synth's environment, checked there (a bad
 * VAT number or IBAN fails `cdk synth`, not the first close), for the Lambdas that issue invoices
 * and approve payout runs.
 */
export function operatorEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  readSeller(env);
  if (env.FAASCAPE_PAYOUT_IBAN && !checkIban(env.FAASCAPE_PAYOUT_IBAN).ok) throw new InvoiceError(`FAASCAPE_PAYOUT_IBAN is not a valid IBAN`);
  return Object.fromEntries(OPERATOR_SETTINGS.filter((k) => env[k]).map((k) => [k, env[k] as string]));
}
