import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, computeStatement } from '../../shared/statement.ts';
import type { UsageAggregate } from '../../shared/usage.ts';
import { StoreProcess } from '../local/embedded-store.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { tableNames, type TableNames } from '../store/tables.ts';
import { PayeeStore, PayoutRunStore } from './payout-store.ts';
import { Payouts, readPayer } from './payouts.ts';
import { StatementStore } from './statement-store.ts';

const DAY = 86_400_000;
const agg = (month: string, featureId: string, author: string, calls: number): UsageAggregate => ({
  month, clientId: 'acme', featureId, price: { perCallMicros: 1_000_000, perGbSecondMicros: 0, currency: 'EUR' }, authors: [{ id: author, weight: 1 }],
  calls, billableCalls: calls, errors: 0, timeouts: 0, billedMs: calls, billableMs: calls, billableMbMs: calls * 128, requestBytes: 0, responseBytes: 0,
});

let dir: string;
let store: StoreProcess;
let dynamo: ReturnType<typeof localDynamoClient>;
let tables: TableNames;
let statements: StatementStore;
let payees: PayeeStore;
const closedAt = Date.parse('2026-11-01T02:00:00Z');
const clock = { now: closedAt + DAY };
let payouts: Payouts;

/** Closes a month whose revenue is €1 per call: ada, bob and cy each earn 70 % of their calls. */
async function close(month: string, calls: Record<string, number>, at: number) {
  const aggregates = Object.entries(calls).map(([dev, n]) => agg(month, `f-${dev}`, dev, n));
  const prev = await statements.get(month === '2026-10' ? '2026-09' : '2026-10');
  const carriedIn = new Map((prev?.statement.developers ?? []).map((d) => [d.developerId, d.carriedOutMicros]));
  const statement = computeStatement({ month, status: 'final', policy: { developerShareBps: 7000, minimumPayoutMicros: 10_000_000 }, aggregates, late: [], carriedIn });
  const final = { ...statement, sha256: 'f'.repeat(64) };
  await statements.putFinal(month, canonicalJson(final), final.sha256, { regular: aggregates, adjusted: {} }, at, final);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-payouts-'));
  store = new StoreProcess(dir);
  await store.start();
  dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
  tables = tableNames('t-');
  await ensureTables(dynamo, tables);
  const db = documentClient(dynamo);
  statements = new StatementStore(db, tables);
  payees = new PayeeStore(db, tables);
  payouts = new Payouts({ statements, runs: new PayoutRunStore(db, tables), payees, payer: readPayer({ FAASCAPE_PAYOUT_IBAN: 'FR76 3000 6000 0112 3456 7890 189' }, 'Faascape SAS'), clock: () => clock.now });
  // ada earns €14 (paid), bob €21 (no IBAN: carried by the run), cy €3.50 (under the minimum: carried by the statement).
  await close('2026-10', { ada: 20, bob: 30, cy: 5 }, closedAt);
});
afterAll(async () => {
  dynamo.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('payout runs', () => {
  it('checks a payee’s IBAN and name before storing them', async () => {
    await expect(payees.setPayee('ada', { name: 'Ada Lovelace', iban: 'FR14 2004 1010 0505 0001 3M02 607' }, clock.now)).rejects.toThrow(/iban/);
    await expect(payees.setPayee('ada', { name: 'Άδα', iban: 'FR1420041010050500013M02606' }, clock.now)).rejects.toThrow(/name/);
    expect(await payees.setPayee('ada', { name: 'Ada Lovelace', iban: 'fr14 2004 1010 0505 0001 3m02 606' }, clock.now)).toEqual({ name: 'Ada Lovelace', iban: 'FR1420041010050500013M02606' });
  });

  it('waits for the review window, then approves once; the file’s control sum is what it pays, and a second export is the same file', async () => {
    await payees.flag({ developerId: 'bob', month: '2026-10', featureId: 'f-bob', note: 'I count 31 calls', at: clock.now });
    const view = await payouts.view('2026-10');
    expect(view.flags.map((f) => f.note)).toEqual(['I count 31 calls']);
    expect(view.plan.lines.map((l) => [l.developerId, l.paidCents, l.carriedCents])).toEqual([
      ['ada', 1_400, 0],
      ['bob', 0, 2_100],
    ]);
    await expect(payouts.approve('2026-10', 'fin@example.com')).rejects.toMatchObject({ code: 'in_review' });
    await expect(payouts.exportXml('2026-10')).rejects.toMatchObject({ code: 'not_approved' });
    clock.now = closedAt + 3 * DAY + 1;
    const approved = await payouts.approve('2026-10', 'fin@example.com');
    expect(approved.outcome).toBe('approved');
    expect((await payouts.approve('2026-10', 'other@example.com')).outcome).toBe('already_approved');
    // A payee changed after approval does not change the approved run.
    await payees.setPayee('ada', { name: 'Ada King', iban: 'DE89370400440532013000' }, clock.now);
    const first = await payouts.exportXml('2026-10');
    const second = await payouts.exportXml('2026-10');
    expect(second.xml).toBe(first.xml);
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(first.xml).Document.CstmrCdtTrfInitn;
    expect(doc.GrpHdr.MsgId).toBe('FSC-PAYOUT-2026-10');
    expect(String(doc.GrpHdr.NbOfTxs)).toBe('1');
    expect(String(doc.GrpHdr.CtrlSum)).toBe('14.00');
    const tx = doc.PmtInf.CdtTrfTxInf;
    expect(tx.Cdtr.Nm).toBe('Ada Lovelace');
    expect(tx.CdtrAcct.Id.IBAN).toBe('FR1420041010050500013M02606');
    expect(tx.Amt.InstdAmt['#text']).toBe('14.00');
  });

  it('owes what a run could not pay to the next run, in month order', async () => {
    await close('2026-11', { ada: 15, bob: 1 }, closedAt + 30 * DAY);
    clock.now = closedAt + 34 * DAY;
    await payees.setPayee('bob', { name: 'Bob Martin', iban: 'NL91ABNA0417164300' }, clock.now);
    const run = await payouts.approve('2026-11', 'fin@example.com');
    // bob: €0.70 earned in November is under the minimum (carried by the statement), and the €21 the
    // October run could not pay is owed now that he has an IBAN.
    expect(run.run.plan.lines.find((l) => l.developerId === 'bob')).toMatchObject({ payableCents: 0, owedBeforeCents: 2_100, paidCents: 2_100, carriedCents: 0 });
    const doc = new XMLParser({ parseTagValue: false }).parse((await payouts.exportXml('2026-11')).xml).Document.CstmrCdtTrfInitn;
    const amounts = [doc.PmtInf.CdtTrfTxInf].flat().map((t: { Amt: { InstdAmt: number } }) => Math.round(Number(t.Amt.InstdAmt) * 100));
    expect(amounts.reduce((a: number, b: number) => a + b, 0)).toBe(run.run.plan.paidCents);
    expect(String(doc.GrpHdr.CtrlSum)).toBe((run.run.plan.paidCents / 100).toFixed(2));
  });

  it('refuses a month whose previous run is not approved, and a month not closed', async () => {
    await close('2026-12', { ada: 20 }, closedAt + 61 * DAY);
    await close('2027-01', { ada: 20 }, closedAt + 92 * DAY);
    clock.now = closedAt + 100 * DAY;
    await expect(payouts.approve('2027-01', 'fin@example.com')).rejects.toMatchObject({ code: 'previous_run_pending' });
    await expect(payouts.view('2027-02')).rejects.toMatchObject({ code: 'not_closed' });
  });
});
