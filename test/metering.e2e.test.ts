import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { monthOf } from '../shared/month.ts';
import { copyFixtures, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const month = monthOf(Date.now());
const running: TestPlatform[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'faascape-data-'));
  dirs.push(d);
  return d;
}

async function start(opts: Parameters<typeof startTestPlatform>[0] = {}) {
  const t = await startTestPlatform(opts);
  running.push(t);
  return t;
}

describe('metering', () => {
  it('records 2,000 concurrent calls exactly once each, with the right billable count', async () => {
    const t = await start();
    const key = await t.newKey('load');
    // Every fifth call asks the feature for a 404: metered, not billable.
    const responses = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => t.call(key, `/v1/features/echo${i % 5 === 0 ? '?status=404' : ''}`).then(async (r) => ({ status: r.status, id: r.headers.get('faascape-invocation-id'), _: await r.arrayBuffer() }))),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1600);
    expect(responses.filter((r) => r.status === 404)).toHaveLength(400);
    await t.platform.meter.settled();
    const [agg] = await t.usage.clientAggregates('load', month);
    expect(agg).toMatchObject({ calls: 2000, billableCalls: 1600 });
    const records = await t.usage.records(month, 'load', 'echo');
    expect(records).toHaveLength(2000);
    expect(new Set(records.map((r) => r.invocationId))).toEqual(new Set(responses.map((r) => r.id)));
    // Group commit: far fewer store commits than calls.
    expect(t.platform.meter.stats().batchesCommitted).toBeLessThan(1000);
  }, 60_000);

  it('loses nothing and counts nothing twice through a store outage mid-load', async () => {
    const t = await start();
    const key = await t.newKey('outage');
    const ids: string[] = [];
    const fire = (n: number) =>
      Promise.all(
        Array.from({ length: n }, () =>
          t.call(key, '/v1/features/echo').then(async (r) => {
            await r.arrayBuffer();
            expect(r.status).toBe(200);
            ids.push(r.headers.get('faascape-invocation-id') as string);
          }),
        ),
      );
    await fire(100);
    const load = fire(300);
    await t.platform.store.stop();
    await load;
    await fire(200); // served while the store is down: spooled
    expect(t.platform.meter.stats().batchesSpooled).toBeGreaterThan(0);
    expect(readdirSync(join(t.dataDir, 'spool')).length).toBeGreaterThan(0);
    await t.platform.store.start();
    expect(await t.platform.meter.settled(20_000)).toBe(true);
    const [agg] = await t.usage.clientAggregates('outage', month);
    expect(agg?.calls).toBe(600);
    const records = await t.usage.records(month, 'outage', 'echo');
    expect(records.map((r) => r.invocationId).sort()).toEqual([...ids].sort());
    expect(readdirSync(join(t.dataDir, 'spool')).filter((f) => f.endsWith('.json'))).toEqual([]);
  }, 60_000);

  it('replays a spool left by a run that died, once, at the next start', async () => {
    const functionsDir = copyFixtures();
    dirs.push(functionsDir);
    const dataDir = tempDir();
    const first = await startTestPlatform({ functionsDir, dataDir, });
    const key = await first.newKey('restart');
    // The key was seen once: an outage later does not lock its client out.
    expect((await first.call(key, '/v1/features/echo')).status).toBe(200);
    await first.platform.store.stop();
    const unseen = await first.call(await (async () => 'fsk_aaaaaaaaaaaa_' + 'A'.repeat(43))(), '/v1/features/echo');
    expect(unseen.status).toBe(503);
    const statuses = await Promise.all(Array.from({ length: 50 }, () => first.call(key, '/v1/features/echo').then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Stop without the store: the batches stay in the spool, as after a crash.
    await first.platform.meter.close(200);
    await first.platform.pool.close();
    const second = await start({ functionsDir, dataDir, });
    expect(await second.platform.meter.settled(20_000)).toBe(true);
    const [agg] = await second.usage.clientAggregates('restart', month);
    expect(agg?.calls).toBe(51);
    expect(await second.usage.records(month, 'restart', 'echo')).toHaveLength(51);
  }, 60_000);

  it('fixes the price on each record: a price change never reprices past calls', async () => {
    const functionsDir = copyFixtures();
    dirs.push(functionsDir);
    const dataDir = tempDir();
    const first = await startTestPlatform({ functionsDir, dataDir });
    const key = await first.newKey('pricing');
    for (let i = 0; i < 3; i++) expect((await first.call(key, '/v1/features/echo')).status).toBe(200);
    await first.stop();

    const manifestFile = join(functionsDir, 'echo', 'feature.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.price = { perCall: '0.01', perGbSecond: '0', currency: 'EUR' };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const second = await start({ functionsDir, dataDir });
    for (let i = 0; i < 2; i++) expect((await second.call(key, '/v1/features/echo')).status).toBe(200);

    const usage = (await (await second.call(key, `/v1/usage?month=${month}`)).json()) as { features: { featureId: string; calls: number; amountMicros: number }[] };
    const echo = usage.features.find((f) => f.featureId === 'echo');
    const lines = await second.usage.clientAggregates('pricing', month);
    expect(lines.map((l) => [l.calls, l.price.perCallMicros]).sort()).toEqual([
      [2, 10_000],
      [3, 2_000],
    ]);
    const oldCompute = lines.find((l) => l.price.perCallMicros === 2000) as (typeof lines)[number];
    // 3 × 0.002 plus the old line's compute at 0.000017/GB-s, rounded half-up once; 2 × 0.01 for the new.
    const expected = 3 * 2000 + Math.floor((oldCompute.billableMbMs * 17 * 2 + 1_024_000) / (2 * 1_024_000)) + 2 * 10_000;
    expect(echo).toMatchObject({ calls: 5, amountMicros: expected });
  }, 60_000);

  it('shows a client its own usage only', async () => {
    const t = await start();
    const a = await t.newKey('client-a');
    const b = await t.newKey('client-b');
    await t.call(a, '/v1/features/echo');
    await t.call(a, '/v1/features/slow?ms=1');
    await t.call(b, '/v1/features/echo');
    const seenByB = (await (await t.call(b, '/v1/usage')).json()) as { clientId: string; features: { featureId: string; calls: number }[] };
    expect(seenByB.clientId).toBe('client-b');
    expect(seenByB.features).toEqual([expect.objectContaining({ featureId: 'echo', calls: 1 })]);
    // A query parameter cannot widen the view.
    const sneaky = (await (await t.call(b, '/v1/usage?clientId=client-a&client=client-a')).json()) as typeof seenByB;
    expect(sneaky.clientId).toBe('client-b');
    expect(sneaky.features).toHaveLength(1);
  });
});
