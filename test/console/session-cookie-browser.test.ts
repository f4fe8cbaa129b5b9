/**
 * The session cookie in a real browser: scoped to the console API, so the browser never sends it
 * to a feature's URL on the same origin, while the console itself keeps working; signing out in
 * the app clears it. (The gateway also strips cookies before a feature runs: this is the layer
 * before that one.)
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { welcomeIn } from '../helpers/browser.ts';
import { launchBrowser } from '../helpers/chromium.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

let browser: Browser;
let t: TestPlatform;

beforeAll(async () => {
  [browser, t] = await Promise.all([launchBrowser(), startTestPlatform()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** The Cookie header the browser really sent for a same-origin fetch of `path` from the page. */
async function cookieSentTo(page: Page, path: string): Promise<string> {
  const [request] = await Promise.all([page.waitForRequest((r) => new URL(r.url()).pathname === path), page.evaluate((p) => fetch(p).then((r) => r.status), path)]);
  return (await request.allHeaders()).cookie ?? '';
}

describe('the session cookie in a browser', () => {
  it('goes with console API requests only, never to a feature URL, and signing out clears it', async () => {
    const { context, page } = await welcomeIn(browser, t, 'jar@example.com', 'finance');
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'faascape_session');
    expect(cookie).toMatchObject({ path: '/console/api', httpOnly: true, sameSite: 'Strict' });
    expect(await cookieSentTo(page, '/console/api/session')).toMatch(/faascape_session=/);
    expect(await cookieSentTo(page, '/v1/features/echo')).not.toMatch(/faascape_session=/);
    expect(await cookieSentTo(page, '/')).not.toMatch(/faascape_session=/);
    // The app does not read it (HttpOnly): a reload still finds the session through the API.
    expect(await page.evaluate('document.cookie')).toBe('');
    await page.reload();
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain('jar@example.com');
    await page.getByTestId('sign-out').click();
    await page.getByTestId('nav-sign-in').waitFor();
    expect((await context.cookies()).filter((c) => c.name === 'faascape_session')).toEqual([]);
    await context.close();
  });
});
