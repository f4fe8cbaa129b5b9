import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInvoice, creditNoteFor, type Invoice, type SellerConfig } from '../../shared/invoice.ts';
import { computeStatement, type Statement } from '../../shared/statement.ts';
import type { UsageAggregate } from '../../shared/usage.ts';
import { StoreProcess } from '../local/embedded-store.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { tableNames, type TableNames } from '../store/tables.ts';
import { InvoiceStore } from './invoice-store.ts';

const SELLER: SellerConfig = { party: { legalName: 'Faascape SAS', address: ['1 rue A', '75001 Paris'], country: 'FR', vatNumber: 'FR40303265045' }, vat: { sellerCountry: 'FR', rateBps: 2000 }, prefix: 'FSC' };
const agg = (month: string, clientId: string, calls: number): UsageAggregate => ({
  month, clientId, featureId: 'echo', price: { perCallMicros: 10_000, perGbSecondMicros: 0, currency: 'EUR' }, authors: [{ id: 'alice', weight: 1 }],
  calls, billableCalls: calls, errors: 0, timeouts: 0, billedMs: calls, billableMs: calls, billableMbMs: calls * 128, requestBytes: 0, responseBytes: 0,
});
const CLIENTS = Array.from({ length: 24 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const statementOf = (month: string): Statement => computeStatement({ month, status: 'final', policy: { developerShareBps: 7000, minimumPayoutMicros: 0 }, aggregates: CLIENTS.map((c, i) => agg(month, c, i + 1)), late: [], carriedIn: new Map() });
/** Each test closes its own month: invoices are keyed by (month, client). */
let months = 0;
let month = '';
const nextTestMonth = () => (month = `2030-${String(++months).padStart(2, '0')}`);
const build = (clientId: string, m = month) => (number: string) => buildInvoice({ number, issuedOn: '2026-10-01', part: statementOf(m), clientId, seller: SELLER, buyer: { legalName: `${clientId} GmbH`, address: ['x'], country: 'DE', vatNumber: 'DE136695976' } });

let dir: string;
let store: StoreProcess;
let dynamo: ReturnType<typeof localDynamoClient>;
let tables: TableNames;
let prefixes = 0;
/** A fresh prefix per test: each test owns its own sequence. */
const prefix = () => {
  nextTestMonth();
  return `T${String.fromCharCode(65 + prefixes++)}`;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-invoices-'));
  store = new StoreProcess(dir);
  await store.start();
  dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
  tables = tableNames('t-');
  await ensureTables(dynamo, tables);
});
afterAll(async () => {
  dynamo.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const seqs = (docs: Invoice[]) => docs.map((d) => Number(d.number.slice(-6))).sort((a, b) => a - b);

describe('InvoiceStore numbering', () => {
  it('numbers concurrent issues of different invoices gaplessly: 1..n, each once, each invoice once', async () => {
    const invoices = new InvoiceStore(documentClient(dynamo), tables);
    const p = prefix();
    // Four concurrent "closes" of the same month, each issuing every client's invoice.
    const runs = await Promise.all([0, 1, 2, 3].map(() => Promise.all(CLIENTS.map((c) => invoices.issueInvoice(month, c, p, 2026, build(c))))));
    // Every run sees the same invoice per client.
    for (const run of runs.slice(1)) expect(run.map((d) => d.number)).toEqual((runs[0] as Invoice[]).map((d) => d.number));
    const year = await invoices.ofYear(p, 2026);
    const kept = year.filter((d) => d.kind === 'invoice');
    // Racing issuers of one invoice may each take a number; the loser's is cancelled by a credit
    // note, never removed: the sequence has no gap either way.
    expect(seqs(year)).toEqual(Array.from({ length: year.length }, (_, i) => i + 1));
    const live = kept.filter((d) => !year.some((c) => c.kind === 'credit_note' && c.corrects === d.number));
    expect(live.map((d) => d.clientId).sort()).toEqual(CLIENTS);
    for (const c of CLIENTS) expect((await invoices.ofClient(month, c))?.clientId).toBe(c);
    expect((await invoices.ofMonth(month)).length).toBeGreaterThanOrEqual(CLIENTS.length);
  });

  it('issuing again returns the invoice already issued, under the same number', async () => {
    const invoices = new InvoiceStore(documentClient(dynamo), tables);
    const p = prefix();
    const first = await invoices.issueInvoice(month, 'c01', p, 2026, build('c01'));
    const again = await invoices.issueInvoice(month, 'c01', p, 2026, build('c01'));
    expect(again).toEqual(first);
    expect(first.number).toBe(`${p}-2026-000001`);
    expect((await invoices.ofYear(p, 2026)).map((d) => d.number)).toEqual([first.number]);
  });

  it('an issue that died after writing its document (before recording its number) finds that document again: no gap, no duplicate', async () => {
    const db = documentClient(dynamo);
    const invoices = new InvoiceStore(db, tables);
    const p = prefix();
    await invoices.issueInvoice(month, 'c00', p, 2026, build('c00'));
    // What a writer that died right after its conditional put leaves behind: number 2 taken by c01's
    // invoice, no reference, head still at 1.
    const orphan = build('c01')(`${p}-2026-000002`);
    await db.send(new PutCommand({ TableName: tables.statements, Item: { month: `N#${p}-2026`, sk: '000002', json: JSON.stringify(orphan), clientId: 'c01', kind: 'invoice' } }));
    const retried = await invoices.issueInvoice(month, 'c01', p, 2026, build('c01'));
    expect(retried).toEqual(orphan);
    const next = await invoices.issueInvoice(month, 'c02', p, 2026, build('c02'));
    expect(next.number).toBe(`${p}-2026-000003`);
    expect(seqs(await invoices.ofYear(p, 2026))).toEqual([1, 2, 3]);
  });

  it('a number taken by another document is skipped, whatever the head hint says', async () => {
    const db = documentClient(dynamo);
    const invoices = new InvoiceStore(db, tables);
    const p = prefix();
    // Another writer took 1 and 2 and died before moving the hint.
    for (const [seq, c] of [[1, 'c05'], [2, 'c06']] as const) {
      await db.send(new PutCommand({ TableName: tables.statements, Item: { month: `N#${p}-2026`, sk: String(seq).padStart(6, '0'), json: JSON.stringify(build(c)(`${p}-2026-00000${seq}`)), clientId: c, kind: 'invoice' } }));
    }
    expect((await invoices.issueInvoice(month, 'c07', p, 2026, build('c07'))).number).toBe(`${p}-2026-000003`);
  });

  it('a credit note takes the next number, refers to its invoice, and an invoice is credited once', async () => {
    const invoices = new InvoiceStore(documentClient(dynamo), tables);
    const p = prefix();
    const inv = await invoices.issueInvoice(month, 'c03', p, 2026, build('c03'));
    const [a, b] = await Promise.all([0, 1].map(() => invoices.issueCreditNote(inv, p, 2026, (n) => creditNoteFor(inv, n, '2026-10-05'))));
    expect(a).toEqual(b);
    expect(a?.number).toBe(`${p}-2026-000002`);
    expect(a).toMatchObject({ kind: 'credit_note', corrects: inv.number, netCents: -inv.netCents, totalCents: -inv.totalCents });
    expect(await invoices.creditOf(inv.number)).toEqual(a);
    expect(seqs(await invoices.ofYear(p, 2026))).toEqual([1, 2]);
  });

  it('keeps one sequence per year', async () => {
    const invoices = new InvoiceStore(documentClient(dynamo), tables);
    const p = prefix();
    expect((await invoices.issueInvoice(month, 'c10', p, 2026, build('c10'))).number).toBe(`${p}-2026-000001`);
    const later = nextTestMonth();
    expect((await invoices.issueInvoice(later, 'c10', p, 2027, build('c10', later))).number).toBe(`${p}-2027-000001`);
  });
});
