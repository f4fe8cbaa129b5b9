/**
 * A feature's free monthly allowance (issue 16): each client's first calls of the month are
 * metered, shown free on its usage page and catalogue, and on its invoice at a zero price.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth, previousMonth } from '../shared/month.ts';
import { InvoiceStore } from '../runtime/statements/invoice-store.ts';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import { MovableClock } from './helpers/console.ts';
import { copyFixtures, editManifest, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const lastMonth = previousMonth(monthOf(Date.now()));
const clock = new MovableClock(monthStart(lastMonth) + 5 * 86_400_000);
const FREE = 3;
let functionsDir: string;
let t: TestPlatform;

beforeAll(async () => {
  functionsDir = copyFixtures();
  editManifest(functionsDir, 'echo', { freeCallsPerMonth: FREE });
  t = await startTestPlatform({ clock: clock.now, functionsDir });
}, 120_000);
afterAll(async () => {
  await t?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

interface UsageBody {
  features: { featureId: string; calls: number; billableCalls: number; freeCalls?: number; amountMicros: number }[];
}

describe('a free monthly allowance', () => {
  it('is in the catalogue, frees the first calls of each client on its usage page, and shows at zero on the invoice', async () => {
    const catalogue = (await (await fetch(`${t.url}/v1/features`)).json()) as { features: { slug: string; freeCallsPerMonth?: number }[] };
    expect(catalogue.features.find((f) => f.slug === 'echo')?.freeCallsPerMonth).toBe(FREE);
    expect(catalogue.features.find((f) => f.slug === 'slow')?.freeCallsPerMonth).toBeUndefined();

    const acme = await t.newKey('acme');
    const globex = await t.newKey('globex');
    // 40 calls at 0.002 EUR: 37 charged, enough for whole cents.
    for (let i = 0; i < 40; i++) expect((await t.call(acme, '/v1/features/echo')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await t.call(globex, '/v1/features/echo')).status).toBe(200);
    await t.platform.meter.settled();

    const mine = (await (await t.call(acme, `/v1/usage?month=${lastMonth}`)).json()) as UsageBody;
    const echo = mine.features.find((f) => f.featureId === 'echo');
    expect(echo).toMatchObject({ calls: 40, billableCalls: 40, freeCalls: FREE });
    // 37 × 2,000 micros, plus at most a few micros of compute.
    expect(echo!.amountMicros - 37 * 2_000).toBeGreaterThanOrEqual(0);
    expect(echo!.amountMicros - 37 * 2_000).toBeLessThan(100);
    // Each client has its own allowance: globex's two calls are free.
    const theirs = (await (await t.call(globex, `/v1/usage?month=${lastMonth}`)).json()) as UsageBody;
    expect(theirs.features.find((f) => f.featureId === 'echo')).toMatchObject({ freeCalls: 2, amountMicros: 0 });

    clock.jumpTo(monthStart(nextMonth(lastMonth)) + 3 * 3_600_000);
    const closed = await t.platform.statements.close(lastMonth);
    expect(closed.outcome).toBe('closed');
    expect(closed.statement.clients.find((c) => c.clientId === 'acme')?.lines).toEqual([expect.objectContaining({ featureId: 'echo', billableCalls: 40, freeCalls: FREE, amountMicros: 70_000 })]);
    // Nothing to pay: no invoice for globex, and no revenue from it.
    expect(closed.statement.clients.find((c) => c.clientId === 'globex')?.totalMicros ?? 0).toBe(0);

    const invoices = new InvoiceStore(documentClient(t.platform.dynamo), t.platform.tables);
    const invoice = await invoices.ofClient(lastMonth, 'acme');
    expect(invoice?.lines.map((l) => [l.description, l.calls, l.amountCents])).toEqual([
      ['echo: 37 billable calls', 37, 7],
      [`echo: ${FREE} free calls (monthly allowance)`, FREE, 0],
    ]);
    expect(invoice?.netCents).toBe(7);
    expect(await invoices.ofClient(lastMonth, 'globex')).toBeUndefined();
  });
});
