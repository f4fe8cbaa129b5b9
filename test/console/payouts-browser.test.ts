/**
 * Payouts in Chromium (issue #16): a developer enters the bank account their payouts go to (a
 * wrong IBAN is refused inline, in the server's words), finance approves the month's payout run
 * from the month page after a confirmation naming the total, and downloads the SEPA file, whose
 * control sum is that total; the developer's page then says what was paid and when. At 1,100 px
 * the earnings table fits its wrapper, even with a month whose payout was carried (no IBAN).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth, previousMonth } from '../../shared/month.ts';
import { PayeeStore, PayoutRunStore } from '../../runtime/statements/payout-store.ts';
import { documentClient } from '../../runtime/store/dynamo-client.ts';
import { welcomeIn } from '../helpers/browser.ts';
import { launchBrowser } from '../helpers/chromium.ts';
import { MovableClock, PASSWORD, setAuthors } from '../helpers/console.ts';
import { copyFixtures, editManifest, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const DAY = 86_400_000;
const lastMonth = previousMonth(monthOf(Date.now()));
const clock = new MovableClock(monthStart(lastMonth) + 10 * DAY);
const closeAt = monthStart(nextMonth(lastMonth)) + 3 * 3_600_000;
const PAYOUT_ENV = { FAASCAPE_PAYOUT_IBAN: 'FR76 3000 6000 0112 3456 7890 189', FAASCAPE_PAYOUT_NAME: 'Faascape Test SAS' };

let functionsDir: string;
let t: TestPlatform;
let browser: Browser;
let payees: PayeeStore;
let runs: PayoutRunStore;
const contexts: BrowserContext[] = [];

/** The earnings table's wrapper: its content's width against its own (it scrolls sideways when wider). */
async function earningsWidths(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate(`(() => {
    const wrap = document.querySelector('[data-testid="earnings-row"]').closest('.table-wrap');
    return { scrollWidth: wrap.scrollWidth, clientWidth: wrap.clientWidth };
  })()`) as Promise<{ scrollWidth: number; clientWidth: number }>;
}

async function signedIn(email: string, role: 'developer' | 'finance', link: { developerId?: string } = {}): Promise<Page> {
  const { context, page } = await welcomeIn(browser, t, email, role, link);
  contexts.push(context);
  return page;
}

beforeAll(async () => {
  Object.assign(process.env, PAYOUT_ENV);
  mkdirSync(ARTIFACTS, { recursive: true });
  functionsDir = copyFixtures();
  // €1 a call, ada its only author: 20 calls earn her 70 % of €20, €14.00.
  editManifest(functionsDir, 'echo', { price: { perCall: '1.00', perGbSecond: '0', currency: 'EUR' } });
  setAuthors(functionsDir, 'echo', [{ id: 'ada', weight: 1 }]);
  // bob earns as much from 'slow' but never enters an IBAN: the payout run carries his €14.00.
  editManifest(functionsDir, 'slow', { price: { perCall: '1.00', perGbSecond: '0', currency: 'EUR' } });
  setAuthors(functionsDir, 'slow', [{ id: 'bob', weight: 1 }]);
  t = await startTestPlatform({ clock: clock.now, functionsDir });
  const db = documentClient(t.platform.dynamo);
  payees = new PayeeStore(db, t.platform.tables);
  runs = new PayoutRunStore(db, t.platform.tables);
  browser = await launchBrowser();
  const key = await t.newKey('acme');
  for (let i = 0; i < 20; i++) expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
  for (let i = 0; i < 20; i++) expect((await t.call(key, '/v1/features/slow?ms=0')).status).toBe(200);
  await t.platform.meter.settled();
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await t?.stop();
  for (const k of Object.keys(PAYOUT_ENV)) delete process.env[k];
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('payouts in the console', () => {
  it("a developer enters the IBAN their payouts go to; a wrong one is refused inline, in the server's words", async () => {
    const page = await signedIn('ada@example.com', 'developer', { developerId: 'ada' });
    await page.getByTestId('payee-form').waitFor();
    expect(await page.getByTestId('payee-shown').textContent()).toMatch(/No bank account yet/);
    await page.getByLabel('Account holder').fill('Ada Lovelace');
    await page.getByLabel('IBAN').fill('FR14 2004 1010 0505 0001 3M02 607');
    await page.getByTestId('payee-save').click();
    const message = page.getByTestId('payee-message');
    await expect.poll(() => message.getAttribute('data-error')).toBe('true');
    expect(await message.textContent()).toMatch(/iban: /);
    expect(await payees.payee('ada')).toBeUndefined();

    await page.getByLabel('IBAN').fill('FR14 2004 1010 0505 0001 3M02 606');
    await page.getByTestId('payee-save').click();
    await expect.poll(() => message.textContent()).toMatch(/Saved/);
    expect(await message.getAttribute('data-error')).toBe('false');
    expect(await page.getByTestId('payee-shown').textContent()).toContain('FR•• •••• •••• •••• •••• •••2 606');
    // The IBAN field is empty again: the page never holds the whole IBAN once saved.
    expect(await page.getByLabel('IBAN').inputValue()).toBe('');
    expect(await payees.payee('ada')).toMatchObject({ name: 'Ada Lovelace', iban: 'FR1420041010050500013M02606' });
  }, 30_000);

  it('finance approves the payout run after a confirmation naming the total, and downloads the SEPA file', async () => {
    clock.jumpTo(closeAt);
    expect((await t.platform.statements.close(lastMonth)).outcome).toBe('closed');
    // The developers' review window (3 days) is over.
    clock.jumpTo(closeAt + 3 * DAY + 3_600_000);
    const page = await signedIn('fin@example.com', 'finance');
    await page.goto(`${t.url}/#/finance/${lastMonth}`);
    const row = page.locator('[data-testid="payout-row"][data-developer="ada"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('FR14 2004 1010 0505 0001 3M02 606');
    expect(await page.getByTestId('payouts-total').textContent()).toBe('€14.00');
    await page.getByTestId('approve-payouts').click();
    const confirm = page.getByTestId('confirm-approve');
    expect(await page.getByTestId('approve-dialog').textContent()).toContain('1 transfer(s), €14.00 in total');
    expect(await confirm.textContent()).toBe('Approve €14.00');
    await confirm.click();
    await page.getByTestId('payouts-approved').waitFor();
    expect((await runs.get(lastMonth))?.approvedBy).toBe('fin@example.com');
    await page.screenshot({ path: `${ARTIFACTS}payouts-finance-month.png`, fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('payouts-file').click()]);
    expect(download.suggestedFilename()).toBe(`FSC-PAYOUT-${lastMonth}.xml`);
    const xml = readFileSync((await download.path()) as string, 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(xml).Document.CstmrCdtTrfInitn;
    expect(doc.GrpHdr.CtrlSum).toBe('14.00');
    expect(doc.GrpHdr.NbOfTxs).toBe('1');
    expect(doc.PmtInf.CdtTrfTxInf.CdtrAcct.Id.IBAN).toBe('FR1420041010050500013M02606');
  }, 30_000);

  it("the developer's page says what was paid, and when", async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/#/sign-in`);
    await page.getByTestId('sign-in-email').fill('ada@example.com');
    await page.getByTestId('sign-in-password').fill(PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    await page.waitForURL(/#\/developer$/);
    const cell = page.locator(`[data-testid="earnings-row"][data-month="${lastMonth}"] [data-testid="payout-cell"]`);
    await cell.waitFor();
    expect(await cell.getAttribute('data-status')).toBe('approved');
    const executed = (await runs.get(lastMonth))?.executionDate;
    expect(await cell.getByTestId('payout-status').textContent()).toBe(`Paid €14.00 on ${executed}`);
    expect(await cell.textContent()).toContain('to the IBAN ending 2606');
    expect(await page.getByTestId('minimum-payout').textContent()).toContain('€10.00');
    await page.screenshot({ path: `${ARTIFACTS}payouts-developer.png`, fullPage: true });
    const { scrollWidth, clientWidth } = await earningsWidths(page);
    expect(scrollWidth, 'the earnings table scrolls sideways at 1,100 px').toBeLessThanOrEqual(clientWidth);
  }, 30_000);

  it('at 1,100 px a month carried for want of an IBAN fits the earnings table: the payout column is on screen', async () => {
    const page = await signedIn('bob@example.com', 'developer', { developerId: 'bob' });
    expect(page.viewportSize()).toEqual({ width: 1100, height: 800 });
    const cell = page.locator(`[data-testid="earnings-row"][data-month="${lastMonth}"] [data-testid="payout-cell"]`);
    await cell.waitFor();
    expect(await cell.getAttribute('data-carried')).toBe('no_payee');
    expect(await cell.getByTestId('payout-carried').textContent()).toBe('€14.00 owed by the next payout run: no IBAN was set at approval.');
    await page.screenshot({ path: `${ARTIFACTS}payouts-developer-carried.png`, fullPage: true });
    const { scrollWidth, clientWidth } = await earningsWidths(page);
    expect(scrollWidth, 'the earnings table scrolls sideways at 1,100 px').toBeLessThanOrEqual(clientWidth);
    // The whole Payout cell lies inside the wrapper, the sentence wrapped rather than cut.
    const [cellBox, wrapBox] = await Promise.all([cell.boundingBox(), page.locator('.table-wrap', { has: cell }).boundingBox()]);
    expect(cellBox && wrapBox && cellBox.x + cellBox.width <= wrapBox.x + wrapBox.width + 1).toBe(true);
  }, 30_000);
});
