import { App } from 'aws-cdk-lib';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaascapeStack } from '../infra/faascape-stack.ts';
import { DAY_MS } from '../shared/lifecycle.ts';
import { monthOf } from '../shared/month.ts';
import { DEFAULT_POLICY } from '../shared/statement.ts';
import type { UsageRecord } from '../shared/usage.ts';
import { copyFixtures, errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { signUp } from './helpers/console.ts';
import type { ClientOverview } from '../runtime/console/api-types.ts';

/** The platform's clock: real time moved forward by `offset`, so a test can live through a sunset or a price change. */
const T0 = Date.now();
let offset = 0;
const clock = () => Date.now() + offset;
const iso = (ms: number) => new Date(ms).toISOString();

const SUNSET = T0 + 2 * DAY_MS;
const DEPRECATED = T0 - DAY_MS;
const EFFECTIVE = T0 + 20 * DAY_MS;

let dir: string;
let t: TestPlatform;
let key: string;

/** A copy of the echo fixture under another slug, with manifest fields changed. */
function feature(slug: string, over: Record<string, unknown>) {
  cpSync(join(dir, 'echo'), join(dir, slug), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'echo', 'feature.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, slug, 'feature.json'), JSON.stringify({ ...manifest, name: slug, ...over }));
}

const rise = (effectiveFrom: number, publishedAt: number) => ({
  nextPrice: { perCall: '0.003', perGbSecond: '0.000017', currency: 'EUR', effectiveFrom: iso(effectiveFrom) },
  pricePublishedAt: iso(publishedAt),
});

async function recordsOf(clientId: string, slug: string): Promise<UsageRecord[]> {
  await t.platform.meter.settled();
  const months = [...new Set([monthOf(T0), monthOf(clock())])];
  return (await Promise.all(months.map((m) => t.usage.records(m, clientId, slug)))).flat().sort((a, b) => a.startedAt - b.startedAt);
}

beforeAll(async () => {
  dir = copyFixtures();
  rmSync(join(dir, 'broken-manifest'), { recursive: true });
  feature('old-echo', { status: 'deprecated', deprecatedAt: iso(DEPRECATED), sunsetAt: iso(SUNSET), successor: 'echo' });
  feature('lone-echo', { status: 'deprecated', sunsetAt: iso(SUNSET) });
  feature('pricey', rise(EFFECTIVE, T0 - DAY_MS));
  feature('cheaper', { nextPrice: { perCall: '0.001', perGbSecond: '0', currency: 'EUR', effectiveFrom: iso(T0 - DAY_MS) } });
  feature('too-soon', rise(T0 + 3 * DAY_MS, T0 - DAY_MS));
  t = await startTestPlatform({ functionsDir: dir, clock });
  key = await t.newKey('lifecycle');
}, 60_000);
afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a feature’s lifecycle and price schedule, through the gateway', () => {
  it('refuses at load a price rise sooner than the notice, naming the feature, and still loads the others', () => {
    const problem = t.platform.problems.find((p) => p.message.includes('too-soon'));
    expect(problem?.message).toMatch(/too-soon\/feature\.json: nextPrice: feature "too-soon": a price rise needs 14 days' notice/);
    expect(t.platform.features.has('too-soon')).toBe(false);
    expect(t.platform.features.has('pricey')).toBe(true);
  });

  it('refuses the same manifest at synth', () => {
    const out = mkdtempSync(join(tmpdir(), 'faascape-cdk-'));
    try {
      expect(() => new FaascapeStack(new App({ outdir: out }), 'Lifecycle', { stage: 'test', policy: DEFAULT_POLICY, functionsDir: dir, consoleSiteDir: out })).toThrow(
        /cannot deploy:[\s\S]*feature "too-soon": a price rise needs 14 days' notice/,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('shows status, sunset, successor and the next price with its date in the public catalogue', async () => {
    const body = (await (await t.call(undefined, '/v1/features')).json()) as { features: Record<string, any>[] };
    const bySlug = Object.fromEntries(body.features.map((f) => [f.slug, f]));
    expect(Object.keys(bySlug)).not.toContain('too-soon');
    expect(bySlug.echo).toMatchObject({ status: 'published' });
    expect(bySlug.echo).not.toHaveProperty('sunsetAt');
    expect(bySlug.echo).not.toHaveProperty('nextPrice');
    expect(bySlug['old-echo']).toMatchObject({ status: 'deprecated', sunsetAt: iso(SUNSET), deprecatedAt: iso(DEPRECATED), successor: 'echo' });
    expect(bySlug.pricey).toMatchObject({
      price: { perCall: '0.002', perCallMicros: 2000 },
      nextPrice: { perCall: '0.003', perGbSecond: '0.000017', currency: 'EUR', perCallMicros: 3000, perGbSecondMicros: 17, effectiveFrom: iso(EFFECTIVE) },
    });
    // A drop whose date has passed is the price, with nothing announced.
    expect(bySlug.cheaper.price).toMatchObject({ perCall: '0.001', perCallMicros: 1000, perGbSecondMicros: 0 });
    expect(bySlug.cheaper).not.toHaveProperty('nextPrice');
  });

  it('answers a deprecated feature with Deprecation, Sunset and the successor Link', async () => {
    const res = await t.call(key, '/v1/features/old-echo');
    expect(res.status).toBe(200);
    expect(res.headers.get('deprecation')).toBe(`@${Math.floor(DEPRECATED / 1000)}`);
    expect(res.headers.get('sunset')).toBe(new Date(SUNSET).toUTCString());
    expect(res.headers.get('link')).toBe('</v1/features/echo>; rel="successor-version"');
    const lone = await t.call(key, '/v1/features/lone-echo');
    expect(lone.headers.get('deprecation')).toBe(`@${Math.floor((SUNSET - 14 * DAY_MS) / 1000)}`);
    expect(lone.headers.get('link')).toBeNull();
    const published = await t.call(key, '/v1/features/echo');
    expect(published.headers.get('deprecation')).toBeNull();
    expect(published.headers.get('sunset')).toBeNull();
  });

  it('tells the clients who called a feature in the last 30 days of its coming price, on their console page', async () => {
    const watcher = await t.newKey('watcher');
    expect((await t.call(watcher, '/v1/features/pricey')).status).toBe(200);
    expect((await t.call(watcher, '/v1/features/echo')).status).toBe(200);
    await t.clients.ensureClient('quiet');
    const seen = await signUp(t, 'buyer@watcher.example', 'client', { clientId: 'watcher' });
    const overview = (await (await seen.fetch('/client/overview')).json()) as ClientOverview;
    expect(overview.priceNotices).toEqual([
      { featureId: 'pricey', name: 'pricey', rise: true, perCallMicros: 2000, perGbSecondMicros: 17, nextPerCallMicros: 3000, nextPerGbSecondMicros: 17, effectiveFrom: iso(EFFECTIVE) },
    ]);
    // A client that never called it hears nothing.
    const quiet = await signUp(t, 'buyer@quiet.example', 'client', { clientId: 'quiet' });
    expect(((await (await quiet.fetch('/client/overview')).json()) as ClientOverview).priceNotices).toEqual([]);
  });

  it('prices calls at the current price before effectiveFrom and at the next price from it on; a drop applies at once', async () => {
    expect((await t.call(key, '/v1/features/pricey')).status).toBe(200);
    expect((await t.call(key, '/v1/features/cheaper')).status).toBe(200);
    offset = EFFECTIVE - T0 + 1000;
    expect((await t.call(key, '/v1/features/pricey')).status).toBe(200);
    const pricey = await recordsOf('lifecycle', 'pricey');
    expect(pricey.map((r) => [r.price.perCallMicros, r.billable])).toEqual([
      [2000, true],
      [3000, true],
    ]);
    expect((await recordsOf('lifecycle', 'cheaper')).map((r) => r.price)).toEqual([{ perCallMicros: 1000, perGbSecondMicros: 0, currency: 'EUR' }]);
    const body = (await (await t.call(undefined, '/v1/features')).json()) as { features: Record<string, any>[] };
    const now = body.features.find((f) => f.slug === 'pricey');
    expect(now?.price).toMatchObject({ perCall: '0.003', perCallMicros: 3000 });
    expect(now).not.toHaveProperty('nextPrice');
  });

  it('answers 410 feature_retired after sunsetAt, naming the successor, and never bills it', async () => {
    offset = SUNSET - T0;
    const res = await t.call(key, '/v1/features/old-echo/any/path', { method: 'POST', body: '{}' });
    const error = await errorOf(res.clone());
    expect(error).toMatchObject({ status: 410, code: 'feature_retired' });
    expect(error.message).toMatch(/"old-echo" has been retired; its successor is "echo"/);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('sunset')).toBe(new Date(SUNSET).toUTCString());
    expect(res.headers.get('link')).toBe('</v1/features/echo>; rel="successor-version"');
    const lone = await errorOf(await t.call(key, '/v1/features/lone-echo'));
    expect(lone).toMatchObject({ status: 410, code: 'feature_retired' });
    expect(lone.message).not.toMatch(/successor/);
    // Only the call made before the sunset is a record; the refusals are counted, never billed.
    const records = await recordsOf('lifecycle', 'old-echo');
    expect(records).toHaveLength(1);
    expect(records[0]?.startedAt).toBeLessThan(SUNSET);
    const rejected = (await t.usage.rejections(monthOf(clock()))).filter((r) => r.clientId === 'lifecycle' && r.code === 'feature_retired');
    expect(rejected.reduce((n, r) => n + r.count, 0)).toBe(2);
    // The successor still answers.
    expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
  });
});
