import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Role } from '../../shared/accounts.ts';
import { invite, PASSWORD } from './console.ts';
import type { TestPlatform } from './platform.ts';

/** A fresh browser profile that redeems a sign-in link and sets a password, as a new user would. */
export async function welcomeIn(browser: Browser, t: TestPlatform, email: string, role: Role, link: { clientId?: string; developerId?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const token = await invite(t, email, role, link);
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${t.url}/#/welcome/${token}`);
  await page.getByTestId('welcome-password').fill(PASSWORD);
  await page.getByTestId('welcome-confirm').fill(PASSWORD);
  await page.getByTestId('welcome-submit').click();
  await page.waitForURL(new RegExp(`#/${role}`));
  return { context, page };
}

/**
 * Controls on the page without an accessible name: inputs, selects and text areas need a label
 * (or aria-label), buttons and links need text (or aria-label). Returns a description of each.
 */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
      const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) out.push(el.outerHTML.slice(0, 120));
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      const named = (el.textContent || '').trim() || el.getAttribute('aria-label') || el.getAttribute('title');
      if (!named) out.push(el.outerHTML.slice(0, 120));
    }
    return out;
  })()`) as Promise<string[]>;
}
