/**
 * What a new client, developer and finance person meet in the console (issue 17), in Chromium:
 * the catalogue's orders, a sign-in link that says at once whose it is or that it is used, a
 * session that ends mid-action and comes back after sign-in, the Deliver choice that preselects
 * nothing, and at 360 px the columns that matter staying on screen.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth, previousMonth } from '../../shared/month.ts';
import type { CatalogueList, StatementView } from '../../runtime/console/api-types.ts';
import type { DevRequest } from '../../runtime/console/community-types.ts';
import { unlabelledControls, welcomeIn } from '../helpers/browser.ts';
import { launchBrowser } from '../helpers/chromium.ts';
import { accountStore, invite, MovableClock, PASSWORD, redeem, signUp } from '../helpers/console.ts';
import { copyFixtures, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const lastMonth = previousMonth(monthOf(Date.now()));
const clock = new MovableClock(monthStart(lastMonth) + 10 * 86_400_000);

let functionsDir: string;
let t: TestPlatform;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function signedIn(email: string, role: 'client' | 'developer' | 'finance', link: { clientId?: string; developerId?: string } = {}): Promise<Page> {
  const { context, page } = await welcomeIn(browser, t, email, role, link);
  contexts.push(context);
  return page;
}

async function calls(clientId: string, n: Record<string, number>): Promise<void> {
  const key = await t.newKey(clientId);
  for (const [path, times] of Object.entries(n)) for (let i = 0; i < times; i++) await (await t.call(key, path)).arrayBuffer();
  await t.platform.meter.settled();
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  functionsDir = copyFixtures();
  t = await startTestPlatform({ clock: clock.now, functionsDir });
  browser = await launchBrowser();
  // Enough calls for a cent on each line: invoices and earnings are in whole cents.
  await calls('acme', { '/v1/features/slow?ms=5': 10, '/v1/features/echo': 5 });
}, 120_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await t?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('the console as its users meet it', () => {
  it('the catalogue is sorted by the names it shows, and offers most used first', async () => {
    const list = (await (await fetch(`${t.url}/console/api/catalogue`)).json()) as CatalogueList;
    const byName = [...list.features].sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' })).map((f) => f.slug);
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/#/catalogue`);
    await page.getByTestId('catalogue-item').first().waitFor();
    const order = () => page.getByTestId('catalogue-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-slug')));
    expect(await order()).toEqual(byName);
    await page.getByLabel('Sort by').selectOption('most-used');
    const shown = await order();
    expect(shown.slice(0, 2)).toEqual(['slow', 'echo']);
    const callsOf = (slug: string | null) => list.features.find((f) => f.slug === slug)?.quality.calls30d ?? 0;
    expect(shown.map(callsOf)).toEqual(shown.map(callsOf).sort((a, b) => b - a));
    expect(await unlabelledControls(page)).toEqual([]);
  });

  it('a sign-in link names its account; a used one says so as the page opens, before any password', async () => {
    const token = await invite(t, 'newcomer@acme.example', 'client', { clientId: 'acme' });
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/#/welcome/${token}`);
    await expect.poll(() => page.getByTestId('welcome-account').textContent()).toContain('newcomer@acme.example');
    await redeem(t, token);
    await page.reload();
    await page.getByTestId('welcome-invalid').waitFor();
    expect(await page.getByTestId('welcome-invalid').textContent()).toMatch(/no longer works/);
    expect(await page.getByTestId('welcome-password').count()).toBe(0);
    // An unknown token: the same words, no account named.
    await page.goto(`${t.url}/#/welcome/not-a-real-token`);
    await page.getByTestId('welcome-invalid').waitFor();
    expect(await page.locator('main').textContent()).not.toContain('@');
  });

  it('a session that ends mid-action says so, and sign-in comes back to the page', async () => {
    const page = await signedIn('keys@acme.example', 'client', { clientId: 'acme' });
    await page.getByTestId('create-key').waitFor();
    // The page's own loads must be done: one answered 401 after the session ends would send it to
    // sign-in before the click, and the click would wait for a button that is gone.
    await page.waitForLoadState('networkidle');
    await accountStore(t).endSessions('keys@acme.example');
    await page.getByTestId('create-key').click();
    await page.waitForURL(/#\/sign-in\?next=%2Fclient&ended=1$/);
    expect(await page.getByTestId('session-ended').textContent()).toMatch(/session has ended.*usage & billing/s);
    await page.getByTestId('sign-in-email').fill('keys@acme.example');
    await page.getByTestId('sign-in-password').fill(PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    await page.waitForURL(/#\/client$/);
    await page.getByTestId('create-key').waitFor();
  });

  it("the Deliver choice of a planned request preselects none of the developer's features", async () => {
    const acme = await signUp(t, 'asks@acme.example', 'client', { clientId: 'acme' });
    const res = await acme.fetch('/requests', { method: 'POST', body: { title: 'Validate Dutch postcodes', description: 'Please', tags: ['test'] } });
    const request = (await res.json()) as DevRequest;
    const alice = await signedIn('alice@dev.example', 'developer', { developerId: 'alice' });
    await alice.goto(`${t.url}/#/requests/${request.requestId}`);
    await alice.getByTestId('plan-request').click();
    const select = alice.getByTestId('deliver-slug');
    await select.waitFor();
    expect(await select.inputValue()).toBe('');
    expect(await select.evaluate((s) => (s as unknown as { required: boolean }).required)).toBe(true);
    // Deliver without a choice: nothing is delivered.
    await alice.getByTestId('deliver-request').click();
    expect(await alice.getByTestId('request-status').getAttribute('data-status')).toBe('planned');
    await select.selectOption('slow');
    await alice.getByTestId('deliver-request').click();
    await expect.poll(() => alice.getByTestId('request-status').getAttribute('data-status')).toBe('delivered');
  });

  it('at 360 px every table of each role’s main page keeps its key column on screen', async () => {
    clock.jumpTo(monthStart(nextMonth(lastMonth)) + 3 * 3600_000);
    await calls('acme', { '/v1/features/slow?ms=5': 2 });
    const finance = await signUp(t, 'fin@example.com', 'finance');
    const preview = (await (await finance.fetch(`/finance/months/${lastMonth}/preview`, { method: 'POST' })).json()) as StatementView;
    const closed = await finance.fetch(`/finance/months/${lastMonth}/close`, { method: 'POST', body: { confirmRevenueMicros: preview.statement.totals.revenueMicros } });
    expect(closed.status).toBe(200);

    const pages: { role: 'client' | 'developer' | 'finance'; email: string; link: { clientId?: string; developerId?: string }; hash: string; wait: string[]; keys: string[] }[] = [
      { role: 'client', email: 'narrow@acme.example', link: { clientId: 'acme' }, hash: '#/client', wait: ['api-key-row', 'client-usage-row', 'client-invoice-row'], keys: ['Amount', 'Total', 'Revoke'] },
      { role: 'developer', email: 'bob@dev.example', link: { developerId: 'bob' }, hash: '#/developer', wait: [`earnings-lines-${lastMonth}`], keys: ['Payable', 'Carried out'] },
      { role: 'finance', email: 'narrow-fin@example.com', link: {}, hash: '#/finance', wait: ['finance-month-row'], keys: ['Revenue'] },
      { role: 'finance', email: 'narrow-fin@example.com', link: {}, hash: `#/finance/${lastMonth}`, wait: ['statement-developers'], keys: ['Total', 'Payable', 'Carried out'] },
    ];
    const sessions = new Map<string, Page>();
    for (const p of pages) {
      let page = sessions.get(p.email);
      if (!page) {
        page = await signedIn(p.email, p.role, p.link);
        sessions.set(p.email, page);
        await page.setViewportSize({ width: 360, height: 740 });
      }
      await page.goto(`${t.url}/${p.hash}`);
      // Each table the keys are in loads on its own: wait for every one of them.
      for (const id of p.wait) await page.getByTestId(id).first().waitFor();
      await page.screenshot({ path: `${ARTIFACTS}narrow-${p.role}-${p.hash.replace(/\W+/g, '-')}.png`, fullPage: true });
      // Every visible cell of every table lies within the 360 px viewport; the page never scrolls sideways.
      const report = (await page.evaluate(`(() => {
        const width = window.innerWidth;
        const out = { width, scrollWidth: document.documentElement.scrollWidth, tables: 0, offscreen: [], labels: [], buttons: [] };
        for (const table of document.querySelectorAll('main table')) {
          if (!table.getClientRects().length) continue;
          out.tables++;
          for (const cell of table.querySelectorAll('tbody td, tbody th, tfoot td, tfoot th')) {
            const r = cell.getBoundingClientRect();
            if (!r.width) continue;
            if (r.left < -1 || r.right > width + 1) out.offscreen.push((cell.getAttribute('data-label') || '') + ': ' + cell.textContent.trim().slice(0, 40));
            if (cell.getAttribute('data-label')) out.labels.push(cell.getAttribute('data-label'));
            for (const b of cell.querySelectorAll('button, a')) {
              const br = b.getBoundingClientRect();
              if (br.width) out.buttons.push({ text: b.textContent.trim(), inside: br.left >= -1 && br.right <= width + 1 });
            }
          }
        }
        return out;
      })()`)) as { width: number; scrollWidth: number; tables: number; offscreen: string[]; labels: string[]; buttons: { text: string; inside: boolean }[] };
      expect(report.width, p.hash).toBe(360);
      expect(report.tables, p.hash).toBeGreaterThan(0);
      expect(report.offscreen, p.hash).toEqual([]);
      expect(report.scrollWidth, p.hash).toBeLessThanOrEqual(360);
      expect(report.buttons.filter((b) => !b.inside), p.hash).toEqual([]);
      for (const key of p.keys) {
        if (key === 'Revoke') expect(report.buttons.map((b) => b.text), p.hash).toContain('Revoke');
        else expect(report.labels, p.hash).toContain(key);
      }
    }
  });
});

