/**
 * The browser the browser tests drive must enforce the web's security model, or no security test
 * run in it proves anything: a page may not read another origin's answer without CORS.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/chromium.ts';

let browser: Browser;
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
