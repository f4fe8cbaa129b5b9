import type { Role } from '../../shared/accounts.ts';
import { AccountStore } from '../../runtime/console/account-store.ts';
import { documentClient } from '../../runtime/store/dynamo-client.ts';
import { editManifest, type TestPlatform } from './platform.ts';

/** 12+ characters and on no common-password list (the xkcd classic is on breach lists). */
export const PASSWORD = 'velvet harbour 19 quills';

/** A signed-in browser without the browser: the session cookie and the CSRF token. */
export class ConsoleSession {
  constructor(
    private readonly url: string,
    readonly cookie: string,
    readonly csrf: string,
  ) {}

  fetch(path: string, init: { method?: string; body?: unknown; csrf?: string | null; headers?: Record<string, string> } = {}): Promise<Response> {
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = { cookie: this.cookie, ...init.headers };
    const csrf = init.csrf === undefined ? this.csrf : init.csrf;
    if (method !== 'GET' && csrf !== null) headers['x-csrf-token'] = csrf;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.url}/console/api${path}`, { method, headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  }
}

export function accountStore(t: TestPlatform): AccountStore {
  return new AccountStore(documentClient(t.platform.dynamo), t.platform.tables);
}

/** Creates an account with a sign-in link, as `faascape accounts create` does; returns the token. */
export async function invite(t: TestPlatform, email: string, role: Role, link: { clientId?: string; developerId?: string } = {}): Promise<string> {
  const store = accountStore(t);
  if (link.clientId) await t.clients.ensureClient(link.clientId);
  await store.create({ email, role, ...link });
  return (await store.issueSignInToken(email)).token;
}

export function sessionCookieOf(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('faascape_session='));
  if (!set) throw new Error(`no session cookie (status ${res.status})`);
  return set.split(';')[0] as string;
}

export async function redeem(t: TestPlatform, token: string, password = PASSWORD): Promise<ConsoleSession> {
  const res = await fetch(`${t.url}/console/api/auth/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, password }) });
  if (res.status !== 200) throw new Error(`redeem: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string };
  return new ConsoleSession(t.url, sessionCookieOf(res), body.csrfToken);
}

export async function signUp(t: TestPlatform, email: string, role: Role, link: { clientId?: string; developerId?: string } = {}): Promise<ConsoleSession> {
  return redeem(t, await invite(t, email, role, link));
}

export async function signIn(t: TestPlatform, email: string, password = PASSWORD): Promise<ConsoleSession> {
  const res = await fetch(`${t.url}/console/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string };
  return new ConsoleSession(t.url, sessionCookieOf(res), body.csrfToken);
}

/**
 * A clock that runs at real speed from a chosen start (caches and token buckets keep working)
 * and can jump, e.g. past a month end to close that month.
 */
export class MovableClock {
  private offset: number;
  constructor(start: number) {
    this.offset = start - Date.now();
  }
  readonly now = (): number => Date.now() + this.offset;
  jumpTo(time: number): void {
    this.offset = time - Date.now();
  }
}

/** Gives a copied fixture feature other authors (the fixtures are all alice's and bob's). */
export function setAuthors(functionsDir: string, slug: string, authors: { id: string; weight: number }[]): void {
  editManifest(functionsDir, slug, { authors });
}
