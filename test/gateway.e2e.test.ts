import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../shared/month.ts';
import { OPERATOR_STATUS_PATH, OPERATOR_TOKEN_HEADER, operatorToken } from '../runtime/local/operator.ts';
import { errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));

let t: TestPlatform;
let key: string;
const month = monthOf(Date.now());

beforeAll(async () => {
  t = await startTestPlatform();
  key = await t.newKey('acme');
});
afterAll(() => t.stop());

async function rejections(clientId: string) {
  await t.platform.meter.settled();
  return Object.fromEntries((await t.usage.rejections(month)).filter((r) => r.clientId === clientId).map((r) => [r.code, r.count]));
}

describe('the gateway over real HTTP', () => {
  it('serves health and the public catalogue without a key', async () => {
    const health = await t.call(undefined, '/v1/health');
    expect(health.status).toBe(200);
    // Liveness only: the meter's counters are the operator's.
    expect(await health.json()).toEqual({ status: 'ok' });
    const body = (await (await t.call(undefined, '/v1/features')).json()) as { features: { slug: string; price: { perCallMicros: number }; authors: unknown[] }[] };
    const slugs = body.features.map((f) => f.slug);
    expect(slugs).toEqual(['bad-result', 'boom', 'echo', 'hog', 'loop', 'slow', 'spin']);
    expect(body.features.find((f) => f.slug === 'echo')?.price.perCallMicros).toBe(2000);
  });

  it('describes every feature, and each on its own, as valid OpenAPI 3.1 without a key', async () => {
    const { validate } = await import('@readme/openapi-parser');
    const all = await t.call(undefined, '/v1/openapi.json');
    expect(all.status).toBe(200);
    const doc = (await all.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/features/echo');
    expect((await validate(doc as never)).valid).toBe(true);
    const one = (await (await t.call(undefined, '/v1/features/echo/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(one.paths)).toEqual(['/v1/features/echo', '/v1/features/echo/{path}']);
    expect((await validate(one as never)).valid).toBe(true);
    // An unknown slug is no description: it is a feature call like any other, which needs a key.
    expect((await t.call(undefined, '/v1/features/nosuch/openapi.json')).status).toBe(401);
  });

  it('reports a malformed manifest with its file and field, and still loads the others', () => {
    const problem = t.platform.problems.find((p) => p.message.includes('broken-manifest'));
    expect(problem?.message).toMatch(/broken-manifest\/feature\.json/);
    expect(problem?.message).toMatch(/price\.perCall/);
    expect(problem?.message).toMatch(/memoryMb/);
    expect(t.platform.features.has('echo')).toBe(true);
  });

  it('answers a call with the feature response and an invocation id the feature cannot forge', async () => {
    const res = await t.call(key, '/v1/features/echo/some/path?x=1', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const id = res.headers.get('faascape-invocation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = (await res.json()) as { rawPath: string; query: Record<string, string>; body: string; requestId: string; pathParameters: Record<string, string> };
    expect(echoed).toMatchObject({ rawPath: '/v1/features/echo/some/path', query: { x: '1' }, body: '{"a":1}', requestId: id, pathParameters: { slug: 'echo', proxy: 'some/path' } });
  });

  it('never lets a feature see the client credentials, only a stable pseudonym', async () => {
    const viaHeader = (await (await t.call(key, '/v1/features/echo', { headers: { cookie: 'a=b' } })).json()) as { headers: Record<string, string>; authorizer: { lambda: { clientId: string } } };
    const viaBearer = (await (await fetch(`${t.url}/v1/features/echo`, { headers: { authorization: `Bearer ${key}` } })).json()) as typeof viaHeader;
    for (const seen of [viaHeader, viaBearer]) {
      expect(Object.keys(seen.headers)).not.toContain('x-api-key');
      expect(Object.keys(seen.headers)).not.toContain('authorization');
      expect(JSON.stringify(seen)).not.toContain(key.slice(-20));
    }
    expect(viaHeader.authorizer.lambda.clientId).toMatch(/^c_[\w-]{22}$/);
    expect(viaHeader.authorizer.lambda.clientId).toBe(viaBearer.authorizer.lambda.clientId);
    expect(viaHeader.authorizer.lambda.clientId).not.toContain('acme');
  });

  it('refuses two different keys in x-api-key and Authorization with 400 conflicting_credentials', async () => {
    const other = await t.newKey('acme');
    const res = await fetch(`${t.url}/v1/features/echo`, { headers: { 'x-api-key': key, authorization: `Bearer ${other}` } });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: 'conflicting_credentials' });
    // The same key twice is one credential.
    expect((await fetch(`${t.url}/v1/features/echo`, { headers: { 'x-api-key': key, authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it('gives the operator the meter counters with the token from the data dir, and nobody else', async () => {
    expect(await errorOf(await t.call(undefined, OPERATOR_STATUS_PATH))).toMatchObject({ status: 401, code: 'operator_only' });
    expect((await t.call(undefined, OPERATOR_STATUS_PATH, { headers: { [OPERATOR_TOKEN_HEADER]: 'guess' } })).status).toBe(401);
    const res = await t.call(undefined, OPERATOR_STATUS_PATH, { headers: { [OPERATOR_TOKEN_HEADER]: operatorToken(t.dataDir) } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string; pid: number; dataDir: string; meter: { recordsCommitted: number }; features: string[]; unavailable: unknown[] };
    expect(body.features).toContain('echo');
    expect(body.meter.recordsCommitted).toBeGreaterThan(0);
    expect(body).toMatchObject({ url: t.url, pid: process.pid, dataDir: t.dataDir, unavailable: [] });
    // The same through the CLI, as the operator reads it.
    const { stdout } = await run(process.execPath, [CLI, 'status'], { env: { ...process.env, FAASCAPE_DATA_DIR: t.dataDir } });
    expect(stdout).toContain(`platform ${t.url} (pid ${process.pid}), data dir ${t.dataDir}`);
    expect(stdout).toMatch(/recordsCommitted\s+\d+/);
    expect(stdout).toMatch(/features: .*echo/);
  });

  it('gives features a Lambda-like environment without platform settings', async () => {
    const seen = (await (await t.call(key, '/v1/features/echo')).json()) as { env: string[] };
    expect(seen.env).toContain('AWS_LAMBDA_FUNCTION_NAME');
    expect(seen.env.filter((k) => /FAASCAPE|PORT|HOST/.test(k))).toEqual([]);
  });

  describe('every platform error is JSON with a code and the right status', () => {
    it('401 missing_api_key without a key', async () => {
      expect(await errorOf(await t.call(undefined, '/v1/features/echo'))).toMatchObject({ status: 401, code: 'missing_api_key' });
    });
    it('401 invalid_api_key for a malformed, an unknown or a tampered key', async () => {
      for (const bad of ['nope', 'fsk_aaaaaaaaaaaa_' + 'A'.repeat(43), key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A')]) {
        expect(await errorOf(await t.call(bad, '/v1/features/echo'))).toMatchObject({ status: 401, code: 'invalid_api_key' });
      }
    });
    it('404 feature_not_found for an unknown feature, and 404 not_found for an unknown route', async () => {
      expect(await errorOf(await t.call(key, '/v1/features/nope'))).toMatchObject({ status: 404, code: 'feature_not_found' });
      expect(await errorOf(await t.call(key, '/v2/whatever'))).toMatchObject({ status: 404, code: 'not_found' });
    });
    it('413 payload_too_large past 6 MB, and the connection keeps serving', async () => {
      const res = await t.call(key, '/v1/features/echo', { method: 'POST', body: 'x'.repeat(6 * 1024 * 1024 + 1) });
      expect(await errorOf(res)).toMatchObject({ status: 413, code: 'payload_too_large' });
      expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
    });
    it('502 feature_error when the feature throws or returns an invalid result, without internals', async () => {
      for (const slug of ['boom', 'bad-result']) {
        const res = await t.call(key, `/v1/features/${slug}`);
        const err = await errorOf(res);
        expect(err).toMatchObject({ status: 502, code: 'feature_error' });
        expect(err.message).not.toMatch(/boom|stack|at /);
        expect(res.headers.get('faascape-invocation-id')).toBeTruthy();
      }
    });
    it('504 feature_timeout when the feature outlives its timeout', async () => {
      const res = await t.call(key, '/v1/features/loop');
      expect(await errorOf(res)).toMatchObject({ status: 504, code: 'feature_timeout' });
    });
    it('404 for a malformed escape in the slug, 502 for a 1xx from the feature, 400 JSON for unparseable HTTP', async () => {
      expect(await errorOf(await t.call(key, '/v1/features/%zz'))).toMatchObject({ status: 404, code: 'feature_not_found' });
      expect(await errorOf(await t.call(key, '/v1/features/echo?status=103'))).toMatchObject({ status: 502, code: 'feature_error' });
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(t.platform.port, '127.0.0.1', () => socket.end('FROBNICATE / HTTP/1.1\r\nhost: x\r\n\r\n'));
        let text = '';
        socket.on('data', (d) => (text += d));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400/);
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'invalid_request' } });
    });
    it('measures a body by its bytes: non-UTF-8 text reaches the feature unaltered, as base64', async () => {
      const bytes = Buffer.from([0xff, 0xfe, 0x41]);
      const seen = (await (await t.call(key, '/v1/features/echo', { method: 'POST', body: bytes, headers: { 'content-type': 'text/plain' } })).json()) as { body: string; isBase64Encoded: boolean };
      expect(seen.isBase64Encoded).toBe(true);
      expect(Buffer.from(seen.body, 'base64')).toEqual(bytes);
    });
    it('405 method_not_allowed on the catalogue, 400 invalid_request for a bad month', async () => {
      expect(await errorOf(await t.call(key, '/v1/features', { method: 'DELETE' }))).toMatchObject({ status: 405, code: 'method_not_allowed' });
      expect(await errorOf(await t.call(key, '/v1/usage?month=2026-13'))).toMatchObject({ status: 400, code: 'invalid_request' });
    });
  });

  it('429 rate_limited with Retry-After past the client rate, and 429 quota_exceeded past the monthly quota', async () => {
    const limited = await t.newKey('limited');
    await t.clients.setLimits('limited', { rps: 1, burst: 2 });
    await new Promise((r) => setTimeout(r, 600)); // limits are cached for at most 500 ms
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.call(limited, '/v1/features/echo')).status);
    expect(statuses).toEqual([200, 200, 429]);
    const res = await t.call(limited, '/v1/features/echo');
    expect(await errorOf(res)).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('ratelimit-policy')).toBe('"rate";q=2;w=2');
    expect(res.headers.get('ratelimit')).toMatch(/^"rate";r=0;t=\d+$/);

    const quota = await t.newKey('quota');
    await t.clients.setLimits('quota', { monthlyQuota: 3 });
    await new Promise((r) => setTimeout(r, 600));
    const results = await Promise.all(Array.from({ length: 10 }, () => t.call(quota, '/v1/features/echo')));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
    const over = results.find((r) => r.status === 429) as Response;
    // Retry-After: the quota renews with the month; every answer says how much of it is left.
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(over.headers.get('ratelimit')).toMatch(/^"month";r=0;t=\d+$/);
    expect(results.find((r) => r.status === 200)?.headers.get('ratelimit-policy')).toMatch(/^"month";q=3;w=\d+$/);
    expect((await errorOf(over)).code).toBe('quota_exceeded');
    expect(await rejections('quota')).toEqual({ quota_exceeded: 7 });
  });

  it('counts rejections per client and never bills them', async () => {
    const before = await rejections('acme');
    await t.call(key, '/v1/features/nope');
    await t.call(key, '/v1/features/nope');
    const after = await rejections('acme');
    expect((after.feature_not_found ?? 0) - (before.feature_not_found ?? 0)).toBe(2);
    const unknown = await rejections('-');
    expect(unknown.missing_api_key).toBeGreaterThanOrEqual(1);
  });

  it('meters feature errors and timeouts but bills only 2xx/3xx', async () => {
    const c = await t.newKey('mixed');
    const paths = ['/v1/features/echo', '/v1/features/echo?status=302', '/v1/features/echo?status=404', '/v1/features/echo?status=500', '/v1/features/boom', '/v1/features/loop'];
    for (const p of paths) await t.call(c, p);
    await t.platform.meter.settled();
    const rows = await t.usage.clientAggregates('mixed', month);
    const byFeature = Object.fromEntries(rows.map((r) => [r.featureId, r]));
    expect(byFeature.echo).toMatchObject({ calls: 4, billableCalls: 2, errors: 0 });
    expect(byFeature.boom).toMatchObject({ calls: 1, billableCalls: 0, errors: 1 });
    expect(byFeature.loop).toMatchObject({ calls: 1, billableCalls: 0, timeouts: 1 });
    const records = await t.usage.records(month, 'mixed', 'loop');
    expect(records[0]).toMatchObject({ outcome: 'timeout', status: 504, billable: false });
    expect(records[0]?.durationMs).toBeGreaterThanOrEqual(300);
  });
});
