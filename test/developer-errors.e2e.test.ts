/**
 * The developer page's recent errors (issue 15, Logs): a developer sees the throws (with their
 * invocation ids and stack traces), timeouts and crashes of the features it authors, from the
 * feature logs of the data dir, and nothing of anyone else's features; nothing of the client.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeveloperErrors } from '../runtime/console/api-types.ts';
import { unlabelledControls, welcomeIn } from './helpers/browser.ts';
import { launchBrowser } from './helpers/chromium.ts';
import { setAuthors, signUp, type ConsoleSession } from './helpers/console.ts';
import { copyFixtures, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let functionsDir: string;
let t: TestPlatform;
let carol: ConsoleSession;
let alice: ConsoleSession;
let dave: ConsoleSession;
let key: string;

const errorsOf = async (s: ConsoleSession, path = '/developer/errors'): Promise<DeveloperErrors> => {
  const res = await s.fetch(path);
  expect(res.status).toBe(200);
  return (await res.json()) as DeveloperErrors;
};

beforeAll(async () => {
  functionsDir = copyFixtures();
  // boom (it throws) is carol's alone; slow stays alice's and bob's; dave authors nothing.
  setAuthors(functionsDir, 'boom', [{ id: 'carol', weight: 1 }]);
  // carol's second feature throws a message with terminal escapes and a carriage return.
  cpSync(join(functionsDir, 'boom'), join(functionsDir, 'ansi'), { recursive: true });
  writeFileSync(join(functionsDir, 'ansi', 'index.ts'), "export const handler = async (): Promise<never> => {\n  throw new Error('red \\u001b[31m alert\\r');\n};\n");
  t = await startTestPlatform({ functionsDir });
  carol = await signUp(t, 'carol@dev.example', 'developer', { developerId: 'carol' });
  alice = await signUp(t, 'alice@dev.example', 'developer', { developerId: 'alice' });
  dave = await signUp(t, 'dave@dev.example', 'developer', { developerId: 'dave' });
  key = await t.newKey('acme-holdings-secret');
}, 120_000);
afterAll(async () => {
  await t?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('GET /console/api/developer/errors', () => {
  let boomId: string;
  let slowId: string;

  beforeAll(async () => {
    const boom = await t.call(key, '/v1/features/boom', { method: 'POST', body: '{"card":"4111"}' });
    expect(boom.status).toBe(502);
    boomId = boom.headers.get('faascape-invocation-id') as string;
    expect(boomId).toMatch(/^[0-9a-f-]{36}$/);
    const slow = await t.call(key, '/v1/features/slow?ms=10000');
    expect(slow.status).toBe(504);
    slowId = slow.headers.get('faascape-invocation-id') as string;
    // A call that succeeds is no error.
    expect((await t.call(key, '/v1/features/slow?ms=1')).status).toBe(200);
  }, 60_000);

  it("shows the author a throw of its feature with the call's invocation id and stack trace", async () => {
    const body = await errorsOf(carol);
    expect(body.errors.map((e) => e.feature)).toEqual(['boom']);
    const [e] = body.errors;
    expect(e).toMatchObject({ feature: 'boom', invocationId: boomId });
    expect(e?.message).toContain('boom: the feature failed');
    // The stack names the feature's own source (the bundle's source map).
    expect(e?.stack).toMatch(/boom: the feature failed[\s\S]*index\.ts:\d+/);
    expect(Date.parse(e?.time ?? '')).toBeGreaterThan(body.sinceMs);
    expect(body.sinceMs).toBeGreaterThan(Date.now() - 7 * 86_400_000 - 60_000);
  });

  it("shows a timeout to its feature's authors, and another's errors to nobody else", async () => {
    const mine = await errorsOf(alice);
    expect(mine.errors.map((e) => [e.feature, e.invocationId])).toEqual([['slow', slowId]]);
    expect(mine.errors[0]?.message).toMatch(/timed out/);
    expect(JSON.stringify(mine)).not.toContain(boomId);
    expect(JSON.stringify(await errorsOf(carol))).not.toContain(slowId);
    expect((await errorsOf(dave)).errors).toEqual([]);
    // No developer id is ever taken from the request.
    expect((await errorsOf(dave, '/developer/errors?developer=carol')).errors).toEqual([]);
  });

  it("never carries the client's identity, key or request", async () => {
    for (const s of [carol, alice]) {
      const text = JSON.stringify(await errorsOf(s));
      for (const secret of ['acme-holdings-secret', key, '4111']) expect(text).not.toContain(secret);
    }
  });

  it('lists the newest first', async () => {
    const again = await t.call(key, '/v1/features/boom');
    expect(again.status).toBe(502);
    const ansi = await t.call(key, '/v1/features/ansi');
    expect(ansi.status).toBe(502);
    const errors = (await errorsOf(carol)).errors;
    expect(errors.map((e) => e.invocationId)).toEqual([ansi.headers.get('faascape-invocation-id'), again.headers.get('faascape-invocation-id'), boomId]);
    // As the feature wrote it: the page escapes it when it shows it.
    expect(errors[0]?.message).toContain('red \u001b[31m alert\r');
  });

  it('is shown on the developer page, control characters escaped, with the stack behind a disclosure', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const { context, page } = await welcomeIn(browser, t, 'carol-web@dev.example', 'developer', { developerId: 'carol' });
      const rows = page.getByTestId('developer-error');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(3);
      expect(await rows.first().getAttribute('data-feature')).toBe('ansi');
      const first = (await rows.first().textContent()) ?? '';
      expect(first).toContain('red \\x1b[31m alert\\x0d');
      expect(first).not.toContain('\u001b');
      const boom = rows.filter({ hasText: boomId });
      expect(await boom.count()).toBe(1);
      const stack = boom.getByTestId('developer-error-stack');
      expect(await stack.isVisible()).toBe(false);
      await boom.getByText('Stack trace').click();
      expect(await stack.textContent()).toMatch(/boom: the feature failed[\s\S]*index\.ts:\d+/);
      expect((await page.textContent('body')) ?? '').not.toContain('acme-holdings-secret');
      expect(await unlabelledControls(page)).toEqual([]);
      // A long stack trace wraps: nothing scrolls sideways on a 360 px phone.
      await page.setViewportSize({ width: 360, height: 800 });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
      await context.close();
    } finally {
      await browser?.close();
    }
  }, 60_000);

  it('is for developers only', async () => {
    expect((await fetch(`${t.url}/console/api/developer/errors`)).status).toBe(401);
    const client = await signUp(t, 'buyer@acme.example', 'client', { clientId: 'acme-holdings-secret' });
    expect((await client.fetch('/developer/errors')).status).toBe(403);
  });
});
