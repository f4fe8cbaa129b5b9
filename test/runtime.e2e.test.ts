import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let t: TestPlatform;
let key: string;

beforeAll(async () => {
  t = await startTestPlatform();
  key = await t.newKey('runtime');
});
afterAll(() => t.stop());

describe('the local feature runtime', () => {
  it('times out a looping feature without blocking calls to other features', async () => {
    await t.call(key, '/v1/features/echo'); // warm
    let spinning = true;
    const looping = t.call(key, '/v1/features/spin').then((r) => {
      spinning = false;
      return r.status;
    });
    // The first of twenty calls to another feature answers while the spinning call still holds its
    // process (spin's timeout is 2 s; one echo call takes milliseconds even on a loaded machine).
    const echoes = Array.from({ length: 20 }, () => t.call(key, '/v1/features/echo').then((r) => r.status));
    const first = await Promise.race(echoes);
    expect(first).toBe(200);
    expect(spinning).toBe(true);
    expect((await Promise.all(echoes)).every((s) => s === 200)).toBe(true);
    expect(await looping).toBe(504);
    // The terminated process is replaced: the feature still answers (and times out again).
    expect((await t.call(key, '/v1/features/spin')).status).toBe(504);
  });

  it('confines a crash (process.exit) and an out-of-memory to that call while the gateway keeps serving', async () => {
    const exit = await t.call(key, '/v1/features/hog?mode=exit');
    expect(exit.status).toBe(502);
    const oom = await t.call(key, '/v1/features/hog');
    expect(oom.status).toBe(502);
    expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
    expect(t.platform.pool.stats.crashes).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('keeps workers warm and reuses them', async () => {
    await t.call(key, '/v1/features/slow?ms=1');
    const cold = t.platform.pool.stats.coldStarts;
    for (let i = 0; i < 10; i++) await t.call(key, '/v1/features/slow?ms=1');
    expect(t.platform.pool.stats.coldStarts).toBe(cold);
  });

  it('caps concurrency per feature and queues the rest', async () => {
    // slow has the default cap of 4 workers: 8 calls of 200 ms take two rounds.
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 8 }, () => t.call(key, '/v1/features/slow?ms=200')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });
});
