/**
 * The one way the app talks to the server: same-origin fetches under CONSOLE_API_PREFIX, JSON
 * in and out, the CSRF header on every state-changing call, and the API's error shape turned
 * into an ApiError. 401 not_signed_in and 403 forbidden are also reported to listeners, so the
 * shell can send the person to sign-in or show the 403 page whichever page asked.
 */
import { CONSOLE_API_PREFIX } from '../../api-types.ts';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the server could not be reached */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

let csrfToken: string | undefined;

/** Set from SessionInfo: the server checks it on POST/PUT/DELETE (double submit is not enough with an HttpOnly cookie). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

interface Listeners {
  notSignedIn(): void;
  forbidden(error: ApiError): void;
}

let listeners: Listeners = { notSignedIn: () => {}, forbidden: () => {} };

export function onAuthProblems(l: Listeners): void {
  listeners = l;
}

/** `{ error: { code, message } }`, or something sensible when a proxy answered instead. */
async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body: unknown = await res.json();
    const e = typeof body === 'object' && body !== null ? (body as { error?: { code?: unknown; message?: unknown } }).error : undefined;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') return new ApiError(res.status, e.code, e.message);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`);
}

async function send(method: Method, path: string, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  try {
    return await fetch(CONSOLE_API_PREFIX + path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server. Check the connection and try again.');
  }
}

export interface RequestOptions {
  /**
   * The page shows a 403 itself, next to the button that caused it (community actions: "only the
   * planning developer can deliver"), instead of the shell's 403 page.
   */
  inlineForbidden?: boolean;
}

export async function apiRequest<T>(method: Method, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  let res = await send(method, path, body);
  let error = res.ok ? undefined : await errorOf(res);
  if (error?.code === 'csrf_failed') {
    // The session was renewed elsewhere (another tab signed in again): fetch its token, retry once.
    const session = await send('GET', '/session', undefined);
    if (session.ok) {
      const info = (await session.json()) as { csrfToken?: unknown };
      if (typeof info.csrfToken === 'string') setCsrfToken(info.csrfToken);
      res = await send(method, path, body);
      error = res.ok ? undefined : await errorOf(res);
    }
  }
  if (error) {
    if (error.status === 401 && error.code === 'not_signed_in') listeners.notSignedIn();
    if (error.status === 403 && error.code === 'forbidden' && !options.inlineForbidden) listeners.forbidden(error);
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** The href of a CSV route: a plain link, so the browser downloads it with the session cookie. */
export function apiHref(path: string): string {
  return CONSOLE_API_PREFIX + path;
}
