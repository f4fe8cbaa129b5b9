/**
 * Crash: `kill -9` of the platform process mid-load, then a restart on the same data dir.
 * Every call that was answered with a 2xx (and every other metered answer) has exactly one
 * record, found by the `faascape-invocation-id` the client got; nothing is counted twice
 * (aggregate calls = distinct records); the store child exits by itself when its parent dies; and
 * batches left committed-but-unapplied, or in the spool, are replayed once at the next start.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { classOf, countBy, randomWellFormedKey, runLoad, table, type Req, type Res } from './helpers/http.ts';
import { alive, killAll, spoolFiles, startPlatformProcess, tempDir, waitGone, waitMeterIdle } from './helpers/platform-process.ts';
import { clientView, exactlyOnceProblems, formatReconciliation, monthsBetween, reconcile, rejectionProblems } from './helpers/reconcile.ts';
import { createKeys, snapshot, withStore } from './helpers/store.ts';

afterEach(killAll);

const FEATURES = ['echo', 'slow', 'boom'];

interface CrashCycle {
  /** kill the store child this long after the load starts (a store outage before the crash) */
  killStoreAtMs?: number;
  killPlatformAtMs: number;
}

interface CycleFigures {
  sent: number;
  answered2xx: number;
  cut: number;
  storeGoneMs: number;
  servedDuringOutage: number;
  leftPending: number;
  leftSpool: number;
  replayLine: string;
}

/**
 * Runs crash cycles on one data dir (start, load, optional store kill, kill -9 of the platform;
 * the next start recovers the previous run), then a last start that recovers the last crash, a
 * graceful stop, and the reconciliation of every answer of every cycle against the store.
 */
async function crashScenario(label: string, cycles: CrashCycle[]) {
  const tag = `[crash${cycles.some((c) => c.killStoreAtMs !== undefined) ? '+outage' : ''}]`;
  const dataDir = tempDir();
  const t0 = Date.now();
  const results: Res[] = [];
  const figures: CycleFigures[] = [];
  let keyA = '';
  let keyB = '';
  const next = (n: number): Req => {
    const x = Math.random() * 100;
    if (x < 55) return { method: 'POST', path: '/v1/features/echo', headers: { 'x-api-key': keyA }, body: JSON.stringify({ n }), tag: 'echo', clientId: 'crash-a', featureId: 'echo' };
    if (x < 70) return { method: 'GET', path: `/v1/features/echo?n=${n}`, headers: { authorization: `Bearer ${keyB}` }, tag: 'echo', clientId: 'crash-b', featureId: 'echo' };
    if (x < 75) return { method: 'GET', path: '/v1/features/echo?status=404', headers: { 'x-api-key': keyA }, tag: 'echo-404', clientId: 'crash-a', featureId: 'echo' };
    if (x < 85) return { method: 'GET', path: '/v1/features/slow?ms=5', headers: { 'x-api-key': keyB }, tag: 'slow', clientId: 'crash-b', featureId: 'slow' };
    if (x < 90) return { method: 'GET', path: '/v1/features/boom', headers: { 'x-api-key': keyA }, tag: 'boom', clientId: 'crash-a', featureId: 'boom' };
    if (x < 95) return { method: 'GET', path: '/v1/features/echo', headers: { 'x-api-key': randomWellFormedKey() }, tag: 'unknown-key' };
    return { method: 'GET', path: '/v1/features/nope', headers: { 'x-api-key': keyA }, tag: 'unknown-feature', clientId: 'crash-a' };
  };

  let replayLine = '';
  for (const [i, cycle] of cycles.entries()) {
    const platform = await startPlatformProcess({ dataDir });
    if (i > 0) replayLine = platform.output().split('\n').find((l) => l.includes('replaying')) ?? '(nothing to replay)';
    if (i > 0) figures[i - 1]!.replayLine = replayLine.trim();
    if (i === 0) {
      const [a, b] = await createKeys(dataDir, ['crash-a', 'crash-b']);
      keyA = a?.apiKey as string;
      keyB = b?.apiKey as string;
    }
    const storePid = platform.storePid() as number;
    expect(storePid, 'the platform has a store child').toBeGreaterThan(0);
    const signal = { stopped: false };
    const started = Date.now();
    let storeKilledAt: number | undefined;
    let storeGone: Promise<number> = Promise.resolve(-2);
    const events = (async () => {
      if (cycle.killStoreAtMs !== undefined) {
        await sleep(cycle.killStoreAtMs);
        process.kill(storePid, 'SIGKILL');
        storeKilledAt = Date.now();
        await sleep(cycle.killPlatformAtMs - cycle.killStoreAtMs);
      } else {
        await sleep(cycle.killPlatformAtMs);
      }
      const killedAt = Date.now();
      await platform.kill9();
      // Nobody signals the store: it must notice the IPC disconnect and exit on its own.
      if (cycle.killStoreAtMs === undefined) storeGone = waitGone(storePid, 10_000).then((ms) => (ms < 0 ? -1 : Date.now() - killedAt));
      signal.stopped = true;
    })();
    const cycleResults = await runLoad({ url: platform.url, connections: 48, durationMs: cycle.killPlatformAtMs + 5_000, signal, next: (_c, n) => next(n), timeoutMs: 20_000 });
    await events;
    results.push(...cycleResults);
    const storeGoneMs = await storeGone;
    expect(alive(platform.pid)).toBe(false);
    // What the dead run left behind, read straight from the data dir (the store is free now).
    const leftPending = await withStore(dataDir, async ({ usage }) => (await usage.committed()).length);
    figures.push({
      sent: cycleResults.length,
      answered2xx: cycleResults.filter((r) => r.invocationId && r.status >= 200 && r.status < 300).length,
      cut: cycleResults.filter((r) => r.netError).length,
      storeGoneMs,
      servedDuringOutage: storeKilledAt === undefined ? 0 : cycleResults.filter((r) => r.invocationId && r.sentAt >= (storeKilledAt as number)).length,
      leftPending,
      leftSpool: spoolFiles(dataDir).length,
      replayLine: '',
    });
    console.log(
      `${tag} cycle ${i + 1}: ${cycleResults.length} calls, kill -9 of pid ${platform.pid} at +${cycle.killPlatformAtMs / 1000} s` +
        (storeKilledAt !== undefined ? ` (store pid ${storePid} SIGKILLed at +${((storeKilledAt - started) / 1000).toFixed(1)} s)` : ''),
    );
  }

  const last = await startPlatformProcess({ dataDir });
  figures[figures.length - 1]!.replayLine = (last.output().split('\n').find((l) => l.includes('replaying')) ?? '(nothing to replay)').trim();
  const idle = await waitMeterIdle(last);
  const spoolAfterReplay = spoolFiles(dataDir).length;
  expect(await last.stop()).toEqual({ code: 0, signal: null });

  const clients = ['crash-a', 'crash-b', '-'];
  const view = clientView(results);
  const snap = await snapshot(dataDir, monthsBetween(t0, Date.now()), clients.flatMap((clientId) => FEATURES.map((featureId) => ({ clientId, featureId }))), clients);
  const rec = reconcile(view, snap);
  const answered2xx = results.filter((r) => r.invocationId && r.status >= 200 && r.status < 300);
  const recordedIds = new Map<string, number>();
  for (const list of snap.records.values()) for (const r of list) recordedIds.set(r.invocationId, (recordedIds.get(r.invocationId) ?? 0) + 1);

  console.log(
    `${tag} ${label}: ${results.length.toLocaleString('en-US')} calls over 48 connections in ${cycles.length} crash cycle(s)\n` +
      figures
        .map(
          (f, i) =>
            `${tag}   cycle ${i + 1}: ${f.sent} sent, ${f.answered2xx} answered 2xx, ${f.cut} cut by the kill` +
            (f.storeGoneMs >= 0 ? `; store child gone by itself ${f.storeGoneMs} ms after the kill -9 was sent (IPC disconnect)` : '') +
            (f.servedDuringOutage ? `; ${f.servedDuringOutage} metered answers served after the store was killed (spooled)` : '') +
            `\n${tag}     left behind: ${f.leftPending} committed-but-unapplied batch(es), ${f.leftSpool} spool file(s); next start: "${f.replayLine}"`,
        )
        .join('\n') +
      `\n${tag} classes seen:\n${table(countBy(results, classOf))}\n` +
      `${tag} meter after the last replay ${JSON.stringify(idle.meter)}; spool files after replay: ${spoolAfterReplay}\n` +
      `${tag} 2xx answers: ${answered2xx.length}, each found ${answered2xx.every((r) => recordedIds.get(r.invocationId as string) === 1) ? 'exactly once' : 'NOT exactly once'}; ` +
      `calls cut by the crashes (no answer): ${view.netErrors}\n${formatReconciliation(rec)}`,
  );

  for (const f of figures.filter((f) => f.storeGoneMs !== -2)) {
    expect(f.storeGoneMs, 'the store child exits by itself after kill -9 of the platform').toBeGreaterThanOrEqual(0);
    expect(f.storeGoneMs).toBeLessThan(5_000);
  }
  expect(answered2xx.length).toBeGreaterThan(500 * cycles.length);
  expect(answered2xx.filter((r) => recordedIds.get(r.invocationId as string) !== 1).map((r) => `${r.invocationId}: ${recordedIds.get(r.invocationId as string) ?? 0}`)).toEqual([]);
  // Records without an answer can only be calls cut by the crash.
  expect(exactlyOnceProblems(rec, { maxUnseen: view.netErrors })).toEqual([]);
  // Rejection counts wait in memory up to a second before they join a batch: a kill -9 may lose
  // the last ones (they are never billed), but it must never count one twice.
  expect(rejectionProblems(rec, 'at-most-seen')).toEqual([]);
  expect(snap.pendingBatches).toBe(0);
  expect(spoolAfterReplay).toBe(0);
  return { figures, idle };
}

describe('crash: kill -9 of the platform mid-load, restart on the same data dir', () => {
  it('three kill -9 cycles: every answered call has exactly one record, nothing is counted twice, the store child exits by itself', async () => {
    await crashScenario('kill -9 with the store up', [{ killPlatformAtMs: 3_000 }, { killPlatformAtMs: 4_000 }, { killPlatformAtMs: 3_500 }]);
  });

  it('kill -9 during a store outage: the spool left behind is replayed, once', async () => {
    const { figures, idle } = await crashScenario('store SIGKILLed at +3 s, platform kill -9 at +6 s', [{ killStoreAtMs: 3_000, killPlatformAtMs: 6_000 }]);
    const f = figures[0] as CycleFigures;
    expect(f.servedDuringOutage).toBeGreaterThan(100);
    expect(f.leftSpool).toBeGreaterThan(0);
    expect(f.replayLine).toContain('replaying');
    expect(idle.meter.batchesApplied).toBeGreaterThanOrEqual(f.leftSpool);
  });
});
