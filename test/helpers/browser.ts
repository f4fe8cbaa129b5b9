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
