/**
 * Regenerates the console screenshots of the README (docs/console/*.png) from the shipped features:
 *
 *   npm run screenshots                 # overwrites docs/console/<name>.png
 *   npm run screenshots -- --out DIR    # writes them elsewhere (the test does)
 *
 * A real platform starts in-process on a temporary data dir and a free loopback port, with the
 * features of functions/ (never the test fixtures). The CLI has no `demo` command, so this script
 * seeds two months of activity itself, through the stores the CLI uses (ClientStore: clients,
 * keys, limits, display names; AccountStore: console accounts; StatementsJob: the monthly close)
 * and through the real HTTP API: every call is a metered call through the gateway with a
 * realistic input, and every request, vote, thread and reply goes through the console's API.
 *
 * The story, on a clock that is moved across the two months before this one (M-1 and M):
 * - mid M-1: three clients start; a client asks for French business days, four accounts vote,
 *   erin plans it and delivers it as business-days-fr (which clients call from then on);
 * - M-1 is closed on the 1st of M at 02:00, as the monthly scheduler does (invoices, earnings);
 * - M: a month of weekday-heavy usage, a thread on contact-normalizer with an accepted answer and a
 *   post hidden by finance, and a new thread on iban-check for carol;
 * - the client, developer, request and thread pages are captured on the last day of M at 17:00;
 *   finance previews M on the 1st of the next month at 01:30, before the automatic close.
 * The browser's clock is set to the platform's, so "this month" and "last 30 days" agree.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AccountStore } from '../../runtime/console/account-store.ts';
import type { DevRequest, Post, ThreadDetail } from '../../runtime/console/community-types.ts';
import { ClientStore } from '../../runtime/keys/client-store.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { startPlatform, type Platform } from '../../runtime/local/platform.ts';
import { documentClient } from '../../runtime/store/dynamo-client.ts';
import { parseDecimalMicros, toSafeNumber } from '../../shared/money.ts';
import { monthOf, monthStart, nextMonth, previousMonth } from '../../shared/month.ts';
import type { Role } from '../../shared/accounts.ts';
import { DEFAULT_POLICY } from '../../shared/statement.ts';
import { launchBrowser } from '../../test/helpers/chromium.ts';
import { mulberry32 } from '../../shared/prng.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FUNCTIONS = join(REPO, 'functions');
const DEFAULT_OUT = join(REPO, 'docs', 'console');
export const WIDTH = 1100;
export const SCREENSHOTS = ['catalogue', 'client', 'developer', 'finance-preview', 'request', 'thread'] as const;
export type ScreenshotName = (typeof SCREENSHOTS)[number];

export interface Screenshot {
  name: ScreenshotName;
  file: string;
  /** the page's visible text when it was captured */
  text: string;
  width: number;
  height: number;
}

export interface CaptureResult {
  outDir: string;
  screenshots: Screenshot[];
  /** the temporary data dir, removed when main returns or throws */
  dataDir: string;
  /** metered calls made through the gateway */
  calls: number;
  ms: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Only for the seeded accounts of a throw-away data dir. */
const PASSWORD = 'quiet lantern 42 meadows';

/** The platform's time: real speed from a chosen point, moved forward between the scenes. */
class ScenarioClock {
  private offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  set(time: number): void {
    this.offset = time - Date.now();
  }
}

/** The same figures at every run of the same months. */
const random = mulberry32;

// ---------------------------------------------------------------------------------------------
// Who uses what

interface ClientSpec {
  clientId: string;
  displayName: string;
  email: string;
  /** calls per weekday, per feature */
  perDay: Record<string, number>;
  spendCap?: string;
}

const CLIENTS: ClientSpec[] = [
  { clientId: 'northwind', displayName: 'Northwind', email: 'ap@northwind.example', perDay: { 'iban-check': 5, 'vat-check': 3.5, 'contact-normalizer': 2, 'business-days-fr': 1.5 }, spendCap: '1.00' },
  { clientId: 'acme', displayName: 'Acme Payroll', email: 'ops@acme.example', perDay: { 'business-days-fr': 4, 'iban-check': 2.5 } },
  { clientId: 'globex', displayName: 'Globex Logistics', email: 'it@globex.example', perDay: { 'contact-normalizer': 2.5, 'business-days-fr': 2, 'vat-check': 1.5 } },
];

function clientEmail(clientId: string): string {
  const c = CLIENTS.find((x) => x.clientId === clientId);
  if (!c) throw new Error(`no client ${clientId} in the scenario`);
  return c.email;
}

const DEVELOPERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
const FINANCE = 'finance@faascape.example';
const devEmail = (id: string) => `${id}@dev.example`;

/** Realistic inputs, one per call, from the features' own manifests and tests. */
const IBANS = ['FR76 3000 6000 0112 3456 7890 189', 'DE89 3704 0044 0532 0130 00', 'BE68 5390 0754 7034', 'CH93 0076 2011 6238 5295 7', 'AT611904300234573201', 'FR1420041010050500013M02606', 'DE89 3704 0044 0532 0130 01'];
const VATS = ['FR 40 303 265 045', 'DE136695976', 'BE0403170701', 'ATU13585627', 'ESA28184662', 'DK 10 50 32 80', 'DE136695977'];
const CONTACTS = [
  { name: 'jean-pierre DE LA fontaine', email: ' JP.Fontaine@Exemple.FR ', phone: '06 12 34 56 78' },
  { name: 'DUPONT Marie', email: 'marie.dupont@gmial.com', phone: '01 23 45 67 89 poste 12' },
  { name: 'Sofie Peeters', email: 'sofie@peeters.be', phone: '0470 12 34 56', country: 'BE' },
  { name: 'lucas martin', email: 'Lucas.Martin@orange.fr', phone: '+33 7 81 22 45 90' },
  { name: 'BERNARD Chloé', email: 'chloe.bernard@free.fr', phone: '04 78 12 34 56' },
];

interface CallSpec {
  path: string;
  init?: RequestInit;
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function callFor(feature: string, day: number, rnd: () => number): CallSpec {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  // About one call in 30 is a client's mistake: a 4xx the feature answers, never held against it.
  const bad = rnd() < 0.035;
  const base = `/v1/features/${feature}`;
  switch (feature) {
    case 'iban-check':
      return { path: base, init: post(bad ? { account: pick(IBANS) } : { iban: pick(IBANS) }) };
    case 'vat-check':
      return { path: base, init: post(bad ? {} : { vat: pick(VATS) }) };
    case 'contact-normalizer': {
      const n = 1 + Math.floor(rnd() * CONTACTS.length);
      return { path: base, init: post(bad ? { country: 'FR' } : { country: 'FR', contacts: Array.from({ length: n }, () => pick(CONTACTS)) }) };
    }
    case 'business-days-fr': {
      const date = new Date(day).toISOString().slice(0, 10);
      const later = new Date(day + (20 + Math.floor(rnd() * 40)) * DAY).toISOString().slice(0, 10);
      if (bad) return { path: `${base}/between?from=${date}` };
      const which = rnd();
      if (which < 0.5) return { path: `${base}/add?date=${date}&days=${pick([10, 30, 45, 60])}` };
      if (which < 0.85) return { path: `${base}/between?from=${date}&to=${later}${rnd() < 0.2 ? '&region=alsace-moselle' : ''}` };
      return { path: `${base}/is-business-day?date=${later}` };
    }
    default:
      throw new Error(`no input for feature ${feature}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The console's API, as a signed-in browser uses it

class Session {
  constructor(
    private readonly url: string,
    readonly cookie: string,
    private readonly csrf: string,
  ) {}

  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { cookie: this.cookie };
    if (method !== 'GET') headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}/console/api${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (!res.ok) throw new Error(`${method} /console/api${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
}

interface Seeded {
  requestId: string;
  threadId: string;
  calls: number;
}

class Scenario {
  private readonly clients: ClientStore;
  private readonly accounts: AccountStore;
  private readonly keys = new Map<string, string>();
  private readonly redeemed = new Set<string>();
  calls = 0;

  constructor(
    readonly platform: Platform,
    readonly clock: ScenarioClock,
  ) {
    const db = documentClient(platform.dynamo);
    this.clients = new ClientStore(db, platform.tables, clock.now);
    this.accounts = new AccountStore(db, platform.tables, clock.now);
  }

  /** Clients with a key, a public name and (northwind) a spend cap; every console account. */
  async setUp(): Promise<void> {
    for (const c of CLIENTS) {
      this.keys.set(c.clientId, (await this.clients.createKey(c.clientId)).apiKey);
      await this.clients.setDisplayName(c.clientId, c.displayName);
      if (c.spendCap) await this.clients.setSpendCap(c.clientId, toSafeNumber(parseDecimalMicros(c.spendCap)));
      await this.accounts.create({ email: c.email, role: 'client', clientId: c.clientId });
    }
    for (const d of DEVELOPERS) await this.accounts.create({ email: devEmail(d), role: 'developer', developerId: d });
    await this.accounts.create({ email: FINANCE, role: 'finance' });
  }

  /** A fresh session now (sessions last 12 hours): the one-time link the first time, the password after. */
  async signIn(email: string): Promise<Session> {
    let res: Response;
    if (this.redeemed.has(email)) {
      res = await fetch(`${this.platform.url}/console/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    } else {
      const { token } = await this.accounts.issueSignInToken(email);
      res = await fetch(`${this.platform.url}/console/api/auth/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, password: PASSWORD }) });
      this.redeemed.add(email);
    }
    if (res.status !== 200) throw new Error(`sign-in of ${email}: ${res.status} ${await res.text()}`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('faascape_session='))?.split(';')[0];
    if (!cookie) throw new Error(`sign-in of ${email}: no session cookie`);
    return new Session(this.platform.url, cookie, ((await res.json()) as { csrfToken: string }).csrfToken);
  }

  /** As `email`, at `time`. */
  async as<T>(email: string, time: number, act: (s: Session) => Promise<T>): Promise<T> {
    this.clock.set(time);
    return act(await this.signIn(email));
  }

  /**
   * One day of calls from every client (few at weekends), through the gateway: one at a time per
   * feature, so each feature keeps the one warm process it started in M-1 and M's latencies are
   * those of warm calls, not of a process started mid-month.
   */
  async day(day: number, features: ReadonlySet<string>): Promise<void> {
    const rnd = random(day / DAY);
    const weekend = [0, 6].includes(new Date(day).getUTCDay());
    const calls: { key: string; feature: string; spec: CallSpec }[] = [];
    for (const c of CLIENTS) {
      for (const [feature, rate] of Object.entries(c.perDay)) {
        if (!features.has(feature)) continue;
        const n = Math.round(rate * (weekend ? 0.15 : 0.5 + rnd()));
        for (let i = 0; i < n; i++) calls.push({ key: this.keys.get(c.clientId) as string, feature, spec: callFor(feature, day, rnd) });
      }
    }
    this.clock.set(day + 9 * HOUR + Math.floor(rnd() * 8 * HOUR));
    const worker = async (feature: string) => {
      for (const { key, spec } of calls.filter((c) => c.feature === feature)) {
        const init = spec.init ?? {};
        const res = await fetch(`${this.platform.url}${spec.path}`, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), 'x-api-key': key } });
        await res.arrayBuffer();
        if (res.status >= 500 || res.status === 401 || res.status === 429) throw new Error(`${spec.path}: unexpected ${res.status}`);
        this.calls++;
      }
    };
    await Promise.all([...features].map(worker));
  }

  async days(from: number, to: number, features: (day: number) => ReadonlySet<string>): Promise<void> {
    for (let d = from; d < to; d += DAY) await this.day(d, features(d));
  }

  /** The two months of activity; returns the ids the request and thread pages need. */
  async seed(previous: string, month: string): Promise<Seeded> {
    const p = monthStart(previous);
    const m = monthStart(month);
    const end = monthStart(nextMonth(month));
    const at = (base: number, day: number, hour: number) => base + (day - 1) * DAY + hour * HOUR;

    // Mid M-1: the request, its votes, planned by erin.
    const request = await this.as(clientEmail('northwind'), at(p, 16, 10), (s) =>
      s.api<DevRequest>('POST', '/requests', {
        title: 'Payment due dates in French business days',
        description:
          'Our supplier terms are **30 business days** after delivery. We need the due date of each invoice, skipping weekends and French public holidays.\n\n- Alsace-Moselle too (our Strasbourg site has two extra holidays)\n- the number of business days between two dates, for late-payment penalties',
        budget: '800.00',
        budgetPublic: true,
        tags: ['calendar', 'france', 'invoicing'],
      }),
    );
    const vote = (email: string, day: number, hour: number) => this.as(email, at(p, day, hour), (s) => s.api('POST', `/requests/${request.requestId}/vote`));
    await vote(clientEmail('northwind'), 16, 10.2);
    await vote(devEmail('erin'), 16, 15);
    await vote(clientEmail('acme'), 17, 9);
    await this.as(devEmail('erin'), at(p, 17, 11), (s) => s.api('POST', `/requests/${request.requestId}/plan`));
    await vote(clientEmail('globex'), 18, 14);
    await vote(devEmail('bob'), 19, 16);

    // Usage from the 18th of M-1; business-days-fr once erin delivered it on the 24th.
    const delivered = at(p, 24, 16);
    const withoutCalendar = new Set(['iban-check', 'vat-check', 'contact-normalizer']);
    const all = new Set([...withoutCalendar, 'business-days-fr']);
    await this.days(at(p, 18, 0), at(p, 24, 0), () => withoutCalendar);
    await this.as(devEmail('erin'), delivered, (s) => s.api('POST', `/requests/${request.requestId}/deliver`, { featureSlug: 'business-days-fr' }));
    await this.days(at(p, 25, 0), m, () => all);

    // The 1st at 02:00: M-1 is closed, as the monthly scheduler would (npx faascape statements close).
    await this.platform.meter.settled();
    this.clock.set(at(m, 1, 2));
    await this.platform.statements.close(previous);

    // M: the month's usage, and its discussions.
    await this.days(m, at(m, 9, 0), () => all);
    const thread = await this.as(clientEmail('northwind'), at(m, 9, 10), (s) =>
      s.api<ThreadDetail>('POST', '/threads', {
        title: 'More than 1000 contacts in one call?',
        markdown: 'We clean our CRM every night: about **40,000 contacts**. Can we send them in one call, or what is the best way?',
        featureSlug: 'contact-normalizer',
      }),
    );
    const reply = (email: string, day: number, hour: number, markdown: string) =>
      this.as(email, at(m, day, hour), (s) => s.api<Post>('POST', `/threads/${thread.threadId}/posts`, { markdown }));
    const answer = await reply(
      devEmail('alice'),
      9,
      11.5,
      'Not in one call: a call takes **up to 1000 contacts**. Split the list in batches of 1000 and send a few at a time; each call is billed once, whatever the batch size, so 40 calls do it.',
    );
    await reply(clientEmail('globex'), 9, 15, 'Same here with 12,000 contacts a week: 12 calls of 1000, a few seconds in all.');
    const spam = await reply(devEmail('dave'), 10, 8, 'Use my own dedupe service instead, no limits at all! Write to me for a discount.');
    await this.as(FINANCE, at(m, 10, 9), (s) => s.api('POST', `/posts/${thread.threadId}/${spam.postId}/hide`, { hidden: true }));
    await this.as(clientEmail('northwind'), at(m, 10, 10), (s) => s.api('POST', `/threads/${thread.threadId}/accept`, { postId: answer.postId }));
    await this.days(at(m, 9, 0), at(m, 20, 0), () => all);
    await this.as(clientEmail('globex'), at(m, 20, 11), (s) =>
      s.api('POST', '/threads', {
        title: 'Does it tell whether the account exists?',
        markdown: 'A valid IBAN can still be closed. Does the check ask the bank, or only the format and the check digits?',
        featureSlug: 'iban-check',
      }),
    );
    await this.days(at(m, 20, 0), end, () => all);
    await this.platform.meter.settled();
    return { requestId: request.requestId, threadId: thread.threadId, calls: this.calls };
  }
}

// ---------------------------------------------------------------------------------------------
// Capture

interface Scene {
  name: ScreenshotName;
  /** who is signed in; none: a visitor */
  email?: string;
  role?: Role;
  time: number;
  hash: string;
  /** waits until the page shows its figures; may click (finance previews) */
  ready(page: Page): Promise<void>;
}

const visible = (page: Page, testId: string) => page.getByTestId(testId).first().waitFor({ state: 'visible', timeout: 15_000 });

/** Nothing still loading: no "Loading…" status, and no request in flight for half a second. */
async function settled(page: Page): Promise<void> {
  await page.locator('p[role=status]', { hasText: 'Loading' }).first().waitFor({ state: 'detached', timeout: 15_000 });
  await page.waitForLoadState('networkidle', { timeout: 15_000 });
  await page.evaluate('document.fonts.ready.then(() => undefined)');
}

async function capture(browser: Browser, scenario: Scenario, scene: Scene, file: string): Promise<Screenshot> {
  scenario.clock.set(scene.time);
  const context: BrowserContext = await browser.newContext({ viewport: { width: WIDTH, height: 800 }, deviceScaleFactor: 1, locale: 'en-US', timezoneId: 'UTC' });
  try {
    // The page's "today" is the platform's: the charts' days and the month status agree with the data.
    await context.clock.setFixedTime(scene.time);
    if (scene.email) {
      const session = await scenario.signIn(scene.email);
      const [name, value] = session.cookie.split('=') as [string, string];
      await context.addCookies([{ name, value, url: `${scenario.platform.url}/console/api`, httpOnly: true, sameSite: 'Strict' }]);
    }
    const page = await context.newPage();
    await page.goto(`${scenario.platform.url}/${scene.hash}`);
    if (scene.role) await visible(page, 'signed-in-as');
    await scene.ready(page);
    await settled(page);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
    const text = await page.locator('body').innerText();
    const size = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')) as [number, number];
    return { name: scene.name, file, text, width: size[0], height: size[1] };
  } finally {
    await context.close();
  }
}

function scenes(month: string, seeded: Seeded): Scene[] {
  const lastDay = monthStart(nextMonth(month)) - DAY + 17 * HOUR;
  const financeTime = monthStart(nextMonth(month)) + 1.5 * HOUR;
  return [
    {
      name: 'catalogue',
      time: lastDay,
      hash: '#/catalogue',
      ready: async (page) => {
        await visible(page, 'catalogue-item');
        await page.locator('[data-testid=catalogue-item] [data-testid=author-level]').first().waitFor({ timeout: 15_000 });
      },
    },
    {
      name: 'client',
      email: clientEmail('northwind'),
      role: 'client',
      time: lastDay,
      hash: '#/client',
      ready: async (page) => {
        await visible(page, 'client-usage-row');
        await visible(page, 'client-invoice-row');
        await visible(page, 'api-key-row');
        await page.locator('canvas').first().waitFor();
      },
    },
    {
      name: 'developer',
      email: devEmail('carol'),
      role: 'developer',
      time: lastDay,
      hash: '#/developer',
      ready: async (page) => {
        await visible(page, 'developer-feature');
        await visible(page, 'earnings-row');
        await visible(page, 'new-threads');
        await page.locator('.u-legend').first().waitFor();
      },
    },
    {
      name: 'finance-preview',
      email: FINANCE,
      role: 'finance',
      time: financeTime,
      hash: `#/finance/${month}`,
      ready: async (page) => {
        await visible(page, 'preview-month');
        await page.getByTestId('preview-month').click();
        await visible(page, 'reconciliation');
      },
    },
    {
      name: 'request',
      email: clientEmail('northwind'),
      role: 'client',
      time: lastDay,
      hash: `#/requests/${seeded.requestId}`,
      ready: async (page) => {
        await visible(page, 'delivered-link');
      },
    },
    {
      name: 'thread',
      // Another client than the thread's author: the accepted answer without an "Accept" button next to the others.
      email: clientEmail('globex'),
      role: 'client',
      time: lastDay,
      hash: `#/threads/${seeded.threadId}`,
      ready: async (page) => {
        await visible(page, 'accepted-answer');
        await visible(page, 'post-hidden');
      },
    },
  ];
}

/** `npm run screenshots [-- --out DIR]`: seeds a platform, captures the six pages, cleans up. */
export async function main(argv: string[] = process.argv.slice(2), log: (line: string) => void = (l) => console.log(l)): Promise<CaptureResult> {
  const started = Date.now();
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } }, strict: true, allowPositionals: false });
  const outDir = resolve(values.out ?? DEFAULT_OUT);
  mkdirSync(outDir, { recursive: true });

  // The two ended months before this one: M-1 closed, M ended and previewed.
  const month = previousMonth(monthOf(Date.now()));
  const previous = previousMonth(month);
  const clock = new ScenarioClock();
  clock.set(monthStart(previous) + 15 * DAY + 9 * HOUR);

  const dataDir = mkdtempSync(join(tmpdir(), 'faascape-screenshots-'));
  let platform: Platform | undefined;
  let browser: Browser | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await browser?.close().catch(() => {});
      await platform?.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    })());
  // Ctrl-C or a kill: the same clean-up, then the usual exit codes. Signals that follow (tsx
  // relays a Ctrl-C to its child too) must not cut the clean-up short.
  const onSignal = (signal: NodeJS.Signals) => {
    if (cleaning) return;
    console.error(`screenshots: ${signal}: stopping the platform and removing ${dataDir}`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    platform = await startPlatform(
      { port: 0, host: '127.0.0.1', dataDir, functionsDir: FUNCTIONS, policy: DEFAULT_POLICY, scheduleCloses: false, watch: false },
      { logger: silentLogger, clock: clock.now },
    );
    if (platform.problems.length) throw new Error(`features of ${FUNCTIONS} did not load: ${platform.problems.map((p) => p.message).join('; ')}`);
    const slugs = [...platform.features.keys()].sort();
    log(`platform: ${platform.url} with ${slugs.join(', ')} (data in ${dataDir})`);

    const scenario = new Scenario(platform, clock);
    await scenario.setUp();
    const seeded = await scenario.seed(previous, month);
    log(`seeded: ${seeded.calls} calls by ${CLIENTS.length} clients over ${previous} and ${month}, a request, two threads (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    browser = await launchBrowser();
    const screenshots: Screenshot[] = [];
    for (const scene of scenes(month, seeded)) {
      const t0 = Date.now();
      const shot = await capture(browser, scenario, scene, join(outDir, `${scene.name}.png`));
      screenshots.push(shot);
      const shown = relative(process.cwd(), shot.file);
      log(`${shown.startsWith('..') ? shot.file : shown}: ${shot.width}×${shot.height} px, ${scene.email ?? 'signed out'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const ms = Date.now() - started;
    log(`done: ${screenshots.length} screenshots in ${(ms / 1000).toFixed(1)} s`);
    return { outDir, screenshots, dataDir, calls: seeded.calls, ms };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    console.error(`screenshots: failed: ${err.message}`);
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error('usage: npm run screenshots [-- --out DIR]   (default DIR: docs/console)');
    // Where, for whoever fixes it (the message above is the story).
    else if (err.stack) console.error(err.stack.split('\n').slice(1).join('\n'));
    process.exitCode = 1;
  });
}
