/**
 * Soak: 200,000 calls against the platform run as a child process. The platform's resident
 * memory (VmRSS of its process, from /proc) after the run must stay within 1.5× of its value
 * after the first 20,000 calls; and every metered call is still counted exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { classOf, randomWellFormedKey, runLoad, table, type Req, type Res } from './helpers/http.ts';
import { killAll, spoolFiles, startPlatformProcess, tempDir, waitMeterIdle } from './helpers/platform-process.ts';
import { monthsBetween, rejectionKeyOf } from './helpers/reconcile.ts';
import { createKeys, snapshot } from './helpers/store.ts';

const CALLS = 200_000;
const BASELINE_AT = 20_000;
const CONNECTIONS = 48;
const FEATURES = ['echo', 'boom', 'slow'];

afterAll(killAll);

describe('soak', () => {
  it(`${CALLS.toLocaleString('en-US')} calls: the platform's RSS after the run stays within 1.5× of its RSS after the first ${BASELINE_AT.toLocaleString('en-US')}`, async () => {
    const dataDir = tempDir();
    const platform = await startPlatformProcess({ dataDir });
    const [a, b] = await createKeys(dataDir, ['soak-a', 'soak-b']);
    const keyA = a?.apiKey as string;
    const keyB = b?.apiKey as string;
    const rssAtStart = platform.rssKb();

    let issued = 0;
    let done = 0;
    const next = (): Req | undefined => {
      if (issued >= CALLS) return undefined;
      const n = issued++;
      const x = n % 100;
      if (x < 70) return { method: 'POST', path: '/v1/features/echo', headers: { 'x-api-key': keyA, 'content-type': 'application/json' }, body: `{"n":${n},"pad":"${'x'.repeat(n % 300)}"}`, tag: 'echo', clientId: 'soak-a', featureId: 'echo' };
      if (x < 80) return { method: 'GET', path: `/v1/features/echo/items/${n}?q=${n}`, headers: { authorization: `Bearer ${keyB}` }, tag: 'echo', clientId: 'soak-b', featureId: 'echo' };
      if (x < 85) return { method: 'GET', path: '/v1/features/slow?ms=2', headers: { 'x-api-key': keyB }, tag: 'slow', clientId: 'soak-b', featureId: 'slow' };
      if (x < 89) return { method: 'GET', path: '/v1/features/boom', headers: { 'x-api-key': keyA }, tag: 'boom', clientId: 'soak-a', featureId: 'boom' };
      // 6 % random keys: 12,000 distinct cache misses, each a store lookup
      if (x < 95) return { method: 'GET', path: '/v1/features/echo', headers: { 'x-api-key': randomWellFormedKey() }, tag: 'unknown-key' };
      if (x < 98) return { method: 'GET', path: `/v1/features/nope-${n % 50}`, headers: { 'x-api-key': keyA }, tag: 'unknown-feature', clientId: 'soak-a' };
      return { method: 'GET', path: '/v1/features/echo', tag: 'missing-key' };
    };

    const classes = new Map<string, number>();
    const ids = new Map<string, Set<string>>();
    const rejections = new Map<string, number>();
    const samples: { calls: number; rssKb: number; atMs: number }[] = [];
    let baseline = 0;
    const t0 = Date.now();
    const onResult = (r: Res) => {
      done += 1;
      const c = classOf(r);
      classes.set(c, (classes.get(c) ?? 0) + 1);
      if (r.invocationId) {
        const pair = `${r.req.clientId} ${r.req.featureId}`;
        let set = ids.get(pair);
        if (!set) ids.set(pair, (set = new Set()));
        set.add(r.invocationId);
      } else {
        const rk = rejectionKeyOf(r);
        if (rk) rejections.set(rk, (rejections.get(rk) ?? 0) + 1);
      }
      if (done % 20_000 === 0) {
        const rssKb = platform.rssKb();
        samples.push({ calls: done, rssKb, atMs: Date.now() - t0 });
        if (done === BASELINE_AT) baseline = rssKb;
      }
    };
    await runLoad({ url: platform.url, connections: CONNECTIONS, durationMs: 480_000, next: () => next(), onResult, keepResults: false, timeoutMs: 30_000 });
    const elapsed = Date.now() - t0;
    const rssAfterRun = platform.rssKb();
    const idle = await waitMeterIdle(platform);
    const rssAfterIdle = platform.rssKb();
    const ratio = rssAfterRun / baseline;

    console.log(
      `[soak] ${done.toLocaleString('en-US')} calls in ${(elapsed / 1000).toFixed(1)} s over ${CONNECTIONS} connections (${Math.round((done * 1000) / elapsed)}/s)\n` +
        `[soak] classes:\n${table(new Map([...classes].sort()))}\n` +
        `[soak] VmRSS of the platform (pid ${platform.pid}): at start ${rssAtStart} kB; after ${BASELINE_AT.toLocaleString('en-US')} calls ${baseline} kB; after ${done.toLocaleString('en-US')} calls ${rssAfterRun} kB ` +
        `(${ratio.toFixed(2)}× the baseline, limit 1.5×); once the meter is idle ${rssAfterIdle} kB\n` +
        `[soak] VmRSS every 20,000 calls: ${samples.map((s) => `${s.calls / 1000}k=${Math.round(s.rssKb / 1024)}MB@${Math.round(s.atMs / 1000)}s`).join(' ')}\n` +
        `[soak] meter: ${JSON.stringify(idle.meter)}`,
    );
    expect(done).toBe(CALLS);
    // Nothing fails but the feature that throws (502); no call goes unanswered.
    expect([...classes.keys()].filter((c) => c.startsWith('network error') || (/ 5\d\d( |$)/.test(c) && c !== 'feature boom 502'))).toEqual([]);
    expect(baseline).toBeGreaterThan(0);
    expect(rssAfterRun).toBeLessThanOrEqual(1.5 * baseline);

    // Still exact after 200,000 calls: every metered answer has its record, once.
    expect(await platform.stop()).toEqual({ code: 0, signal: null });
    const readStarted = Date.now();
    const clients = ['soak-a', 'soak-b'];
    const snap = await snapshot(dataDir, monthsBetween(t0, Date.now()), clients.flatMap((clientId) => FEATURES.map((featureId) => ({ clientId, featureId }))), clients);
    const lines: string[] = [];
    const problems: string[] = [];
    for (const [pair, seen] of [...ids].sort()) {
      const records = snap.records.get(pair) ?? [];
      const recordIds = new Set(records.map((r) => r.invocationId));
      const missing = [...seen].filter((id) => !recordIds.has(id)).length;
      const calls = snap.aggregates.get(pair)?.calls ?? 0;
      lines.push(`    ${pair.padEnd(14)} seen ${seen.size}, records ${records.length} (${recordIds.size} distinct), aggregate calls ${calls}, missing ${missing}`);
      if (missing || records.length !== seen.size || recordIds.size !== records.length || calls !== seen.size) problems.push(pair);
    }
    const rejectionLines = [...new Set([...rejections.keys(), ...snap.rejections.keys()])].sort().map((k) => `    ${k.padEnd(28)} seen ${rejections.get(k) ?? 0}, counted ${snap.rejections.get(k) ?? 0}`);
    console.log(`[soak] store read in ${((Date.now() - readStarted) / 1000).toFixed(1)} s after a graceful stop:\n${lines.join('\n')}\n${rejectionLines.join('\n')}\n    pending batches ${snap.pendingBatches}, spool files ${spoolFiles(dataDir).length}`);
    expect(problems).toEqual([]);
    for (const k of new Set([...rejections.keys(), ...snap.rejections.keys()])) expect(snap.rejections.get(k) ?? 0, k).toBe(rejections.get(k) ?? 0);
    expect(snap.pendingBatches).toBe(0);
  }, 540_000);
});
