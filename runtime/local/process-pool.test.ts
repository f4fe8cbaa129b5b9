import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseManifest } from '../../shared/manifest.ts';
import { silentLogger } from '../logger.ts';
import { MAX_QUEUED_CALLS, ProcessPool, type DiskWatch } from './process-pool.ts';

// A feature that answers after ?ms= milliseconds, as built JavaScript (what the pool runs); its
// module takes `loadMs` to load, so that a test can make a cold start as slow as it needs.
const source = (loadMs: number) => `await new Promise((r) => setTimeout(r, ${loadMs}));
let held;
export const handler = async (event) => {
  const mode = event.queryStringParameters?.mode;
  // Memory outside the heap, which --max-old-space-size does not count.
  if (mode === 'hog') held = Buffer.alloc(400 * 1024 * 1024, 1);
  // Files in its private /tmp (TMPDIR), kept there.
  if (mode === 'fill') (await import('node:fs')).writeFileSync(process.env.TMPDIR + '/fill', Buffer.alloc(20 * 1024 * 1024, 1));
  // Work after the answer: it spins until the process is stopped.
  if (mode === 'spin') setTimeout(function spin() { const end = Date.now() + 20; while (Date.now() < end); setImmediate(spin); }, 10);
  await new Promise((r) => setTimeout(r, Number(event.queryStringParameters?.ms ?? 0)));
  return { statusCode: 200, body: String(process.pid) };
};
`;

let dir: string;
let pool: ProcessPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function start(spawnAfterMs: number, loadMs = 0, disk?: DiskWatch) {
  dir = mkdtempSync(join(tmpdir(), 'faascape-pool-test-'));
  const modulePath = join(dir, 'index.mjs');
  writeFileSync(modulePath, source(loadMs));
  const spec = parseManifest('waits', join(dir, 'feature.json'), { name: 'Waits', description: 'd', version: '1.0.0', authors: [{ id: 'a', weight: 1 }], price: { perCall: '0.001', perGbSecond: '0', currency: 'EUR' }, memoryMb: 128, timeoutMs: 5000, concurrency: 4 });
  pool = new ProcessPool(new Map([['waits', { spec, modulePath }]]), silentLogger, undefined, spawnAfterMs, disk);
  let n = 0;
  const call = async (ms: number) => {
    const event = { rawPath: '/v1/features/waits', queryStringParameters: { ms: String(ms) }, requestContext: { http: { method: 'GET' } } } as unknown as APIGatewayProxyEventV2;
    const o = await (pool as ProcessPool).invoke({ feature: spec, invocationId: `call-${++n}`, event });
    if (o.kind !== 'returned') throw new Error(`the call failed: ${JSON.stringify(o)}`);
    return (o.result as { body: string }).body;
  };
  const invoke = (ms: number, mode?: string) => {
    const event = { rawPath: '/v1/features/waits', queryStringParameters: { ms: String(ms), ...(mode ? { mode } : {}) }, requestContext: { http: { method: 'GET' } } } as unknown as APIGatewayProxyEventV2;
    return (pool as ProcessPool).invoke({ feature: spec, invocationId: `call-${++n}`, event });
  };
  return { call, invoke, stats: () => (pool as ProcessPool).stats };
}

describe('how many processes a feature gets', () => {
  it('one process while it keeps up: calls that wait less than the spawn delay queue for it', async () => {
    const { call, stats } = start(2_000);
    await call(0);
    // Eight calls of ≈ 5 ms at once: the warm process serves them one after the other in far less than 2 s.
    const pids = await Promise.all(Array.from({ length: 8 }, () => call(5)));
    expect(new Set(pids).size).toBe(1);
    expect(stats().coldStarts).toBe(1);
  });

  it('one process when calls queue only behind its cold start: the time it takes to start does not count', async () => {
    // A cold start of 600 ms, longer than the 300 ms spawn delay; once ready, the process serves
    // the three queued calls of 0 ms in far less than 300 ms, even on a loaded machine (a 10 ms
    // delay against a plain cold start was not: three round trips took longer under CI load).
    const { call, stats } = start(300, 600);
    const pids = await Promise.all(Array.from({ length: 4 }, () => call(0)));
    expect(new Set(pids).size).toBe(1);
    expect(stats().coldStarts).toBe(1);
  });

  it('more processes, up to its concurrency, once calls wait longer than the spawn delay', async () => {
    const { call, stats } = start(50);
    await call(0);
    // Six calls of 400 ms at once: queued calls wait past 50 ms, so processes start until there are 4 (the cap).
    const started = performance.now();
    const pids = await Promise.all(Array.from({ length: 6 }, () => call(400)));
    expect(new Set(pids).size).toBe(4);
    expect(stats().coldStarts).toBe(4);
    // In two rounds of 400 ms (4 then 2), not six in a row.
    expect(performance.now() - started).toBeLessThan(6 * 400);
  });
});

describe('a call past its timeout', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is a timeout, never a billed answer, even when its answer is read before the timer could fire', async () => {
    const { call, invoke, stats } = start(2_000);
    await call(0);
    // The platform's clock jumps 6 s (timeoutMs is 5 s) once the call is dispatched, as when it is
    // stuck reading a huge message: the answer comes in 50 ms of real time, before the timer fires.
    const real = performance.now.bind(performance);
    let offset = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => real() + offset);
    const pending = invoke(50);
    await new Promise((r) => setImmediate(r));
    offset = 6_000;
    const outcome = await pending;
    expect(outcome).toMatchObject({ kind: 'timeout' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(5_000);
    expect(stats().timeouts).toBe(1);
  });
});

describe('calls waiting for a busy feature', () => {
  it(`are at most ${MAX_QUEUED_CALLS}: the next is refused at once as an error (never billed), the waiting ones are served`, async () => {
    const { call, invoke, stats } = start(2_000);
    await call(0);
    // One process, busy for 1.5 s (less than the 2 s spawn delay: no other starts).
    const busy = invoke(1_500);
    const waiting = Array.from({ length: MAX_QUEUED_CALLS + 3 }, () => invoke(0));
    const refused = await Promise.all(waiting.slice(MAX_QUEUED_CALLS));
    for (const o of refused) expect(o).toMatchObject({ kind: 'error', message: expect.stringMatching(/calls waiting already/) });
    expect(stats().refused).toBe(3);
    expect((await busy).kind).toBe('returned');
    for (const o of await Promise.all(waiting.slice(0, MAX_QUEUED_CALLS))) expect(o.kind).toBe('returned');
  });
});

// The watch reads /proc: Linux only (elsewhere it does nothing).
describe.skipIf(process.platform !== 'linux')('the watch over a feature’s processes', () => {
  it('stops a process whose memory passes its setting, Buffers included, and fails the call in flight', async () => {
    const { invoke, stats } = start(2_000);
    // 400 MB outside the heap of a 128 MB feature, then 4 s before it would answer: the watch stops it first.
    const outcome = await invoke(4_000, 'hog');
    expect(outcome).toMatchObject({ kind: 'error', message: expect.stringMatching(/more than its 128 MB/) });
    expect(stats().stopped).toBe(1);
  });

  it('stops a process that keeps computing after its answer; the next call gets a fresh one', async () => {
    const { call, invoke, stats } = start(2_000);
    expect((await invoke(0, 'spin')).kind).toBe('returned');
    const deadline = Date.now() + 10_000;
    while (stats().stopped === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stats().stopped).toBe(1);
    await call(0);
    expect(stats().coldStarts).toBe(2);
  });

  it('leaves a quiet idle process and a busy one alone', async () => {
    const { call, stats } = start(2_000);
    await call(0);
    // Busy for 1.5 s (the watch looks three times), then idle for 1.5 s.
    await call(1_500);
    await new Promise((r) => setTimeout(r, 1_500));
    await call(0);
    expect(stats().stopped).toBe(0);
    expect(stats().coldStarts).toBe(1);
  });

  it('stops a process whose /tmp passes its limit once the disk runs low, and only then', async () => {
    // The disk counts as low whatever its free space (lowFreeBytes: Infinity), and the limit is 10 MB.
    const { invoke, stats } = start(2_000, 0, { tmpLimitBytes: 10 * 1024 * 1024, lowFreeBytes: Infinity });
    expect((await invoke(0, 'fill')).kind).toBe('returned');
    const deadline = Date.now() + 10_000;
    while (stats().stopped === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stats().stopped).toBe(1);
  });

  it('leaves a process’s /tmp alone while the disk has room', async () => {
    const { call, invoke, stats } = start(2_000, 0, { tmpLimitBytes: 10 * 1024 * 1024, lowFreeBytes: 0 });
    expect((await invoke(0, 'fill')).kind).toBe('returned');
    await new Promise((r) => setTimeout(r, 1_500));
    await call(0);
    expect(stats().stopped).toBe(0);
  });
});

