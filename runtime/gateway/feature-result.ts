import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MAX_PAYLOAD_BYTES } from './errors.ts';

export interface FeatureResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
  isBase64Encoded: boolean;
  bodyBytes: number;
}

// A feature answers on the console's origin: no header that reaches beyond its own answer (cookies,
// the origin's stored data, its HSTS, where the browser reports errors) or loosens its sandbox.
const DROPPED_RESPONSE_HEADERS = new Set([
  'set-cookie',
  'set-cookie2',
  'content-security-policy',
  'content-security-policy-report-only',
  'x-content-type-options',
  'clear-site-data',
  'strict-transport-security',
  'nel',
  'report-to',
  'reporting-endpoints',
]);

/** RFC 9110 field names (tokens) and values (visible characters, spaces and tabs, no CR, LF or NUL): what node:http will write. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Interprets a handler's return value as API Gateway does for payload v2: an object with a
 * `statusCode` is a full response; any other value is a 200 with that value as JSON (a string
 * as is). Returns undefined when the result cannot be a valid response.
 */
export function interpretResult(result: unknown): FeatureResponse | undefined {
  if (!isRecord(result) || !('statusCode' in result)) {
    if (result === undefined) return undefined;
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body, isBase64Encoded: false, bodyBytes: Buffer.byteLength(body) };
  }
  const { statusCode, headers = {}, cookies = [], body = '', isBase64Encoded = false } = result as APIGatewayProxyStructuredResultV2;
  // 1xx are interim responses, never a final answer: API Gateway refuses them too.
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 200 || statusCode > 599) return undefined;
  if (typeof body !== 'string' || typeof isBase64Encoded !== 'boolean' || !isRecord(headers)) return undefined;
  if (!Array.isArray(cookies) || !cookies.every((c) => typeof c === 'string')) return undefined;
  const outHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    // A header no HTTP server may write (a CR LF to split the answer, a space in a name) makes the
    // whole answer invalid, as API Gateway refuses it: written, it would throw in the front door.
    if (!HEADER_NAME.test(k) || !HEADER_VALUE.test(String(v))) return undefined;
    const name = k.toLowerCase();
    // The platform owns its header namespace; a feature cannot forge an invocation id. Nor can it
    // set a cookie on the console's origin, or loosen the sandbox the gateway puts its answer in.
    if (name.startsWith('faascape-') || DROPPED_RESPONSE_HEADERS.has(name)) continue;
    outHeaders[name] = String(v);
  }
  const bodyBytes = isBase64Encoded ? Buffer.byteLength(body, 'base64') : Buffer.byteLength(body);
  if (bodyBytes > MAX_PAYLOAD_BYTES) return undefined;
  return { statusCode, headers: outHeaders, cookies, body, isBase64Encoded, bodyBytes };
}
