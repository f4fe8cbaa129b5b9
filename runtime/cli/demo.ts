/**
 * `npx faascape demo` (issue #16): a fresh installation with a past, so that every page of the
 * console has something to show on the first day. Nothing is written around the platform: the
 * demo starts the real platform in-process on the data dir, with a clock it moves through the
 * last ended months, and three clients call the shipped features over HTTP with their own keys.
 * Each month is then closed by the platform's statements job (which issues the invoices) and its
 * payout run approved once the developers' review window is over, in month order, as finance
 * would. What the pages show afterwards is what the platform recorded, not a fixture.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountStore } from '../console/account-store.ts';
import { ClientStore } from '../keys/client-store.ts';
import { silentLogger } from '../logger.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { LOCAL_TABLE_PREFIX, tableNames } from '../store/tables.ts';
import { dataDirOf } from '../local/config.ts';
import { openStore } from '../local/embedded-store.ts';
import { isAlive, runningPlatform } from '../local/operator.ts';
import { startPlatform, type Platform } from '../local/platform.ts';
import { StatementStore } from '../statements/statement-store.ts';
import { InvoiceStore } from '../statements/invoice-store.ts';
import { PayeeStore, PayoutRunStore } from '../statements/payout-store.ts';
import { DEFAULT_REVIEW_DAYS, Payouts, readPayer } from '../statements/payouts.ts';
import { readPolicy } from '../statements/policy.ts';
import { readSeller } from '../statements/seller.ts';
import { checkPrintable } from '../statements/invoice-pdf.ts';
import { checkBillingDetails } from '../../shared/billing.ts';
import { DomainError } from '../../shared/errors.ts';
import { formatIbanPrint } from '../../shared/iban.ts';
import { formatCents, type Invoice } from '../../shared/invoice.ts';
import { monthOf, monthStart, nextMonth, previousMonth } from '../../shared/month.ts';
import type { Role } from '../../shared/accounts.ts';
import type { StatementPolicy } from '../../shared/statement.ts';
import { mulberry32 } from '../../shared/prng.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** At most this many months: statements look back a year for months to close, and so does the demo. */
export const MAX_DEMO_MONTHS = 12;

export interface DemoOptions {
  /** the data dir to fill: no client, no usage, and no platform running on it */
  dataDir: string;
  /** the shipped features (./functions): the demo's clients call them */
  functionsDir: string;
  /** where the printed sign-in links point (the console `npm start` will serve) */
  consoleUrl: string;
  /** how many ended months, the last being the month before the current one (default 3) */
  months?: number;
  /**
   * A share of the usual call volume (default 1: about 13,900 calls over three months, enough
   * for the busiest developer to pass the €10 minimum payout). Tests use less.
   */
  volume?: number;
  /** calls in flight at once (default 48: the feature processes' queues stay full) */
  concurrency?: number;
  /**
   * The operator's settings the demo reads: the statement policy (FAASCAPE_MINIMUM_PAYOUT, …) and
   * the payout account (FAASCAPE_PAYOUT_IBAN). Default process.env; the seller on the invoices is
   * the platform's, from process.env.
   */
  env?: NodeJS.ProcessEnv;
}

export interface DemoAccount {
  email: string;
  role: Role;
  clientId?: string;
  developerId?: string;
  signInLink: string;
  expiresAt: number;
}

export interface DemoMonth {
  month: string;
  /** calls made over HTTP, and how many of them were not answered 2xx */
  calls: number;
  failed: number;
  revenueMicros: number;
  invoices: string[];
  /** the payout run: approved (paid, carried for want of an IBAN), or still in its review window */
  payout: { approved: true; paidCents: number; transfers: number; carriedCents: number } | { approved: false; reviewEndsAt: number };
}

export interface DemoResult {
  dataDir: string;
  months: DemoMonth[];
  accounts: DemoAccount[];
  calls: number;
  elapsedMs: number;
}

/** The demo did not run: the data dir is not a fresh installation, or a platform runs on it. */
export class DemoError extends DomainError {
  override readonly name = 'DemoError';
  constructor(code: 'not_fresh' | 'platform_running' | 'invalid_options' | 'features_missing', message: string) {
    super(code === 'invalid_options' ? 'invalid_request' : 'conflict', message, { code });
  }
}

type Slug = 'contact-normalizer' | 'business-days-fr' | 'iban-check' | 'vat-check';
const SLUGS: readonly Slug[] = ['contact-normalizer', 'business-days-fr', 'iban-check', 'vat-check'];

interface DemoClient {
  clientId: string;
  billing: { legalName: string; address: string[]; country: string; vatNumber?: string };
  /** how its invoices are taxed, in words, for the progress lines */
  vat: string;
  /** calls per month at volume 1, before the months' growth */
  monthly: Partial<Record<Slug, number>>;
}

/**
 * One client per VAT case of the seller's rule: in the operator's country (VAT charged), a
 * business elsewhere in the EU with a valid VAT number (reverse charge), outside the EU (no VAT).
 * contact-normalizer carries the volume: it pays its authors best (alice earns €0.00093 a call),
 * so its 11,250 calls over three months take her past the €10 minimum (€10.50) in the third;
 * everyone else stays under it and is carried. About 13,900 calls in all.
 */
const CLIENTS: readonly DemoClient[] = [
  {
    clientId: 'bistro-lumiere',
    billing: { legalName: 'Bistro Lumière SARL', address: ['12 rue Mercière', '69002 Lyon'], country: 'FR', vatNumber: 'FR40303265045' },
    vat: 'French VAT',
    monthly: { 'contact-normalizer': 1300, 'business-days-fr': 200 },
  },
  {
    clientId: 'atelier-nord',
    billing: { legalName: 'Atelier Nord GmbH', address: ['Torstraße 45', '10119 Berlin'], country: 'DE', vatNumber: 'DE136695976' },
    vat: 'reverse charge',
    monthly: { 'contact-normalizer': 1400, 'iban-check': 120, 'vat-check': 120 },
  },
  {
    clientId: 'fintech-ouest',
    billing: { legalName: 'Fintech Ouest Inc.', address: ['500 Howard Street', 'San Francisco, CA 94105'], country: 'US' },
    vat: 'outside the EU',
    monthly: { 'contact-normalizer': 1050, 'iban-check': 250, 'vat-check': 180 },
  },
];

/** Payees of the shipped features' authors (documentation IBANs). bob has entered none: his payouts are carried. */
const PAYEES: Readonly<Record<string, { name: string; iban: string }>> = {
  alice: { name: 'Alice Martin', iban: 'FR14 2004 1010 0505 0001 3M02 606' },
  carol: { name: 'Carol Jansen', iban: 'NL91 ABNA 0417 1643 00' },
  dave: { name: 'Dave Peeters', iban: 'BE68 5390 0754 7034' },
  erin: { name: 'Erin Rossi', iban: 'IT60 X054 2811 1010 0000 0123 456' },
};
const DEMO_DEVELOPER_WITHOUT_IBAN = 'bob';

/** Without FAASCAPE_PAYOUT_IBAN, the runs name this account: the name says it is not a real one. */
const DEMO_PAYER = { name: 'Faascape demo payer (not a real account)', iban: 'FR7630006000011234567890189' };

const ACCOUNTS: readonly { email: string; role: Role; clientId?: string; developerId?: string }[] = [
  { email: 'finance@faascape.example', role: 'finance' },
  { email: 'compta@bistro-lumiere.example', role: 'client', clientId: 'bistro-lumiere' },
  { email: 'alice@faascape.example', role: 'developer', developerId: 'alice' },
];

/** The same demo every time for the same months. */
const random = mulberry32;

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const CONTACTS = [
  { name: 'jean-pierre DE LA fontaine', email: ' JP.Fontaine@Exemple.FR ', phone: '06 12 34 56 78' },
  { name: 'DUPONT Marie', email: 'marie.dupont@gmial.com', phone: '01 23 45 67 89 poste 12' },
  { name: 'Sofie Peeters', email: 'sofie@peeters.be', phone: '0470 12 34 56', country: 'BE' },
  { name: 'léa MOREAU', email: 'Lea.Moreau@Orange.fr', phone: '+33 6 98 76 54 32' },
  { name: 'Karim Benali', email: 'karim.benali@free.fr', phone: '07.11.22.33.44' },
  { name: 'SCHMIDT, jonas', email: 'jonas.schmidt@web.de', phone: '030 1234567', country: 'DE' },
  { name: 'anne-sophie de villiers', email: 'asdv@hotmail.fr', phone: '0612345678' },
];
const IBANS = ['FR76 3000 6000 0112 3456 7890 189', 'DE89 3704 0044 0532 0130 00', 'ES91 2100 0418 4502 0005 1332', 'NL91ABNA0417164300', 'FR76 3000 6000 0112 3456 7890 198', 'BE68 5390 0754 7034'];
const VATS = ['FR 40 303 265 045', 'DE136695976', 'DE 129 273 398', 'BE0403019261', 'IT00743110157', 'FR40303265054'];

interface PlannedCall {
  at: number;
  clientId: string;
  slug: Slug;
  method: 'GET' | 'POST';
  /** after /v1/features/<slug> */
  path: string;
  body?: unknown;
}

/** What a client's application would send, on that day. */
function requestOf(slug: Slug, at: number, rand: () => number): Pick<PlannedCall, 'method' | 'path' | 'body'> {
  switch (slug) {
    case 'contact-normalizer': {
      const n = 1 + Math.floor(rand() * 3);
      return { method: 'POST', path: '', body: { country: 'FR', contacts: Array.from({ length: n }, () => pick(rand, CONTACTS)) } };
    }
    case 'business-days-fr': {
      const day = isoDay(at);
      const r = rand();
      if (r < 0.5) return { method: 'GET', path: `/add?date=${day}&days=${pick(rand, [2, 5, 10, 30])}` };
      if (r < 0.85) return { method: 'GET', path: `/between?from=${day}&to=${isoDay(at + pick(rand, [7, 30, 45, 60]) * DAY)}` };
      return { method: 'GET', path: `/is-business-day?date=${day}` };
    }
    case 'iban-check':
      return { method: 'POST', path: '', body: { iban: pick(rand, IBANS) } };
    case 'vat-check':
      return { method: 'POST', path: '', body: { vat: pick(rand, VATS) } };
  }
}

/**
 * A month's calls, each at a time of its own: working hours (08:00-20:00 UTC), weekdays busier
 * than weekends, the months growing (×0.85 to ×1.15 over the demo), in time order.
 */
function planMonth(month: string, index: number, count: number, volume: number): PlannedCall[] {
  const rand = random(0xfaa5 + monthStart(month) / DAY);
  const growth = count === 1 ? 1 : 0.85 + (0.3 * index) / (count - 1);
  const start = monthStart(month);
  const days = (monthStart(nextMonth(month)) - start) / DAY;
  const weights = Array.from({ length: days }, (_, d) => [0.15, 1, 1, 1, 1, 1, 0.3][new Date(start + d * DAY).getUTCDay()] as number);
  const total = weights.reduce((a, b) => a + b, 0);
  const dayOf = (r: number): number => {
    let x = r * total;
    for (let d = 0; d < days; d++) if ((x -= weights[d] as number) < 0) return d;
    return days - 1;
  };
  const calls: PlannedCall[] = [];
  for (const client of CLIENTS) {
    for (const slug of SLUGS) {
      const n = Math.round((client.monthly[slug] ?? 0) * growth * volume);
      for (let i = 0; i < n; i++) {
        // On the hour: the clock jumps once per busy hour, not once per call (every jump ages the
        // gateway's caches and leases at once, and the calls would pay for it).
        const at = start + dayOf(rand()) * DAY + (8 + Math.floor(rand() * 12)) * HOUR;
        calls.push({ at, clientId: client.clientId, slug, ...requestOf(slug, at, rand) });
      }
    }
  }
  return calls.sort((a, b) => a.at - b.at);
}

/**
 * The platform's time during the demo: it runs at real speed (caches, leases and token buckets
 * keep working) and jumps forward to each planned call or job; never backwards, so no record is
 * ever older than one already written.
 */
class PastClock {
  private offset: number;
  constructor(start: number) {
    this.offset = start - Date.now();
  }
  readonly now = (): number => Date.now() + this.offset;
  advanceTo(at: number): void {
    if (at > this.now()) this.offset = at - Date.now();
  }
}

/** A platform on this data dir (a platform.json or store.json whose process lives), if any. */
function platformOn(dataDir: string): { pid: number; url?: string } | undefined {
  const running = runningPlatform(dataDir);
  if (running) return running;
  // A platform still starting has its store up (store.json) before it listens (platform.json).
  const file = join(dataDir, 'store.json');
  if (!existsSync(file)) return undefined;
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
    return isAlive(pid) ? { pid } : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses unless the data dir is fresh: no platform on it, no client, no usage, none of the demo's accounts. */
async function checkFresh(dataDir: string): Promise<void> {
  const other = platformOn(dataDir);
  if (other) {
    throw new DemoError(
      'platform_running',
      `a platform (pid ${other.pid}) runs on the data dir ${dataDir}${other.url ? ` at ${other.url}` : ''}: the demo starts its own platform on a fresh data dir.\n` +
        `  Stop that one first (kill ${other.pid}), or fill another data dir: npx faascape demo --data-dir /some/new/dir`,
    );
  }
  // The CLI's way in: the data dir's store in this process, for the length of the check.
  const store = await openStore(dataDir);
  const dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential, maxAttempts: 3 });
  try {
    const tables = tableNames(LOCAL_TABLE_PREFIX);
    await ensureTables(dynamo, tables);
    const db = documentClient(dynamo);
    const clients = (await new ClientStore(db, tables).listClients()).map((c) => c.clientId);
    const firstUsage = await new DynamoUsageLog(db, tables).firstUsageMonth();
    const closed = await new StatementStore(db, tables).closedMonths();
    const accounts = new AccountStore(db, tables);
    const taken = [];
    for (const a of ACCOUNTS) if (await accounts.get(a.email)) taken.push(a.email);
    const found = [
      ...(clients.length ? [`${clients.length} client(s) (${clients.slice(0, 5).join(', ')}${clients.length > 5 ? ', …' : ''})`] : []),
      ...(firstUsage ? [`usage since ${firstUsage}`] : []),
      ...(closed.length ? [`${closed.length} closed month(s)`] : []),
      ...(taken.length ? [`the account(s) ${taken.join(', ')}`] : []),
    ];
    if (found.length) {
      throw new DemoError(
        'not_fresh',
        `the data dir ${dataDir} is not a fresh installation: it has ${found.join(', ')}. The demo only fills an empty one and changes nothing here.\n` +
          `  Fill another one: npx faascape demo --data-dir /some/new/dir (then FAASCAPE_DATA_DIR=/some/new/dir npm start)`,
      );
    }
  } finally {
    dynamo.destroy();
    await store.close();
  }
}

/** Micros in euros, truncated to the cent, for people (statements keep the micros). */
const euros = (micros: number): string => `€${formatCents(Number(BigInt(micros) / 10_000n))}`;
const eurosCents = (cents: number): string => `€${formatCents(cents)}`;
const count = (n: number): string => n.toLocaleString('en-US');

/** Where a sign-in token is redeemed: the console's welcome page (as `accounts create` prints it). */
function signInLink(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/#/welcome/${token}`;
}

interface Run {
  platform: Platform;
  clock: PastClock;
  keys: Map<string, string>;
  concurrency: number;
}

/**
 * The calls over HTTP, `concurrency` at a time, hour by hour: the clock moves to an hour once the
 * calls of the hour before are answered, so each call is recorded at its planned time (a call
 * still on its way when the clock jumps would be recorded hours, or days, later). Returns how many
 * were not answered 2xx.
 */
async function callAll(run: Run, calls: readonly PlannedCall[]): Promise<number> {
  let failed = 0;
  for (let from = 0; from < calls.length; ) {
    const at = (calls[from] as PlannedCall).at;
    let to = from;
    while (to < calls.length && (calls[to] as PlannedCall).at === at) to++;
    const hour = calls.slice(from, to);
    from = to;
    run.clock.advanceTo(at);
    let next = 0;
    const worker = async () => {
      for (let c = hour[next++]; c; c = hour[next++]) {
        const res = await fetch(`${run.platform.url}/v1/features/${c.slug}${c.path}`, {
          method: c.method,
          headers: { 'x-api-key': run.keys.get(c.clientId) as string, ...(c.body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
        });
        await res.arrayBuffer();
        if (!res.ok) failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(run.concurrency, hour.length) }, worker));
  }
  return failed;
}

const VAT_WORDS: Record<Invoice['vat']['kind'], string> = { domestic: 'VAT', reverse_charge: 'reverse charge', outside_eu: 'outside the EU', eu_no_vat_number: 'EU, no VAT number' };

function invoiceWords(invoices: Invoice[]): string {
  return invoices.map((i) => `${i.number} ${i.clientId} ${eurosCents(i.totalCents)} (${VAT_WORDS[i.vat.kind]}${i.vat.vatCents ? ` ${i.vat.rateBps / 100} %` : ''})`).join(', ');
}

/**
 * Fills a fresh data dir with `months` ended months of usage, statements, invoices and payout
 * runs, and creates three console accounts; `progress` gets one line per step. Throws DemoError,
 * changing nothing, when the data dir is not fresh or a platform runs on it.
 */
export async function runDemo(opts: DemoOptions, progress: (line: string) => void): Promise<DemoResult> {
  const started = Date.now();
  const env = opts.env ?? process.env;
  const monthsWanted = opts.months ?? 3;
  if (!Number.isInteger(monthsWanted) || monthsWanted < 1 || monthsWanted > MAX_DEMO_MONTHS) throw new DemoError('invalid_options', `--months must be 1 to ${MAX_DEMO_MONTHS}, got ${monthsWanted}`);
  const volume = opts.volume ?? 1;
  if (!(volume > 0 && volume <= 10)) throw new DemoError('invalid_options', `the volume must be above 0 and at most 10, got ${volume}`);
  const policy: StatementPolicy = readPolicy(env);
  const seller = readSeller(env);
  const configuredPayer = readPayer(env, seller.party.legalName);
  const payer = configuredPayer ?? DEMO_PAYER;

  await checkFresh(opts.dataDir);

  // The last `monthsWanted` ended months, oldest first.
  const current = monthOf(Date.now());
  const months: string[] = [];
  for (let m = previousMonth(current); months.length < monthsWanted; m = previousMonth(m)) months.unshift(m);
  const first = months[0] as string;

  const clock = new PastClock(monthStart(first) + 7 * HOUR);
  const platform = await startPlatform(
    { port: 0, host: '127.0.0.1', dataDir: opts.dataDir, functionsDir: opts.functionsDir, policy, scheduleCloses: false, watch: false },
    { logger: silentLogger, clock: clock.now },
  );
  try {
    const missing = SLUGS.filter((s) => !platform.features.has(s));
    if (missing.length) {
      throw new DemoError('features_missing', `the demo's clients call the shipped features, and ${missing.join(', ')} did not load from ${opts.functionsDir}${platform.problems.length ? ` (${platform.problems.map((p) => p.message).join('; ')})` : ''}: run it from the repository, or set FAASCAPE_FUNCTIONS_DIR`);
    }
    progress(`demo: a platform on ${opts.dataDir} (in this process, at ${platform.url} until the demo ends), its clock set to ${isoDay(clock.now())}`);

    const db = documentClient(platform.dynamo);
    const tables = platform.tables;
    const clients = new ClientStore(db, tables, clock.now);
    const keys = new Map<string, string>();
    for (const c of CLIENTS) {
      const billing = checkBillingDetails(c.billing);
      await checkPrintable(billing);
      await clients.setBilling(c.clientId, billing);
      keys.set(c.clientId, (await clients.createKey(c.clientId)).apiKey);
    }
    progress(`demo: clients ${CLIENTS.map((c) => `${c.clientId} (${c.billing.country}${c.billing.vatNumber ? ` ${c.billing.vatNumber}` : ''}, ${c.vat})`).join(', ')}, an API key each`);

    const payees = new PayeeStore(db, tables);
    const authors = [...new Set([...platform.features.values()].flatMap((f) => f.spec.manifest.authors.map((a) => a.id)))].sort();
    const paid: string[] = [];
    for (const developerId of authors) {
      const p = PAYEES[developerId];
      if (!p || developerId === DEMO_DEVELOPER_WITHOUT_IBAN) continue;
      await payees.setPayee(developerId, p, clock.now());
      paid.push(`${developerId} ${formatIbanPrint(p.iban.replace(/\s/g, ''))}`);
    }
    const without = authors.filter((a) => !PAYEES[a] || a === DEMO_DEVELOPER_WITHOUT_IBAN);
    progress(`demo: payees ${paid.join(', ')}; without an IBAN (paid nothing, carried): ${without.join(', ') || 'nobody'}`);
    progress(
      configuredPayer
        ? `demo: payouts leave from ${configuredPayer.name} ${formatIbanPrint(configuredPayer.iban)} (FAASCAPE_PAYOUT_IBAN)`
        : `demo: payouts leave from "${DEMO_PAYER.name}" ${formatIbanPrint(DEMO_PAYER.iban)}: FAASCAPE_PAYOUT_IBAN is not set, and this is a demo`,
    );

    const statementStore = new StatementStore(db, tables);
    const invoiceStore = new InvoiceStore(db, tables);
    const payouts = new Payouts({ statements: statementStore, runs: new PayoutRunStore(db, tables), payees, payer, reviewDays: DEFAULT_REVIEW_DAYS, clock: clock.now });
    const run: Run = { platform, clock, keys, concurrency: opts.concurrency ?? 48 };
    const results: DemoMonth[] = [];

    const close = async (result: DemoMonth, at: number) => {
      // Every call answered is in the aggregates before the month is closed: no late usage.
      if (!(await platform.meter.settled(60_000))) throw new Error(`the usage of ${result.month} did not reach the store within a minute`);
      clock.advanceTo(at);
      const closed = await platform.statements.close(result.month);
      const s = closed.statement;
      const invoices = (await invoiceStore.ofMonth(result.month)).filter((i) => i.kind === 'invoice').sort((a, b) => a.number.localeCompare(b.number));
      result.revenueMicros = s.totals.revenueMicros;
      result.invoices = invoices.map((i) => i.number);
      const payable = s.developers.filter((d) => d.payableMicros > 0);
      progress(
        `${result.month}: closed on ${isoDay(clock.now())} with revenue ${euros(s.totals.revenueMicros)} (developers ${euros(s.totals.payoutMicros)}, platform ${euros(s.totals.platformMicros)}); ` +
          `payable ${payable.map((d) => `${d.developerId} ${euros(d.payableMicros)}`).join(', ') || 'nobody'}; ${euros(s.totals.carriedOutMicros)} carried to next month (balances under the ${euros(policy.minimumPayoutMicros)} minimum, and rests under a cent)`,
      );
      progress(`${result.month}: invoices ${invoiceWords(invoices)}`);
    };
    const approve = async (result: DemoMonth, at: number) => {
      clock.advanceTo(at);
      const { run: approved } = await payouts.approve(result.month, 'faascape demo');
      const transfers = approved.plan.lines.filter((l) => l.paidCents > 0);
      const carried = approved.plan.lines.filter((l) => l.carriedCents > 0);
      result.payout = { approved: true, paidCents: approved.plan.paidCents, transfers: transfers.length, carriedCents: approved.plan.carriedCents };
      if (!approved.plan.lines.length) return progress(`${result.month}: payout run approved on ${isoDay(at)}: nobody over the ${euros(policy.minimumPayoutMicros)} minimum yet, nothing to pay`);
      progress(
        `${result.month}: payout run approved on ${isoDay(at)}: paid ${eurosCents(approved.plan.paidCents)} to ${transfers.length} developer(s)${transfers.length ? ` (${transfers.map((l) => `${l.developerId} ${eurosCents(l.paidCents)}`).join(', ')})` : ''}, ` +
          `carried ${eurosCents(approved.plan.carriedCents)}${carried.length ? ` (${carried.map((l) => `${l.developerId}: no IBAN`).join('; ')})` : ''}`,
      );
    };

    let previous: DemoMonth | undefined;
    for (const [index, month] of months.entries()) {
      const start = monthStart(month);
      if (previous) await close(previous, start + 3 * HOUR);
      const calls = planMonth(month, index, months.length, volume);
      const result: DemoMonth = { month, calls: calls.length, failed: 0, revenueMicros: 0, invoices: [], payout: { approved: false, reviewEndsAt: 0 } };
      // Finance approves the previous month's run on the 4th, once its developers' review is over.
      const approveAt = start + DEFAULT_REVIEW_DAYS * DAY + 9 * HOUR;
      result.failed += await callAll(run, calls.filter((c) => c.at < approveAt));
      if (previous) await approve(previous, approveAt);
      result.failed += await callAll(run, calls.filter((c) => c.at >= approveAt));
      const byClient = CLIENTS.map((c) => `${c.clientId} ${count(calls.filter((x) => x.clientId === c.clientId).length)}`).join(', ');
      progress(`${month}: ${count(calls.length)} calls over HTTP (${byClient})${result.failed ? `, ${result.failed} not answered 2xx` : ''}`);
      results.push(result);
      previous = result;
    }
    // The last month: closed on the 1st (or now, if that is earlier), its run approved only once
    // its review window is over in real time: a run is never approved ahead of its developers.
    const last = previous as DemoMonth;
    const after = monthStart(current);
    await close(last, Math.min(after + 3 * HOUR, Date.now()));
    const reviewEndsAt = (await payouts.view(last.month)).reviewEndsAt;
    const approveAt = Math.max(after + DEFAULT_REVIEW_DAYS * DAY + 9 * HOUR, reviewEndsAt);
    if (approveAt <= Date.now()) await approve(last, approveAt);
    else {
      last.payout = { approved: false, reviewEndsAt };
      progress(`${last.month}: payout run in its developers' review until ${new Date(reviewEndsAt).toISOString()}; then finance approves it (console, or npx faascape payouts approve --month ${last.month})`);
    }

    // Accounts on the real clock: their sign-in links must work from today, for 7 days.
    const accountStore = new AccountStore(db, tables);
    const accounts: DemoAccount[] = [];
    for (const a of ACCOUNTS) {
      const account = await accountStore.create(a);
      const { token, expiresAt } = await accountStore.issueSignInToken(account.email);
      accounts.push({ ...a, signInLink: signInLink(opts.consoleUrl, token), expiresAt });
    }
    const calls = results.reduce((n, r) => n + r.calls, 0);
    const elapsedMs = Date.now() - started;

    const prefix = opts.dataDir === dataDirOf(process.env) ? '' : `FAASCAPE_DATA_DIR=${opts.dataDir} `;
    progress('');
    progress(`done in ${(elapsedMs / 1000).toFixed(1)} s: ${count(calls)} calls over ${months.length} month(s) (${first} to ${last.month}), ${results.reduce((n, r) => n + r.invoices.length, 0)} invoices, ${results.filter((r) => r.payout.approved).length} payout run(s) approved`);
    progress('');
    progress('Console accounts, to look around:');
    for (const a of accounts) {
      progress(`account: ${a.email} (${a.role}${a.clientId ? ` of client ${a.clientId}` : a.developerId ? ` ${a.developerId}` : ''})\nsign-in link (works once, until ${new Date(a.expiresAt).toISOString()}):\n  ${a.signInLink}`);
    }
    progress('');
    progress('Next:');
    const next: [string, string][] = [
      [`${prefix}npm start`, 'the platform on this data dir, with its past'],
      [`open ${opts.consoleUrl.replace(/\/+$/, '')}/`, 'the console: open a sign-in link above and choose a password'],
      [`${prefix}npx faascape statements show --month ${last.month}`, "the last month's final statement"],
      [`${prefix}npx faascape invoices list`, 'the invoices, numbered'],
      [`${prefix}npx faascape payouts show --month ${last.month}`, 'who was paid, who is carried'],
    ];
    const width = Math.max(...next.map(([c]) => c.length));
    for (const [command, why] of next) progress(`  ${command.padEnd(width)}  # ${why}`);
    return { dataDir: opts.dataDir, months: results, accounts, calls, elapsedMs };
  } catch (e) {
    if (!(e instanceof DemoError)) progress(`demo: stopped half-way; ${opts.dataDir} is partly filled: remove it before trying again`);
    throw e;
  } finally {
    await platform.stop();
  }
}
