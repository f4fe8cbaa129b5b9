import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { jsonResponse, PlatformError } from '../gateway/errors.ts';
import { BODY_BYTES_HEADER } from '../gateway/handler.ts';
import { CONSOLE_API_PREFIX } from './api-types.ts';

export type Event = APIGatewayProxyEventV2;
export type Result = APIGatewayProxyStructuredResultV2;

export const SESSION_COOKIE = 'faascape_session';

/**
 * The largest console request body: 64 KiB. The largest legitimate one is a community post or
 * request (20,000 characters of Markdown, at most 3 UTF-8 bytes each, plus a title), about 61 KB;
 * http.test.ts keeps the two apart. Anything bigger is refused before it is parsed.
 */
export const CONSOLE_MAX_BODY_BYTES = 64 * 1024;

/** The console's errors: same shape as the gateway's (`{ error: { code, message } }`). */
export const consoleErrors = {
  notSignedIn: () => new PlatformError(401, 'not_signed_in', 'Sign in to open this page.'),
  forbidden: (role: string) => new PlatformError(403, 'forbidden', `This page is for ${role} accounts.`),
  csrf: () => new PlatformError(403, 'csrf_failed', 'Missing or wrong x-csrf-token header; reload the page and try again.'),
  badCredentials: () => new PlatformError(401, 'invalid_credentials', 'Wrong e-mail or password.'),
  accountDisabled: () => new PlatformError(403, 'account_disabled', 'This account is disabled; ask the operator to enable it again.'),
  tooManyAttempts: (retryAfterS: number) =>
    new PlatformError(429, 'too_many_attempts', `Too many failed sign-ins for this account; try again in ${Math.ceil(retryAfterS / 60)} min.`, { 'retry-after': String(retryAfterS) }),
  invalidLink: () => new PlatformError(400, 'invalid_link', 'This sign-in link is unknown, used or expired; ask the operator for a new one.'),
  notFound: (what: string) => new PlatformError(404, 'not_found', what),
  badRequest: (message: string) => new PlatformError(400, 'invalid_request', message),
  conflict: (message: string) => new PlatformError(409, 'conflict', message),
  payloadTooLarge: () => new PlatformError(413, 'payload_too_large', `The request body exceeds the console's limit of ${CONSOLE_MAX_BODY_BYTES} bytes.`),
  notJson: () => new PlatformError(415, 'unsupported_media_type', 'Send the body as JSON, with Content-Type: application/json.'),
  crossSite: () => new PlatformError(403, 'cross_site_request', 'Sign-in is accepted only from the console\'s own pages.'),
};

/** The size of the body as sent: the local server cuts bodies past 6 MiB and says how large they were. */
export function bodyBytes(event: Event): number {
  const declared = Number(event.headers?.[BODY_BYTES_HEADER] ?? 0);
  const body = event.body ? Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : 0;
  return Math.max(Number.isFinite(declared) ? declared : 0, body);
}

/** `Content-Type: application/json` (any parameters, e.g. charset), and nothing else. */
export function isJsonRequest(event: Event): boolean {
  const type = event.headers?.['content-type'] ?? '';
  return (type.split(';')[0] ?? '').trim().toLowerCase() === 'application/json';
}

/**
 * Sent by a browser that another site's page made send this request (Fetch Metadata). `same-site`
 * counts too: a sibling subdomain is not the console. Clients that send no such header (curl,
 * older browsers) are judged by the other checks.
 */
export function isFromAnotherSite(event: Event): boolean {
  const site = (event.headers?.['sec-fetch-site'] ?? '').trim().toLowerCase();
  return site === 'cross-site' || site === 'same-site';
}

export function cookieValue(event: Event, name: string): string | undefined {
  const all = [...(event.cookies ?? []), ...(event.headers?.cookie?.split(/;\s*/) ?? [])];
  for (const c of all) {
    const eq = c.indexOf('=');
    if (eq > 0 && c.slice(0, eq).trim() === name) return decodeURIComponent(c.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * HttpOnly: scripts never see it; SameSite=Strict: no other site's page can send it; Path: only
 * the console API gets it, never a feature's URL on the same origin (`/v1/features/...`). Signing
 * out sets it empty with the same path, which is what replaces (clears) it.
 */
export function sessionCookie(value: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=${CONSOLE_API_PREFIX}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

/** Secure when the browser reached us over HTTPS (API Gateway and CloudFront set the header). */
export function isHttps(event: Event): boolean {
  return (event.headers?.['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https';
}

/** The gateway's JSON answer, never cached: console answers are per account. */
export function json(status: number, body: unknown, extra: Partial<Result> = {}): Result {
  const base = jsonResponse(status, body);
  return { ...base, ...extra, headers: { ...base.headers, 'cache-control': 'no-store', ...extra.headers } };
}

export function csv(fileName: string, body: string): Result {
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${fileName}"`, 'cache-control': 'no-store' },
    body,
  };
}

export function jsonBody(event: Event): Record<string, unknown> {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw consoleErrors.badRequest('The body must be JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw consoleErrors.badRequest('The body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, name: string, max = 1_000): string {
  const v = body[name];
  if (typeof v !== 'string' || v.length === 0) throw consoleErrors.badRequest(`"${name}" is required (a string).`);
  if (v.length > max) throw consoleErrors.badRequest(`"${name}" is too long.`);
  return v;
}
