/**
 * `npx faascape demo` (issue #16) as a newcomer meets it: a fresh data dir filled through the real
 * recording path (a platform, HTTP calls with API keys, the statements job, payout runs), checked
 * afterwards only through the stores and the CLI, then opened by the normal platform. A tenth of
 * the usual volume, with a €0.20 minimum payout (configuration), so that the runs pay someone and
 * carry someone within seconds.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoError, runDemo, type DemoOptions, type DemoResult } from '../runtime/cli/demo.ts';
import { openContext, type CliContext } from '../runtime/cli/context.ts';
import { reconcile } from '../shared/reconcile.ts';
import { formatCents, parseInvoiceNumber } from '../shared/invoice.ts';
import { monthOf, monthStart, nextMonth, previousMonth } from '../shared/month.ts';
import type { FinanceMonths } from '../runtime/console/api-types.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { redeem } from './helpers/console.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));
const SHIPPED_FUNCTIONS = fileURLToPath(new URL('../functions', import.meta.url));
const DAY = 86_400_000;

let dataDir: string;
let options: DemoOptions;
let result: DemoResult;
const lines: string[] = [];
let t: TestPlatform | undefined;

/** The last three ended months, oldest first: what the demo fills. */
function lastThreeMonths(): string[] {
  const out: string[] = [];
  for (let m = previousMonth(monthOf(Date.now())); out.length < 3; m = previousMonth(m)) out.unshift(m);
  return out;
}

/** The data dir's stores as the CLI opens them; released before anything else opens the store. */
async function withStores<T>(fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await openContext({ ...process.env, FAASCAPE_DATA_DIR: dataDir });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Everything a second demo could have touched. */
function snapshot(): Promise<unknown> {
  return withStores(async (ctx) => {
    const months = await ctx.statementStore.closedMonths();
    return {
      clients: await ctx.clients.listClients(),
      accounts: await ctx.accounts.list(),
      months: await Promise.all(months.map(async (m) => ({ m, sha: (await ctx.statementStore.get(m))?.statement.sha256, calls: await ctx.usage.monthCalls(m), invoices: await ctx.invoices.ofMonth(m), run: (await ctx.payouts.view(m)).approved }))),
      current: await ctx.usage.monthCalls(monthOf(Date.now())),
    };
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'faascape-demo-'));
  options = {
    dataDir,
    functionsDir: SHIPPED_FUNCTIONS,
    consoleUrl: 'http://127.0.0.1:3000',
    volume: 0.1,
    env: { ...process.env, FAASCAPE_MINIMUM_PAYOUT: '0.20', FAASCAPE_PAYOUT_IBAN: '' },
  };
  result = await runDemo(options, (line) => lines.push(line));
}, 120_000);

afterAll(async () => {
  await t?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npx faascape demo', () => {
  it('records every call over HTTP in its own month, spread over the month, and closes the months in order', async () => {
    const months = lastThreeMonths();
    expect(result.months.map((m) => m.month)).toEqual(months);
    expect(result.months.every((m) => m.calls > 300 && m.failed === 0)).toBe(true);
    await withStores(async (ctx) => {
      expect(await ctx.statementStore.closedMonths()).toEqual([...months].reverse());
      let closedBefore = 0;
      for (const [i, month] of months.entries()) {
        // Every planned call was answered and metered, in the month the clock said.
        expect(await ctx.usage.monthCalls(month)).toBe(result.months[i]?.calls);
        const stored = await ctx.statements.show(month);
        expect(stored.statement.status).toBe('final');
        expect(Object.values(reconcile(stored.statement))).toEqual([true, true, true, true, true]);
        expect(stored.statement.totals.revenueMicros).toBe(result.months[i]?.revenueMicros);
        expect(stored.statement.clients.map((c) => c.clientId)).toEqual(['atelier-nord', 'bistro-lumiere', 'fintech-ouest']);
        // Closed in the past, in order: early on the 1st of the next month, not today.
        expect(stored.closedAt).toBeGreaterThanOrEqual(monthStart(nextMonth(month)));
        expect(stored.closedAt).toBeLessThan(monthStart(nextMonth(month)) + DAY);
        expect(stored.closedAt).toBeGreaterThan(closedBefore);
        closedBefore = stored.closedAt;
        const records = await ctx.records(month, 'bistro-lumiere', 'contact-normalizer');
        const days = new Set(records.map((r) => new Date(r.startedAt).toISOString().slice(0, 10)));
        expect(records.every((r) => monthOf(r.startedAt) === month)).toBe(true);
        expect(days.size).toBeGreaterThanOrEqual(20);
      }
      // The statements carry balances under the minimum from month to month.
      const [a, b] = await Promise.all(months.slice(0, 2).map((m) => ctx.statements.show(m)));
      const carriedOut = a?.statement.developers.filter((d) => d.carriedOutMicros > 0) ?? [];
      expect(carriedOut.length).toBeGreaterThan(0);
      for (const d of carriedOut) expect(b?.statement.developers.find((x) => x.developerId === d.developerId)?.carriedInMicros).toBe(d.carriedOutMicros);
    });
  });

  it('issues each client an invoice a month, numbered without gaps, domestic VAT, reverse charge and outside the EU', async () => {
    await withStores(async (ctx) => {
      const all = [];
      for (const month of lastThreeMonths()) {
        const invoices = await ctx.invoices.ofMonth(month);
        expect(invoices.map((i) => [i.kind, i.clientId]).sort()).toEqual([['invoice', 'atelier-nord'], ['invoice', 'bistro-lumiere'], ['invoice', 'fintech-ouest']]);
        // Revenue is the sum of the invoices' net totals.
        expect(invoices.reduce((n, i) => n + i.netCents, 0) * 10_000).toBe((await ctx.statements.show(month)).statement.totals.revenueMicros);
        const by = Object.fromEntries(invoices.map((i) => [i.clientId, i]));
        expect(by['bistro-lumiere']?.vat).toMatchObject({ kind: 'domestic', rateBps: 2000 });
        expect(by['bistro-lumiere']?.vat.vatCents).toBeGreaterThan(0);
        expect(by['bistro-lumiere']?.buyer).toMatchObject({ legalName: 'Bistro Lumière SARL', country: 'FR', vatNumber: 'FR40303265045' });
        expect(by['atelier-nord']?.vat).toMatchObject({ kind: 'reverse_charge', vatCents: 0 });
        expect(by['atelier-nord']?.vat.mention).toMatch(/reverse charge/i);
        expect(by['atelier-nord']?.buyer).toMatchObject({ country: 'DE', vatNumber: 'DE136695976' });
        expect(by['fintech-ouest']?.vat).toMatchObject({ kind: 'outside_eu', vatCents: 0 });
        all.push(...invoices);
      }
      // One gapless sequence per year, from 1 on a fresh installation (the months may span a new year).
      const years = new Map<number, number[]>();
      for (const i of all) {
        const n = parseInvoiceNumber(i.number);
        expect(n?.prefix).toBe('FSC');
        expect(n?.year).toBe(Number(i.issuedOn.slice(0, 4)));
        years.set(n?.year as number, [...(years.get(n?.year as number) ?? []), n?.seq as number]);
      }
      for (const seqs of years.values()) expect(seqs.sort((x, y) => x - y)).toEqual(seqs.map((_, k) => k + 1));
      expect(result.months.flatMap((m) => m.invoices).sort()).toEqual(all.map((i) => i.number).sort());
    });
  });

  it('approves the runs in month order after their review: alice paid by a pain.001 file whose control sum is the run, bob carried for want of an IBAN', async () => {
    const months = lastThreeMonths();
    // The first two runs' review ended on the 4th of a month already past; the last one's may still be on.
    expect(result.months.slice(0, 2).every((m) => m.payout.approved)).toBe(true);
    await withStores(async (ctx) => {
      expect(await ctx.payees.payee('bob')).toBeUndefined();
      expect((await ctx.payees.payee('alice'))?.iban).toBe('FR1420041010050500013M02606');
      let approvedBefore = 0;
      let paidRuns = 0;
      let bobCarried = 0;
      for (const [i, month] of months.entries()) {
        const view = await ctx.payouts.view(month);
        if (!result.months[i]?.payout.approved) {
          expect(i).toBe(2);
          expect(view.approved).toBeUndefined();
          expect(view.reviewEndsAt).toBeGreaterThan(Date.now());
          continue;
        }
        const approved = view.approved;
        expect(approved).toBeDefined();
        if (!approved) continue;
        expect(approved.approvedAt).toBeGreaterThanOrEqual(view.reviewEndsAt);
        expect(approved.approvedAt).toBeGreaterThan(approvedBefore);
        approvedBefore = approved.approvedAt;
        expect(approved.debtor.name).toMatch(/demo/i);
        const bob = approved.plan.lines.find((l) => l.developerId === 'bob');
        if (bob?.carriedCents) {
          expect(bob).toMatchObject({ reason: 'no_payee', paidCents: 0 });
          bobCarried++;
        }
        if (approved.plan.paidCents === 0) continue;
        paidRuns++;
        expect(approved.plan.lines.find((l) => l.developerId === 'alice')?.paidCents).toBeGreaterThan(0);
        const { xml } = await ctx.payouts.exportXml(month);
        const sums = [...xml.matchAll(/<CtrlSum>([^<]+)<\/CtrlSum>/g)].map((m) => m[1]);
        expect(sums).toEqual([formatCents(approved.plan.paidCents), formatCents(approved.plan.paidCents)]);
        const amounts = [...xml.matchAll(/<InstdAmt Ccy="EUR">([^<]+)<\/InstdAmt>/g)].map((m) => Math.round(Number(m[1]) * 100));
        expect(amounts.reduce((n, c) => n + c, 0)).toBe(approved.plan.paidCents);
        expect(amounts).toHaveLength(approved.plan.lines.filter((l) => l.paidCents > 0).length);
        expect(xml).toContain(`Faascape revenue share ${month} (alice)`);
        expect(xml).not.toContain(`(bob)`);
      }
      expect(paidRuns).toBeGreaterThan(0);
      expect(bobCarried).toBeGreaterThan(0);
    });
  });

  it('says what it did, month by month, and what to do next, with a sign-in link per console account', () => {
    const text = lines.join('\n');
    for (const m of lastThreeMonths()) {
      expect(text).toMatch(new RegExp(`^${m}: [\\d,]+ calls over HTTP`, 'm'));
      expect(text).toMatch(new RegExp(`^${m}: closed on \\d{4}-\\d{2}-01 with revenue €\\d+\\.\\d\\d`, 'm'));
      expect(text).toMatch(new RegExp(`^${m}: invoices FSC-\\d{4}-\\d{6}`, 'm'));
    }
    expect(text).toMatch(/payout run approved on \d{4}-\d{2}-04: paid €\d+\.\d\d to \d developer\(s\) \(alice €\d+\.\d\d/);
    expect(text).toMatch(/carried €\d+\.\d\d \(bob: no IBAN\)/);
    expect(text).toContain('npm start');
    expect(text).toContain(`npx faascape statements show --month ${lastThreeMonths()[2]}`);
    expect(text).toContain('npx faascape invoices list');
    expect(result.accounts.map((a) => [a.role, a.clientId ?? a.developerId ?? null])).toEqual([['finance', null], ['client', 'bistro-lumiere'], ['developer', 'alice']]);
    for (const a of result.accounts) {
      expect(a.signInLink).toMatch(/^http:\/\/127\.0\.0\.1:3000\/#\/welcome\/[A-Za-z0-9_-]+$/);
      expect(text).toContain(a.signInLink);
    }
  });

  it('refuses a second run on the same data dir, from code and from the CLI (rc 1), and changes nothing', async () => {
    const before = await snapshot();
    const second = await runDemo(options, () => {}).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DemoError);
    expect((second as DemoError).code).toBe('not_fresh');
    expect((second as Error).message).toMatch(/not a fresh installation: it has 3 client\(s\)/);
    const { FAASCAPE_DATA_DIR: _d, ...env } = process.env;
    const cli = await run(process.execPath, [CLI, 'demo', '--data-dir', dataDir], { cwd: ROOT, env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^faascape: the data dir .* is not a fresh installation/);
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('leaves a data dir the platform starts on, finance seeing the three closed months; no demo while it runs', async () => {
    t = await startTestPlatform({ dataDir, functionsDir: SHIPPED_FUNCTIONS });
    const running = await runDemo(options, () => {}).catch((e: unknown) => e);
    expect((running as DemoError).code).toBe('platform_running');
    const finance = result.accounts.find((a) => a.role === 'finance');
    const token = finance?.signInLink.split('/#/welcome/')[1] as string;
    const session = await redeem(t, token);
    const res = await session.fetch('/finance/months');
    expect(res.status).toBe(200);
    const body = (await res.json()) as FinanceMonths;
    const closed = body.months.filter((m) => m.status === 'closed');
    expect(closed.map((m) => m.month)).toEqual([...lastThreeMonths()].reverse());
    expect(closed.map((m) => m.revenueMicros)).toEqual([...result.months].reverse().map((m) => m.revenueMicros));
  }, 60_000);
});
