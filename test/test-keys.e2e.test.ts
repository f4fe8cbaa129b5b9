/**
 * Test keys (issue 16): a client tries features without paying. Their calls are real and
 * metered, marked as test in usage, never billed (no statement, invoice, revenue, quality signal
 * or level counts them), outside the client's quota, and limited per client (all its test keys together) and UTC day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth, previousMonth } from '../shared/month.ts';
import { lineAmountMicros } from '../shared/price.ts';
import type { UsageRecord } from '../shared/usage.ts';
import { MovableClock, signUp } from './helpers/console.ts';
import { errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const lastMonth = previousMonth(monthOf(Date.now()));
const day10 = monthStart(lastMonth) + 9 * 86_400_000 + 12 * 3_600_000;
const clock = new MovableClock(day10);
const PER_DAY = 3;
let t: TestPlatform;
const seen: UsageRecord[] = [];

interface UsageBody {
  features: { featureId: string; test?: true; calls: number; billableCalls: number; amountMicros: number }[];
  totalMicros: number;
}

beforeAll(async () => {
  t = await startTestPlatform({ clock: clock.now, testCallsPerDay: PER_DAY });
  seen.length = 0;
}, 120_000);
afterAll(() => t?.stop());

describe('test keys', () => {
  it('are metered as test, never billed, outside the quota, and limited per client and UTC day, whatever its keys', async () => {
    await t.clients.ensureClient('acme');
    await t.clients.setLimits('acme', { monthlyQuota: 2 });
    const live = await t.clients.createKey('acme');
    const test = await t.clients.createKey('acme', { test: true });
    expect(test.apiKey).toMatch(/^fsk_test_[a-z2-9]{12}_/);
    expect(live.apiKey).not.toMatch(/^fsk_test_/);
    expect((await t.clients.listKeys('acme')).map((k) => [k.keyId, k.test ?? false])).toEqual(
      expect.arrayContaining([
        [live.keyId, false],
        [test.keyId, true],
      ]),
    );

    for (let i = 0; i < 2; i++) expect((await t.call(live.apiKey, '/v1/features/echo')).status).toBe(200);
    // The quota of 2 is used up by live calls; test calls do not count against it.
    expect((await errorOf(await t.call(live.apiKey, '/v1/features/echo'))).code).toBe('quota_exceeded');
    for (let i = 1; i <= PER_DAY; i++) {
      const res = await t.call(test.apiKey, '/v1/features/echo');
      expect(res.status).toBe(200);
      // What is left today, and the seconds to midnight UTC (the clock runs: noon plus a moment).
      const [, left, reset] = /^"test-day";r=(\d+);t=(\d+)$/.exec(res.headers.get('ratelimit') ?? '') ?? [];
      expect(Number(left)).toBe(PER_DAY - i);
      expect(12 * 3600 - Number(reset)).toBeLessThan(60);
    }
    const refused = await t.call(test.apiKey, '/v1/features/echo');
    expect(12 * 3600 - Number(refused.headers.get('retry-after'))).toBeLessThan(60);
    expect(await errorOf(refused)).toEqual({ status: 429, code: 'test_limit_reached', message: expect.stringMatching(/3 calls for today/) });
    // The allowance is the client's, not the key's: revoking the used-up key and making a new one
    // gives no more free calls that day. Another client's test key has its own.
    await t.clients.revokeKey(test.keyId);
    const renewed = await t.clients.createKey('acme', { test: true });
    expect((await errorOf(await t.call(renewed.apiKey, '/v1/features/echo'))).code).toBe('test_limit_reached');
    const other = await t.clients.createKey('globex', { test: true });
    expect((await t.call(other.apiKey, '/v1/features/echo')).status).toBe(200);

    // The next UTC day the client has its allowance again.
    clock.jumpTo(day10 + 86_400_000);
    expect((await t.call(renewed.apiKey, '/v1/features/echo')).status).toBe(200);
    await t.platform.meter.settled();

    // The client sees its test calls apart, at no cost.
    const usage = (await (await t.call(live.apiKey, `/v1/usage?month=${lastMonth}`)).json()) as UsageBody;
    const echo = usage.features.filter((f) => f.featureId === 'echo');
    expect(echo.map((f) => ({ test: f.test ?? false, calls: f.calls, billableCalls: f.billableCalls }))).toEqual([
      { test: false, calls: 2, billableCalls: 2 },
      { test: true, calls: PER_DAY + 1, billableCalls: 0 },
    ]);
    expect(echo[1]?.amountMicros).toBe(0);
    expect(usage.totalMicros).toBe(echo[0]?.amountMicros);

    // The records say which calls were tests.
    const records = await t.usage.records(lastMonth, 'acme', 'echo');
    expect(records.filter((r) => r.test).map((r) => [r.keyId, r.billable])).toEqual([...Array.from({ length: PER_DAY }, () => [test.keyId, false]), [renewed.keyId, false]]);
  });

  it('a client creates one in the console, sees it listed as test, and its usage apart', async () => {
    const acme = await signUp(t, 'tries@acme.example', 'client', { clientId: 'acme' });
    const created = await acme.fetch('/client/keys', { method: 'POST', body: { test: true } });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { keyId: string; apiKey: string; test: boolean };
    expect(key).toMatchObject({ test: true, apiKey: expect.stringMatching(/^fsk_test_/) });
    const list = (await (await acme.fetch('/client/keys')).json()) as { keys: { keyId: string; test?: true }[] };
    expect(list.keys.find((k) => k.keyId === key.keyId)?.test).toBe(true);
    expect((await acme.fetch('/client/keys', { method: 'POST', body: { test: 'yes' } })).status).toBe(400);
    const overview = (await (await acme.fetch(`/client/overview?month=${lastMonth}`)).json()) as { features: { featureId: string; test?: true; calls: number }[]; quota: { usedCalls: number } };
    expect(overview.features.filter((f) => f.featureId === 'echo').map((f) => [f.test ?? false, f.calls])).toEqual([
      [false, 2],
      [true, PER_DAY + 1],
    ]);
    // The quota counts live calls only.
    expect(overview.quota.usedCalls).toBe(2);
  });

  it('a key shown with the other prefix is refused: the prefix cannot be changed', async () => {
    const live = await t.clients.createKey('acme');
    const test = await t.clients.createKey('acme', { test: true });
    expect((await errorOf(await t.call(live.apiKey.replace(/^fsk_/, 'fsk_test_'), '/v1/features/echo'))).code).toBe('invalid_api_key');
    expect((await errorOf(await t.call(test.apiKey.replace(/^fsk_test_/, 'fsk_'), '/v1/features/echo'))).code).toBe('invalid_api_key');
  });

  it('the closed month bills the live calls only, and the quality signals count them only', async () => {
    const catalogue = (await (await fetch(`${t.url}/console/api/catalogue`)).json()) as { features: { slug: string; quality: { calls30d: number } }[] };
    expect(catalogue.features.find((f) => f.slug === 'echo')?.quality.calls30d).toBe(2);

    clock.jumpTo(monthStart(nextMonth(lastMonth)) + 3 * 3_600_000);
    const closed = await t.platform.statements.close(lastMonth);
    expect(closed.outcome).toBe('closed');
    const acme = closed.statement.clients.find((c) => c.clientId === 'acme');
    expect(acme?.lines.map((l) => [l.featureId, l.calls, l.billableCalls])).toEqual([['echo', 2, 2]]);
    const line = acme?.lines[0];
    const records = (await t.usage.records(lastMonth, 'acme', 'echo')).filter((r) => !r.test);
    const mbMs = records.reduce((n, r) => n + r.billedMs * r.memoryMb, 0);
    const exact = lineAmountMicros(records[0]!.price, 2, mbMs);
    // Half-up to the cent, once per line (decision 0014).
    expect(line?.amountMicros).toBe(Number(((exact + 5_000n) / 10_000n) * 10_000n));
    expect(closed.statement.totals.revenueMicros).toBe(acme?.totalMicros);
  });
});
