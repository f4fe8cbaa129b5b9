/**
 * Features are untrusted code (DESIGN invariant 6). A hostile feature, published like any other,
 * tries every escape we know of from inside the local platform's sandbox; each must fail, while a
 * well-behaved feature still reads its own files and writes its /tmp.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLogLine, readFeatureLogs } from '../../runtime/local/feature-logs.ts';
import { signUp } from '../helpers/console.ts';
import { errorOf, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const SECURITY_FUNCTIONS = fileURLToPath(new URL('./functions', import.meta.url));
// A real native addon from the lockfile (rolldown's, through vitest), so a denial is not "file not found".
const ADDON = createRequire(import.meta.url).resolve('@rolldown/binding-linux-x64-gnu');

let t: TestPlatform;
let key: string;

beforeAll(async () => {
  t = await startTestPlatform({ functionsDir: SECURITY_FUNCTIONS });
  expect(t.platform.problems.map((p) => p.message)).toEqual([]);
  key = await t.newKey('acme');
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('a hostile feature', () => {
  it('cannot read the data dir, the environment or another process, run anything, or reach the store', async () => {
    const session = await signUp(t, 'victim@acme.example', 'client', { clientId: 'acme' });
    const query = new URLSearchParams({ dataDir: t.dataDir, functionsDir: SECURITY_FUNCTIONS, store: String(t.platform.store.port), gateway: String(t.platform.port), addon: ADDON });
    const res = await t.call(key, `/v1/features/hostile?${query}`, { headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
    expect(res.status).toBe(200);
    const attempts = (await res.json()) as Record<string, string>;
    // Every attempt is listed, so that a check silently not run cannot pass.
    expect(Object.keys(attempts).sort()).toEqual(
      [
        'consoleWithCookie', 'dlopen', 'inspector', 'killGroup', 'killGroupNegative', 'killParent', 'loadAddon', 'processBinding', 'readDataDir', 'readEtcPasswd', 'readOperatorToken', 'readOtherFeature',
        'readOwnEnviron', 'readParentCmdline', 'readParentEnviron', 'readParentMem', 'readSecret', 'readSource', 'readStoreCredential', 'readStoreFiles', 'reniceParent',
        'sawCookie', 'sawCsrf', 'sawProxyCredential', 'spawnProcess', 'startWorker', 'storeGuessedCredential', 'storeUnsigned', 'wasi', 'writeOutsideTmp',
      ].sort(),
    );
    const allowed = Object.entries(attempts).filter(([, v]) => !v.startsWith('denied'));
    expect(allowed).toEqual([]);
    // The file system and process denials come from Node's permission model, not a wrong path.
    for (const name of ['readDataDir', 'readSecret', 'readParentEnviron', 'readParentMem', 'spawnProcess', 'startWorker', 'writeOutsideTmp']) expect(attempts[name], name).toMatch(/ERR_ACCESS_DENIED/);
    for (const name of ['loadAddon', 'dlopen']) expect(attempts[name], name).toMatch(/ERR_DLOPEN_DISABLED/);
    // The store refuses it for its credential, not because it could not be reached.
    expect(attempts.storeUnsigned).toMatch(/HTTP 400 .*UnrecognizedClientException/);
    expect(attempts.storeGuessedCredential).toMatch(/UnrecognizedClientException|InvalidSignatureException/);
    // The platform is still there and still serving.
    expect((await t.call(undefined, '/v1/health')).status).toBe(200);
    // Its raw writes to fd 1 and 2 reached the operator only as lines of its own log, labelled with
    // the call, and escaped for the terminal: no fake platform line, no escape sequence.
    const lines = readFeatureLogs(t.dataDir, 'hostile');
    const raw = lines.filter((l) => l.message.includes('fake platform line') || l.message.includes('raw stdout'));
    expect(raw.map((l) => l.level).sort()).toEqual(['error', 'info']);
    for (const l of raw) {
      expect(l.invocationId).toMatch(/\S/);
      const shown = formatLogLine(l);
      expect(shown.startsWith('[hostile ')).toBe(true);
      expect(shown).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      expect(shown).toContain('\\x1b');
    }
  });

  it('cannot set a cookie or serve a page that runs script: its answer is sandboxed', async () => {
    const res = await t.call(key, '/v1/features/hostile?mode=html');
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('content-security-policy')).toBe('sandbox');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('cannot split its answer or crash the platform with a header HTTP cannot carry: a 502 for that call alone', async () => {
    for (const name of ['crlf', 'space']) {
      const res = await t.call(key, `/v1/features/hostile?mode=badheader&name=${name}`);
      expect(await errorOf(res)).toMatchObject({ status: 502, code: 'feature_error' });
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    // The platform is still up and serving.
    expect((await t.call(key, '/v1/features/well-behaved')).status).toBe(200);
  });

  it('gets no cookie, CSRF token or credential of the caller in its event', async () => {
    const res = await t.call(key, '/v1/features/hostile', { headers: { cookie: 'faascape_session=abc; other=1', 'x-csrf-token': 'tok', authorization: `Bearer ${key}`, 'proxy-authorization': 'Basic dXNlcjpwYXNz' } });
    const attempts = (await res.json()) as Record<string, string>;
    expect(attempts.sawCookie).toMatch(/^denied/);
    expect(attempts.sawCsrf).toMatch(/^denied/);
    expect(attempts.sawProxyCredential).toMatch(/^denied/);
  });
});

describe('a well-behaved feature', () => {
  it('still reads its own files and writes its private /tmp', async () => {
    const res = await t.call(key, '/v1/features/well-behaved');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ownFiles: string[]; ownBytes: number; tmp: string; readBack: string };
    expect(body.ownFiles).toEqual(['index.mjs']);
    expect(body.ownBytes).toBeGreaterThan(0);
    expect(body.readBack).toBe('written by the feature');
    // Its own, named after the platform's pid (so that a killed platform's dirs can be swept).
    expect(body.tmp).toMatch(/faascape-\d+-well-behaved-/);
  });
});
