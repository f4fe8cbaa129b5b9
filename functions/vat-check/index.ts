import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse, json, parseInput, type InputSpec } from './http.ts';
import { checkVat } from './vat.ts';

const INPUT: InputSpec = {
  single: 'vat',
  batch: 'vats',
  label: 'VAT number',
  example: 'FR40303265045',
  maxItems: 1000,
  maxLength: 100,
};

/**
 * Offline EU VAT number validation (format + national check digits, no VIES call).
 *
 * GET  /?vat=FR40303265045         -> one result
 * POST {"vat": "FR 40 303 265 045"} -> one result
 * POST {"vats": ["...", "..."]}     -> {count, validCount, invalidCount, results} (up to 1000)
 */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const input = parseInput(event, INPUT);
    if (!input.ok) return input.response;
    if (input.mode === 'single') return json(200, checkVat(input.value));
    const results = input.values.map(checkVat);
    const validCount = results.filter((r) => r.valid).length;
    return json(200, { count: results.length, validCount, invalidCount: results.length - validCount, results });
  } catch (error) {
    console.error('vat-check: unexpected error', error);
    return errorResponse(500, 'internal_error', 'Unexpected error while checking the VAT number.');
  }
}
