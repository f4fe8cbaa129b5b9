/**
 * The console in a real browser: Chromium (from the npm registry) driven by playwright-core, against a real
 * platform on loopback. Screenshots of each page land in test/artifacts/ (not committed).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth, previousMonth } from '../../shared/month.ts';
import { statementCsv } from '../../runtime/statements/csv.ts';
import { StatementStore } from '../../runtime/statements/statement-store.ts';
import { documentClient } from '../../runtime/store/dynamo-client.ts';
import { MovableClock, PASSWORD, setAuthors } from '../helpers/console.ts';
import { unlabelledControls, welcomeIn } from '../helpers/browser.ts';
import { launchBrowser } from '../helpers/chromium.ts';
import { copyFixtures, errorOf, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

const lastMonth = previousMonth(monthOf(Date.now()));
const clock = new MovableClock(monthStart(lastMonth) + 10 * 86_400_000);
let functionsDir: string;

let t: TestPlatform;
let browser: Browser;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

function signedIn(email: string, role: 'client' | 'developer' | 'finance', link: { clientId?: string; developerId?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  return welcomeIn(browser, t, email, role, link);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  functionsDir = copyFixtures();
  setAuthors(functionsDir, 'slow', [{ id: 'carol', weight: 1 }]);
  t = await startTestPlatform({ clock: clock.now, functionsDir });
  browser = await launchBrowser();
  const key = await t.newKey('acme');
  for (let i = 0; i < 5; i++) await (await t.call(key, '/v1/features/slow?ms=20')).arrayBuffer();
  await (await t.call(key, '/v1/features/echo')).arrayBuffer();
  await (await t.call(key, '/v1/features/boom')).arrayBuffer();
  await t.platform.meter.settled();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('console in Chromium', () => {
  it('signs in with the keyboard alone', async () => {
    await signedIn('keys@example.com', 'finance').then(({ context }) => context.close());
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${t.url}/#/sign-in`);
    await page.getByTestId('sign-in-email').focus();
    await page.keyboard.type('keys@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/finance/);
    await page.getByTestId('signed-in-as').waitFor();
    await shot(page, 'sign-in-by-keyboard');
    await context.close();
  });

  it('the catalogue shows the quality signals of a feature that has been called', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(`${t.url}/`);
    const slow = page.getByTestId('catalogue-item').filter({ hasText: 'slow' }).first();
    await expect.poll(() => slow.getByTestId('quality-calls').textContent()).toContain('5');
    expect(await slow.getByTestId('quality-success').textContent()).toContain('100');
    expect(await slow.getByTestId('quality-p95').textContent()).toMatch(/\d+\s*ms/);
    // The tiles share their rows: the p95 tile used to wrap alone onto a row of its own.
    const rows = await slow.locator('dl.quality').evaluate((dl) => {
      const tiles = [...dl.children].map((d) => ({ top: Math.round(d.getBoundingClientRect().top), p95: d.querySelector('[data-testid="quality-p95"]') !== null }));
      const p95Top = tiles.find((d) => d.p95)?.top;
      return { tiles: tiles.length, sharingP95Row: tiles.filter((d) => d.top === p95Top).length };
    });
    expect(rows.tiles).toBe(6);
    expect(rows.sharingP95Row).toBeGreaterThan(1);
    await shot(page, 'catalogue');
    expect(await unlabelledControls(page)).toEqual([]);
    await slow.getByRole('link').first().click();
    await page.waitForURL(/#\/catalogue\/slow/);
    await expect.poll(() => page.locator('body').textContent()).toContain('curl');
    await shot(page, 'catalogue-feature');
    await page.setViewportSize({ width: 360, height: 740 });
    await shot(page, 'catalogue-feature-360px');
    // Nothing wider than the screen at 360 px, apart from tables and code that scroll on their own.
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('a client creates a key, sees it once, revokes it, and the revoked key stops working', async () => {
    const { context, page } = await signedIn('buyer@acme.example', 'client', { clientId: 'acme' });
    await page.getByTestId('create-key').click();
    const shown = page.getByTestId('new-api-key');
    await shown.waitFor();
    const apiKey = ((await shown.textContent()) ?? '').trim();
    expect(apiKey).toMatch(/^fsk_/);
    expect((await t.call(apiKey, '/v1/features/echo')).status).toBe(200);
    await shot(page, 'client');
    expect(await unlabelledControls(page)).toEqual([]);
    const keyId = apiKey.split('_')[1] as string;
    await page.reload();
    await page.getByTestId(`revoke-key-${keyId}`).waitFor();
    expect(await page.locator('body').textContent()).not.toContain(apiKey);
    await page.getByTestId(`revoke-key-${keyId}`).click();
    await page.getByTestId('confirm-revoke').click();
    await expect.poll(async () => (await t.call(apiKey, '/v1/features/echo')).status, { timeout: 5_000 }).toBe(401);
    expect(await errorOf(await t.call(apiKey, '/v1/features/echo'))).toMatchObject({ code: 'invalid_api_key' });

    // The same client opening a finance URL gets the 403 page, and the API behind it says 403.
    await page.goto(`${t.url}/#/finance`);
    await page.getByTestId('forbidden').waitFor();
    expect(await page.getByTestId('forbidden').textContent()).toContain('403');
    const status = await page.evaluate(async () => (await fetch('/console/api/finance/months')).status);
    expect(status).toBe(403);
    await shot(page, 'client-opens-finance-403');
    await context.close();
  });

  it('a developer sees only their features', async () => {
    const { context, page } = await signedIn('carol@dev.example', 'developer', { developerId: 'carol' });
    const items = page.getByTestId('developer-feature');
    await items.first().waitFor();
    const mine = [...t.platform.features.values()].filter((f) => f.spec.manifest.authors.some((a) => a.id === 'carol')).map((f) => f.spec.slug);
    expect(mine.length).toBeGreaterThan(0);
    expect(await items.count()).toBe(mine.length);
    const text = (await items.allTextContents()).join(' ');
    for (const slug of mine) expect(text).toContain(slug);
    for (const f of t.platform.features.values()) if (!mine.includes(f.spec.slug)) expect(text).not.toContain(f.spec.manifest.name);
    // The chart's legend has values without a mouse (it showed "—" until hovered): totals, and the slowest p95.
    const legend = page.locator('.u-legend');
    await legend.waitFor();
    const entry = async (label: string) => (await legend.locator('tr.u-series').filter({ hasText: label }).first().locator('.u-value').textContent())?.trim();
    expect(await entry('Calls')).toBe('total 5');
    expect(await entry('Client errors (4xx)')).toBe('total 0');
    expect(await entry('p95 latency')).toMatch(/^max \d[\d,]* ms$/);
    expect(await legend.locator('.u-value').allTextContents()).not.toContain('—');
    await shot(page, 'developer');
    expect(await unlabelledControls(page)).toEqual([]);
    await context.close();
  });

  it('finance previews and closes a month, downloads the CSV, and the CSV equals the statement', async () => {
    clock.jumpTo(monthStart(nextMonth(lastMonth)) + 3 * 3600_000);
    const { context, page } = await signedIn('fin@example.com', 'finance');
    await page.goto(`${t.url}/#/finance/${lastMonth}`);
    await page.getByTestId('preview-month').click();
    await page.getByTestId('reconciliation').waitFor();
    await shot(page, 'finance-preview');
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByTestId('close-month').click();
    await page.getByTestId('confirm-close').click();
    const store = new StatementStore(documentClient(t.platform.dynamo), t.platform.tables);
    await expect.poll(() => store.get(lastMonth).then((s) => s?.statement.status), { timeout: 10_000 }).toBe('final');
    const stored = (await store.get(lastMonth))!;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-statement').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toBe(statementCsv(stored.statement));
    // Line for line: every client line of the JSON is one client_line row with the same figures.
    const rows = csv.trim().split('\n').slice(1).map((r) => r.split(','));
    const clientRows = rows.filter((r) => r[2] === 'client_line');
    const jsonLines = stored.statement.clients.flatMap((c) => c.lines.map((l) => [c.clientId, l.featureId, String(l.calls), String(l.amountMicros)]));
    expect(clientRows.map((r) => [r[3], r[5], r[9], r[14]])).toEqual(jsonLines);
    await shot(page, 'finance');
    // The months overview, with the revenue and top-features charts of the closed month.
    await page.goto(`${t.url}/#/finance`);
    await page.getByTestId('finance-month-row').first().waitFor();
    await expect.poll(() => page.locator('canvas').count()).toBeGreaterThan(0);
    await shot(page, 'finance-months');
    expect(await unlabelledControls(page)).toEqual([]);
    await context.close();
  });
});
