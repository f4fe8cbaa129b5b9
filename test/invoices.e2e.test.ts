/**
 * Invoices end to end (issue #16): billing details from the console and the CLI, a month closed by
 * finance issuing one numbered invoice per billed client with the VAT its buyer calls for, the
 * same PDF bytes from the client's page, finance's page, the Lambda answer and the CLI, and a
 * credit note that cancels an invoice once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth, previousMonth } from '../shared/month.ts';
import type { Invoice } from '../shared/invoice.ts';
import type { ClientBilling, ClientInvoiceList, FinanceInvoiceList, StatementView } from '../runtime/console/api-types.ts';
import type { Session } from '../runtime/console/account-store.ts';
import type { ConsoleDeps } from '../runtime/console/deps.ts';
import { clientRoutes } from '../runtime/console/routes/client.ts';
import { renderInvoicePdf } from '../runtime/statements/invoice-pdf.ts';
import { InvoiceStore } from '../runtime/statements/invoice-store.ts';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import { MovableClock, signIn, signUp, type ConsoleSession } from './helpers/console.ts';
import { copyFixtures, editManifest, errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));
const lastMonth = previousMonth(monthOf(Date.now()));
// Calls land on the 10th of last month; the close happens at 03:00 UTC on the 1st of this one.
const clock = new MovableClock(monthStart(lastMonth) + 10 * 86_400_000);
const closeAt = monthStart(nextMonth(lastMonth)) + 3 * 3_600_000;
const YEAR = new Date(closeAt).getUTCFullYear();
const num = (seq: number) => `FSC-${YEAR}-${String(seq).padStart(6, '0')}`;

const SELLER_ENV = { FAASCAPE_SELLER_NAME: 'Faascape Test SAS', FAASCAPE_SELLER_ADDRESS: '1 rue de la Paix|75002 Paris', FAASCAPE_SELLER_COUNTRY: 'FR', FAASCAPE_SELLER_VAT_NUMBER: 'FR40303265045' };

let t: TestPlatform;
let functionsDir: string;
let outDir: string;
let store: InvoiceStore;
let acme: ConsoleSession;
let bistro: ConsoleSession;
let globex: ConsoleSession;
let finance: ConsoleSession;
let env: NodeJS.ProcessEnv;

const cli = (args: string[], cwd?: string) => run(process.execPath, [CLI, ...args], { env, ...(cwd ? { cwd } : {}) });
const cliFails = (args: string[]) => cli(args).then(
  (r) => ({ code: 0, stderr: r.stderr, stdout: r.stdout }),
  (e: { code: number; stderr: string; stdout: string }) => e,
);

async function textOf(pdf: Uint8Array): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
  return text;
}

async function calls(clientId: string, n: number): Promise<void> {
  const key = await t.newKey(clientId);
  for (let i = 0; i < n; i++) expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
}

beforeAll(async () => {
  Object.assign(process.env, SELLER_ENV);
  env = { ...process.env };
  functionsDir = copyFixtures();
  // Two cents a call and no compute price: every amount below is exact by hand.
  editManifest(functionsDir, 'echo', { price: { perCall: '0.02', perGbSecond: '0', currency: 'EUR' } });
  outDir = mkdtempSync(join(tmpdir(), 'faascape-invoices-'));
  t = await startTestPlatform({ clock: clock.now, functionsDir });
  env.FAASCAPE_DATA_DIR = t.dataDir;
  store = new InvoiceStore(documentClient(t.platform.dynamo), t.platform.tables);
  acme = await signUp(t, 'billing@acme.example', 'client', { clientId: 'acme-de' });
  bistro = await signUp(t, 'billing@bistro.example', 'client', { clientId: 'bistro-fr' });
  globex = await signUp(t, 'billing@globex.example', 'client', { clientId: 'globex' });
  await calls('acme-de', 3); // 0.06 net, reverse charge
  await calls('bistro-fr', 10); // 0.20 net, 20 % VAT: 0.04
  await calls('corner', 5); // 0.10 net, no details: provisional, 20 % VAT: 0.02
  await t.platform.meter.settled();
}, 120_000);

afterAll(async () => {
  await t?.stop();
  for (const k of Object.keys(SELLER_ENV)) delete process.env[k];
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('billing details', () => {
  it('a client reads none, then sets them: stored trimmed, in capitals, and read back', async () => {
    expect(await ((await acme.fetch('/client/billing')).json())).toEqual({ billing: null });
    const res = await acme.fetch('/client/billing', { method: 'PUT', body: { legalName: '  Acme   GmbH ', address: ['Friedrichstr. 1', '10117 Berlin'], country: 'de', vatNumber: 'de 136 695 976' } });
    expect(res.status).toBe(200);
    const expected: ClientBilling = { billing: { legalName: 'Acme GmbH', address: ['Friedrichstr. 1', '10117 Berlin'], country: 'DE', vatNumber: 'DE136695976' } };
    expect(await res.json()).toEqual(expected);
    expect(await (await acme.fetch('/client/billing')).json()).toEqual(expected);
  });

  it('bad details get 400 with a message naming each field at fault, and nothing is stored', async () => {
    const put = (body: unknown) => globex.fetch('/client/billing', { method: 'PUT', body });
    const wrongVat = await errorOf(await put({ legalName: 'Globex SARL', address: ['x'], country: 'FR', vatNumber: 'FR40303265046' }));
    expect(wrongVat).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(wrongVat.message).toMatch(/vatNumber/);
    const otherCountry = await errorOf(await put({ legalName: 'Globex SARL', address: ['x'], country: 'FR', vatNumber: 'DE136695976' }));
    expect(otherCountry.message).toMatch(/vatNumber: DE136695976 is a VAT number of DE, not of FR/);
    const several = await errorOf(await put({ address: [], country: 'France' }));
    expect(several.status).toBe(400);
    expect(several.message).toMatch(/legalName/);
    expect(several.message).toMatch(/address/);
    expect(several.message).toMatch(/country/);
    // The PDF's fonts cannot print it: refused now, not at the close.
    const unprintable = await errorOf(await put({ legalName: 'Łódź Trading Sp. z o.o.', address: ['ul. Piotrkowska 1'], country: 'PL' }));
    expect(unprintable).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(unprintable.message).toMatch(/legalName holds "Ł"/);
    expect(await errorOf(await globex.fetch('/client/billing', { method: 'PUT', body: { legalName: 'Globex SARL', address: ['x'], country: 'FR' }, csrf: null }))).toMatchObject({ status: 403, code: 'csrf_failed' });
    expect(await (await globex.fetch('/client/billing')).json()).toEqual({ billing: null });
    const developer = await signUp(t, 'dev@example.com', 'developer', { developerId: 'alice' });
    expect(await errorOf(await developer.fetch('/client/billing'))).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('the operator sets them with the CLI; a bad country is exit code 1 naming the field', async () => {
    const { stdout } = await cli(['clients', 'set-billing', '--client', 'bistro-fr', '--legal-name', 'Bistro Lumière SARL', '--address', '12 rue Oberkampf|75011 Paris', '--country', 'FR', '--vat-number', 'FR40303265045', '--json']);
    expect(JSON.parse(stdout)).toEqual({ legalName: 'Bistro Lumière SARL', address: ['12 rue Oberkampf', '75011 Paris'], country: 'FR', vatNumber: 'FR40303265045' });
    expect(await (await bistro.fetch('/client/billing')).json()).toEqual({ billing: JSON.parse(stdout) });
    const bad = await cliFails(['clients', 'set-billing', '--client', 'bistro-fr', '--legal-name', 'Bistro', '--address', 'x', '--country', 'FRA']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^faascape: billing details: country/);
    const unknown = await cliFails(['clients', 'set-billing', '--client', 'bistro', '--legal-name', 'Bistro', '--address', 'x', '--country', 'FR']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no client "bistro"/);
  });
});

describe('closing a month issues the invoices', () => {
  let invoices: FinanceInvoiceList['invoices'];

  beforeAll(async () => {
    clock.jumpTo(closeAt);
    // Twenty days on, the sessions opened before have expired: everyone signs in again.
    finance = await signUp(t, 'fin@example.com', 'finance');
    acme = await signIn(t, 'billing@acme.example');
    bistro = await signIn(t, 'billing@bistro.example');
    globex = await signIn(t, 'billing@globex.example');
    const previewed = await finance.fetch(`/finance/months/${lastMonth}/preview`, { method: 'POST' });
    const preview = (await previewed.json()) as StatementView;
    if (previewed.status !== 200) throw new Error(JSON.stringify(preview));
    expect(preview.statement.totals.revenueMicros).toBe(360_000);
    const closed = await finance.fetch(`/finance/months/${lastMonth}/close`, { method: 'POST', body: { confirmRevenueMicros: 360_000 } });
    expect(closed.status).toBe(200);
    const view = (await closed.json()) as StatementView;
    expect(Object.values(view.checks).every(Boolean)).toBe(true);
    invoices = ((await (await finance.fetch(`/finance/months/${lastMonth}/invoices`)).json()) as FinanceInvoiceList).invoices;
  });

  it('numbers them FSC-<year>-000001… without a gap, in client-id order', () => {
    expect(invoices.map((i) => [i.number, i.clientId, i.kind])).toEqual([
      [num(1), 'acme-de', 'invoice'],
      [num(2), 'bistro-fr', 'invoice'],
      [num(3), 'corner', 'invoice'],
    ]);
  });

  it('gives a business in another EU country with a valid VAT number reverse charge: 0 % VAT and the legal mention', async () => {
    expect(invoices[0]).toMatchObject({ buyerName: 'Acme GmbH', buyerCountry: 'DE', vatKind: 'reverse_charge', netCents: 6, vatCents: 0, totalCents: 6, net: '0.06', vat: '0.00', totalInclVat: '0.06' });
    const doc = (await store.byNumber(num(1))) as Invoice;
    expect(doc.vat).toMatchObject({ kind: 'reverse_charge', rateBps: 0, vatCents: 0 });
    expect(doc.vat.mention).toMatch(/Reverse charge/);
    expect(doc.seller).toEqual({ legalName: 'Faascape Test SAS', address: ['1 rue de la Paix', '75002 Paris'], country: 'FR', vatNumber: 'FR40303265045' });
    expect(doc.issuedOn).toBe(new Date(closeAt).toISOString().slice(0, 10));
  });

  it('charges a client in the operator\'s country 20 % VAT, once on the net total', () => {
    expect(invoices[1]).toMatchObject({ buyerName: 'Bistro Lumière SARL', buyerCountry: 'FR', vatKind: 'domestic', netCents: 20, vatCents: 4, totalCents: 24, totalInclVat: '0.24' });
  });

  it('makes a provisional domestic invoice for a client without billing details: its client id, the operator\'s VAT', async () => {
    expect(invoices[2]).toMatchObject({ buyerName: 'corner', buyerCountry: 'FR', vatKind: 'domestic', netCents: 10, vatCents: 2, totalCents: 12 });
    expect(((await store.byNumber(num(3))) as Invoice).buyer).toEqual({ legalName: 'corner', address: [], country: 'FR' });
  });

  it('closing again, from the console, the job or the CLI, issues nothing new', async () => {
    const again = await finance.fetch(`/finance/months/${lastMonth}/close`, { method: 'POST', body: { confirmRevenueMicros: 360_000 } });
    expect(again.status).toBe(200);
    expect((await t.platform.statements.close(lastMonth)).outcome).toBe('already_closed');
    const { stdout } = await cli(['invoices', 'issue', '--month', lastMonth]);
    expect(stdout).toContain(`${lastMonth}: 0 invoice(s) issued now, 3 already issued`);
    expect((await store.ofYear('FSC', YEAR)).map((d) => d.number)).toEqual([num(1), num(2), num(3)]);
  });

  it('the client reads its invoice with number, net, VAT and total in euros and cents, beside the statement figures', async () => {
    const list = (await (await bistro.fetch('/client/invoices')).json()) as ClientInvoiceList;
    expect(list.invoices).toEqual([
      expect.objectContaining({ month: lastMonth, totalMicros: 200_000, total: '0.200000', number: num(2), netCents: 20, vatCents: 4, totalCents: 24, net: '0.20', vat: '0.04', totalInclVat: '0.24', creditNote: null }),
    ]);
    expect((await (await globex.fetch('/client/invoices')).json()) as ClientInvoiceList).toEqual({ invoices: [] });
  });

  it('the PDF the client downloads is the stored invoice rendered, byte for byte, and only its own', async () => {
    const res = await bistro.fetch(`/client/invoices/${lastMonth}.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${num(2)}.pdf"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(await renderInvoicePdf((await store.byNumber(num(2))) as Invoice))).toBe(true);
    const text = await textOf(bytes);
    for (const s of [num(2), 'Bistro Lumière SARL', 'Faascape Test SAS', '0.20 EUR', 'VAT 20 %', '0.04 EUR', '0.24 EUR']) expect(text).toContain(s);
    expect(await errorOf(await globex.fetch(`/client/invoices/${lastMonth}.pdf`))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await bistro.fetch('/client/invoices/2026-13.pdf'))).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await errorOf(await finance.fetch(`/client/invoices/${lastMonth}.pdf`))).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('the console Lambda answers the PDF base64-encoded, so API Gateway hands out the same bytes', async () => {
    const deps = { invoices: store } as unknown as ConsoleDeps;
    const route = clientRoutes(deps).find((r) => r.method === 'GET' && r.path.test(`/client/invoices/${lastMonth}.pdf`));
    const result = await route!.handle({ event: {} as APIGatewayProxyEventV2, params: [lastMonth], session: { clientId: 'acme-de', role: 'client' } as Session, now: Date.now() });
    expect(result.isBase64Encoded).toBe(true);
    expect(result.headers?.['content-type']).toBe('application/pdf');
    expect(Buffer.from(String(result.body), 'base64').equals(await renderInvoicePdf((await store.byNumber(num(1))) as Invoice))).toBe(true);
  });

  it('finance downloads any invoice as PDF; an unknown number is 404', async () => {
    const res = await finance.fetch(`/finance/invoices/${num(1)}.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${num(1)}.pdf"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(await renderInvoicePdf((await store.byNumber(num(1))) as Invoice))).toBe(true);
    expect(await errorOf(await finance.fetch(`/finance/invoices/FSC-${YEAR}-000099.pdf`))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await bistro.fetch(`/finance/invoices/${num(1)}.pdf`))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await errorOf(await finance.fetch(`/finance/months/${nextMonth(lastMonth)}/invoices`))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('the CLI lists and shows them, and writes a PDF that carries the invoice\'s text', async () => {
    const { stdout: listed } = await cli(['invoices', 'list', '--month', lastMonth, '--format', 'json']);
    expect((JSON.parse(listed) as Invoice[]).map((d) => [d.number, d.clientId, d.totalCents])).toEqual([
      [num(1), 'acme-de', 6],
      [num(2), 'bistro-fr', 24],
      [num(3), 'corner', 12],
    ]);
    const { stdout: mine } = await cli(['invoices', 'list', '--client', 'acme-de']);
    expect(mine).toContain(num(1));
    expect(mine).not.toContain(num(2));
    const { stdout: shown } = await cli(['invoices', 'show', '--number', num(1)]);
    expect(shown).toContain('Acme GmbH');
    expect(shown).toMatch(/total 0\.06 EUR/);
    expect(shown).toContain('Reverse charge');

    const out = join(outDir, 'acme.pdf');
    const { stdout: path } = await cli(['invoices', 'pdf', '--number', num(1), '--out', out]);
    expect(path.trim()).toBe(out);
    const text = await textOf(readFileSync(out));
    for (const s of [num(1), 'Acme GmbH', 'Friedrichstr. 1', 'DE136695976', 'Faascape Test SAS', 'FR40303265045', 'echo: 3 billable calls', '0.06 EUR', 'Reverse charge']) expect(text).toContain(s);
    // Default: <number>.pdf in the current directory.
    const { stdout: defaultPath } = await cli(['invoices', 'pdf', '--number', num(3)], outDir);
    expect(defaultPath.trim()).toBe(join(outDir, `${num(3)}.pdf`));
    expect(readFileSync(join(outDir, `${num(3)}.pdf`)).equals(await renderInvoicePdf((await store.byNumber(num(3))) as Invoice))).toBe(true);
    const missing = await cliFails(['invoices', 'pdf', '--number', `FSC-${YEAR}-000099`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no invoice or credit note FSC-\d{4}-000099/);
  }, 30_000);
});

describe('credit notes', () => {
  it('needs --yes off a terminal', async () => {
    const r = await cliFails(['invoices', 'credit', '--number', num(2)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/confirm on a terminal, or pass --yes/);
    expect(await store.creditOf(num(2))).toBeUndefined();
  });

  it('cancels an invoice in full under the next number, refers to it, and shows on both sides', async () => {
    const { stdout } = await cli(['invoices', 'credit', '--number', num(2), '--yes', '--json']);
    const credit = JSON.parse(stdout) as Invoice;
    const today = new Date().toISOString().slice(0, 10);
    expect(credit).toMatchObject({ number: `FSC-${today.slice(0, 4)}-${today.slice(0, 4) === String(YEAR) ? '000004' : '000001'}`, kind: 'credit_note', corrects: num(2), issuedOn: today, month: lastMonth, clientId: 'bistro-fr', netCents: -20, totalCents: -24 });
    expect(credit.vat.vatCents).toBe(-4);
    expect((await store.creditOf(num(2)))?.number).toBe(credit.number);

    const listed = ((await (await finance.fetch(`/finance/months/${lastMonth}/invoices`)).json()) as FinanceInvoiceList).invoices;
    expect(listed.map((i) => [i.number, i.kind, i.corrects, i.creditedBy])).toEqual([
      [num(1), 'invoice', null, null],
      [num(2), 'invoice', null, credit.number],
      [credit.number, 'credit_note', num(2), null],
      [num(3), 'invoice', null, null],
    ]);
    const mine = ((await (await bistro.fetch('/client/invoices')).json()) as ClientInvoiceList).invoices[0];
    expect(mine?.creditNote).toMatchObject({ number: credit.number, totalCents: -24, totalInclVat: '-0.24' });
    const pdf = await bistro.fetch(`/client/credit-notes/${credit.number}.pdf`);
    expect(pdf.status).toBe(200);
    const text = await textOf(Buffer.from(await pdf.arrayBuffer()));
    expect(text).toContain('Credit note');
    expect(text).toContain(`Corrects invoice ${num(2)}`);
    expect(text).toContain('-0.24 EUR');
    // Another client's credit note is as unknown as a number that does not exist.
    expect(await errorOf(await acme.fetch(`/client/credit-notes/${credit.number}.pdf`))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await bistro.fetch(`/client/credit-notes/${num(2)}.pdf`))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('refuses a second credit of the same invoice, and a credit of a credit note, with a clear message', async () => {
    const credit = (await store.creditOf(num(2))) as Invoice;
    const twice = await cliFails(['invoices', 'credit', '--number', num(2), '--yes']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`${num(2)} is already credited by ${credit.number}`);
    const ofCredit = await cliFails(['invoices', 'credit', '--number', credit.number, '--yes']);
    expect(ofCredit.code).toBe(1);
    expect(ofCredit.stderr).toContain(`${credit.number} is a credit note`);
    // Nothing was numbered by the refusals.
    expect((await store.ofYear('FSC', Number(credit.number.slice(4, 8)))).at(-1)?.number).toBe(credit.number);
  });
});
