import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { jsonResponse, PlatformError } from '../gateway/errors.ts';

export type Event = APIGatewayProxyEventV2;
export type Result = APIGatewayProxyStructuredResultV2;

export const SESSION_COOKIE = 'faascape_session';

/** The console's errors: same shape as the gateway's (`{ error: { code, message } }`). */
export const consoleErrors = {
  notSignedIn: () => new PlatformError(401, 'not_signed_in', 'Sign in to open this page.'),
  forbidden: (role: string) => new PlatformError(403, 'forbidden', `This page is for ${role} accounts.`),
  csrf: () => new PlatformError(403, 'csrf_failed', 'Missing or wrong x-csrf-token header; reload the page and try again.'),
  badCredentials: () => new PlatformError(401, 'invalid_credentials', 'Wrong e-mail or password.'),
  tooManyAttempts: (retryAfterS: number) =>
    new PlatformError(429, 'too_many_attempts', `Too many failed sign-ins for this account; try again in ${Math.ceil(retryAfterS / 60)} min.`, { 'retry-after': String(retryAfterS) }),
  invalidLink: () => new PlatformError(400, 'invalid_link', 'This sign-in link is unknown, used or expired; ask the operator for a new one.'),
  notFound: (what: string) => new PlatformError(404, 'not_found', what),
  badRequest: (message: string) => new PlatformError(400, 'invalid_request', message),
  conflict: (message: string) => new PlatformError(409, 'conflict', message),
};

export function cookieValue(event: Event, name: string): string | undefined {
  const all = [...(event.cookies ?? []), ...(event.headers?.cookie?.split(/;\s*/) ?? [])];
  for (const c of all) {
    const eq = c.indexOf('=');
    if (eq > 0 && c.slice(0, eq).trim() === name) return decodeURIComponent(c.slice(eq + 1).trim());
  }
  return undefined;
}

/** HttpOnly: scripts never see it; SameSite=Strict: no other site's page can send it. */
export function sessionCookie(value: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
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
