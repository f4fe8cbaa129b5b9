/**
 * Payouts end to end (issue #16), through the console API and the CLI on a real local platform:
 * developers set where they are paid and flag lines while a closed month is in review, finance
 * approves the month's run once the review is over (once: a second approval answers the first),
 * exports it as a SEPA pain.001 file whose transfers and control sum are the approved payouts and
 * whose bytes never change, and a developer without an IBAN is carried, then paid by the next
 * run once they set one. The developers' pages say what was paid, when, and what was carried.
 *
 * Two months in the past, A then B, so the CLI (which runs on the real clock) finds their review
 * windows over; the platform runs on a movable clock, as the invoice tests do.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth, previousMonth } from '../shared/month.ts';
import type { DeveloperEarnings, DeveloperPayee, EarningsFlags, EarningsMonth, FinancePayoutRun, PayoutApproval, StatementView } from '../runtime/console/api-types.ts';
import { PayeeStore, PayoutRunStore } from '../runtime/statements/payout-store.ts';
import { StatementStore } from '../runtime/statements/statement-store.ts';
import type { PayoutRunView } from '../runtime/statements/payouts.ts';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import { MovableClock, signIn, signUp, type ConsoleSession } from './helpers/console.ts';
import { copyFixtures, errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));
const DAY = 86_400_000;
const A = previousMonth(previousMonth(previousMonth(monthOf(Date.now()))));
const B = nextMonth(A);
const closeA = monthStart(nextMonth(A)) + 3 * 3_600_000;
const closeB = monthStart(nextMonth(B)) + 3 * 3_600_000;
const clock = new MovableClock(monthStart(A) + 10 * DAY);

const PAYOUT_ENV = { FAASCAPE_PAYOUT_IBAN: 'FR76 3000 6000 0112 3456 7890 189', FAASCAPE_PAYOUT_NAME: 'Faascape Test SAS' };
const ADA_IBAN = 'FR1420041010050500013M02606';
const BOB_IBAN = 'NL91ABNA0417164300';
/** what a developer or a client may type in the console: terminal escapes (cursor up 2, erase line) and a carriage return */
const HOSTILE_NOTE = 'not mine\x1b[2A\x1b[2Kbob  21.00  0.00  21.00  0.00\rpays 0.00 EUR';
const HOSTILE_TITLE = 'Need OCR\x1b[2A\x1b[2K\rplanned by ada';

let t: TestPlatform;
let functionsDir: string;
let outDir: string;
let env: NodeJS.ProcessEnv;
let runs: PayoutRunStore;
let payees: PayeeStore;
let statements: StatementStore;
/** when month A's review ends: 3 days after its close */
let reviewEndsA: number;
const s: Record<'ada' | 'bob' | 'cy' | 'finance' | 'client', ConsoleSession> = {} as never;

const cli = (args: string[], cwd?: string) => run(process.execPath, [CLI, ...args], { env, ...(cwd ? { cwd } : {}) });
const cliFails = (args: string[]) =>
  cli(args).then(
    (r) => ({ code: 0, stderr: r.stderr, stdout: r.stdout }),
    (e: { code: number; stderr: string; stdout: string }) => e,
  );

/** A copy of the echo fixture as its own feature, priced and authored for these payouts. */
function feature(slug: string, author: string, perCall: string): void {
  cpSync(join(functionsDir, 'echo'), join(functionsDir, slug), { recursive: true });
  const file = join(functionsDir, slug, 'feature.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...manifest, name: slug, authors: [{ id: author, weight: 1 }], price: { perCall, perGbSecond: '0', currency: 'EUR' } }));
}

async function calls(key: string, slug: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect((await t.call(key, `/v1/features/${slug}`)).status).toBe(200);
}

/** Sessions last 12 hours: after each jump of the clock, everyone signs in again. */
async function signInAll(): Promise<void> {
  s.ada = await signIn(t, 'ada@example.com');
  s.bob = await signIn(t, 'bob@example.com');
  s.cy = await signIn(t, 'cy@example.com');
  s.finance = await signIn(t, 'fin@example.com');
  s.client = await signIn(t, 'buyer@acme.example');
}

async function earningsOf(who: ConsoleSession, month: string): Promise<EarningsMonth | undefined> {
  const e = (await (await who.fetch('/developer/earnings')).json()) as DeveloperEarnings;
  expect(e.minimumPayoutMicros).toBe(10_000_000);
  return e.months.find((m) => m.month === month);
}

interface Transfer {
  PmtId: { EndToEndId: string };
  Amt: { InstdAmt: { '#text': string; '@_Ccy': string } };
  Cdtr: { Nm: string };
  CdtrAcct: { Id: { IBAN: string } };
}

/** The pain.001 document, every value a string as written (no number parsing of amounts). */
function pain(xml: string): { msgId: string; nbOfTxs: string; ctrlSum: string; transfers: Transfer[] } {
  const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(xml).Document.CstmrCdtTrfInitn;
  return { msgId: doc.GrpHdr.MsgId, nbOfTxs: doc.GrpHdr.NbOfTxs, ctrlSum: doc.GrpHdr.CtrlSum, transfers: [doc.PmtInf.CdtTrfTxInf].flat() };
}

/** "14.00" → 1400, on digits: a control sum is compared exactly. */
const centsOf = (decimal: string) => {
  const m = /^(\d+)\.(\d{2})$/.exec(decimal);
  if (!m) throw new Error(`not an amount in euros and cents: ${decimal}`);
  return Number(m[1]) * 100 + Number(m[2]);
};

beforeAll(async () => {
  Object.assign(process.env, PAYOUT_ENV);
  env = { ...process.env };
  functionsDir = copyFixtures();
  // €1 a call to ada's and bob's features, 10 cents to cy's; developers share 70 %.
  feature('pay-ada', 'ada', '1.00');
  feature('pay-bob', 'bob', '1.00');
  feature('pay-cy', 'cy', '0.10');
  outDir = mkdtempSync(join(tmpdir(), 'faascape-payouts-'));
  t = await startTestPlatform({ clock: clock.now, functionsDir });
  env.FAASCAPE_DATA_DIR = t.dataDir;
  env.FAASCAPE_FUNCTIONS_DIR = functionsDir;
  const db = documentClient(t.platform.dynamo);
  runs = new PayoutRunStore(db, t.platform.tables);
  payees = new PayeeStore(db, t.platform.tables);
  statements = new StatementStore(db, t.platform.tables);
  s.ada = await signUp(t, 'ada@example.com', 'developer', { developerId: 'ada' });
  s.bob = await signUp(t, 'bob@example.com', 'developer', { developerId: 'bob' });
  s.cy = await signUp(t, 'cy@example.com', 'developer', { developerId: 'cy' });
  s.finance = await signUp(t, 'fin@example.com', 'finance');
  s.client = await signUp(t, 'buyer@acme.example', 'client', { clientId: 'acme' });
  // Month A: ada earns €14 (paid), bob €21 (no IBAN: carried by the run), cy €0.35 (under the minimum: carried by the statement).
  const key = await t.newKey('acme');
  await calls(key, 'pay-ada', 20);
  await calls(key, 'pay-bob', 30);
  await calls(key, 'pay-cy', 5);
  await t.platform.meter.settled();
}, 120_000);

afterAll(async () => {
  await t?.stop();
  for (const k of Object.keys(PAYOUT_ENV)) delete process.env[k];
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('a developer sets where they are paid', () => {
  it('a bad IBAN or name is 400 naming the field, and nothing is stored', async () => {
    const put = (body: unknown, csrf?: null) => s.ada.fetch('/developer/payee', { method: 'PUT', body, ...(csrf === null ? { csrf } : {}) });
    const badIban = await errorOf(await put({ name: 'Ada Lovelace', iban: 'FR14 2004 1010 0505 0001 3M02 607' }));
    expect(badIban).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(badIban.message).toMatch(/^payee: iban: /);
    const short = await errorOf(await put({ name: 'Ada Lovelace', iban: 'FR14 2004' }));
    expect(short.message).toMatch(/^payee: iban: An IBAN from France has /);
    const badName = await errorOf(await put({ name: 'Άδα Λάβλεϊς', iban: ADA_IBAN }));
    expect(badName).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(badName.message).toMatch(/^payee: name: /);
    expect(await errorOf(await put({ name: 'Ada Lovelace', iban: ADA_IBAN }, null))).toMatchObject({ status: 403, code: 'csrf_failed' });
    expect(await (await s.ada.fetch('/developer/payee')).json()).toEqual({ payee: null });
    expect(await payees.payee('ada')).toBeUndefined();
  });

  it('a good one is stored in electronic format and shown masked but for its country and last four characters', async () => {
    const res = await s.ada.fetch('/developer/payee', { method: 'PUT', body: { name: '  Ada   Lovelace ', iban: 'fr14 2004 1010 0505 0001 3m02 606' } });
    expect(res.status).toBe(200);
    const shown = (await res.json()) as DeveloperPayee;
    expect(shown.payee).toMatchObject({ name: 'Ada Lovelace', iban: 'FR•• •••• •••• •••• •••• •••2 606', ibanLast4: '2606', country: 'FR' });
    expect(await (await s.ada.fetch('/developer/payee')).json()).toEqual(shown);
    expect(await payees.payee('ada')).toMatchObject({ name: 'Ada Lovelace', iban: ADA_IBAN });
    // Only developers have a payee, and each only their own.
    expect(await (await s.bob.fetch('/developer/payee')).json()).toEqual({ payee: null });
    expect(await errorOf(await s.client.fetch('/developer/payee'))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await errorOf(await s.finance.fetch('/developer/payee', { method: 'PUT', body: { name: 'Fin', iban: ADA_IBAN } }))).toMatchObject({ status: 403, code: 'forbidden' });
  });
});

describe('month A in review', () => {
  beforeAll(async () => {
    clock.jumpTo(closeA);
    await signInAll();
    const preview = (await (await s.finance.fetch(`/finance/months/${A}/preview`, { method: 'POST' })).json()) as StatementView;
    expect(preview.statement.totals.revenueMicros).toBe(50_500_000);
    const closed = await s.finance.fetch(`/finance/months/${A}/close`, { method: 'POST', body: { confirmRevenueMicros: 50_500_000 } });
    expect(closed.status).toBe(200);
    reviewEndsA = ((await statements.summary(A))?.closedAt ?? 0) + 3 * DAY;
    expect(reviewEndsA - (closeA + 3 * DAY)).toBeLessThan(60_000);
    clock.jumpTo(closeA + DAY);
    await signInAll();
  }, 60_000);

  it('finance sees the run as it would be approved now: ada paid, bob carried for want of an IBAN, cy under the minimum not listed', async () => {
    const view = (await (await s.finance.fetch(`/finance/months/${A}/payouts`)).json()) as FinancePayoutRun;
    expect(view).toMatchObject({ month: A, reviewEndsAt: reviewEndsA, inReview: true, paidCents: 1_400, carriedCents: 2_100, transfers: 1, approved: null, flags: [] });
    expect(view.lines).toEqual([
      { developerId: 'ada', payableCents: 1_400, owedBeforeCents: 0, paidCents: 1_400, carriedCents: 0, payeeName: 'Ada Lovelace', iban: 'FR14 2004 1010 0505 0001 3M02 606', reason: null },
      { developerId: 'bob', payableCents: 2_100, owedBeforeCents: 0, paidCents: 0, carriedCents: 2_100, payeeName: null, iban: null, reason: 'no_payee' },
    ]);
    expect(await errorOf(await s.finance.fetch(`/finance/months/${B}/payouts`))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await s.ada.fetch(`/finance/months/${A}/payouts`))).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('a developer flags a line of their own, never another developer\'s, and only once the month is closed', async () => {
    const flag = (who: ConsoleSession, month: string, featureId: string, note = 'I count 21 calls') => who.fetch(`/developer/earnings/${month}/flags`, { method: 'POST', body: { featureId, note } });
    const res = await flag(s.ada, A, 'pay-ada');
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ month: A, flags: [{ featureId: 'pay-ada', note: 'I count 21 calls', at: expect.any(Number) }] } satisfies EarningsFlags);
    expect(await errorOf(await flag(s.ada, A, 'pay-bob'))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await errorOf(await flag(s.cy, A, 'pay-ada'))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await errorOf(await flag(s.ada, B, 'pay-ada'))).toMatchObject({ status: 409, code: 'conflict' });
    expect(await errorOf(await flag(s.ada, '2026-13', 'pay-ada'))).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await errorOf(await flag(s.ada, A, 'pay-ada', ''))).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await errorOf(await s.ada.fetch(`/developer/earnings/${A}/flags`, { method: 'POST', body: { featureId: 'pay-ada', note: 'x' }, csrf: null }))).toMatchObject({ status: 403, code: 'csrf_failed' });

    const view = (await (await s.finance.fetch(`/finance/months/${A}/payouts`)).json()) as FinancePayoutRun;
    expect(view.flags).toEqual([{ developerId: 'ada', featureId: 'pay-ada', note: 'I count 21 calls', at: expect.any(Number) }]);
    expect((await earningsOf(s.ada, A))?.payout).toMatchObject({ status: 'in_review', reviewEndsAt: reviewEndsA, paidCents: null, carried: null, flags: [{ featureId: 'pay-ada' }] });
  });

  it("the CLI shows a developer's flag note and a client's request title escaped: their terminal escapes cannot rewrite the plan it printed", async () => {
    // After the plan, `payouts show` prints the flags: this note would move the cursor up two lines
    // and rewrite bob's line; the title would rewrite the line above it in `requests list`.
    const res = await s.bob.fetch(`/developer/earnings/${A}/flags`, { method: 'POST', body: { featureId: 'pay-bob', note: HOSTILE_NOTE } });
    expect(res.status).toBe(201);
    const posted = await s.client.fetch('/requests', { method: 'POST', body: { title: HOSTILE_TITLE, description: `line one\nline two${HOSTILE_TITLE}` } });
    expect(posted.status).toBe(201);
    const { requestId } = (await posted.json()) as { requestId: string };

    const { stdout: shown } = await cli(['payouts', 'show', '--month', A]);
    const { stdout: listed } = await cli(['requests', 'list']);
    const { stdout: detail } = await cli(['requests', 'show', requestId]);
    for (const out of [shown, listed, detail]) {
      expect(out).not.toContain('\x1b');
      expect(out).not.toContain('\r');
      expect(out).toContain('\\x1b[2A\\x1b[2K');
      expect(out).toContain('\\x0d');
    }
    expect(shown).toContain('  bob, pay-bob (');
    expect(shown).toContain('): not mine\\x1b[2A\\x1b[2Kbob  21.00  0.00  21.00  0.00\\x0dpays 0.00 EUR');
    expect(listed).toMatch(/^\S+ +0 +open +acme +- +Need OCR\\x1b\[2A\\x1b\[2K\\x0dplanned by ada$/m);
    // A description is shown on its lines, every other control character escaped.
    expect(detail).toContain('\nline one\nline twoNeed OCR\\x1b[2A');

    // --json was already safe: JSON escapes control characters, and the text comes back as written.
    const { stdout: json } = await cli(['payouts', 'show', '--month', A, '--json']);
    expect(json).not.toContain('\x1b');
    expect(json).not.toContain('\r');
    expect((JSON.parse(json) as PayoutRunView).flags.find((f) => f.developerId === 'bob')?.note).toBe(HOSTILE_NOTE);
  }, 30_000);

  it('finance cannot approve during the review (409), and there is no file to download yet', async () => {
    const early = await errorOf(await s.finance.fetch(`/finance/months/${A}/payouts/approve`, { method: 'POST', body: { confirmPaidCents: 1_400 } }));
    expect(early).toMatchObject({ status: 409, code: 'conflict' });
    expect(early.message).toMatch(/review/);
    expect(await runs.get(A)).toBeUndefined();
    expect(await errorOf(await s.finance.fetch(`/finance/months/${A}/payouts.xml`))).toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('month A approved and exported', () => {
  let approval: PayoutApproval;
  let file: Buffer;

  beforeAll(async () => {
    clock.jumpTo(closeA + 3 * DAY + 3_600_000);
    await signInAll();
  });

  it('refuses flags once the review is over', async () => {
    const late = await errorOf(await s.ada.fetch(`/developer/earnings/${A}/flags`, { method: 'POST', body: { featureId: 'pay-ada', note: 'too late' } }));
    expect(late).toMatchObject({ status: 409, code: 'conflict' });
    expect((await payees.flagsOf('ada', A)).map((f) => f.note)).toEqual(['I count 21 calls']);
  });

  it('approves once finance confirms the total it saw; approving again answers the first approval', async () => {
    const approve = (confirmPaidCents: unknown) => s.finance.fetch(`/finance/months/${A}/payouts/approve`, { method: 'POST', body: { confirmPaidCents } });
    expect(await errorOf(await approve('14.00'))).toMatchObject({ status: 400, code: 'invalid_request' });
    const stale = await errorOf(await approve(1_000));
    expect(stale).toMatchObject({ status: 409, code: 'conflict' });
    expect(stale.message).toContain('now pays 14.00 EUR, not 10.00 EUR');
    expect(await runs.get(A)).toBeUndefined();

    const res = await approve(1_400);
    expect(res.status).toBe(200);
    approval = (await res.json()) as PayoutApproval;
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    expect(approval).toMatchObject({ outcome: 'approved', month: A, inReview: false, paidCents: 1_400, carriedCents: 2_100, transfers: 1 });
    expect(approval.approved).toMatchObject({ approvedBy: 'fin@example.com', messageId: `FSC-PAYOUT-${A}`, executionDate: today, debtorName: 'Faascape Test SAS', debtorIban: 'FR76 3000 6000 0112 3456 7890 189' });
    expect(approval.flags.map((f) => f.note)).toEqual(['I count 21 calls', HOSTILE_NOTE]);

    // A payee changed after approval changes nothing of the approved run.
    await s.ada.fetch('/developer/payee', { method: 'PUT', body: { name: 'Ada King', iban: 'DE89370400440532013000' } });
    const again = (await (await approve(0)).json()) as PayoutApproval;
    expect(again.outcome).toBe('already_approved');
    expect(again.approved).toEqual(approval.approved);
    expect(again.lines).toEqual(approval.lines);
    expect(((await (await s.finance.fetch(`/finance/months/${A}/payouts`)).json()) as FinancePayoutRun).approved).toEqual(approval.approved);
  });

  it("the file's transfers and control sum are the approved payouts, and a second download is the same bytes", async () => {
    const res = await s.finance.fetch(`/finance/months/${A}/payouts.xml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="FSC-PAYOUT-${A}.xml"`);
    file = Buffer.from(await res.arrayBuffer());
    const doc = pain(file.toString('utf8'));
    expect(doc.msgId).toBe(`FSC-PAYOUT-${A}`);
    expect(doc.nbOfTxs).toBe('1');
    const paid = approval.lines.filter((l) => l.paidCents > 0);
    expect(doc.transfers.map((x) => [x.Cdtr.Nm, x.CdtrAcct.Id.IBAN, centsOf(x.Amt.InstdAmt['#text'])])).toEqual(paid.map((l) => [l.payeeName, l.iban?.replace(/ /g, ''), l.paidCents]));
    expect(doc.transfers.map((x) => x.CdtrAcct.Id.IBAN)).toEqual([ADA_IBAN]);
    expect(centsOf(doc.ctrlSum)).toBe(approval.paidCents);
    expect(doc.ctrlSum).toBe('14.00');
    const second = Buffer.from(await (await s.finance.fetch(`/finance/months/${A}/payouts.xml`)).arrayBuffer());
    expect(second.equals(file)).toBe(true);
    expect(await errorOf(await s.ada.fetch(`/finance/months/${A}/payouts.xml`))).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('the CLI exports the same file, to --out or to <message id>.xml here, and prints its path and control sum', async () => {
    const out = join(outDir, 'a.xml');
    const { stdout } = await cli(['payouts', 'export', '--month', A, '--out', out]);
    const [path, summary] = stdout.trim().split('\n');
    expect(path).toBe(out);
    expect(summary).toContain('control sum 14.00 EUR, 1 transfer(s)');
    expect(readFileSync(out).equals(file)).toBe(true);
    const { stdout: here } = await cli(['payouts', 'export', '--month', A], outDir);
    expect(here.split('\n')[0]).toBe(join(outDir, `FSC-PAYOUT-${A}.xml`));
    expect(readFileSync(join(outDir, `FSC-PAYOUT-${A}.xml`)).equals(file)).toBe(true);
    const { stdout: shown } = await cli(['payouts', 'show', '--month', A]);
    expect(shown).toMatch(new RegExp(`^payout run ${A}: approved .* by fin@example.com, executed ${approval.approved?.executionDate}, message id FSC-PAYOUT-${A}`));
    expect(shown).toMatch(/^bob +21\.00 +0\.00 +0\.00 +21\.00 +no IBAN: owed by the next run$/m);
    expect(shown).toContain('pays 14.00 EUR in 1 transfer(s); carries 21.00 EUR to the next run');
    const missing = await cliFails(['payouts', 'export', '--month', B]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^faascape: /);
  }, 30_000);

  it("each developer's page says what was paid and when, or why it was carried", async () => {
    const executed = approval.approved?.executionDate;
    expect((await earningsOf(s.ada, A))?.payout).toMatchObject({ status: 'approved', paidCents: 1_400, carriedCents: 0, paidOn: executed, approvedAt: approval.approved?.approvedAt, ibanLast4: '2606', carried: null });
    expect((await earningsOf(s.bob, A))?.payout).toMatchObject({ status: 'approved', paidCents: 0, carriedCents: 2_100, paidOn: null, carried: 'no_payee' });
    const cy = await earningsOf(s.cy, A);
    expect(cy).toMatchObject({ payableMicros: 0, carriedOutMicros: 350_000 });
    expect(cy?.payout).toMatchObject({ status: 'approved', paidCents: 0, carriedCents: 0, paidOn: null, carried: 'under_minimum' });
  });
});

describe('a developer without an IBAN is paid by the next run once they set one', () => {
  let approvedB: { outcome: string; run: { plan: { paidCents: number }; approvedBy: string; executionDate: string } };

  it('the operator sets a payee with the CLI: a bad IBAN or an unknown developer is exit code 1', async () => {
    const bad = await cliFails(['developers', 'set-payee', '--developer', 'bob', '--name', 'Bob Martin', '--iban', 'NL91ABNA0417164301']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^faascape: payee: iban: /);
    const unknown = await cliFails(['developers', 'set-payee', '--developer', 'bobb', '--name', 'Bob Martin', '--iban', BOB_IBAN]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no developer "bobb"; did you mean bob/);
    expect(await payees.payee('bob')).toBeUndefined();
    const { stdout } = await cli(['developers', 'set-payee', '--developer', 'bob', '--name', 'Bob Martin', '--iban', 'nl91 abna 0417 1643 00', '--json']);
    expect(JSON.parse(stdout)).toEqual({ developerId: 'bob', name: 'Bob Martin', iban: BOB_IBAN });
    expect(((await (await s.bob.fetch('/developer/payee')).json()) as DeveloperPayee).payee).toMatchObject({ name: 'Bob Martin', ibanLast4: '4300' });
  });

  it('month B: the run owes bob what A could not pay; approve needs --yes off a terminal and prints the flags it approves over', async () => {
    clock.jumpTo(monthStart(B) + 10 * DAY);
    const key = await t.newKey('acme');
    await calls(key, 'pay-ada', 15); // €10.50: paid
    await calls(key, 'pay-bob', 1); // €0.70: under the minimum
    await t.platform.meter.settled();
    clock.jumpTo(closeB);
    expect((await t.platform.statements.close(B)).outcome).toBe('closed');
    clock.jumpTo(closeB + DAY);
    await signInAll();
    expect((await s.ada.fetch(`/developer/earnings/${B}/flags`, { method: 'POST', body: { featureId: 'pay-ada', note: 'B looks low' } })).status).toBe(201);

    const { stdout: shown } = await cli(['payouts', 'show', '--month', B, '--format', 'json']);
    const view = JSON.parse(shown) as PayoutRunView;
    expect(view.plan.lines.map((l) => [l.developerId, l.payableCents, l.owedBeforeCents, l.paidCents, l.carriedCents])).toEqual([
      ['ada', 1_050, 0, 1_050, 0],
      ['bob', 0, 2_100, 2_100, 0],
    ]);
    expect(view.flags.map((f) => f.note)).toEqual(['B looks low']);

    const refused = await cliFails(['payouts', 'approve', '--month', B]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/confirm on a terminal, or pass --yes/);
    expect(await runs.get(B)).toBeUndefined();

    const { stdout } = await cli(['payouts', 'approve', '--month', B, '--yes']);
    expect(stdout).toContain('1 line(s) flagged by their developers');
    expect(stdout).toContain('ada, pay-ada');
    expect(stdout).toContain('B looks low');
    expect(stdout).toMatch(/^approved: message id FSC-PAYOUT-/m);
    const { stdout: again } = await cli(['payouts', 'approve', '--month', B, '--yes', '--json']);
    approvedB = JSON.parse(again);
    expect(approvedB.outcome).toBe('already_approved');
    expect(approvedB.run.plan.paidCents).toBe(3_150);
    expect(approvedB.run.approvedBy).toMatch(/^cli/);
  }, 60_000);

  it("B's file pays ada and bob, its control sum the run's total; bob's page says he was paid what A carried", async () => {
    const res = await s.finance.fetch(`/finance/months/${B}/payouts.xml`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    const doc = pain(xml);
    // Ada changed her IBAN after A was approved: A's file keeps the old one, B's run pays the new one.
    expect(doc.transfers.map((x) => [x.CdtrAcct.Id.IBAN, centsOf(x.Amt.InstdAmt['#text'])])).toEqual([
      ['DE89370400440532013000', 1_050],
      [BOB_IBAN, 2_100],
    ]);
    expect(doc.transfers.reduce((n, x) => n + centsOf(x.Amt.InstdAmt['#text']), 0)).toBe(approvedB.run.plan.paidCents);
    expect(centsOf(doc.ctrlSum)).toBe(3_150);
    expect(await (await s.finance.fetch(`/finance/months/${B}/payouts.xml`)).text()).toBe(xml);

    // Bob: paid in B what A carried, on B's execution date; B's own €0.70 is under the minimum.
    expect((await earningsOf(s.bob, B))?.payout).toMatchObject({ status: 'approved', paidCents: 2_100, owedBeforeCents: 2_100, carriedCents: 0, paidOn: approvedB.run.executionDate, ibanLast4: '4300', carried: 'under_minimum' });
    expect((await earningsOf(s.bob, A))?.payout).toMatchObject({ carried: 'no_payee', carriedCents: 2_100 });
    // Cy earned nothing in B and was owed nothing by a run: the 35 cents stay with the statement.
    expect(await earningsOf(s.cy, B)).toMatchObject({ earnedMicros: 0, carriedInMicros: 350_000, payableMicros: 0, carriedOutMicros: 350_000, payout: { carried: 'under_minimum', paidCents: 0 } });
  });
});
