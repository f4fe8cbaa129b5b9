/**
 * The community pages in a real browser (Chromium from the npm registry via playwright-core) against a real
 * platform on loopback: a client posts a custom-development request, two developers vote, one
 * plans and delivers it as their feature, and the client follows the link to the catalogue.
 * Also: votes count once per account and can be withdrawn; a thread with an accepted answer and
 * a hidden post; a developer profile. Screenshots land in test/artifacts/ (not committed).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAuthors } from '../helpers/console.ts';
import { unlabelledControls, welcomeIn } from '../helpers/browser.ts';
import { launchBrowser } from '../helpers/chromium.ts';
import { copyFixtures, startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

let functionsDir: string;
let t: TestPlatform;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** A screenshot of each page, and every control on it has an accessible name. */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  expect(await unlabelledControls(page), name).toEqual([]);
}

/** A fresh browser profile that redeems a sign-in link, as a new user would. */
async function signedIn(email: string, role: 'client' | 'developer' | 'finance', link: { clientId?: string; developerId?: string } = {}): Promise<Page> {
  const { context, page } = await welcomeIn(browser, t, email, role, link);
  contexts.push(context);
  return page;
}

/** Goes to a hash route of the app. */
async function open(page: Page, hash: string): Promise<void> {
  await page.goto(`${t.url}/${hash}`);
}

const votesOn = (page: Page) => page.getByTestId('request-votes').first().textContent();

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  functionsDir = copyFixtures();
  // alice authors echo (with bob), carol authors slow on her own.
  setAuthors(functionsDir, 'slow', [{ id: 'carol', weight: 1 }]);
  t = await startTestPlatform({ functionsDir });
  browser = await launchBrowser();
  const key = await t.newKey('acme');
  for (let i = 0; i < 3; i++) await (await t.call(key, '/v1/features/slow?ms=5')).arrayBuffer();
  await t.platform.meter.settled();
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await t?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('community pages in Chromium', () => {
  let client: Page;
  let alice: Page;
  let carol: Page;
  let requestId = '';

  it('a client posts a request; a vote counts once, survives a reload and can be withdrawn', async () => {
    client = await signedIn('buyer@acme.example', 'client', { clientId: 'acme' });
    await client.getByTestId('nav-requests').click();
    await client.waitForURL(/#\/requests$/);
    await client.getByTestId('new-request-title').fill('Validate Dutch postcodes');
    await client.getByTestId('new-request-description').fill('Check a **postcode** against the national list.\n\n- format\n- existence');
    await client.getByTestId('new-request-budget').fill('1500');
    await client.getByTestId('new-request-tags').fill('test, postcodes');
    // The budget stays private unless the client ticks the box.
    expect(await client.getByTestId('new-request-budget-public').isChecked()).toBe(false);
    await client.getByTestId('new-request-submit').click();
    await client.waitForURL(/#\/requests\/[0-9a-z]+$/);
    requestId = decodeURIComponent(client.url().split('#/requests/')[1] ?? '');
    expect(requestId).toMatch(/^[0-9a-z]{19}$/);
    await expect.poll(() => client.locator('h1').textContent()).toBe('Validate Dutch postcodes');
    // The description is the server's sanitized HTML: markdown became markup.
    expect(await client.getByTestId('request-description').locator('strong').textContent()).toBe('postcode');
    expect(await client.getByTestId('request-description').locator('li').count()).toBe(2);
    expect(await client.getByTestId('request-status').getAttribute('data-status')).toBe('open');
    expect(await client.locator('body').textContent()).toContain('€1,500.00 (private: only you and the operator see it)');
    expect(await client.getByTestId('request-author').textContent()).toBe('a client (you)');

    await client.getByTestId('vote-request').click();
    await client.getByTestId('unvote-request').waitFor();
    expect(await votesOn(client)).toBe('1');
    await client.reload();
    await client.getByTestId('unvote-request').waitFor();
    expect(await votesOn(client)).toBe('1');
    // Voting again (as a second click from another tab would) still counts once.
    const again = await client.evaluate(async (id) => {
      const s = (await (await fetch('/console/api/session')).json()) as { csrfToken: string };
      const res = await fetch(`/console/api/requests/${id}/vote`, { method: 'POST', headers: { 'x-csrf-token': s.csrfToken } });
      return ((await res.json()) as { votes: number }).votes;
    }, requestId);
    expect(again).toBe(1);
    await client.getByTestId('unvote-request').click();
    await client.getByTestId('vote-request').waitFor();
    expect(await votesOn(client)).toBe('0');
  });

  it('two developers vote, one plans and delivers it as her feature, the client follows the link', async () => {
    [alice, carol] = await Promise.all([
      signedIn('alice@dev.example', 'developer', { developerId: 'alice' }),
      signedIn('carol@dev.example', 'developer', { developerId: 'carol' }),
    ]);
    for (const dev of [alice, carol]) {
      await open(dev, `#/requests/${requestId}`);
      await dev.getByTestId('vote-request').click();
      await dev.getByTestId('unvote-request').waitFor();
    }
    expect(await votesOn(carol)).toBe('2');

    // The list, sorted by votes, with the developer's "in my features' tags" filter on.
    await carol.getByTestId('nav-requests').click();
    const row = carol.getByTestId('request-row').filter({ hasText: 'Validate Dutch postcodes' });
    await expect.poll(() => row.getByTestId('request-votes').textContent()).toBe('2');
    await carol.getByTestId('requests-mine').check();
    await expect.poll(() => carol.getByTestId('request-row').count()).toBe(1);
    await shot(carol, 'community-requests');

    await row.getByRole('link').click();
    await carol.waitForURL(new RegExp(`#/requests/${requestId}$`));
    await carol.getByTestId('plan-request').click();
    await expect.poll(() => carol.getByTestId('request-status').getAttribute('data-status')).toBe('planned');
    // alice did not plan it: she cannot deliver it.
    await alice.reload();
    await alice.getByTestId('request-status').waitFor();
    expect(await alice.getByTestId('deliver-request').count()).toBe(0);

    await carol.getByTestId('deliver-slug').selectOption('slow');
    await carol.getByTestId('deliver-request').click();
    await expect.poll(() => carol.getByTestId('request-status').getAttribute('data-status')).toBe('delivered');

    await client.reload();
    const link = client.getByTestId('delivered-link');
    await link.waitFor();
    expect(await client.getByTestId('request-delivered').textContent()).toContain('Delivered as slow');
    expect(await votesOn(client)).toBe('2');
    await shot(client, 'community-request-delivered');
    await client.setViewportSize({ width: 360, height: 740 });
    expect((await client.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number).toBeLessThanOrEqual(0);
    await shot(client, 'community-request-delivered-360px');
    await client.setViewportSize({ width: 1100, height: 800 });
    await link.click();
    await client.waitForURL(/#\/catalogue\/slow$/);
    await expect.poll(() => client.locator('h1').textContent()).toContain('Sleeps');
  });

  it('reading is public: signed out, the requests and the nav links show, voting asks to sign in', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(`${t.url}/`);
    await page.getByTestId('nav-discussions').waitFor();
    // The catalogue shows each author with their level, linked to their profile.
    const slow = page.getByTestId('catalogue-item').filter({ hasText: 'Sleeps' });
    await expect.poll(() => slow.getByTestId('author-level').count()).toBe(1);
    await page.getByTestId('nav-requests').click();
    await page.getByTestId('request-row').first().waitFor();
    expect(await page.getByTestId('vote-request').count()).toBe(0);
    await open(page, `#/requests/${requestId}`);
    await page.getByTestId('delivered-link').waitFor();
    // Neither the client id nor the private budget: the client is "a client" to the public.
    expect(await page.getByTestId('request-author').textContent()).toBe('a client');
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain('No public budget');
    expect(text).not.toContain('1,500');
    expect(text).not.toContain('acme');
    await page.close();
  });

  it('a client picks a public name on its page; its request and threads show it to others', async () => {
    await open(client, '#/client');
    await client.getByTestId('display-name-input').fill('Acme Buyers');
    await client.getByTestId('display-name-save').click();
    await expect.poll(() => client.getByTestId('display-name-shown').textContent()).toBe('Acme Buyers');
    await shot(client, 'client-display-name');
    // An e-mail address is refused with the server's reason, and the name stays.
    await client.getByTestId('display-name-input').fill('buyer@acme.example');
    await client.getByTestId('display-name-save').click();
    await expect.poll(() => client.locator('[role=status], [role=alert]').filter({ hasText: 'cannot be an e-mail address' }).count()).toBeGreaterThan(0);
    expect(await client.getByTestId('display-name-shown').textContent()).toBe('Acme Buyers');
    // alice is still on the request's page: a reload reads it again.
    await open(alice, `#/requests/${requestId}`);
    await alice.reload();
    await expect.poll(() => alice.getByTestId('request-author').textContent()).toBe('client Acme Buyers');
  });

  it('the spend cap form sets a cap, refuses a bad amount with a reason, and removes it', async () => {
    await open(client, '#/client');
    await client.getByTestId('spend-cap-input').fill('12.50');
    await client.getByTestId('spend-cap-save').click();
    await expect.poll(() => client.locator('[role=status]').filter({ hasText: 'Spend cap set to €12.50 a month.' }).count()).toBeGreaterThan(0);
    await client.getByTestId('spend-cap-input').fill('twelve');
    await client.getByTestId('spend-cap-save').click();
    await expect.poll(() => client.locator('[role=status], [role=alert]').filter({ hasText: 'Enter an amount in euros' }).count()).toBeGreaterThan(0);
    await client.getByTestId('spend-cap-remove').click();
    await expect.poll(() => client.locator('[role=status]').filter({ hasText: 'Spend cap removed.' }).count()).toBeGreaterThan(0);
    expect(await client.getByTestId('spend-cap-status').getAttribute('data-status')).toBe('none');
  });

  it('a thread: replies, an accepted answer, a post hidden by a moderator', async () => {
    await open(client, '#/discussions');
    await client.getByTestId('new-thread-title').fill('Batch calls?');
    await client.getByTestId('new-thread-body').fill('Can I send **100 items** in one call?');
    await client.getByTestId('new-thread-submit').click();
    await client.waitForURL(/#\/threads\/[0-9a-z]+$/);
    const threadHash = `#/threads/${client.url().split('#/threads/')[1] ?? ''}`;

    for (const [dev, text] of [
      [carol, 'Yes: post a JSON array, up to 100 items.'],
      [alice, 'Buy my feature instead!'],
    ] as const) {
      await open(dev, threadHash);
      await dev.getByTestId('reply-body').fill(text);
      await dev.getByTestId('reply-submit').click();
      await dev.getByTestId('post').filter({ hasText: text }).waitFor();
    }
    // The question's author as others see it: the client's public name, never its id.
    expect(await alice.getByTestId('post').first().getByTestId('author-client').textContent()).toBe('client Acme Buyers');

    await client.reload();
    const carols = client.getByTestId('post').filter({ hasText: 'JSON array' });
    await carols.getByTestId('accept-answer').click();
    await expect.poll(() => carols.getAttribute('data-accepted')).toBe('true');
    await carols.getByTestId('accepted-answer').waitFor();

    const finance = await signedIn('fin@example.com', 'finance');
    await open(finance, threadHash);
    await finance.getByTestId('post').filter({ hasText: 'Buy my feature' }).getByTestId('hide-post').click();
    await finance.getByTestId('unhide-post').waitFor();

    await client.reload();
    await client.getByTestId('post-hidden').waitFor();
    expect(await client.getByTestId('post-hidden').textContent()).toContain('This post was hidden by a moderator.');
    expect(await client.locator('body').textContent()).not.toContain('Buy my feature');
    expect(await client.getByTestId('post').count()).toBe(3);
    await shot(client, 'community-thread');

    // A feature's own discussions, on its catalogue page: alice reviews carol's feature.
    await open(alice, '#/catalogue/slow');
    await alice.getByTestId('new-thread-title').fill('Solid and predictable');
    await alice.getByTestId('new-thread-body').fill('Used it for a week: latency as documented.');
    await alice.getByTestId('new-thread-review').check();
    await alice.getByTestId('new-thread-submit').click();
    await alice.waitForURL(/#\/threads\/[0-9a-z]+$/);
    await alice.getByRole('link', { name: 'slow', exact: true }).click();
    await alice.waitForURL(/#\/catalogue\/slow$/);
    await expect.poll(() => alice.getByTestId('thread-row').textContent()).toContain('Solid and predictable');
  });

  it('#/discussions lists the feature threads too; the feature\'s author sees a count of new threads on her page', async () => {
    await open(client, '#/discussions');
    const review = client.getByTestId('thread-row').filter({ hasText: 'Solid and predictable' });
    await review.waitFor();
    expect(await review.getAttribute('data-feature')).toBe('slow');
    await client.getByTestId('thread-row').filter({ hasText: 'Batch calls?' }).waitFor();
    expect(await client.locator('body').textContent()).not.toContain('No thread yet');

    // carol authors slow: alice's review is new to her, counted and linked on her page.
    await open(carol, '#/developer');
    const fresh = carol.getByTestId('new-threads');
    await fresh.waitFor();
    expect(await fresh.getAttribute('data-count')).toBe('1');
    expect(await carol.getByTestId('new-threads-count').textContent()).toBe('1 new thread');
    await fresh.getByRole('link', { name: 'Solid and predictable' }).waitFor();
    await shot(carol, 'developer-new-threads');
    // Seen once, it is not new at the next visit.
    await expect
      .poll(async () => {
        await carol.reload();
        await carol.getByTestId('new-threads').waitFor();
        return carol.getByTestId('new-threads').getAttribute('data-count');
      })
      .toBe('0');
  });

  it("a developer's profile: level, usage and help points, features", async () => {
    await open(alice, '#/developers/carol');
    const level = alice.getByTestId('developer-level');
    await level.waitFor();
    expect(await level.getAttribute('data-level')).toMatch(/^(newcomer|contributor|publisher|maintainer|mentor)$/);
    // carol's accepted answer in a thread that is not about her feature: 20 help points.
    expect(await alice.getByTestId('developer-help-points').textContent()).toBe('20');
    expect(Number(await alice.getByTestId('developer-usage-points').textContent())).toBeGreaterThan(0);
    expect(await alice.getByTestId('developer-profile-feature').getAttribute('data-slug')).toBe('slow');
    expect(await alice.locator('body').textContent()).toContain('never money');
    await shot(alice, 'community-developer-profile');
  });
});
