import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { signInSource, signInWindow, SIGN_IN_MAX_ACCOUNT_FAILURES, SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MS } from '../shared/accounts.ts';
import { weightedCallsByDeveloper } from '../shared/levels.ts';
import type { DeveloperLevel } from '../runtime/console/community-types.ts';
import { monthOf, monthStart, nextMonth, previousMonth } from '../shared/month.ts';
import { statementCsv } from '../runtime/statements/csv.ts';
import { partyStatement } from '../shared/statement.ts';
import { StatementStore } from '../runtime/statements/statement-store.ts';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import type { CatalogueFeatureDetail, CatalogueList, ClientOverview, DeveloperEarnings, DeveloperOverview, SessionInfo, StatementView } from '../runtime/console/api-types.ts';
import { CONSOLE_MAX_BODY_BYTES } from '../runtime/console/http.ts';
import { MAX_MARKDOWN_CHARS } from '../shared/markdown.ts';
import { accountStore, ConsoleSession, invite, MovableClock, PASSWORD, redeem, setAuthors, signIn, signUp } from './helpers/console.ts';
import { copyFixtures, errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));

// The platform's clock starts in the middle of last month, then moves past its end to close it.
const lastMonth = previousMonth(monthOf(Date.now()));
const clock = new MovableClock(monthStart(lastMonth) + 10 * 86_400_000);
let functionsDir: string;

let t: TestPlatform;
let finance: ConsoleSession;
let client: ConsoleSession;
let alice: ConsoleSession;

const post = (s: ConsoleSession, path: string, body?: unknown) => s.fetch(path, { method: 'POST', body });
const JSON_TYPE = { 'content-type': 'application/json' };
/** A sign-in or redeem as the console's page sends it, unless `headers` say otherwise. */
const signInRaw = (body: unknown, headers: Record<string, string> = JSON_TYPE) =>
  fetch(`${t.url}/console/api/auth/sign-in`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const redeemRaw = (body: unknown, headers: Record<string, string> = JSON_TYPE) =>
  fetch(`${t.url}/console/api/auth/redeem`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Failed sign-ins count per 15-minute window of the platform's clock: start a lockout test well inside one. */
function awayFromWindowEnd(): void {
  const now = clock.now();
  const end = (signInWindow(now) + 1) * SIGN_IN_WINDOW_MS;
  if (end - now < 30_000) clock.jumpTo(end + 1_000);
}

beforeAll(async () => {
  functionsDir = copyFixtures();
  setAuthors(functionsDir, 'boom', [{ id: 'carol', weight: 1 }]);
  t = await startTestPlatform({ clock: clock.now, functionsDir });
  finance = await signUp(t, 'fin@example.com', 'finance');
  client = await signUp(t, 'buyer@acme.example', 'client', { clientId: 'acme' });
  // alice authors echo and slow (fixtures); carol authors nothing here.
  alice = await signUp(t, 'alice@dev.example', 'developer', { developerId: 'alice' });
});
afterAll(async () => {
  await t.stop();
  rmSync(functionsDir, { recursive: true, force: true });
});

describe('accounts and sessions', () => {
  it('the CLI creates an account and prints a one-time sign-in link that works once', async () => {
    const env = { ...process.env, FAASCAPE_DATA_DIR: t.dataDir };
    const { stdout } = await run(process.execPath, [CLI, 'accounts', 'create', '--role', 'finance', '--email', 'Boss@Example.com', '--url', t.url, '--json'], { env });
    const out = JSON.parse(stdout) as { email: string; role: string; signInLink: string };
    expect(out).toMatchObject({ email: 'boss@example.com', role: 'finance' });
    expect(out.signInLink.startsWith(`${t.url}/#/welcome/`)).toBe(true);
    const token = out.signInLink.split('/').pop() as string;
    const s = await redeem(t, token);
    const me = (await (await s.fetch('/session')).json()) as SessionInfo;
    expect(me).toMatchObject({ email: 'boss@example.com', role: 'finance' });
    const again = await fetch(`${t.url}/console/api/auth/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, password: 'another long password' }) });
    expect(await errorOf(again)).toMatchObject({ status: 400, code: 'invalid_link' });
  });

  it('the CLI refuses a role without its link, and a duplicate account', async () => {
    const env = { ...process.env, FAASCAPE_DATA_DIR: t.dataDir };
    await expect(run(process.execPath, [CLI, 'accounts', 'create', '--role', 'client', '--email', 'x@example.com'], { env })).rejects.toMatchObject({ stderr: expect.stringContaining('needs --client') });
    await expect(run(process.execPath, [CLI, 'accounts', 'create', '--role', 'finance', '--email', 'fin@example.com'], { env })).rejects.toMatchObject({ stderr: expect.stringContaining('already exists') });
  });

  it('session cookies are HttpOnly and SameSite=Strict, and Secure behind HTTPS', async () => {
    const token = await invite(t, 'cookie@example.com', 'finance');
    const res = await fetch(`${t.url}/console/api/auth/redeem`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ token, password: PASSWORD }) });
    const cookie = res.headers.getSetCookie()[0] as string;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Secure/);
    const plain = await fetch(`${t.url}/console/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'cookie@example.com', password: PASSWORD }) });
    expect(plain.headers.getSetCookie()[0]).not.toMatch(/Secure/);
  });

  it('the session cookie is scoped to the console API path (Path=/console/api), and sign-out clears it on that path', async () => {
    await signUp(t, 'scoped@example.com', 'finance');
    const res = await signInRaw({ email: 'scoped@example.com', password: PASSWORD });
    expect(res.status).toBe(200);
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(/^faascape_session=[\w-]{43}; Path=\/console\/api; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const s = new ConsoleSession(t.url, (cookie as string).split(';')[0] as string, ((await res.json()) as SessionInfo).csrfToken);
    const out = await post(s, '/auth/sign-out');
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()).toEqual(['faascape_session=; Path=/console/api; HttpOnly; SameSite=Strict; Max-Age=0']);
  });

  it('passwords shorter than 12 characters are refused and the link stays usable', async () => {
    const token = await invite(t, 'short@example.com', 'finance');
    const res = await fetch(`${t.url}/console/api/auth/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, password: 'short' }) });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await errorOf(await redeemRaw({ token, password: 'elevenchars' }))).toMatchObject({ status: 400, message: 'The password must have at least 12 characters.' });
    await expect(redeem(t, token)).resolves.toBeInstanceOf(ConsoleSession);
  });

  it('common passwords of 12 characters and more are refused with a clear message, and the link stays usable', async () => {
    const token = await invite(t, 'common@example.com', 'finance');
    for (const password of ['password1234', 'qwertyuiop123', 'Password1234']) {
      const refused = await errorOf(await redeemRaw({ token, password }));
      expect(refused, password).toMatchObject({ status: 400, code: 'invalid_request' });
      expect(refused.message).toMatch(/^This password is one of the most common passwords.*choose another/);
    }
    await expect(redeem(t, token, 'quiet lemur 83 ladder')).resolves.toBeInstanceOf(ConsoleSession);
  });

  it('stores only a scrypt hash of the password', async () => {
    const stored = await accountStore(t).get('fin@example.com');
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
  });

  it('rate-limits failed sign-ins per account, even with the right password afterwards', async () => {
    awayFromWindowEnd();
    await signUp(t, 'victim@example.com', 'finance');
    const attempt = (password: string) => fetch(`${t.url}/console/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'victim@example.com', password }) });
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) expect(await errorOf(await attempt(`wrong password ${i}`))).toMatchObject({ status: 401, code: 'invalid_credentials' });
    const blocked = await attempt(PASSWORD);
    expect(await errorOf(blocked)).toMatchObject({ status: 429, code: 'too_many_attempts' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('60 parallel wrong guesses check at most 5 passwords; then the right one is refused within the window', async () => {
    awayFromWindowEnd();
    await signUp(t, 'crowd@example.com', 'finance');
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => signInRaw({ email: 'crowd@example.com', password: `wrong password ${i}` }).then(errorOf)));
    const checked = answers.filter((a) => a.status === 401);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.length).toBeLessThanOrEqual(SIGN_IN_MAX_FAILURES);
    expect(checked.every((a) => a.code === 'invalid_credentials')).toBe(true);
    expect(answers.filter((a) => a.status === 429 && a.code === 'too_many_attempts')).toHaveLength(60 - checked.length);
    const right = await signInRaw({ email: 'crowd@example.com', password: PASSWORD });
    expect(await errorOf(right)).toMatchObject({ status: 429, code: 'too_many_attempts' });
    const retryAfter = Number(right.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_WINDOW_MS / 1000);
  });

  it('a right password gives its attempt back: it is not counted as a failure', async () => {
    awayFromWindowEnd();
    await signUp(t, 'forgetful@example.com', 'finance');
    const attempt = (password: string) => signInRaw({ email: 'forgetful@example.com', password }).then(errorOf);
    for (let i = 0; i < SIGN_IN_MAX_FAILURES - 1; i++) expect(await attempt(`typo ${i}`)).toMatchObject({ status: 401 });
    expect((await signInRaw({ email: 'forgetful@example.com', password: PASSWORD })).status).toBe(200);
    expect((await signInRaw({ email: 'forgetful@example.com', password: PASSWORD })).status).toBe(200);
    // The fifth failure is still a 401 (its password checked), the sixth is refused unchecked.
    expect(await attempt('typo again')).toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(await attempt('typo once more')).toMatchObject({ status: 429, code: 'too_many_attempts' });
  });

  it("counts failures per source: a stranger's guesses do not lock the owner out, and the account's own ceiling bounds guesses from many sources", async () => {
    awayFromWindowEnd();
    await signUp(t, 'owner@example.com', 'finance');
    const store = accountStore(t);
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) expect(await store.reserveSignInAttempt('owner@example.com', signInSource('203.0.113.7'))).toBeDefined();
    expect(await store.reserveSignInAttempt('owner@example.com', signInSource('203.0.113.7'))).toBeUndefined();
    // Another address of the same IPv6 /64 is the same source; the owner's address is not.
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) expect(await store.reserveSignInAttempt('owner@example.com', signInSource(`2001:db8:1:2::${i + 1}`))).toBeDefined();
    expect(await store.reserveSignInAttempt('owner@example.com', signInSource('2001:db8:1:2:ffff::9'))).toBeUndefined();
    const owner = await store.reserveSignInAttempt('owner@example.com', signInSource('198.51.100.20'));
    expect(owner).toBeDefined();
    await store.releaseSignInAttempt(owner as NonNullable<typeof owner>);
    // Sources enough to reach the account's ceiling: then no source gets a slot, unchecked.
    for (let i = 0; (await store.failures('owner@example.com')) < SIGN_IN_MAX_ACCOUNT_FAILURES; i++) await store.reserveSignInAttempt('owner@example.com', `10.0.0.${i}`);
    expect(await store.reserveSignInAttempt('owner@example.com', signInSource('198.51.100.20'))).toBeUndefined();
    expect(await store.failures('owner@example.com')).toBe(SIGN_IN_MAX_ACCOUNT_FAILURES);
  });

  it('finance pages read the role from the account: a session item rewritten to say finance is refused', async () => {
    const mallory = await signUp(t, 'mallory@example.com', 'client', { clientId: 'mallory-co' });
    const sessionId = /faascape_session=([^;]+)/.exec(mallory.cookie)?.[1] ?? '';
    expect(sessionId).not.toBe('');
    // What a compromised console role could write: the session's role, not the account's.
    await documentClient(t.platform.dynamo).send(
      new UpdateCommand({
        TableName: t.platform.tables.sessions,
        Key: { id: `S#${createHash('sha256').update(sessionId).digest('base64url')}` },
        UpdateExpression: 'SET #role = :finance',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':finance': 'finance' },
      }),
    );
    expect(await errorOf(await mallory.fetch('/finance/months'))).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('an unknown e-mail gets the same answer as a wrong password', async () => {
    const res = await fetch(`${t.url}/console/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: PASSWORD }) });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: 'invalid_credentials' });
  });

  it('the CLI disables an account: its sessions end at once and it cannot sign in again', async () => {
    const s = await signUp(t, 'leaving@example.com', 'finance');
    const env = { ...process.env, FAASCAPE_DATA_DIR: t.dataDir };
    const { stdout } = await run(process.execPath, [CLI, 'accounts', 'disable', '--email', 'leaving@example.com', '--json'], { env });
    expect(JSON.parse(stdout)).toEqual({ email: 'leaving@example.com', disabled: true, sessionsEnded: 1 });
    expect(await errorOf(await s.fetch('/finance/months'))).toMatchObject({ status: 401 });
    // Only whoever knows the password learns that the account is disabled ...
    const again = await fetch(`${t.url}/console/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'leaving@example.com', password: PASSWORD }) });
    expect(again.headers.getSetCookie()).toEqual([]);
    const disabled = await errorOf(again);
    expect(disabled).toMatchObject({ status: 403, code: 'account_disabled' });
    expect(disabled.message).toMatch(/disabled/);
    // ... a wrong password gets the answer any wrong password (or unknown e-mail) gets.
    const wrong = await errorOf(await signInRaw({ email: 'leaving@example.com', password: 'not the password at all' }));
    const unknown = await errorOf(await signInRaw({ email: 'never-was@example.com', password: 'not the password at all' }));
    expect(wrong).toEqual({ status: 401, code: 'invalid_credentials', message: 'Wrong e-mail or password.' });
    expect(unknown).toEqual(wrong);
    await run(process.execPath, [CLI, 'accounts', 'enable', '--email', 'leaving@example.com'], { env });
    const back = await fetch(`${t.url}/console/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'leaving@example.com', password: PASSWORD }) });
    expect(back.status).toBe(200);
  });

  it('a new password from a reset link ends the sessions opened with the old one', async () => {
    const before = await signUp(t, 'reset@example.com', 'finance');
    const link = await accountStore(t).issueSignInToken('reset@example.com');
    const after = await redeem(t, link.token, 'a brand new passphrase');
    expect(await errorOf(await before.fetch('/session'))).toMatchObject({ status: 401 });
    expect((await after.fetch('/session')).status).toBe(200);
  });

  it('issuing a sign-in link revokes the earlier ones', async () => {
    const first = await invite(t, 'relink@example.com', 'finance');
    const second = (await accountStore(t).issueSignInToken('relink@example.com')).token;
    expect(await errorOf(await redeemRaw({ token: first, password: PASSWORD }))).toMatchObject({ status: 400, code: 'invalid_link' });
    await expect(redeem(t, second)).resolves.toBeInstanceOf(ConsoleSession);
    // Only the live link is left in the table, and once redeemed, none.
    expect(await accountStore(t).itemsOf('relink@example.com', 'T#')).toEqual([]);
  });

  it('redeeming a sign-in link revokes every link of the account', async () => {
    const token = await invite(t, 'stray@example.com', 'finance');
    // A link item the account does not name: left by two issues at once, or issued before links were tracked.
    const stray = 'stray-link-token-0123456789abcdefghijklmnopq';
    const expiresAtMs = clock.now() + 86_400_000;
    await documentClient(t.platform.dynamo).send(
      new PutCommand({ TableName: t.platform.tables.sessions, Item: { id: `T#${createHash('sha256').update(stray).digest('base64url')}`, email: 'stray@example.com', expiresAt: Math.floor(expiresAtMs / 1000), expiresAtMs } }),
    );
    expect(await accountStore(t).itemsOf('stray@example.com', 'T#')).toHaveLength(2);
    await redeem(t, token);
    expect(await accountStore(t).itemsOf('stray@example.com', 'T#')).toEqual([]);
    expect(await errorOf(await redeemRaw({ token: stray, password: PASSWORD }))).toMatchObject({ status: 400, code: 'invalid_link' });
    expect(await errorOf(await redeemRaw({ token, password: PASSWORD }))).toMatchObject({ status: 400, code: 'invalid_link' });
  });

  it('sign-in and redeem take only JSON, and nothing another site sent (login CSRF)', async () => {
    const token = await invite(t, 'csrf-login@example.com', 'finance');
    const creds = { email: 'csrf-login@example.com', password: PASSWORD };
    // What a cross-site HTML form, or a no-cors fetch, can send: refused before anything is read.
    const form = await signInRaw(new URLSearchParams(creds).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(await errorOf(form)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(form.headers.get('content-type')).toMatch(/application\/json/);
    expect(await errorOf(await signInRaw(creds, { 'content-type': 'text/plain' }))).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(await errorOf(await signInRaw(creds, { 'content-type': 'multipart/form-data; boundary=x' }))).toMatchObject({ status: 415 });
    expect(await errorOf(await fetch(`${t.url}/console/api/auth/sign-in`, { method: 'POST', body: new Blob([JSON.stringify(creds)]) }))).toMatchObject({ status: 415 });
    expect(await errorOf(await redeemRaw({ token, password: PASSWORD }, { 'content-type': 'text/plain' }))).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    // JSON, but sent by another site's page (the browser says so).
    for (const site of ['cross-site', 'same-site']) {
      expect(await errorOf(await signInRaw(creds, { ...JSON_TYPE, 'sec-fetch-site': site }))).toMatchObject({ status: 403, code: 'cross_site_request' });
      expect(await errorOf(await redeemRaw({ token, password: PASSWORD }, { ...JSON_TYPE, 'sec-fetch-site': site }))).toMatchObject({ status: 403, code: 'cross_site_request' });
    }
    // The link was not consumed by any of that; the console's own requests work.
    expect((await redeemRaw({ token, password: PASSWORD }, { 'content-type': 'application/json; charset=utf-8', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await signInRaw(creds, { ...JSON_TYPE, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('refuses a body over the console limit with 413, not a validation error', async () => {
    const big = 'x'.repeat(CONSOLE_MAX_BODY_BYTES);
    expect(await errorOf(await signInRaw({ email: 'fin@example.com', password: big }))).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(await errorOf(await post(client, '/threads', { title: 'A long one', markdown: big }))).toMatchObject({ status: 413, code: 'payload_too_large' });
    // Past the local server's 6 MiB cut as well.
    expect(await errorOf(await signInRaw({ email: 'fin@example.com', password: 'y'.repeat(7 * 1024 * 1024) }))).toMatchObject({ status: 413, code: 'payload_too_large' });
    // The largest post a route takes still fits: 20,000 characters of three UTF-8 bytes each.
    const largest = await post(client, '/threads', { title: '長い投稿', markdown: '語'.repeat(MAX_MARKDOWN_CHARS) });
    expect(largest.status).toBe(201);
  });

  it('signing out ends the session on the server', async () => {
    const s = await signUp(t, 'leaver@example.com', 'finance');
    expect((await post(s, '/auth/sign-out')).status).toBe(204);
    expect(await errorOf(await s.fetch('/session'))).toMatchObject({ status: 401, code: 'not_signed_in' });
  });
});

describe('roles: each opens only its own pages', () => {
  const routes: [string, string, 'client' | 'developer' | 'finance'][] = [
    ['GET', '/client/overview', 'client'],
    ['GET', '/client/keys', 'client'],
    ['POST', '/client/keys', 'client'],
    ['GET', '/client/invoices', 'client'],
    ['GET', '/developer/overview', 'developer'],
    ['GET', '/developer/earnings', 'developer'],
    ['GET', '/finance/months', 'finance'],
    ['POST', `/finance/months/${lastMonth}/preview`, 'finance'],
    ['POST', `/finance/months/${lastMonth}/close`, 'finance'],
    ['GET', '/finance/revenue', 'finance'],
    ['GET', `/finance/months/${lastMonth}.csv`, 'finance'],
  ];
  it.each(routes)('%s %s is for %s accounts only (403 for the others, 401 signed out)', async (method, path, owner) => {
    const sessions = { client, developer: alice, finance };
    for (const [role, s] of Object.entries(sessions)) {
      if (role === owner) continue;
      const res = await s.fetch(path, { method, body: method === 'POST' ? {} : undefined });
      expect(await errorOf(res), `${role} → ${method} ${path}`).toMatchObject({ status: 403, code: 'forbidden' });
    }
    const anonymous = await fetch(`${t.url}/console/api${path}`, { method });
    expect(await errorOf(anonymous)).toMatchObject({ status: 401, code: 'not_signed_in' });
  });

  it('the catalogue is public', async () => {
    expect((await fetch(`${t.url}/console/api/catalogue`)).status).toBe(200);
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request without the token, or with a wrong one', async () => {
    expect(await errorOf(await client.fetch('/client/keys', { method: 'POST', csrf: null }))).toMatchObject({ status: 403, code: 'csrf_failed' });
    expect(await errorOf(await client.fetch('/client/keys', { method: 'POST', csrf: 'x'.repeat(43) }))).toMatchObject({ status: 403, code: 'csrf_failed' });
    expect(await errorOf(await finance.fetch(`/finance/months/${lastMonth}/close`, { method: 'POST', body: { confirmRevenueMicros: 0 }, csrf: client.csrf }))).toMatchObject({ status: 403, code: 'csrf_failed' });
  });
});

describe('client pages', () => {
  it('creates a key shown once, lists it without its secret, revokes it, and the key stops working', async () => {
    const created = await post(client, '/client/keys');
    expect(created.status).toBe(201);
    const { keyId, apiKey } = (await created.json()) as { keyId: string; apiKey: string };
    expect((await t.call(apiKey, '/v1/features/echo')).status).toBe(200);
    const listed = await (await client.fetch('/client/keys')).text();
    expect(listed).toContain(keyId);
    // The secret is everything after `fsk_<keyId>_` (it may itself contain '_').
    const secret = apiKey.slice(`fsk_${keyId}_`.length);
    expect(secret).toHaveLength(43);
    expect(listed).not.toContain(secret);
    const revoked = await client.fetch(`/client/keys/${keyId}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    await new Promise((r) => setTimeout(r, 700)); // the gateway trusts a key lookup for 500 ms
    expect(await errorOf(await t.call(apiKey, '/v1/features/echo'))).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it("cannot revoke another client's key", async () => {
    const other = await t.clients.createKey('globex');
    const res = await client.fetch(`/client/keys/${other.keyId}`, { method: 'DELETE' });
    expect(await errorOf(res)).toMatchObject({ status: 404, code: 'not_found' });
    expect((await t.call(other.apiKey, '/v1/features/echo')).status).toBe(200);
  });

  it('holds the spend cap with 429 spend_cap_reached, never passing it; a raised cap lets calls through', async () => {
    const s = await signUp(t, 'spender@initech.example', 'client', { clientId: 'initech' });
    const key = ((await (await post(s, '/client/keys')).json()) as { apiKey: string }).apiKey;
    // echo costs 0.002 EUR per call plus a little compute: a 0.01 EUR cap allows about 5 calls.
    const capped = await s.fetch('/client/spend-cap', { method: 'PUT', body: { cap: '0.01' } });
    expect(((await capped.json()) as ClientOverview).capMicros).toBe(10_000);
    await new Promise((r) => setTimeout(r, 700)); // limits are cached for 500 ms
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await t.call(key, '/v1/features/echo')).status);
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((x) => x === 200).length).toBeLessThanOrEqual(5);
    const refused = await t.call(key, '/v1/features/echo');
    expect(await errorOf(refused)).toMatchObject({ status: 429, code: 'spend_cap_reached' });
    const overview = (await (await s.fetch('/client/overview')).json()) as ClientOverview;
    expect(overview.capStatus).toBe('reached');
    // The cap is never passed: each call's price and largest compute are reserved before it runs.
    expect(overview.spentMicros).toBeGreaterThanOrEqual(8_000);
    expect(overview.capUsedMicros).toBeGreaterThanOrEqual(overview.spentMicros);
    expect(overview.capUsedMicros).toBeLessThanOrEqual(10_000);
    // Raising the cap lets calls through again; past 85 % of the new cap is a warning.
    const raised = (await (await s.fetch('/client/spend-cap', { method: 'PUT', body: { cap: '0.0105' } })).json()) as ClientOverview;
    expect(raised.capStatus).toBe('ok');
    await new Promise((r) => setTimeout(r, 700));
    expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
    // 10,056 of 10,500: past 85 %, and the next call (2,028 reserved) no longer fits: warning or reached.
    const after = (await (await s.fetch('/client/overview')).json()) as ClientOverview;
    expect(['warning', 'reached']).toContain(after.capStatus);
    expect(after.capUsedMicros).toBeLessThanOrEqual(10_500);
    expect(await errorOf(await s.fetch('/client/spend-cap', { method: 'PUT', body: { cap: '-3' } }))).toMatchObject({ status: 400, code: 'invalid_request' });
    const removed = (await (await s.fetch('/client/spend-cap', { method: 'PUT', body: { cap: null } })).json()) as ClientOverview;
    expect(removed.capStatus).toBe('none');
  });

  it("shows this month's usage per feature and per day", async () => {
    const key = ((await (await post(client, '/client/keys')).json()) as { apiKey: string }).apiKey;
    for (let i = 0; i < 3; i++) await (await t.call(key, '/v1/features/slow?ms=1')).arrayBuffer();
    const o = (await (await client.fetch('/client/overview')).json()) as ClientOverview;
    expect(o.month).toBe(lastMonth);
    expect(o.features.find((f) => f.featureId === 'slow')?.calls).toBe(3);
    expect(o.days.filter((d) => d.featureId === 'slow').reduce((n, d) => n + d.calls, 0)).toBe(3);
    expect(o.spentMicros).toBe(o.features.reduce((n, f) => n + f.amountMicros, 0));
    expect(o.quota).toBeNull();
  });

  it('shows the monthly quota with the calls the gateways counted against it', async () => {
    const s = await signUp(t, 'counted@initech.example', 'client', { clientId: 'quota-shown' });
    const key = ((await (await post(s, '/client/keys')).json()) as { apiKey: string }).apiKey;
    await t.clients.setLimits('quota-shown', { monthlyQuota: 3 });
    await new Promise((r) => setTimeout(r, 600)); // limits are cached for 500 ms
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.call(key, '/v1/features/echo')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const o = (await (await s.fetch('/client/overview')).json()) as ClientOverview;
    expect(o.quota).toEqual({ limit: 3, usedCalls: 3 });
  });
});

describe('catalogue quality signals', () => {
  it('counts calls, success rate and latency percentiles of called features', async () => {
    const key = await t.newKey('quality');
    for (let i = 0; i < 4; i++) await (await t.call(key, '/v1/features/slow?ms=30')).arrayBuffer();
    await (await t.call(key, '/v1/features/boom')).arrayBuffer();
    await (await t.call(key, '/v1/features/loop')).arrayBuffer(); // cut at its 300 ms timeout
    await (await t.call(key, '/v1/features/echo?status=422')).arrayBuffer(); // the client's bad input
    const list = (await (await fetch(`${t.url}/console/api/catalogue`)).json()) as CatalogueList;
    const slow = list.features.find((f) => f.slug === 'slow');
    expect(slow?.quality.calls30d).toBeGreaterThanOrEqual(7); // 3 from the client test, 4 here
    expect(slow?.quality.successRate).toBe(1);
    expect(slow?.quality.p95Ms).toBeGreaterThanOrEqual(30);
    const boom = list.features.find((f) => f.slug === 'boom');
    expect(boom?.quality).toMatchObject({ calls30d: 1, successRate: 0, failures: 1, clientErrors: 0 });
    // A timed-out call measures a little over the timeout: its percentile is the timeout, not the next bucket's bound.
    const loop = list.features.find((f) => f.slug === 'loop');
    expect(loop?.quality.failures).toBeGreaterThanOrEqual(1);
    expect(loop?.quality.p95Ms).toBe(300);
    const echo = list.features.find((f) => f.slug === 'echo');
    expect(echo?.quality.clientErrors).toBeGreaterThanOrEqual(1);
    const detail = (await (await fetch(`${t.url}/console/api/catalogue/slow`)).json()) as CatalogueFeatureDetail;
    expect(detail.invokeUrl).toBe(`${t.url}/v1/features/slow`);
    expect(detail.days.length).toBeGreaterThan(0);
  });
});

describe('developer pages', () => {
  it("shows only the developer's own features", async () => {
    const o = (await (await alice.fetch('/developer/overview')).json()) as DeveloperOverview;
    const slugs = o.features.map((f) => f.slug).sort();
    const authored = t.platform.features.size;
    expect(slugs.length).toBeGreaterThan(0);
    expect(slugs.length).toBeLessThan(authored);
    for (const slug of slugs) expect(t.platform.features.get(slug)?.spec.manifest.authors.some((a) => a.id === 'alice')).toBe(true);
    expect(slugs).not.toContain('boom'); // carol's
    expect(o.days.every((d) => slugs.includes(d.featureId))).toBe(true);
  });
});

describe('finance closes a month from the console', () => {
  it('previews, refuses a close that names other totals, closes, and the CSV is the statement', async () => {
    clock.jumpTo(monthStart(nextMonth(lastMonth)) + 3 * 3600_000);
    // Twenty days later, yesterday's sessions have expired: everyone signs in again.
    expect(await errorOf(await finance.fetch('/session'))).toMatchObject({ status: 401 });
    finance = await signIn(t, 'fin@example.com');
    client = await signIn(t, 'buyer@acme.example');
    alice = await signIn(t, 'alice@dev.example');
    const preview = (await (await post(finance, `/finance/months/${lastMonth}/preview`)).json()) as StatementView;
    expect(preview.statement.status).toBe('draft');
    expect(preview.statement.totals.revenueMicros).toBeGreaterThan(0);
    expect(preview.checks).toEqual({ clientsEqualRevenue: true, invoicesInCents: true, payoutsEqualShare: true, payablesInCents: true, platformIsTheRest: true });
    const wrong = await post(finance, `/finance/months/${lastMonth}/close`, { confirmRevenueMicros: preview.statement.totals.revenueMicros + 1 });
    expect(await errorOf(wrong)).toMatchObject({ status: 409, code: 'conflict' });
    const closed = (await (await post(finance, `/finance/months/${lastMonth}/close`, { confirmRevenueMicros: preview.statement.totals.revenueMicros })).json()) as StatementView;
    expect(closed.statement.status).toBe('final');
    expect(closed.statement.sha256).toMatch(/^[0-9a-f]{64}$/);
    const stored = await new StatementStore(documentClient(t.platform.dynamo), t.platform.tables).get(lastMonth);
    const csv = await finance.fetch(`/finance/months/${lastMonth}.csv`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(await csv.text()).toBe(statementCsv(stored!.statement));
    const clientsTable = (await (await finance.fetch(`/finance/months/${lastMonth}/clients.csv`)).text()).trim().split('\n');
    expect(clientsTable[0]).toBe('client_id,calls,billable_calls,total_micros,total_eur');
    expect(clientsTable.slice(1).map((r) => r.split(',')[3])).toEqual(stored!.statement.clients.map((c) => String(c.totalMicros)));
    const devTable = (await (await finance.fetch(`/finance/months/${lastMonth}/developers.csv`)).text()).trim().split('\n');
    expect(devTable.slice(1).map((r) => r.split(',')[0])).toEqual(stored!.statement.developers.map((d) => d.developerId));
    const months = (await (await finance.fetch('/finance/months')).json()) as { months: { month: string; status: string }[] };
    expect(months.months.find((m) => m.month === lastMonth)?.status).toBe('closed');
    // The close records what developer levels need: weighted calls per developer, from the aggregates it billed.
    const aggregates = await t.usage.monthAggregates(lastMonth);
    expect(await new StatementStore(documentClient(t.platform.dynamo), t.platform.tables).weightedCalls(lastMonth)).toEqual(weightedCallsByDeveloper(aggregates));
    // Each party's part is stored at the close: a client's invoice never loads the whole statement.
    const store = new StatementStore(documentClient(t.platform.dynamo), t.platform.tables);
    expect((await store.partyOf(lastMonth, { client: 'acme' }))?.statement).toEqual(partyStatement(stored!.statement, { client: 'acme' }));
    expect((await store.partyOf(lastMonth, { developer: 'alice' }))?.statement).toEqual(partyStatement(stored!.statement, { developer: 'alice' }));
    expect(await store.partyOf(lastMonth, { client: 'nobody' })).toBeUndefined();
    expect((await store.summary(lastMonth))?.totals).toEqual(stored!.statement.totals);
    const level = (await (await fetch(`${t.url}/console/api/developers/alice`)).json()) as DeveloperLevel;
    expect(level.closedThrough).toBe(lastMonth);
    expect(level.weightedCalls).toBeCloseTo(weightedCallsByDeveloper(aggregates).alice ?? 0, 6);
  });

  it('then the client sees the invoice and the developer the earnings, each only their own', async () => {
    const invoices = (await (await client.fetch('/client/invoices')).json()) as { invoices: { month: string }[] };
    expect(invoices.invoices.map((i) => i.month)).toContain(lastMonth);
    const csv = await (await client.fetch(`/client/invoices/${lastMonth}.csv`)).text();
    expect(csv).toContain(',acme,');
    expect(csv).not.toContain('initech');
    const earnings = (await (await alice.fetch('/developer/earnings')).json()) as DeveloperEarnings;
    expect(earnings.months[0]?.month).toBe(lastMonth);
    const devCsv = await (await alice.fetch(`/developer/earnings/${lastMonth}.csv`)).text();
    expect(devCsv).toContain(',alice,');
    expect(devCsv).not.toMatch(/,bob,/);
  });
});

describe('bad input', () => {
  it('answers JSON errors for unknown routes, wrong methods and bad bodies', async () => {
    expect(await errorOf(await fetch(`${t.url}/console/api/nope`))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await fetch(`${t.url}/console/api/catalogue`, { method: 'DELETE' }))).toMatchObject({ status: 405, code: 'method_not_allowed' });
    const bad = await fetch(`${t.url}/console/api/auth/sign-in`, { method: 'POST', headers: JSON_TYPE, body: '{nope' });
    expect(await errorOf(bad)).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await errorOf(await finance.fetch('/finance/months/2026-13/preview', { method: 'POST' }))).toMatchObject({ status: 400 });
    // The statements job's refusal (a StatementError) is answered by its kind: 409 with its reason.
    const open = monthOf(clock.now());
    const preview = (await (await post(finance, `/finance/months/${open}/preview`)).json()) as StatementView;
    const early = await post(finance, `/finance/months/${open}/close`, { confirmRevenueMicros: preview.statement.totals.revenueMicros });
    expect(await errorOf(early)).toMatchObject({ status: 409, code: 'conflict', message: expect.stringContaining(`${open} has not ended yet`) });
    expect(early.headers.get('cache-control')).toBe('no-store');
  });

  it('serves the console page at / with security headers', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

