/**
 * The browser the browser tests drive must enforce the web's security model, or no security test
 * run in it proves anything: a page may not read another origin's answer without CORS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { welcomeIn } from '../helpers/browser.ts';
import { launchBrowser } from '../helpers/chromium.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const SECURITY_FUNCTIONS = fileURLToPath(new URL('../security/functions', import.meta.url));

let browser: Browser;
let t: TestPlatform | undefined;
const servers: Server[] = [];

async function serve(type: string, body: string): Promise<number> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', type);
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  for (const s of servers) s.close();
});

describe('the test browser', () => {
  it('blocks a cross-origin read, and allows a same-origin one', async () => {
    const secretPort = await serve('application/json', '{"secret":"s3cr3t"}');
    const pagePort = await serve('text/html', '<!doctype html><h1>page</h1>');
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${pagePort}/`);
    const read = (url: string) =>
      page.evaluate(async (u) => {
        try {
          return `read ${await (await fetch(u)).text()}`;
        } catch (e) {
          return `blocked ${(e as Error).name}`;
        }
      }, url);
    // Another port is another origin: the answer must not reach the page.
    expect(await read(`http://127.0.0.1:${secretPort}/`)).toBe('blocked TypeError');
    expect(await read(`http://127.0.0.1:${pagePort}/`)).toContain('read <!doctype html>');
    await page.close();
  });
});

describe('a feature page on the console origin', () => {
  it('runs no script and reads nothing of a signed-in client\'s console session', async () => {
    t = await startTestPlatform({ functionsDir: SECURITY_FUNCTIONS });
    const key = await t.newKey('acme');
    const { context, page } = await welcomeIn(browser, t, 'victim@acme.example', 'client', { clientId: 'acme' });
    // The client is signed in: the console API answers this browser with the session.
    expect(await page.evaluate(async () => (await fetch('/console/api/session')).status)).toBe(200);
    const sessionCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/console/api/')) sessionCalls.push(r.url());
    });
    // The browser must send the key to open the feature (a link with a key, a proxy): the worst case.
    await context.setExtraHTTPHeaders({ 'x-api-key': key });
    const res = await page.goto(`${t.url}/v1/features/hostile?mode=html`);
    expect(res?.status()).toBe(200);
    expect(await page.textContent('#out')).toBe('waiting');
    await page.waitForTimeout(300);
    expect(await page.title()).toBe('hostile');
    expect(sessionCalls).toEqual([]);
    // Nor did its Set-Cookie replace the session: the console still knows the client.
    await context.setExtraHTTPHeaders({});
    await page.goto(`${t.url}/`);
    expect(await page.evaluate(async () => (await fetch('/console/api/session')).status)).toBe(200);
    await context.close();
  }, 60_000);
});
