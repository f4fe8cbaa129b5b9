/**
 * Alerts and webhooks in Chromium (issue #16): a client opens its alerts page from its home, adds a
 * webhook endpoint (a URL that is not https is refused inline, in the server's words), copies the
 * signing secret shown once, reads its alerts in words, sees a failed delivery in the log, resends
 * it, and removes the endpoint; at 360 px nothing leaves the screen. The receiver checks every
 * signature with the secret the page showed.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, previousMonth } from '../../shared/month.ts';
import { SIGNATURE_HEADER, verifySignature, type WebhookEvent } from '../../shared/webhook.ts';
import { unlabelledControls, welcomeIn } from '../helpers/browser.ts';
import { launchBrowser } from '../helpers/chromium.ts';
import { MovableClock } from '../helpers/console.ts';
import { copyFixtures, editManifest, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const lastMonth = previousMonth(monthOf(Date.now()));
const clock = new MovableClock(monthStart(lastMonth) + 10 * 86_400_000);
const MONTH_NAME = new Date(monthStart(lastMonth)).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

let functionsDir: string;
let t: TestPlatform;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let receiver: Server;
let receiverUrl = '';
/** the secret as the page showed it: the receiver checks signatures with it */
let secret = '';
const got: { event: WebhookEvent; valid: boolean; status: number }[] = [];
const answers: number[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  functionsDir = copyFixtures();
  editManifest(functionsDir, 'echo', { price: { perCall: '0.01', perGbSecond: '0', currency: 'EUR' } });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = answers.shift() ?? 200;
      got.push({ event: JSON.parse(body) as WebhookEvent, valid: verifySignature(req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, body, secret, clock.now()), status });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  process.env.FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK = '1';
  try {
    t = await startTestPlatform({ clock: clock.now, functionsDir });
  } finally {
    delete process.env.FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK;
  }
  browser = await launchBrowser();
  ({ context, page } = await welcomeIn(browser, t, 'ops@acme.example', 'client', { clientId: 'acme' }));
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await t?.stop();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe("alerts and webhooks on the client's alerts page", () => {
  it('adds an endpoint and shows its signing secret once, with how to check a signature', async () => {
    // A page of its own, linked from the client's home.
    await page.getByTestId('client-alerts-link').click();
    await page.waitForURL(/#\/client\/alerts$/);
    await page.getByTestId('webhook-form').waitFor();
    expect(await page.getByTestId('nav-home').getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('alerts-empty').textContent()).toMatch(/No alerts yet/);
    await page.getByLabel('Endpoint URL').fill('http://example.com/hooks');
    await page.getByTestId('webhook-add').click();
    const message = page.getByTestId('webhook-message');
    await expect.poll(() => message.getAttribute('data-error')).toBe('true');
    expect(await message.textContent()).toMatch(/https only/);

    await page.getByLabel('Endpoint URL').fill(receiverUrl);
    await page.getByTestId('webhook-add').click();
    const dialog = page.getByTestId('webhook-secret-dialog');
    await dialog.waitFor();
    secret = ((await page.getByTestId('webhook-secret').textContent()) ?? '').trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(await dialog.textContent()).toMatch(/will not be shown again/);
    const help = (await page.getByTestId('webhook-verify-help').textContent()) ?? '';
    expect(help).toContain('Faascape-Signature');
    expect(help).toContain('t=…,v1=…');
    expect(help).toContain('HMAC-SHA256');
    expect(help).toContain('t + "." + body');
    expect(await page.getByTestId('copy-webhook-secret').isVisible()).toBe(true);
    expect(await unlabelledControls(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}webhooks-secret-dialog.png` });
    await page.getByTestId('close-webhook-secret').click();
    await dialog.waitFor({ state: 'detached' });

    const rows = page.getByTestId('webhook-endpoint-row');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(receiverUrl);
    // Once: the list never carries the secret again.
    await page.reload();
    await page.getByTestId('webhook-endpoint-row').first().waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('lists the alerts in words and the delivery log; Resend delivers a failed one again, signed', async () => {
    await t.clients.setLimits('acme', { monthlySpendCapMicros: 100_000 });
    const key = await t.newKey('acme');
    await new Promise((r) => setTimeout(r, 700)); // limits are cached for 500 ms
    for (let i = 0; i < 9; i++) expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
    answers.push(500);
    expect(await t.platform.runAlerts()).toMatchObject({ emitted: 1, failed: 1 });

    await page.reload();
    const alert = page.getByTestId('alert-row');
    await alert.first().waitFor();
    expect(await alert.count()).toBe(1);
    expect(await alert.first().textContent()).toContain(`Spend reached 85 % of your €0.10 cap for ${MONTH_NAME} (€0.09 spent).`);
    const row = page.getByTestId('webhook-delivery-row');
    expect(await row.getAttribute('data-state')).toBe('pending');
    expect(await row.textContent()).toMatch(/Retrying at/);
    expect(await row.getByTestId('webhook-attempt').allTextContents()).toEqual([expect.stringMatching(/UTC: HTTP 500$/)]);

    await row.getByTestId('resend-delivery').click();
    await expect.poll(() => page.getByTestId('webhook-actions-message').textContent()).toMatch(/sent again/);
    expect(await t.platform.runAlerts()).toMatchObject({ sent: 1, delivered: 1 });
    await page.reload();
    await expect.poll(() => page.getByTestId('webhook-delivery-row').getAttribute('data-state')).toBe('delivered');
    expect(await page.getByTestId('webhook-delivery-row').getByTestId('webhook-attempt').allTextContents()).toEqual([
      expect.stringMatching(/HTTP 500$/),
      expect.stringMatching(/HTTP 200 \(delivered\)$/),
    ]);
    expect(got.map((g) => [g.event.type, g.status, g.valid])).toEqual([
      ['spend.threshold', 500, true],
      ['spend.threshold', 200, true],
    ]);
  });

  it('keeps everything on screen at 360 px', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByTestId('webhook-deliveries').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}webhooks-client-360.png`, fullPage: true });
    const report = (await page.evaluate(`(() => {
      const width = window.innerWidth;
      const out = { scrollWidth: document.documentElement.scrollWidth, offscreen: [] };
      for (const el of document.querySelectorAll('[data-testid^="webhook"] td, [data-testid^="webhook"] th, [data-testid^="webhook"] button, [data-testid="alert-row"], [data-testid="webhook-url"]')) {
        const r = el.getBoundingClientRect();
        if (r.width && (r.left < -1 || r.right > width + 1)) out.offscreen.push(el.textContent.trim().slice(0, 40));
      }
      return out;
    })()`)) as { scrollWidth: number; offscreen: string[] };
    expect(report.offscreen).toEqual([]);
    expect(report.scrollWidth).toBeLessThanOrEqual(360);
  });

  it('removes an endpoint after a confirmation; its log stays', async () => {
    const row = page.getByTestId('webhook-endpoint-row');
    const id = await row.first().getAttribute('data-endpoint-id');
    await page.getByTestId(`remove-webhook-${id}`).click();
    await page.getByTestId('remove-webhook-dialog').waitFor();
    await page.getByTestId('confirm-remove-webhook').click();
    await expect.poll(() => page.getByTestId('webhook-endpoint-row').count()).toBe(0);
    expect(await page.getByTestId('webhook-delivery-row').textContent()).toContain('removed');
    expect(await page.getByTestId('webhook-delivery-row').getByTestId('resend-delivery').count()).toBe(0);
  });
});
