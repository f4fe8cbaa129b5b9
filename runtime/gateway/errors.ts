import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, type ErrorKind } from '../../shared/errors.ts';
import { formatMicros } from '../../shared/money.ts';

/**
 * A platform error: what the client is told (status, stable code, message) and nothing else.
 * Errors become HTTP here and only here (`errorAnswer`): a PlatformError as it is, a DomainError by
 * its kind, anything else a generic 500 so that no stack trace or internal detail reaches a client.
 */
export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export const errors = {
  missingKey: () => new PlatformError(401, 'missing_api_key', 'Send your API key in the x-api-key header or as Authorization: Bearer <key>.'),
  conflictingCredentials: () =>
    new PlatformError(400, 'conflicting_credentials', 'The x-api-key header and Authorization: Bearer carry different keys; send one key.'),
  invalidKey: () => new PlatformError(401, 'invalid_api_key', 'The API key is unknown or has been revoked.'),
  featureNotFound: (slug: string) => new PlatformError(404, 'feature_not_found', `No feature named "${slug}". GET /v1/features lists them.`),
  routeNotFound: (path: string) => new PlatformError(404, 'not_found', `No route for ${path}.`),
  methodNotAllowed: (allow: string) => new PlatformError(405, 'method_not_allowed', `Use ${allow}.`, { allow }),
  payloadTooLarge: () => new PlatformError(413, 'payload_too_large', `The request body exceeds ${MAX_PAYLOAD_BYTES} bytes.`),
  badRequest: (message: string) => new PlatformError(400, 'invalid_request', message),
  rateLimited: (retryAfterS: number, headers: Record<string, string> = {}) =>
    new PlatformError(429, 'rate_limited', `Too many requests; retry after ${retryAfterS} s.`, { ...headers, 'retry-after': String(retryAfterS) }),
  quotaExceeded: (quota: number, retryAfterS: number, headers: Record<string, string> = {}) =>
    new PlatformError(429, 'quota_exceeded', `The monthly quota of ${quota} calls is used up; it renews at the start of next month (UTC).`, { ...headers, 'retry-after': String(retryAfterS) }),
  testLimitReached: (limit: number, retryAfterS: number, headers: Record<string, string> = {}) =>
    new PlatformError(429, 'test_limit_reached', `The test keys of this account have made their ${limit} calls for today; the allowance renews at midnight UTC. A live key has no such limit.`, { ...headers, 'retry-after': String(retryAfterS) }),
  spendCapReached: (capMicros: number, retryAfterS: number, headers: Record<string, string> = {}) =>
    new PlatformError(
      429,
      'spend_cap_reached',
      `The monthly spend cap of ${formatMicros(capMicros)} EUR is reached; raise it in the console or wait for next month.`,
      { ...headers, 'retry-after': String(retryAfterS) },
    ),
  /** A client with a quota or a spend cap while the limits cannot be checked: refused, never served beyond what it agreed to. */
  limitsUnavailable: (cause?: unknown) =>
    Object.assign(new PlatformError(503, 'limits_unavailable', 'Your quota and spend cap cannot be checked right now; retry shortly.', { 'retry-after': '2' }), { cause }),
  featureError: () => new PlatformError(502, 'feature_error', 'The feature failed or returned an invalid response.'),
  // No detail: why a feature does not build is its developer's business (their log says it).
  featureUnavailable: () => new PlatformError(503, 'feature_unavailable', 'This feature cannot run right now; try again later.', { 'retry-after': '30' }),
  featureRetired: (slug: string, successor: string | undefined, headers: Record<string, string> = {}) =>
    new PlatformError(
      410,
      'feature_retired',
      `The feature "${slug}" has been retired${successor ? `; its successor is "${successor}" (/v1/features/${successor})` : ''}. GET /v1/features lists the features.`,
      headers,
    ),
  featureTimeout: (timeoutMs: number) => new PlatformError(504, 'feature_timeout', `The feature did not answer within ${timeoutMs} ms.`),
  unavailable: (cause?: unknown) =>
    Object.assign(new PlatformError(503, 'service_unavailable', 'The platform cannot verify this request right now; retry shortly.', { 'retry-after': '1' }), { cause }),
  internal: () => new PlatformError(500, 'internal_error', 'An internal error occurred.'),
  serverBusy: () => new PlatformError(503, 'server_busy', 'Too many request bodies are being received at once; retry in a moment.', { 'retry-after': '1' }),
};

export function errorResponse(e: PlatformError, extraHeaders: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: e.status,
    headers: { 'content-type': 'application/json', ...e.headers, ...extraHeaders },
    body: JSON.stringify({ error: { code: e.code, message: e.message } }),
  };
}

/** The status each kind of domain error is answered with; its code is the kind. */
export const STATUS_OF_KIND: Record<ErrorKind, number> = { invalid_request: 400, forbidden: 403, not_found: 404, conflict: 409 };

/** What the client is told for an error we expected, or undefined for a bug or an outage. */
export function platformErrorOf(e: unknown): PlatformError | undefined {
  if (e instanceof PlatformError) return e;
  if (e instanceof DomainError) return new PlatformError(STATUS_OF_KIND[e.kind], e.kind, e.message);
  return undefined;
}

/**
 * The HTTP answer to any thrown value: the one place errors become HTTP, for the gateway and the
 * console. What is not a PlatformError or a DomainError is handed to `onUnexpected` (to log it)
 * and answered 500 `internal_error` with nothing of it in the body.
 */
export function errorAnswer(e: unknown, options: { onUnexpected: (e: unknown) => void; headers?: Record<string, string> }): APIGatewayProxyStructuredResultV2 {
  const known = platformErrorOf(e);
  if (!known) options.onUnexpected(e);
  return errorResponse(known ?? errors.internal(), options.headers);
}

export function jsonResponse(status: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
