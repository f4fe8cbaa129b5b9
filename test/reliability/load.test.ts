/**
 * Load reconciliation: 64 connections for 30 s against the platform run as `node
 * runtime/local/bin.mjs`, mixing every feature (echo, sleep, throw, loop forever) with unknown,
 * malformed, missing and revoked keys, unknown features, unknown routes and bodies over 6 MB.
 * Then, class by class, what the clients saw must be exactly what the store holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../runtime/gateway/errors.ts';
import { classOf, countBy, randomWellFormedKey, runLoad, send, newAgent, table, type Req, type Res } from './helpers/http.ts';
import { cli, killAll, spoolFiles, startPlatformProcess, tempDir, type PlatformProcess } from './helpers/platform-process.ts';
import { clientView, exactlyOnceProblems, formatReconciliation, monthsBetween, reconcile, rejectionProblems, STATUS_OF_CODE } from './helpers/reconcile.ts';
import { createKeys, snapshot, type KeyInfo } from './helpers/store.ts';

const CONNECTIONS = 64;
const DURATION_MS = 30_000;
const REVOKE_AT_MS = 10_000;
const FEATURES = ['echo', 'slow', 'boom', 'loop'];

let platform: PlatformProcess;
let dataDir: string;
/** every answer of this file, the boundary calls included: the store must account for all */
const all: Res[] = [];
afterAll(killAll);

describe('load reconciliation', () => {
  let keys: Record<'a' | 'b' | 'c' | 'r', KeyInfo>;
  beforeAll(async () => {
    dataDir = tempDir();
    platform = await startPlatformProcess({ dataDir });
    const [a, c, r] = await createKeys(dataDir, ['load-a', 'load-c', 'load-r']);
    // One key through the operator CLI, against the running platform's store.
    expect((await cli(dataDir, ['clients', 'create', 'load-b'])).code).toBe(0);
    const created = await cli(dataDir, ['keys', 'create', '--client', 'load-b', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const b = JSON.parse(created.stdout) as KeyInfo;
    const revoked = await cli(dataDir, ['keys', 'revoke', (r as KeyInfo).keyId, '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    keys = { a: a as KeyInfo, b, c: c as KeyInfo, r: r as KeyInfo };
  });

  it('bodies at the limit pass, one byte over is 413 (the boundary, before the load)', async () => {
    const agent = newAgent(1);
    const at = await send(agent, platform.url, { method: 'POST', path: '/v1/features/echo', headers: { 'x-api-key': keys.a.apiKey, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(MAX_PAYLOAD_BYTES, 1), tag: 'limit', clientId: 'load-a', featureId: 'echo' });
    const over = await send(agent, platform.url, { method: 'POST', path: '/v1/features/echo', headers: { 'x-api-key': keys.a.apiKey, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 1), tag: 'limit', clientId: 'load-a', featureId: 'echo' });
    agent.destroy();
    console.log(`[load] body of ${MAX_PAYLOAD_BYTES} bytes -> ${at.status}; ${MAX_PAYLOAD_BYTES + 1} bytes -> ${over.status} ${over.code}`);
    expect(at.status).toBe(200);
    expect(at.invocationId).toBeTruthy();
    expect([over.status, over.code]).toEqual([413, 'payload_too_large']);
    all.push(at, over);
  });

  it(`${CONNECTIONS} connections for ${DURATION_MS / 1000} s: records and rejection counters match every class the clients saw`, async () => {
    const oversized = Buffer.alloc(MAX_PAYLOAD_BYTES + 1024, 0x61);
    let loopBusy = false;
    let lastLoop = 0;
    let oversizedBusy = false;
    let lastOversized = 0;
    let revokedAt: number | undefined;
    const small = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(i % 200) });

    const pick = (n: number): Req => {
      const now = Date.now();
      // The feature that loops forever spins a core for its whole timeout: one at a time, 1/s.
      if (!loopBusy && now - lastLoop > 1_000) {
        loopBusy = true;
        lastLoop = now;
        return { method: 'GET', path: '/v1/features/loop', headers: { 'x-api-key': keys.a.apiKey }, tag: 'loop', clientId: 'load-a', featureId: 'loop' };
      }
      // Bodies over 6 MB: one at a time, every 250 ms.
      if (!oversizedBusy && now - lastOversized > 250) {
        oversizedBusy = true;
        lastOversized = now;
        return { method: 'POST', path: '/v1/features/echo', headers: { 'x-api-key': keys.a.apiKey, 'content-type': 'application/json' }, body: oversized, tag: 'oversized', clientId: 'load-a', featureId: 'echo' };
      }
      const x = Math.random() * 100;
      if (x < 34) return { method: 'POST', path: '/v1/features/echo', headers: { 'x-api-key': keys.a.apiKey, 'content-type': 'application/json' }, body: small(n), tag: 'echo', clientId: 'load-a', featureId: 'echo' };
      if (x < 44) return { method: 'GET', path: `/v1/features/echo/sub/path?n=${n}`, headers: { authorization: `Bearer ${keys.b.apiKey}` }, tag: 'echo-bearer', clientId: 'load-b', featureId: 'echo' };
      if (x < 49) return { method: 'GET', path: '/v1/features/echo?status=404', headers: { 'x-api-key': keys.a.apiKey }, tag: 'echo-404', clientId: 'load-a', featureId: 'echo' };
      if (x < 57) return { method: 'GET', path: '/v1/features/slow?ms=10', headers: { 'x-api-key': keys.b.apiKey }, tag: 'slow', clientId: 'load-b', featureId: 'slow' };
      if (x < 62) return { method: 'POST', path: '/v1/features/boom', headers: { 'x-api-key': keys.a.apiKey }, body: '{}', tag: 'boom', clientId: 'load-a', featureId: 'boom' };
      if (x < 70) return { method: 'POST', path: '/v1/features/echo', headers: { 'x-api-key': keys.c.apiKey }, body: small(n), tag: 'revoked-mid-load', clientId: 'load-c', featureId: 'echo' };
      if (x < 76) return { method: 'GET', path: '/v1/features/echo', headers: { 'x-api-key': randomWellFormedKey() }, tag: 'unknown-key' };
      if (x < 78) return { method: 'GET', path: '/v1/features/echo', headers: { 'x-api-key': `not-a-key-${n}` }, tag: 'malformed-key' };
      if (x < 80) return { method: 'GET', path: '/v1/features/echo', tag: 'missing-key' };
      if (x < 86) return { method: 'GET', path: '/v1/features/echo', headers: { 'x-api-key': keys.r.apiKey }, tag: 'revoked-key' };
      if (x < 92) return { method: 'GET', path: `/v1/features/no-such-feature-${n % 7}`, headers: { 'x-api-key': keys.a.apiKey }, tag: 'unknown-feature', clientId: 'load-a' };
      if (x < 95) return { method: 'GET', path: '/v1/features/no-such-feature', headers: { 'x-api-key': randomWellFormedKey() }, tag: 'unknown-feature-unknown-key' };
      if (x < 97) return { method: 'GET', path: '/v1/nothing-here', headers: { 'x-api-key': keys.a.apiKey }, tag: 'unknown-route', clientId: 'load-a' };
      if (x < 98) return { method: 'DELETE', path: '/v1/features', tag: 'wrong-method' };
      if (x < 98.2) return { method: 'GET', path: '/v1/usage', headers: { 'x-api-key': keys.b.apiKey }, tag: 'usage', clientId: 'load-b' };
      return { method: 'GET', path: '/v1/features', tag: 'catalogue' };
    };

    const revocation = (async () => {
      await new Promise((r) => setTimeout(r, REVOKE_AT_MS));
      const out = await cli(dataDir, ['keys', 'revoke', keys.c.keyId, '--json']);
      expect(out.code, out.stderr).toBe(0);
      revokedAt = Date.now();
    })();

    const t0 = Date.now();
    const results = await runLoad({
      url: platform.url,
      connections: CONNECTIONS,
      durationMs: DURATION_MS,
      timeoutMs: 30_000,
      next: (_c, n) => pick(n),
      onResult: (r) => {
        if (r.req.tag === 'loop') loopBusy = false;
        if (r.req.tag === 'oversized') oversizedBusy = false;
      },
    });
    const t1 = Date.now();
    await revocation;
    const health = await platform.health();
    all.push(...results);

    const classes = countBy(results, classOf);
    const tags = countBy(results, (r) => `${r.req.tag.padEnd(28)} -> ${classOf(r)}`);
    console.log(
      `[load] ${results.length.toLocaleString('en-US')} calls in ${((t1 - t0) / 1000).toFixed(1)} s over ${CONNECTIONS} connections (${Math.round((results.length * 1000) / (t1 - t0))}/s), ` +
        `p99 latency ${percentile(results, 0.99)} ms, max ${Math.max(...results.map((r) => r.latencyMs))} ms\n` +
        `[load] classes seen by the clients:\n${table(classes)}\n[load] per request kind:\n${table(tags)}\n` +
        `[load] meter during the run: ${JSON.stringify(health.meter)}`,
    );

    // The only 5xx are the features' own: boom's 502 and loop's 504, both metered (they carry an id).
    const fiveXx = results.filter((r) => r.status >= 500);
    expect(fiveXx.filter((r) => !(r.invocationId && ((r.req.featureId === 'boom' && r.status === 502 && r.code === 'feature_error') || (r.req.featureId === 'loop' && r.status === 504 && r.code === 'feature_timeout'))))).toEqual([]);
    expect(results.filter((r) => r.netError).map(classOf)).toEqual([]);
    // Each kind of request got the answer it must get.
    const expectedOf: Record<string, (r: Res) => boolean> = {
      echo: (r) => r.status === 200 && !!r.invocationId,
      'echo-bearer': (r) => r.status === 200 && !!r.invocationId,
      'echo-404': (r) => r.status === 404 && !!r.invocationId && r.code === undefined,
      slow: (r) => r.status === 200 && !!r.invocationId,
      boom: (r) => r.status === 502 && r.code === 'feature_error' && !!r.invocationId,
      loop: (r) => r.status === 504 && r.code === 'feature_timeout' && !!r.invocationId,
      oversized: (r) => r.status === 413 && r.code === 'payload_too_large',
      'revoked-mid-load': (r) => (r.status === 200 && !!r.invocationId) || (r.status === 401 && r.code === 'invalid_api_key'),
      'unknown-key': (r) => r.status === 401 && r.code === 'invalid_api_key',
      'malformed-key': (r) => r.status === 401 && r.code === 'invalid_api_key',
      'missing-key': (r) => r.status === 401 && r.code === 'missing_api_key',
      'revoked-key': (r) => r.status === 401 && r.code === 'invalid_api_key',
      'unknown-feature': (r) => r.status === 404 && r.code === 'feature_not_found',
      'unknown-feature-unknown-key': (r) => r.status === 401 && r.code === 'invalid_api_key',
      'unknown-route': (r) => r.status === 404 && r.code === 'not_found',
      'wrong-method': (r) => r.status === 405 && r.code === 'method_not_allowed',
      usage: (r) => r.status === 200,
      catalogue: (r) => r.status === 200,
    };
    expect(results.filter((r) => !expectedOf[r.req.tag]?.(r)).map((r) => `${r.req.tag}: ${classOf(r)}`)).toEqual([]);
    // Every platform error has the contract's shape and the status of its code.
    expect(results.filter((r) => r.status >= 400 && r.code !== undefined && STATUS_OF_CODE[r.code] !== r.status)).toEqual([]);
    // Every kind was exercised.
    for (const tag of Object.keys(expectedOf)) expect(results.some((r) => r.req.tag === tag), `no ${tag} call was made`).toBe(true);

    // Revocation: every call with the key sent more than 1 s after `keys revoke` returned is refused.
    const withC = results.filter((r) => r.req.tag === 'revoked-mid-load');
    const lateOk = withC.filter((r) => r.sentAt > (revokedAt as number) + 1_000 && r.status !== 401);
    const before = withC.filter((r) => r.status === 200).length;
    console.log(`[load] key revoked at +${((revokedAt as number) - t0) / 1000} s by the CLI: ${before} calls served with it before, ${withC.length - before} refused after, ${lateOk.length} served later than 1 s after the revocation`);
    expect(lateOk).toEqual([]);
    expect(before).toBeGreaterThan(0);
    expect(withC.length - before).toBeGreaterThan(0);
  });

  it('after a graceful stop, the store holds exactly what the clients saw, class by class', async () => {
    const stopped = await platform.stop();
    expect(stopped).toEqual({ code: 0, signal: null });
    const view = clientView(all);
    const months = monthsBetween(all[0]?.sentAt ?? Date.now(), Date.now());
    const clients = ['load-a', 'load-b', 'load-c', 'load-r', '-'];
    const pairs = clients.flatMap((clientId) => FEATURES.map((featureId) => ({ clientId, featureId })));
    const snap = await snapshot(dataDir, months, pairs, clients);
    const rec = reconcile(view, snap);
    console.log(
      `[load] reconciliation (${months.join(', ')}), store read after the platform stopped:\n${formatReconciliation(rec)}\n` +
        `  platform errors counted nowhere by design (400/405/404 not_found): ${JSON.stringify(Object.fromEntries(view.uncounted))}\n` +
        `  committed-but-unapplied batches left: ${snap.pendingBatches}; spool files left: ${spoolFiles(dataDir).length}`,
    );
    expect(exactlyOnceProblems(rec, { maxUnseen: 0 })).toEqual([]);
    expect(rejectionProblems(rec, 'exact')).toEqual([]);
    expect(rec.totals.seen).toBe(all.filter((r) => r.invocationId).length);
    // Every kind of metered answer was reconciled: 2xx, the feature's own 4xx, 502 and 504.
    const statuses = new Set(all.filter((r) => r.invocationId).map((r) => r.status));
    expect([...statuses].sort()).toEqual([200, 404, 502, 504]);
    for (const code of ['missing_api_key', 'invalid_api_key', 'feature_not_found', 'payload_too_large']) {
      expect(rec.rejections.some((x) => x.key.endsWith(` ${code}`) && x.seen > 0), code).toBe(true);
    }
    // Errors counted nowhere stay counted nowhere.
    expect([...snap.rejections.keys()].filter((k) => /not_found$|method_not_allowed$|invalid_request$/.test(k) && !k.endsWith('feature_not_found'))).toEqual([]);
    expect(snap.pendingBatches).toBe(0);
    expect(spoolFiles(dataDir)).toEqual([]);

    // The operator's view (`faascape usage --json`) says the same.
    const usage = await cli(dataDir, ['usage', '--month', months[months.length - 1] as string, '--json']);
    expect(usage.code, usage.stderr).toBe(0);
    const rows = JSON.parse(usage.stdout) as { clientId: string; featureId: string; calls: number }[];
    console.log(`[load] faascape usage --json: ${rows.map((r) => `${r.clientId}/${r.featureId}=${r.calls}`).join(', ')}`);
    if (months.length === 1) {
      for (const p of rec.pairs) expect(rows.find((r) => `${r.clientId} ${r.featureId}` === p.pair)?.calls ?? 0, p.pair).toBe(p.records);
    }
  });
});

function percentile(results: Res[], q: number): number {
  const l = results.map((r) => r.latencyMs).sort((a, b) => a - b);
  return l[Math.min(l.length - 1, Math.floor(l.length * q))] ?? 0;
}
