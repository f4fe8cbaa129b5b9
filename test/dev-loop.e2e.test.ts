/**
 * The developer's loop on `npm start`: features are rebuilt and swapped in as they are edited,
 * without a restart; a feature that does not build answers 503 and its developer learns where;
 * what a feature logs is kept with its invocation id, and a throw keeps its stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeatureLogs } from '../runtime/local/feature-logs.ts';
import { copyFixtures, errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));

let t: TestPlatform;
let key: string;
let functionsDir: string;
const progress: string[] = [];

const MANIFEST = (name: string) =>
  JSON.stringify({
    name,
    description: `Test fixture: ${name}.`,
    version: '1.0.0',
    authors: [{ id: 'dora', weight: 1 }],
    price: { perCall: '0.001', perGbSecond: '0', currency: 'EUR' },
    memoryMb: 128,
    timeoutMs: 3000,
    tags: ['test'],
  });

function writeFeature(slug: string, code: string): void {
  mkdirSync(join(functionsDir, slug), { recursive: true });
  writeFileSync(join(functionsDir, slug, 'feature.json'), MANIFEST(slug));
  writeFileSync(join(functionsDir, slug, 'index.ts'), code);
}

beforeAll(async () => {
  functionsDir = copyFixtures();
  t = await startTestPlatform({ functionsDir, watch: true, progress: (l) => progress.push(l) });
  key = await t.newKey('acme');
}, 120_000);
afterAll(async () => {
  await t?.stop();
  rmSync(functionsDir, { recursive: true, force: true });
});

describe('npm start while a developer edits functions/', () => {
  it('picks up a new feature, a change and a removal without a restart', async () => {
    writeFeature('hello', `export const handler = async () => ({ greeting: 'hello v1' });\n`);
    await t.platform.reloaded();
    expect(await (await t.call(key, '/v1/features/hello')).json()).toEqual({ greeting: 'hello v1' });
    expect(progress.some((l) => l.includes('added hello'))).toBe(true);

    writeFileSync(join(functionsDir, 'hello', 'index.ts'), `export const handler = async () => ({ greeting: 'hello v2' });\n`);
    await t.platform.reloaded();
    expect(await (await t.call(key, '/v1/features/hello')).json()).toEqual({ greeting: 'hello v2' });

    rmSync(join(functionsDir, 'hello'), { recursive: true });
    await t.platform.reloaded();
    expect(await errorOf(await t.call(key, '/v1/features/hello'))).toMatchObject({ status: 404, code: 'feature_not_found' });
    const slugs = ((await (await t.call(undefined, '/v1/features')).json()) as { features: { slug: string }[] }).features.map((f) => f.slug);
    expect(slugs).not.toContain('hello');
  });

  it('lets a call in flight finish on the old code while new calls get the new code', async () => {
    writeFeature('sleepy', `export const handler = async () => { await new Promise((r) => setTimeout(r, 800)); return { build: 'old' }; };\n`);
    await t.platform.reloaded();
    const inFlight = t.call(key, '/v1/features/sleepy');
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(join(functionsDir, 'sleepy', 'index.ts'), `export const handler = async () => ({ build: 'new' });\n`);
    await t.platform.reloaded();
    expect(await (await t.call(key, '/v1/features/sleepy')).json()).toEqual({ build: 'new' });
    const old = await inFlight;
    expect(old.status).toBe(200);
    expect(await old.json()).toEqual({ build: 'old' });
  });

  it('answers 503 for a feature that does not build, and tells its developer file:line:column', async () => {
    writeFeature('broken', `export const handler = async () => {\n  return { ok: true ;\n};\n`);
    await t.platform.reloaded();
    const res = await t.call(key, '/v1/features/broken');
    const err = await errorOf(res);
    expect(err).toMatchObject({ status: 503, code: 'feature_unavailable' });
    // No detail for the client: neither the file nor the compiler's words.
    expect(err.message).not.toMatch(/index\.ts|Expected/);
    const why = t.platform.registry.whyUnavailable('broken');
    expect(why).toMatch(/broken[\\/]index\.ts:2:\d+: /);
    expect(progress.some((l) => /broken[\\/]index\.ts:2:\d+/.test(l))).toBe(true);
    // The operator's status lists it with the same reason.
    expect(t.platform.registry.unavailableNow()).toEqual([{ slug: 'broken', why }]);

    // Fixed: it serves again.
    writeFileSync(join(functionsDir, 'broken', 'index.ts'), `export const handler = async () => ({ ok: true });\n`);
    await t.platform.reloaded();
    expect((await t.call(key, '/v1/features/broken')).status).toBe(200);
  });

  it('warns of a type error with file:line:column, and still serves the feature', async () => {
    writeFeature('typo', `export const handler = async () => {\n  const n: number = 'seven';\n  return { n };\n};\n`);
    await t.platform.reloaded();
    expect((await t.call(key, '/v1/features/typo')).status).toBe(200);
    expect(progress.find((l) => l.includes('type warning'))).toMatch(/typo[\\/]index\.ts:2:9: TS2322 Type 'string' is not assignable to type 'number'/);
  });

  it('keeps what a feature logs with its invocation id, and a throw with its stack trace', async () => {
    writeFeature('chatty', `export const handler = async (event: { queryStringParameters?: Record<string, string> }) => {\n  console.log('working on', event.queryStringParameters?.n);\n  console.warn('careful');\n  if (event.queryStringParameters?.fail) throw new Error('chatty failed');\n  return { ok: true };\n};\n`);
    await t.platform.reloaded();
    const ok = await t.call(key, '/v1/features/chatty?n=7');
    expect(ok.status).toBe(200);
    const okId = ok.headers.get('faascape-invocation-id') as string;
    const failed = await t.call(key, '/v1/features/chatty?n=8&fail=1');
    expect(failed.status).toBe(502);
    expect(await failed.text()).not.toContain('chatty failed');
    const failedId = failed.headers.get('faascape-invocation-id') as string;

    const okLines = readFeatureLogs(t.dataDir, 'chatty', { invocationId: okId });
    expect(okLines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'working on 7'],
      ['warn', 'careful'],
    ]);
    const failLines = readFeatureLogs(t.dataDir, 'chatty', { invocationId: failedId });
    const thrown = failLines.find((l) => l.level === 'error');
    expect(thrown?.message).toBe('Error: chatty failed');
    expect(thrown?.stack).toMatch(/chatty failed\n\s+at /);
    // Mapped to the developer's source: the throw is on line 4 of chatty/index.ts.
    expect(thrown?.stack).toMatch(/chatty[\\/]index\.ts:4:\d+/);

    // The same lines through the CLI, as a developer reads them.
    const env = { ...process.env, FAASCAPE_DATA_DIR: t.dataDir };
    const { stdout } = await run(process.execPath, [CLI, 'logs', 'chatty', '--invocation', failedId, '--json'], { env });
    const viaCli = stdout.trim().split('\n').map((l) => JSON.parse(l) as { invocationId: string; message: string; stack?: string });
    expect(viaCli.every((l) => l.invocationId === failedId)).toBe(true);
    expect(viaCli.map((l) => l.message)).toEqual(['working on 8', 'careful', 'Error: chatty failed']);
    expect(viaCli.at(-1)?.stack).toMatch(/chatty failed/);
    const text = (await run(process.execPath, [CLI, 'logs', 'chatty', '--since', '1h'], { env })).stdout;
    expect(text).toContain(`[chatty ${okId.slice(0, 8)}] info  working on 7`);
  });

  it('logs a timeout with its invocation id', async () => {
    const res = await t.call(key, '/v1/features/loop');
    expect(res.status).toBe(504);
    const id = res.headers.get('faascape-invocation-id') as string;
    expect(readFeatureLogs(t.dataDir, 'loop', { invocationId: id }).map((l) => l.message)).toEqual([expect.stringMatching(/timed out after \d+ ms/)]);
  });
});
