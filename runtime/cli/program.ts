/** The `faascape` command's parser: every command, its options and its action (run by main.ts). */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Statement } from '../../shared/statement.ts';
import { partyView, statementCsv, type Party } from '../statements/csv.ts';
import { formatMicros, MoneyError, parseDecimalMicros, toSafeNumber } from '../../shared/money.ts';
import { DomainError } from '../../shared/errors.ts';
import { AccountError, checkLink, isRole, normalizeEmail, ROLES } from '../../shared/accounts.ts';
import { isMonth, monthOf } from '../../shared/month.ts';
import { usageRows } from '../../shared/usage.ts';
import { type CliContext, withContext } from './context.ts';
import { printJson, safe, safeBlock, table } from './format.ts';
import { dataDirOf, readConfig } from '../local/config.ts';
import { fetchStatus, runningPlatform } from '../local/operator.ts';
import { parseSince, showLogs, showStageLogs } from './logs.ts';
import { stagePrefix } from '../store/tables.ts';
import { registerDevCommands } from './dev-commands.ts';
import { developerClientId, NotFoundError } from '../keys/client-store.ts';
import { unknownId } from './suggest.ts';
import { ANONYMOUS_CLIENT, type Author } from '../console/community-types.ts';
import { checkBillingDetails } from '../../shared/billing.ts';
import { checkPrintable } from '../statements/invoice-pdf.ts';
import { registerInvoiceCommands } from './invoices.ts';
import { registerPayoutCommands } from './payouts.ts';

function month(value: string): string {
  if (!isMonth(value)) throw new InvalidArgumentError('expected a month as YYYY-MM');
  return value;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

function spendCap(value: string): number | null {
  if (value === 'none') return null;
  try {
    const micros = toSafeNumber(parseDecimalMicros(value));
    if (micros > 0) return micros;
  } catch (e) {
    if (!(e instanceof MoneyError)) throw e;
  }
  throw new InvalidArgumentError('expected an amount in euros such as 50.00, or "none"');
}

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

/** On a terminal, asks and waits for the expected answer; elsewhere (a script, CI) never confirms. */
async function confirmed(question: string, expected: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === expected;
  } finally {
    rl.close();
  }
}

/** An existing client, or rc 1 naming the closest ids: a typo must not act on (or create) another client. */
async function requireClient(ctx: CliContext, clientId: string): Promise<void> {
  if (await ctx.clients.getClient(clientId)) return;
  const known = (await ctx.clients.listClients()).map((c) => c.clientId);
  throw new NotFoundError(unknownId('client', clientId, known, `(to create it: npx faascape clients create ${clientId})`));
}

/** A developer id known here: a feature's author or a developer account; else rc 1 naming the closest. */
async function requireDeveloper(ctx: CliContext, developerId: string, alsoKnown: readonly string[] = []): Promise<void> {
  const authors = (await ctx.levels.all()).map((d) => d.developerId);
  const accounts = (await ctx.accounts.list()).flatMap((a) => (a.developerId ? [a.developerId] : []));
  const known = [...new Set([...authors, ...accounts, ...alsoKnown])].sort();
  if (!known.includes(developerId)) throw new NotFoundError(unknownId('developer', developerId, known, '(developers are the authors in feature manifests, or have a developer account)'));
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const program = new Command('faascape')
  .version(VERSION, '-V, --version', 'print the version')
  .description('Operate a Faascape platform: clients, API keys, limits, usage, statements, invoices, payouts, console accounts and the community.\nData dir: $FAASCAPE_DATA_DIR (default ./.faascape); works whether or not `npm start` is running.')
  .showHelpAfterError()
  // so that `usage records --month` reaches the subcommand rather than `usage` itself
  .enablePositionalOptions();

const keys = program.command('keys').description('create, list and revoke API keys');
keys
  .command('create')
  .description("create a key for a client (a new client id creates the client, and says so), or a developer's test key (--developer); the key is shown once")
  .option('--client <clientId>', 'client id, e.g. acme')
  .option('--developer <developerId>', "a developer's test key: it tries features like a client's test key, and also calls that developer's drafts")
  .option('--test', "a test key (fsk_test_…): its calls are metered but never billed, and limited per UTC day for all the client's test keys together (FAASCAPE_TEST_CALLS_PER_DAY, default 1000) instead of by the client's limits")
  .option('--json', 'print {"clientId","keyId","apiKey","test"} ({"developerId",…} with --developer)')
  .option('--quiet', 'print only the API key, e.g. KEY=$(npx faascape keys create --client acme --quiet)')
  .action(
    withContext(async (ctx, opts: { client?: string; developer?: string; test?: boolean; json?: boolean; quiet?: boolean }) => {
      if ((opts.client === undefined) === (opts.developer === undefined)) throw new InvalidArgumentError('give --client <clientId> or --developer <developerId>');
      let key: { keyId: string; apiKey: string; test: boolean; clientId?: string; developerId?: string };
      if (opts.developer !== undefined) {
        await requireDeveloper(ctx, opts.developer);
        key = await ctx.clients.createDeveloperTestKey(opts.developer);
      } else {
        const client = opts.client as string;
        // The one command that still creates a client on the fly: scripts and the public contract
        // (`keys create --client X` on a fresh platform) rely on it. It says so, on stderr, so a
        // typo is visible without breaking `--json` or `--quiet` output.
        if (!(await ctx.clients.getClient(client))) console.error(`new client "${client}" created (its limits: npx faascape clients set-limits ${client})`);
        key = await ctx.clients.createKey(client, { test: opts.test === true });
      }
      if (opts.json) return printJson(key);
      if (opts.quiet) return console.log(key.apiKey);
      const owner = key.developerId !== undefined ? `developer: ${key.developerId}` : `client:  ${String(key.clientId)}`;
      const kind = key.test ? `\nkind:    test (metered, never billed, limited per UTC day${key.developerId !== undefined ? "; also calls this developer's drafts" : ''})` : '';
      console.log(`${owner}\nkey id:  ${key.keyId}${kind}\napi key: ${key.apiKey}\n\nStore the API key now: only its hash is kept, it cannot be shown again.`);
    }),
  );
keys
  .command('revoke <keyId>')
  .description('revoke a key; calls with it are refused within a second')
  .option('--json', 'print the revoked key as JSON')
  .action(
    withContext(async (ctx, keyId: string, opts: { json?: boolean }) => {
      const { secretHash: _hash, ...key } = await ctx.clients.revokeKey(keyId);
      if (opts.json) return printJson(key);
      console.log(`revoked ${key.keyId} (client ${key.clientId}) at ${iso(key.revokedAt)}`);
    }),
  );
keys
  .command('list')
  .description("list a client's keys, or a developer's test keys (ids and dates, never secrets)")
  .option('--client <clientId>', 'client id')
  .option('--developer <developerId>', "a developer's test keys")
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, opts: { client?: string; developer?: string; json?: boolean }) => {
      if ((opts.client === undefined) === (opts.developer === undefined)) throw new InvalidArgumentError('give --client <clientId> or --developer <developerId>');
      if (opts.developer !== undefined) await requireDeveloper(ctx, opts.developer);
      else await requireClient(ctx, opts.client as string);
      const list = await ctx.clients.listKeys(opts.developer !== undefined ? developerClientId(opts.developer) : (opts.client as string));
      if (opts.json) return printJson(list);
      console.log(table(list.map((k) => ({ keyId: k.keyId, kind: k.test ? 'test' : 'live', created: iso(k.createdAt), revoked: iso(k.revokedAt) })), ['keyId', 'kind', 'created', 'revoked']));
    }),
  );

const clients = program.command('clients').description('create and list clients, set their limits and billing details');
clients
  .command('create <clientId>')
  .description('create a client (lowercase letters, digits, ".", "_" or "-"); then: keys create --client <clientId>')
  .option('--json', 'print the client as JSON')
  .action(
    withContext(async (ctx, clientId: string, opts: { json?: boolean }) => {
      if (!(await ctx.clients.ensureClient(clientId))) throw new DomainError('conflict', `client "${clientId}" already exists (its keys: npx faascape keys list --client ${clientId})`);
      const client = await ctx.clients.getClient(clientId);
      if (opts.json) return printJson(client);
      console.log(`created client ${clientId}; an API key for it: npx faascape keys create --client ${clientId}`);
    }),
  );
clients
  .command('list')
  .description('list clients with their limits')
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, opts: { json?: boolean }) => {
      const list = await ctx.clients.listClients();
      if (opts.json) return printJson(list);
      console.log(
        table(
          list.map((c) => ({
            clientId: c.clientId,
            created: iso(c.createdAt),
            rps: c.limits.rps ?? '-',
            burst: c.limits.burst ?? '-',
            monthlyQuota: c.limits.monthlyQuota ?? '-',
            spendCap: c.limits.monthlySpendCapMicros === undefined ? '-' : formatMicros(c.limits.monthlySpendCapMicros),
          })),
          ['clientId', 'created', 'rps', 'burst', 'monthlyQuota', 'spendCap'],
        ),
      );
    }),
  );
clients
  .command('set-limits <clientId>')
  .description('set rate limit and monthly quota (omitted options are removed: unlimited)')
  .option('--rps <n>', 'sustained requests per second', positiveInt)
  .option('--burst <n>', 'requests allowed in a burst above --rps (default: rps)', positiveInt)
  .option('--monthly-quota <n>', 'calls per UTC month', positiveInt)
  .option('--spend-cap <eur>', 'monthly spend cap in euros, e.g. 50.00, or "none" (default: keep the current cap, which the client may set in the console)', spendCap)
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, clientId: string, opts: { rps?: number; burst?: number; monthlyQuota?: number; spendCap?: number | null; json?: boolean }) => {
      await requireClient(ctx, clientId);
      const current = (await ctx.clients.getClient(clientId))?.limits.monthlySpendCapMicros;
      const cap = opts.spendCap === undefined ? current : (opts.spendCap ?? undefined);
      const limits = {
        ...(opts.rps !== undefined ? { rps: opts.rps } : {}),
        ...(opts.burst !== undefined ? { burst: opts.burst } : {}),
        ...(opts.monthlyQuota !== undefined ? { monthlyQuota: opts.monthlyQuota } : {}),
        ...(cap !== undefined ? { monthlySpendCapMicros: cap } : {}),
      };
      const client = await ctx.clients.setLimits(clientId, limits);
      if (opts.json) return printJson(client);
      console.log(`limits of ${client.clientId}: ${JSON.stringify(client.limits)} (applied by the gateway within a second)`);
    }),
  );

clients
  .command('set-billing')
  .description("set a client's billing details, the buyer on its next invoices (checked as in the console: a VAT number by format and national checksum, of --country); invoices already issued keep theirs")
  .requiredOption('--client <clientId>', 'client id')
  .requiredOption('--legal-name <name>', 'the legal name, e.g. "Acme GmbH"')
  .requiredOption('--address <lines>', 'the postal address, 1 to 4 lines separated by "|", e.g. "Str. 1|10115 Berlin"')
  .requiredOption('--country <code>', 'ISO 3166 code, e.g. FR or DE')
  .option('--vat-number <number>', 'a VAT number of --country; with one of another EU country than the operator\'s, invoices are reverse charge (0 % VAT)')
  .option('--json', 'print the billing details as JSON')
  .action(
    withContext(async (ctx, opts: { client: string; legalName: string; address: string; country: string; vatNumber?: string; json?: boolean }) => {
      await requireClient(ctx, opts.client);
      const party = checkBillingDetails({ legalName: opts.legalName, address: opts.address.split('|'), country: opts.country, vatNumber: opts.vatNumber });
      await checkPrintable(party);
      const client = await ctx.clients.setBilling(opts.client, party);
      const billing = client.billing ?? party;
      if (opts.json) return printJson(billing);
      console.log(`billing details of ${opts.client}: ${safe([billing.legalName, ...billing.address, billing.country, ...(billing.vatNumber ? [`VAT no. ${billing.vatNumber}`] : [])].join(', '))} (on invoices issued from now on)`);
    }),
  );

const accounts = program.command('accounts').description('console accounts: each has one role (client, developer or finance)');

function signInLink(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/#/welcome/${token}`;
}

/** Where sign-in links point by default: the platform running on this data dir, else where `npm start` would listen. */
const defaultConsoleUrl = () => runningPlatform(dataDirOf(process.env))?.url ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`;

const consoleUrlOption = () =>
  new Option('--url <consoleUrl>', "the console address the link points to (default: the running platform's; with --stage: required, the stack output ConsoleUrl)").env('FAASCAPE_CONSOLE_URL');

/**
 * Where a sign-in link points. A stage has no local default: a link to this machine's console
 * would sign its owner in nowhere (the account lives in the stage's tables), so it is asked for
 * before anything is created.
 */
function linkBase(opts: { url?: string; stage?: string }): string {
  if (opts.url) return opts.url;
  if (opts.stage) throw new AccountError(`with --stage, give the console's address: --url <ConsoleUrl> (the stack output: aws cloudformation describe-stacks --stack-name Faascape-${opts.stage}) or FAASCAPE_CONSOLE_URL`);
  return defaultConsoleUrl();
}

accounts
  .command('create')
  .description('create an account and print a one-time sign-in link (valid 7 days) where its owner sets a password')
  .requiredOption('--email <email>', "the account's e-mail address (its sign-in name)")
  .addOption(new Option('--role <role>', 'what the account may see').choices([...ROLES]).makeOptionMandatory())
  .option('--client <clientId>', 'for --role client: the client whose usage, invoices and keys it manages')
  .option('--developer <developerId>', 'for --role developer: the developer id in feature manifests')
  .addOption(consoleUrlOption())
  .option('--json', 'print {"email","role","clientId?","developerId?","signInLink","expiresAt"}')
  .action(
    withContext(async (ctx, opts: { email: string; role: string; client?: string; developer?: string; url?: string; stage?: string; json?: boolean }) => {
      const base = linkBase(opts);
      if (!isRole(opts.role)) throw new AccountError(`--role must be one of ${ROLES.join(', ')}`);
      const link = checkLink(opts.role, { clientId: opts.client, developerId: opts.developer });
      if (link.clientId) await requireClient(ctx, link.clientId);
      const account = await ctx.accounts.create({ email: normalizeEmail(opts.email), role: opts.role, ...link });
      const { token, expiresAt } = await ctx.accounts.issueSignInToken(account.email);
      const url = signInLink(base, token);
      if (opts.json) return printJson({ email: account.email, role: account.role, ...link, signInLink: url, expiresAt: iso(expiresAt) });
      console.log(`account: ${account.email} (${account.role}${link.clientId ? ` of client ${link.clientId}` : link.developerId ? ` ${link.developerId}` : ''})\nsign-in link (works once, until ${iso(expiresAt)}):\n  ${url}\n\nSend it to its owner over a channel you trust: whoever opens it first sets the password.`);
    }),
  );
accounts
  .command('link')
  .description('print a new one-time sign-in link for an existing account (a forgotten password)')
  .requiredOption('--email <email>', "the account's e-mail address")
  .addOption(consoleUrlOption())
  .option('--json', 'print {"email","signInLink","expiresAt"}')
  .action(
    withContext(async (ctx, opts: { email: string; url?: string; stage?: string; json?: boolean }) => {
      const base = linkBase(opts);
      const email = normalizeEmail(opts.email);
      if (!(await ctx.accounts.get(email))) throw new AccountError(`no account for ${email}`);
      const { token, expiresAt } = await ctx.accounts.issueSignInToken(email);
      const url = signInLink(base, token);
      if (opts.json) return printJson({ email, signInLink: url, expiresAt: iso(expiresAt) });
      console.log(`sign-in link for ${email} (works once, until ${iso(expiresAt)}):\n  ${url}`);
    }),
  );
accounts
  .command('disable')
  .description('disable an account: no sign-in, and its open sessions end at once')
  .requiredOption('--email <email>', "the account's e-mail address")
  .option('--json', 'print {"email","disabled","sessionsEnded"}')
  .action(
    withContext(async (ctx, opts: { email: string; json?: boolean }) => {
      const email = normalizeEmail(opts.email);
      if (!(await ctx.accounts.get(email))) throw new AccountError(`no account for ${email}`);
      const ended = await ctx.accounts.disable(email);
      if (opts.json) return printJson({ email, disabled: true, sessionsEnded: ended });
      console.log(`disabled ${email}; ${ended} open session(s) ended`);
    }),
  );
accounts
  .command('enable')
  .description('enable a disabled account again')
  .requiredOption('--email <email>', "the account's e-mail address")
  .action(
    withContext(async (ctx, opts: { email: string }) => {
      const email = normalizeEmail(opts.email);
      if (!(await ctx.accounts.get(email))) throw new AccountError(`no account for ${email}`);
      await ctx.accounts.enable(email);
      console.log(`enabled ${email}`);
    }),
  );
accounts
  .command('list')
  .description('list accounts (never passwords)')
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, opts: { json?: boolean }) => {
      const list = await ctx.accounts.list();
      if (opts.json) return printJson(list);
      console.log(table(list.map((a) => ({ email: a.email, role: a.role, of: a.clientId ?? a.developerId ?? '', created: iso(a.createdAt), disabled: iso(a.disabledAt) })), ['email', 'role', 'of', 'created', 'disabled']));
    }),
  );

const developers = program.command('developers').description('developer levels (usage and help, never money) and where their payouts go');
developers
  .command('show <developerId>')
  .description("a developer's level, score (usage and help points) and features")
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, developerId: string, opts: { json?: boolean }) => {
      await requireDeveloper(ctx, developerId);
      const d = await ctx.levels.of(developerId);
      if (opts.json) return printJson(d);
      console.log(`${d.developerId}: ${d.level} (score ${d.score} = usage ${d.usagePoints} + help ${d.helpPoints})`);
      console.log(`  usage: ${d.weightedCalls.toFixed(1)} weighted billable calls (closed months through ${d.closedThrough ?? '-'}, plus the open month)`);
      console.log(`  help: ${d.help.acceptedAnswers} accepted answer(s), ${d.help.coAuthoredFeatures} co-authored feature(s), ${d.help.reviews} review(s)`);
      console.log(`  next: ${d.next ? `${d.next.level} at ${d.next.score}` : 'top level'}`);
      if (d.features.length) console.log(`  features: ${d.features.map((f) => `${f.slug} (${f.weight}/${f.totalWeight})`).join(', ')}`);
    }),
  );
developers
  .command('list')
  .description('every developer who authors a feature, with their level')
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, opts: { json?: boolean }) => {
      const all = await ctx.levels.all();
      if (opts.json) return printJson(all);
      console.log(table(all.map((d) => ({ developer: d.developerId, level: d.level, score: d.score, usage: d.usagePoints, help: d.helpPoints })), ['developer', 'level', 'score', 'usage', 'help']));
    }),
  );

/** An author as the operator sees it: a client by its id, with the name others see when it chose one. */
function who(a: Author): string {
  if (a.role !== 'client') return `${a.role} ${safe(a.id)}`;
  return `client ${safe(a.clientId ?? '?')}${a.id === ANONYMOUS_CLIENT ? '' : ` ("${safe(a.id)}")`}`;
}

const requests = program.command('requests').description('custom-development requests from clients, sorted by votes');
requests
  .command('list')
  .description('requests sorted by votes (clients post them in the console)')
  .option('--tag <tag>', 'only requests with this tag')
  .addOption(new Option('--status <status>', 'only requests with this status').choices(['open', 'planned', 'delivered', 'declined']))
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, opts: { tag?: string; status?: string; json?: boolean }) => {
      const list = await ctx.community.requests({ ...(opts.tag ? { tag: opts.tag } : {}), ...(opts.status ? { status: opts.status } : {}) }, 'operator');
      if (opts.json) return printJson(list);
      console.log(table(list.map((r) => ({ id: r.requestId, votes: r.votes, status: r.status, client: r.author.clientId ?? '-', tags: r.tags.join(' '), budget: r.budget ?? '-', title: r.title })), ['id', 'votes', 'status', 'client', 'tags', 'budget', 'title']));
    }),
  );
requests
  .command('show <requestId>')
  .description('one request with its description, votes and status')
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, requestId: string, opts: { json?: boolean }) => {
      const r = await ctx.community.request(requestId, 'operator');
      if (opts.json) return printJson(r);
      // Titles, reasons and descriptions are what clients and developers typed in the console.
      console.log(`${safe(r.title)}\n${r.status}, ${r.votes} vote(s), by ${who(r.author)}${r.budget ? `, budget ${r.budget} EUR${r.budgetPublic ? '' : ' (private)'}` : ''}${r.tags.length ? `, tags: ${safe(r.tags.join(' '))}` : ''}`);
      if (r.plannedBy) console.log(`planned by ${safe(r.plannedBy)}`);
      if (r.acceptedBy) console.log(`accepted for development by ${safe(r.acceptedBy)}`);
      if (r.deliveredSlug) console.log(`delivered as the feature ${safe(r.deliveredSlug)}`);
      if (r.declineReason) console.log(`declined: ${safe(r.declineReason)}`);
      console.log(`\n${safeBlock(r.description)}`);
    }),
  );

const discussions = program.command('discussions').description('discussion threads, per feature and general');
discussions
  .command('list')
  .description('threads, newest first')
  .option('--feature <slug>', "a feature's threads (default: the general threads)")
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, opts: { feature?: string; json?: boolean }) => {
      const list = await ctx.community.listThreads(opts.feature, 'operator');
      if (opts.json) return printJson(list);
      console.log(table(list.map((t) => ({ id: t.threadId, replies: t.replies, answered: t.answered ? 'yes' : '', by: who(t.author), title: t.title })), ['id', 'replies', 'answered', 'by', 'title']));
    }),
  );
discussions
  .command('show <threadId>')
  .description('a thread and its posts (hidden posts stay hidden)')
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, threadId: string, opts: { json?: boolean }) => {
      const t = await ctx.community.thread(threadId, 'operator');
      if (opts.json) return printJson(t);
      console.log(`${safe(t.title)}${t.featureSlug ? ` (feature ${safe(t.featureSlug)})` : ''}`);
      for (const p of t.posts) {
        console.log(`\n— ${who(p.author)}${p.author.level ? ` [${p.author.level}]` : ''}, ${iso(p.createdAt)}${p.accepted ? ', accepted answer' : ''}`);
        console.log(p.hidden ? '(hidden by a moderator)' : safeBlock(p.markdown ?? ''));
      }
    }),
  );

const usage = program
  .command('usage')
  .description('usage per (client, feature) for a month, with amounts in micros')
  .option('--month <YYYY-MM>', 'UTC month (default: current)', month)
  .option('--client <clientId>', 'only this client')
  .option('--json', 'print a JSON list of rows')
  .action(
    withContext(async (ctx, opts: { month?: string; client?: string; json?: boolean }) => {
      const m = opts.month ?? monthOf(Date.now());
      if (opts.client) await requireClient(ctx, opts.client);
      const aggs = opts.client ? await ctx.usage.clientAggregates(opts.client, m) : await ctx.usage.monthAggregates(m);
      const rows = usageRows(aggs);
      if (opts.json) return printJson(rows);
      console.log(`usage for ${m}${opts.client ? ` (client ${opts.client})` : ''}, amounts in EUR\n`);
      console.log(
        table(
          rows.map((r) => ({ ...r, kind: r.test ? 'test' : 'live', amount: formatMicros(r.amountMicros) })),
          ['clientId', 'featureId', 'kind', 'calls', 'billableCalls', 'errors', 'timeouts', 'billedMs', 'amount'],
        ),
      );
    }),
  );
usage
  .command('records')
  .description('the invocation records behind one line: a client, a feature, a month')
  .requiredOption('--month <YYYY-MM>', 'UTC month', month)
  .requiredOption('--client <clientId>', 'client id')
  .requiredOption('--feature <slug>', 'feature slug')
  .option('--json', 'print JSON')
  .action(
    withContext(async (ctx, opts: { month: string; client: string; feature: string; json?: boolean }) => {
      await requireClient(ctx, opts.client);
      const records = await ctx.records(opts.month, opts.client, opts.feature);
      if (opts.json) return printJson(records);
      console.log(
        table(
          records.map((r) => ({ invocationId: r.invocationId, startedAt: iso(r.startedAt), status: r.status, outcome: r.outcome, billedMs: r.billedMs, billable: r.billable, keyId: r.keyId })),
          ['invocationId', 'startedAt', 'status', 'outcome', 'billedMs', 'billable', 'keyId'],
        ),
      );
      console.log(`\n${records.length} record(s)`);
    }),
  );

const statements = program.command('statements').description('monthly statements: client invoices and developer revenue share');
statements
  .command('preview')
  .description('a draft statement for any month, the current one included; nothing is stored')
  .requiredOption('--month <YYYY-MM>', 'UTC month', month)
  .option('--json', 'print the statement JSON')
  .action(
    withContext(async (ctx, opts: { month: string; json?: boolean }) => {
      const s = await ctx.statements.preview(opts.month);
      if (opts.json) return printJson(s);
      printSummary(s);
    }),
  );
statements
  .command('close')
  .description('close an ended month: store its final statement, for good (idempotent: a closed month is returned as stored; with --stage, the aggregator is caught up first)')
  .requiredOption('--month <YYYY-MM>', 'UTC month', month)
  .option('--yes', 'do not ask for confirmation (needed when not run from a terminal)')
  .option('--json', 'print the final statement JSON')
  .action(
    withContext(async (ctx, opts: { month: string; json?: boolean; yes?: boolean }) => {
      // A final statement can never change: a typo in --month must not close the wrong month.
      if (!opts.yes && !(await confirmed(`Close ${opts.month} for good? Its final statement (invoices and earnings) can never change afterwards. Type the month to confirm: `, opts.month))) {
        throw new InvalidArgumentError(process.stdin.isTTY ? `not confirmed: ${opts.month} stays open` : `statements close changes money for good: confirm on a terminal, or pass --yes`);
      }
      await ctx.catchUpUsage();
      const r = await ctx.statements.close(opts.month);
      if (opts.json) return void process.stdout.write(`${r.json}\n`);
      printSummary(r.statement);
      console.log(`\n${r.outcome === 'closed' ? 'closed' : 'already closed, unchanged'}: sha256 ${r.statement.sha256}`);
    }),
  );
statements
  .command('show')
  .description('the stored final statement of a month, or one party\'s part of it')
  .requiredOption('--month <YYYY-MM>', 'UTC month', month)
  .option('--client <clientId>', "only this client's invoice")
  .option('--developer <developerId>', "only this developer's earnings")
  .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv', 'text']).default('text'))
  .option('--json', 'same as --format json')
  .action(
    withContext(async (ctx, opts: { month: string; client?: string; developer?: string; format: string; json?: boolean }) => {
      if (opts.client && opts.developer) throw new InvalidArgumentError('use --client or --developer, not both');
      const stored = await ctx.statements.show(opts.month);
      await requireParty(ctx, stored.statement, opts);
      const party = opts.client ? { client: opts.client } : opts.developer ? { developer: opts.developer } : undefined;
      const format = opts.json ? 'json' : opts.format;
      if (format === 'csv') return void process.stdout.write(statementCsv(stored.statement, party));
      if (format === 'json') return party ? printJson(partyView(stored.statement, party)) : void process.stdout.write(`${stored.json}\n`);
      printSummary(stored.statement, party);
      console.log(`\nfinal, closed ${iso(stored.closedAt)}, sha256 ${stored.statement.sha256}`);
    }),
  );

/** A party of the statement: an unknown id, or one with no part in this month, is rc 1, not an empty answer. */
async function requireParty(ctx: CliContext, s: Statement, opts: { client?: string; developer?: string }): Promise<void> {
  if (opts.client && !s.clients.some((c) => c.clientId === opts.client) && !s.adjustments.some((a) => a.clientId === opts.client)) {
    const inStatement = s.clients.map((c) => c.clientId);
    if (!(await ctx.clients.getClient(opts.client))) {
      const known = [...new Set([...inStatement, ...(await ctx.clients.listClients()).map((c) => c.clientId)])].sort();
      throw new NotFoundError(unknownId('client', opts.client, known));
    }
    throw new NotFoundError(`client "${opts.client}" has no invoice in ${s.month} (no usage that month); invoiced: ${inStatement.join(', ') || 'nobody'}`);
  }
  if (opts.developer && !s.developers.some((d) => d.developerId === opts.developer)) {
    const inStatement = s.developers.map((d) => d.developerId);
    await requireDeveloper(ctx, opts.developer, inStatement);
    throw new NotFoundError(`developer "${opts.developer}" has no earnings in ${s.month}; with earnings: ${inStatement.join(', ') || 'nobody'}`);
  }
}

function printSummary(s: Statement, party?: Party): void {
  console.log(`statement ${s.month} (${s.status}), developers' share ${s.developerSharePercent} %, amounts in EUR\n`);
  const clients = s.clients.filter((c) => !party || ('client' in party && c.clientId === party.client));
  if (!party || 'client' in party) {
    console.log(table(clients.flatMap((c) => c.lines.map((l) => ({ client: c.clientId, feature: l.featureId, perCall: formatMicros(l.unitPrice.perCallMicros), calls: l.calls, billable: l.billableCalls, billedMs: l.billedMs, amount: formatMicros(l.amountMicros) }))), ['client', 'feature', 'perCall', 'calls', 'billable', 'billedMs', 'amount']));
    console.log('');
    console.log(table(clients.map((c) => ({ client: c.clientId, total: formatMicros(c.totalMicros) })), ['client', 'total']));
    const adj = s.adjustments.filter((a) => !party || ('client' in party && a.clientId === party.client));
    if (adj.length) console.log(`\nadjustments (late usage of closed months):\n${table(adj.map((a) => ({ originalMonth: a.originalMonth, client: a.clientId, feature: a.featureId, calls: a.calls, amount: formatMicros(a.amountMicros) })), ['originalMonth', 'client', 'feature', 'calls', 'amount'])}`);
  }
  if (!party || 'developer' in party) {
    const devs = s.developers.filter((d) => !party || ('developer' in party && d.developerId === party.developer));
    console.log('');
    console.log(table(devs.map((d) => ({ developer: d.developerId, earned: formatMicros(d.earnedMicros), carriedIn: formatMicros(d.carriedInMicros), payable: formatMicros(d.payableMicros), carriedOut: formatMicros(d.carriedOutMicros) })), ['developer', 'earned', 'carriedIn', 'payable', 'carriedOut']));
  }
  if (!party) {
    const t = s.totals;
    console.log(`\nrevenue ${formatMicros(t.revenueMicros)} = developers ${formatMicros(t.payoutMicros)} + platform ${formatMicros(t.platformMicros)}; payable now ${formatMicros(t.payableMicros)}, carried ${formatMicros(t.carriedOutMicros)}`);
  }
}

registerInvoiceCommands(program, { month, confirmed });
registerPayoutCommands(program, developers, { month, confirmed, requireDeveloper: (ctx, id) => requireDeveloper(ctx, id) });

// Every command can target a deployed stage instead of the local data dir.
const leaves = (c: Command): Command[] => (c.commands.length ? c.commands.flatMap(leaves) : [c]);
for (const c of [...leaves(program), usage]) {
  c.option('--stage <stage>', 'a deployed stage (AWS credentials from the standard chain) instead of the local data dir');
}

// The developer's loop (local only, no store): new, event, invoke.
registerDevCommands(program);

program
  .command('logs <slug>')
  .description("a feature's log lines (what it wrote, its throws with their stack traces, its timeouts and crashes), from the data dir, or with --stage from its CloudWatch log group")
  .option('--follow', 'keep printing new lines (Ctrl-C to stop; with --stage, asked every 2 s)')
  .option('--since <when>', 'only lines since a duration ago (10m, 2h, 1d) or an ISO date (with --stage, default 1h)')
  .option('--invocation <id>', "only one call's lines (its faascape-invocation-id; with --stage, Lambda's request id of the call, or any id the lines contain)")
  .option('--json', 'one JSON object per line: {"time","feature","invocationId?","level","message","stack?"}')
  .option('--stage <stage>', "a deployed stage: the feature's log group /aws/lambda/faascape-<stage>-feature-<slug> (AWS credentials from the standard chain)")
  .action(async (slug: string, opts: { follow?: boolean; since?: string; invocation?: string; json?: boolean; stage?: string }) => {
    const q = { ...(opts.since ? { sinceMs: parseSince(opts.since, Date.now()) } : {}), ...(opts.invocation ? { invocationId: opts.invocation } : {}) };
    const show = { follow: opts.follow ?? false, json: opts.json ?? false };
    if (!opts.stage) return showLogs(dataDirOf(process.env), slug, q, show);
    if (!/^[a-z0-9-]+$/.test(slug)) throw new InvalidArgumentError(`"${slug}" is not a feature slug (lowercase letters, digits and dashes)`);
    // Loaded here: no other command needs CloudWatch.
    const [{ CloudWatchLogsClient }, { featureLogGroupName }] = await Promise.all([import('@aws-sdk/client-cloudwatch-logs'), import('../aws/feature-log-groups.ts')]);
    const cw = new CloudWatchLogsClient({});
    try {
      await showStageLogs(cw, featureLogGroupName(`${stagePrefix(opts.stage)}feature-`, slug), slug, q, show);
    } finally {
      cw.destroy();
    }
  });

// Local only: it fills a fresh data dir through a platform it runs itself (demo.ts).
program
  .command('demo')
  .description('fill a fresh installation with a past: three clients call the shipped features over HTTP through the last ended months, each month is closed (invoices) and its payout run approved after its review; then console accounts to look around with')
  .option('--data-dir <dir>', 'the data dir to fill: no client, no usage, no platform running on it (default: $FAASCAPE_DATA_DIR or ./.faascape)')
  .option('--months <n>', 'how many ended months, up to last month (at most 12)', positiveInt, 3)
  .addOption(consoleUrlOption())
  .action(async (opts: { dataDir?: string; months: number; url?: string }) => {
    const config = readConfig(process.env);
    // Loaded here: it brings the whole platform, which no other command needs at start.
    const { runDemo } = await import('./demo.ts');
    await runDemo({ dataDir: opts.dataDir ? resolvePath(opts.dataDir) : config.dataDir, functionsDir: config.functionsDir, consoleUrl: opts.url ?? defaultConsoleUrl(), months: opts.months }, (line) => console.log(line));
  });

// Local only: it asks the running `npm start` (the counters live in its memory).
program
  .command('status')
  .description('the running local platform: its URL, pid and data dir, meter counters (records, batches pending, spooled, applied), features (and those that do not build, with why) and feature processes')
  .option('--json', 'print {"url","pid","dataDir","meter","features","unavailable","processes"}')
  .action(async (opts: { json?: boolean }) => {
    const status = await fetchStatus(dataDirOf(process.env));
    if (opts.json) return printJson(status);
    console.log(`platform ${String(status.url)} (pid ${String(status.pid)}), data dir ${String(status.dataDir)}\n`);
    const meter = status.meter as Record<string, unknown>;
    console.log(table(Object.entries(meter).map(([counter, value]) => ({ counter, value: String(value) })), ['counter', 'value']));
    console.log(`\nfeatures: ${safe((status.features as string[]).join(', '))}`);
    // Why a feature does not build quotes its manifest and its code.
    for (const u of (status.unavailable as { slug: string; why: string }[] | undefined) ?? []) console.log(`unavailable: ${safe(u.slug)}: ${safeBlock(u.why)}`);
    console.log(`processes: ${JSON.stringify(status.processes)}`);
  });
