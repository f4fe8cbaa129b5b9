/**
 * Invoices in Chromium (issue #16): a client fills in its billing details (a wrong VAT number is
 * refused inline, in the server's words), finance closes the month and sees its invoices, and the
 * client downloads its invoice PDF from its invoices page: the stored invoice, byte for byte.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth, previousMonth } from '../../shared/month.ts';
import type { Invoice } from '../../shared/invoice.ts';
import { renderInvoicePdf } from '../../runtime/statements/invoice-pdf.ts';
import { InvoiceStore } from '../../runtime/statements/invoice-store.ts';
import { documentClient } from '../../runtime/store/dynamo-client.ts';
import { welcomeIn } from '../helpers/browser.ts';
import { launchBrowser } from '../helpers/chromium.ts';
import { MovableClock, PASSWORD } from '../helpers/console.ts';
import { copyFixtures, editManifest, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const lastMonth = previousMonth(monthOf(Date.now()));
const clock = new MovableClock(monthStart(lastMonth) + 10 * 86_400_000);
const closeAt = monthStart(nextMonth(lastMonth)) + 3 * 3_600_000;
const NUMBER = `FSC-${new Date(closeAt).getUTCFullYear()}-000001`;
const LEGAL_NAME = 'Acme Logistique SAS';

let functionsDir: string;
let t: TestPlatform;
let browser: Browser;
let store: InvoiceStore;
const contexts: BrowserContext[] = [];

async function signedIn(email: string, role: 'client' | 'finance', link: { clientId?: string } = {}): Promise<Page> {
  const { context, page } = await welcomeIn(browser, t, email, role, link);
  contexts.push(context);
  return page;
}

async function textOf(pdf: Uint8Array): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
  return text;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  functionsDir = copyFixtures();
  // Two cents a call, no compute price: 7 calls are 0.14 net; 20 % VAT is 2.8 cents, 0.03 once rounded.
  editManifest(functionsDir, 'echo', { price: { perCall: '0.02', perGbSecond: '0', currency: 'EUR' } });
  t = await startTestPlatform({ clock: clock.now, functionsDir });
  store = new InvoiceStore(documentClient(t.platform.dynamo), t.platform.tables);
  browser = await launchBrowser();
  const key = await t.newKey('acme');
  for (let i = 0; i < 7; i++) expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
  await t.platform.meter.settled();
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await t?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('invoices in the console', () => {
  it('a client fills in its billing details; a wrong VAT number is refused inline, in the server\'s words', async () => {
    const page = await signedIn('billing@acme.example', 'client', { clientId: 'acme' });
    await page.getByTestId('billing-form').waitFor();
    expect(await page.getByTestId('billing-shown').textContent()).toMatch(/Not filled in yet/);
    await page.getByLabel('Legal name').fill(LEGAL_NAME);
    await page.getByLabel('Address').fill('12 rue Oberkampf\n75011 Paris');
    await page.getByLabel('Country').fill('fr');
    await page.getByLabel('VAT number (optional)').fill('FR40303265046');
    await page.getByTestId('billing-save').click();
    const message = page.getByTestId('billing-message');
    await expect.poll(() => message.getAttribute('data-error')).toBe('true');
    expect(await message.textContent()).toMatch(/vatNumber/);
    expect((await t.clients.getClient('acme'))?.billing).toBeUndefined();

    await page.getByLabel('VAT number (optional)').fill('FR 403 032 650 45');
    await page.getByTestId('billing-save').click();
    await expect.poll(() => message.textContent()).toMatch(/Billing details saved/);
    expect(await message.getAttribute('data-error')).toBe('false');
    expect(await page.getByTestId('billing-shown').textContent()).toContain(LEGAL_NAME);
    // What the server stored, normalised, is what the form now shows.
    expect(await page.getByLabel('VAT number (optional)').inputValue()).toBe('FR40303265045');
    expect((await t.clients.getClient('acme'))?.billing).toEqual({ legalName: LEGAL_NAME, address: ['12 rue Oberkampf', '75011 Paris'], country: 'FR', vatNumber: 'FR40303265045' });
  }, 30_000);

  it('finance closes the month and its page lists the invoice with its PDF; the banner shows the cents checks', async () => {
    clock.jumpTo(closeAt);
    const page = await signedIn('fin@example.com', 'finance');
    await page.goto(`${t.url}/#/finance/${lastMonth}`);
    await page.getByTestId('preview-month').click();
    await page.getByTestId('reconciliation').waitFor();
    const banner = await page.getByTestId('reconciliation').textContent();
    expect(banner).toContain('every invoice line and total in whole cents');
    expect(banner).toContain('payables in whole cents; paid + carried = earned + carried in');
    await page.getByTestId('close-month').click();
    await page.getByTestId('confirm-close').click();
    await page.getByTestId('month-closed').waitFor();
    const row = page.locator(`[data-testid="month-invoice-row"][data-number="${NUMBER}"]`);
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    for (const s of [LEGAL_NAME, 'acme', '€0.14', '€0.03', '€0.17']) expect(text).toContain(s);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`pdf-${NUMBER}`).click()]);
    expect(download.suggestedFilename()).toBe(`${NUMBER}.pdf`);
    expect(readFileSync((await download.path()) as string).equals(await renderInvoicePdf((await store.byNumber(NUMBER)) as Invoice))).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}invoices-finance-month.png`, fullPage: true });
  }, 30_000);

  it('the client signs in again and downloads its invoice PDF from its invoices page: number, legal name and total', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/#/sign-in`);
    await page.getByTestId('sign-in-email').fill('billing@acme.example');
    await page.getByTestId('sign-in-password').fill(PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    await page.waitForURL(/#\/client$/);
    const row = page.locator(`[data-testid="client-invoice-row"][data-month="${lastMonth}"]`);
    await row.waitFor();
    expect(await row.getByTestId('invoice-number').textContent()).toBe(NUMBER);
    expect(await row.getByTestId('invoice-total').textContent()).toBe('€0.17');
    // At 360 px the link stays on screen.
    const link = page.getByTestId(`pdf-invoice-${lastMonth}`);
    const box = await link.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 360).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}invoices-client-360.png`, fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`${NUMBER}.pdf`);
    const bytes = readFileSync((await download.path()) as string);
    expect(bytes.equals(await renderInvoicePdf((await store.byNumber(NUMBER)) as Invoice))).toBe(true);
    const text = await textOf(bytes);
    expect(text).toContain(NUMBER);
    expect(text).toContain(LEGAL_NAME);
    expect(text).toContain('FR40303265045');
    expect(text).toMatch(/Total\s+0\.17 EUR/);
  }, 30_000);
});
