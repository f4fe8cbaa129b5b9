import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse, json, parseInput, type InputSpec } from './http.ts';
import { checkIban } from './iban.ts';

const INPUT: InputSpec = {
  single: 'iban',
  batch: 'ibans',
  label: 'IBAN',
  example: 'FR76 3000 6000 0112 3456 7890 189',
  maxItems: 1000,
  maxLength: 100,
};

/**
 * IBAN validation.
 *
 * GET  /?iban=FR7630006000011234567890189        -> one result
 * POST {"iban": "FR76 3000 6000 0112 3456 7890 189"} -> one result
 * POST {"ibans": ["...", "..."]} (up to 1000)       -> {count, validCount, invalidCount, results}
 */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const input = parseInput(event, INPUT);
    if (!input.ok) return input.response;
    if (input.mode === 'single') return json(200, checkIban(input.value));
    const results = input.values.map(checkIban);
    const validCount = results.filter((r) => r.valid).length;
    return json(200, { count: results.length, validCount, invalidCount: results.length - validCount, results });
  } catch (error) {
    console.error('iban-check: unexpected error', error);
    return errorResponse(500, 'internal_error', 'Unexpected error while checking the IBAN.');
  }
}
