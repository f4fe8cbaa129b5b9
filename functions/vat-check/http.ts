import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

// Small request/response helpers for API Gateway HTTP API (payload v2) events.
// Kept inside this folder on purpose: a feature is bundled on its own.

export type Response = APIGatewayProxyStructuredResultV2;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): Response {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(
  statusCode: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(statusCode, { error: { code, message } }, headers);
}

export interface InputSpec {
  /** Field holding one value, e.g. "iban". */
  single: string;
  /** Field holding a list of values, e.g. "ibans". */
  batch: string;
  /** What the value is, for messages, e.g. "IBAN". */
  label: string;
  /** A realistic value, for messages. */
  example: string;
  maxItems: number;
  maxLength: number;
}

export type ParsedInput =
  | { ok: true; mode: 'single'; value: string }
  | { ok: true; mode: 'batch'; values: string[] }
  | { ok: false; response: Response };

const ALLOWED_METHODS = 'GET, POST';

function fail(code: string, message: string): ParsedInput {
  return { ok: false, response: errorResponse(400, code, message) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkString(value: unknown, name: string, spec: InputSpec): string | ParsedInput {
  if (typeof value !== 'string') {
    return fail('invalid_field', `"${name}" must be a string, e.g. "${spec.example}".`);
  }
  if (value.trim() === '') {
    return fail('invalid_field', `"${name}" is empty; expected a ${spec.label}, e.g. "${spec.example}".`);
  }
  if (value.length > spec.maxLength) {
    return fail('invalid_field', `"${name}" is too long (at most ${spec.maxLength} characters).`);
  }
  return value;
}

/**
 * Reads the value(s) to check from a GET query string (`?iban=...`, or
 * `?ibans=a,b`) or a POST JSON body (`{"iban": "..."}` or `{"ibans": [...]}`).
 * Never throws: every problem becomes a 400 or 405 response.
 */
export function parseInput(event: APIGatewayProxyEventV2, spec: InputSpec): ParsedInput {
  const method = (event.requestContext?.http?.method ?? '').toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    return {
      ok: false,
      response: errorResponse(
        405,
        'method_not_allowed',
        `Method ${method || '(none)'} is not allowed. Use GET with ?${spec.single}=... or POST with a JSON body.`,
        { allow: ALLOWED_METHODS },
      ),
    };
  }

  const query: Record<string, unknown> = { ...(event.queryStringParameters ?? {}) };
  let params: Record<string, unknown> = query;
  let fromQuery = true;

  if (method === 'POST' && typeof event.body === 'string' && event.body.trim() !== '') {
    let text = event.body;
    if (event.isBase64Encoded) text = Buffer.from(text, 'base64').toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.replace(/^\ufeff/, ''));
    } catch {
      return fail('invalid_json', `The request body is not valid JSON. Send e.g. {"${spec.single}": "${spec.example}"}.`);
    }
    if (!isPlainObject(parsed)) {
      return fail('invalid_body', `The request body must be a JSON object, e.g. {"${spec.single}": "${spec.example}"}.`);
    }
    params = parsed;
    fromQuery = false;
  }

  const single = params[spec.single];
  const batch = params[spec.batch];
  if (single !== undefined && batch !== undefined) {
    return fail('invalid_body', `Send either "${spec.single}" or "${spec.batch}", not both.`);
  }
  if (single === undefined && batch === undefined) {
    const where = method === 'GET' ? `a "${spec.single}" query parameter` : `a JSON body with "${spec.single}"`;
    return fail(
      'missing_field',
      `Missing "${spec.single}": send ${where} (a ${spec.label} such as "${spec.example}"), or "${spec.batch}" with up to ${spec.maxItems} values.`,
    );
  }

  if (single !== undefined) {
    const value = checkString(single, spec.single, spec);
    return typeof value === 'string' ? { ok: true, mode: 'single', value } : value;
  }

  // API Gateway joins repeated query parameters with commas, so a comma-separated
  // list covers both ?ibans=a,b and ?ibans=a&ibans=b.
  const list: unknown = fromQuery && typeof batch === 'string' ? batch.split(',') : batch;
  if (!Array.isArray(list)) {
    return fail('invalid_field', `"${spec.batch}" must be an array of strings, e.g. ["${spec.example}"].`);
  }
  if (list.length === 0) {
    return fail('invalid_field', `"${spec.batch}" is empty; send between 1 and ${spec.maxItems} values.`);
  }
  if (list.length > spec.maxItems) {
    return fail(
      'too_many_items',
      `"${spec.batch}" has ${list.length} values; at most ${spec.maxItems} are accepted per request.`,
    );
  }
  const values: string[] = [];
  for (const [index, item] of list.entries()) {
    const value = checkString(item, `${spec.batch}[${index}]`, spec);
    if (typeof value !== 'string') return value;
    values.push(value);
  }
  return { ok: true, mode: 'batch', values };
}
