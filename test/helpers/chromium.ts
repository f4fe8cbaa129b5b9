/**
 * The browser of the browser tests: Chromium from the npm registry (@sparticuz/chromium, a
 * headless shell unpacked to the temp dir on first use), or a system one when CHROMIUM_PATH is
 * set. Nothing to install by hand.
 *
 * The package's recommended `args` are NOT used: they include --disable-web-security and
 * --disable-site-isolation-trials, and the console's security tests need a browser that enforces
 * the same-origin policy and CSP as a client's browser does. test/console/browser-security.test.ts
 * proves that this launch blocks a cross-origin read.
 */
import Chromium from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

export const BROWSER_ARGS = [
  // root in containers: Chromium's own sandbox needs user namespaces it may not have.
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  // This machine's network is closed: no background look-ups of Google's hosts.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function chromiumPath(): Promise<string> {
  return process.env.CHROMIUM_PATH || (await Chromium.executablePath());
}

export async function launchBrowser(): Promise<Browser> {
  // A C or POSIX locale in the environment becomes "en-US@posix", which Intl refuses; a client's browser has a real one.
  return chromium.launch({ executablePath: await chromiumPath(), headless: true, args: BROWSER_ARGS, env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' } });
}
