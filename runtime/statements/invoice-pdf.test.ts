import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { extractText, getDocumentProxy, getMeta } from 'unpdf';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { bundleLambda } from '../../bench/bundle-report.ts';
import { houseBundling } from '../../infra/house-function.ts';
import { formatCents, type Invoice, type InvoiceLine, type InvoiceParty } from '../../shared/invoice.ts';
import { REVERSE_CHARGE_MENTION, vatCents } from '../../shared/vat.ts';
import { InvoicePdfError, renderInvoicePdf } from './invoice-pdf.ts';

const execFileAsync = promisify(execFile);
const ENTRY = fileURLToPath(new URL('./invoice-pdf.ts', import.meta.url));

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'faascape-invoice-pdf-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

const SELLER: InvoiceParty = { legalName: 'Faascape SAS', address: ['12 rue de la Paix', '75002 Paris'], country: 'FR', vatNumber: 'FR40303265045' };
const FRENCH_BUYER: InvoiceParty = {
  legalName: 'Société Générale des Applications Numériques et des Services de Vérification Bancaire Européens',
  address: ['Tour Horizon, Bâtiment C, escalier 4, sixième étage, porte gauche au fond du couloir après la machine à café', '92800 Puteaux'],
  country: 'FR',
  vatNumber: 'FR83404833048',
};
const GERMAN_BUYER: InvoiceParty = { legalName: 'Beispiel Datenprüfung GmbH', address: ['Hauptstraße 5', '10115 Berlin'], country: 'DE', vatNumber: 'DE136695976' };

const line = (i: number, amountCents: number, description = `iban-check, 2026-11: ${(1_000 + i).toLocaleString('en')} calls`): InvoiceLine => ({
  featureId: 'iban-check', description, usageMonth: '2026-11', calls: 1_000 + i, amountCents,
});

/** A consistent invoice: net = Σ lines, VAT computed once on the net, total = net + VAT (negated for a credit note). */
function invoice(over: Partial<Invoice> & Pick<Invoice, 'lines'>, vat: Pick<Invoice['vat'], 'kind' | 'rateBps' | 'mention'> = { kind: 'domestic', rateBps: 2_000 }): Invoice {
  const netCents = over.lines.reduce((n, l) => n + l.amountCents, 0);
  const v = Math.sign(netCents) * vatCents(Math.abs(netCents), vat.rateBps);
  return {
    number: 'FSC-2026-000123', kind: 'invoice', issuedOn: '2026-12-01', month: '2026-11', currency: 'EUR', clientId: 'acme',
    seller: SELLER, buyer: FRENCH_BUYER, netCents, vat: { ...vat, vatCents: v }, totalCents: netCents + v, ...over,
  };
}

const LONG_DESCRIPTION = 'iban-check, 2026-11: 1,204 calls, including the late usage of October that arrived after the statement closed and is billed here as an adjustment at October prices';
const domestic = invoice({ lines: [line(204, 240_800, LONG_DESCRIPTION), line(7, 1_207), line(50_000, 5)] });
const reverseCharge = invoice({ number: 'FSC-2026-000124', buyer: GERMAN_BUYER, clientId: 'beispiel', lines: [line(1, 99_999), line(2, 1)] }, { kind: 'reverse_charge', rateBps: 0, mention: REVERSE_CHARGE_MENTION });
const creditNote = invoice({ number: 'FSC-2026-000130', kind: 'credit_note', corrects: 'FSC-2026-000100', issuedOn: '2026-12-15', lines: [line(3, -12_345), line(4, -55)] });
const many = invoice({ number: 'FSC-2026-000140', lines: Array.from({ length: 120 }, (_, i) => line(i, 10_000 + i * 37, i % 10 === 0 ? `${LONG_DESCRIPTION} (line ${i})` : `iban-check, line ${i}`)) });

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

async function read(pdf: Buffer): Promise<{ pages: string[]; text: string; info: Record<string, unknown> }> {
  const proxy = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(proxy, { mergePages: false });
  const { info } = await getMeta(proxy);
  const pages = text.map(oneLine);
  return { pages, text: pages.join(' '), info: info as Record<string, unknown> };
}

/** What every invoice shows: its references, both parties, every line as one row, and the totals. */
function expectInvoiceText(text: string, inv: Invoice, vatLabel: string) {
  expect(text).toContain(`Number: ${inv.number}`);
  expect(text).toContain(`Issue date: ${inv.issuedOn}`);
  expect(text).toContain(`Billing period: ${inv.month}`);
  for (const p of [inv.seller, inv.buyer]) {
    expect(text).toContain(`${oneLine(p.legalName)} ${p.address.map(oneLine).join(' ')} ${p.country} VAT no. ${p.vatNumber}`);
  }
  for (const l of inv.lines) {
    // one row, in column order: the amount belongs to its description
    expect(text).toContain(`${oneLine(l.description)} ${l.usageMonth} ${l.calls.toLocaleString('en')} ${formatCents(l.amountCents)}`);
  }
  expect(text).toContain(`Net total ${formatCents(inv.netCents)} EUR ${vatLabel} ${formatCents(inv.vat.vatCents)} EUR Total ${formatCents(inv.totalCents)} EUR`);
}

describe('an invoice PDF', () => {
  it('shows a domestic invoice with 20 % VAT, its parties, lines and totals', async () => {
    const { pages, text, info } = await read(await renderInvoicePdf(domestic));
    expect(pages).toHaveLength(1);
    expect(text.startsWith('Invoice Number: FSC-2026-000123')).toBe(true);
    expectInvoiceText(text, domestic, 'VAT 20 %');
    expect(text).toContain('Net total 2420.12 EUR VAT 20 % 484.02 EUR Total 2904.14 EUR');
    expect(text).not.toContain('Credit note');
    expect(text).not.toContain('Reverse charge');
    expect(info).toMatchObject({ Title: 'FSC-2026-000123', Subject: 'FSC-2026-000123', Producer: 'Faascape', Creator: 'Faascape', CreationDate: 'D:20261201000000Z', ModDate: 'D:20261201000000Z' });
  });

  it('wraps long names, addresses and descriptions inside the page', async () => {
    const proxy = await getDocumentProxy(new Uint8Array(await renderInvoicePdf(domestic)));
    const page = await proxy.getPage(1);
    const [, , width] = page.view;
    const items = (await page.getTextContent()).items.flatMap((i) => ('str' in i && i.str.trim() ? [i] : []));
    const right = Math.max(...items.map((i) => (i.transform[4] as number) + i.width));
    expect(right).toBeLessThanOrEqual((width ?? 0) - 50 + 0.5);
    // the address and the description each took more than one line of text
    const linesOf = (whole: string) => new Set(items.filter((i) => i.str.trim().length > 20 && whole.includes(i.str.trim())).map((i) => i.transform[5] as number)).size;
    expect(linesOf(FRENCH_BUYER.address[0]!)).toBeGreaterThan(1);
    expect(linesOf(LONG_DESCRIPTION)).toBeGreaterThan(1);
  });

  it('prints the legal mention, not a rate, on a reverse-charge invoice', async () => {
    const { text } = await read(await renderInvoicePdf(reverseCharge));
    expectInvoiceText(text, reverseCharge, REVERSE_CHARGE_MENTION);
    expect(text).toContain(`${REVERSE_CHARGE_MENTION} 0.00 EUR Total 1000.00 EUR`);
    expect(text).not.toMatch(/VAT \d+ %/);
  });

  it('titles a credit note and names the invoice it corrects', async () => {
    const { text, info } = await read(await renderInvoicePdf(creditNote));
    expect(text.startsWith('Credit note Corrects invoice FSC-2026-000100')).toBe(true);
    expectInvoiceText(text, creditNote, 'VAT 20 %');
    expect(text).toContain('Net total -124.00 EUR VAT 20 % -24.80 EUR Total -148.80 EUR');
    expect(info).toMatchObject({ Title: 'FSC-2026-000130', CreationDate: 'D:20261215000000Z' });
  });

  it('flows 120 lines onto further pages, the table header repeated on each', async () => {
    const { pages, text } = await read(await renderInvoicePdf(many));
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((p, i) => {
      expect(p).toContain('Description Usage month Calls Amount (EUR)');
      expect(p.endsWith(`FSC-2026-000140 — page ${i + 1} of ${pages.length}`)).toBe(true);
    });
    expectInvoiceText(text, many, 'VAT 20 %');
    const last = many.lines.at(-1)!;
    expect(pages.at(-1)).toContain(`iban-check, line 119 2026-11 1,119 ${formatCents(last.amountCents)}`);
    // each row printed once: none lost at a page break, none repeated
    for (const l of many.lines) expect(text.split(`${oneLine(l.description)} `).length - 1).toBe(1);
  });

  it('never leaves the totals alone on a page: the last row goes over with them', async () => {
    // 20 to 70 single-line rows cross the first page break at every possible position
    const pageCounts = new Set<number>();
    for (let n = 20; n <= 70; n++) {
      const inv = invoice({ lines: Array.from({ length: n }, (_, i) => line(i, 100 + i, `iban-check, line ${i}`)) });
      const { pages } = await read(await renderInvoicePdf(inv));
      pageCounts.add(pages.length);
      const last = pages.at(-1)!;
      expect(last, `${n} lines`).toContain('Description Usage month Calls Amount (EUR) iban-check, line ');
      expect(last, `${n} lines`).toContain(`iban-check, line ${n - 1} 2026-11 ${(1_000 + n - 1).toLocaleString('en')} ${formatCents(100 + n - 1)} Net total ${formatCents(inv.netCents)} EUR`);
    }
    expect([...pageCounts].sort()).toEqual([1, 2, 3]);
  });

  it('gives the same bytes for the same invoice, whatever the clock says', async () => {
    const first = await renderInvoicePdf(domestic);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-07-14T12:34:56Z'));
    const second = await renderInvoicePdf(structuredClone(domestic));
    expect(second.equals(first)).toBe(true);
    // and different bytes for a different invoice, so the comparison above can fail
    expect((await renderInvoicePdf({ ...domestic, issuedOn: '2026-12-02' })).equals(first)).toBe(false);
    expect((await renderInvoicePdf({ ...domestic, number: 'FSC-2026-000999' })).equals(first)).toBe(false);
  });

  it('refuses text the standard fonts cannot print, rather than print a wrong legal name', async () => {
    const polish = invoice({ lines: [line(1, 100)], buyer: { ...GERMAN_BUYER, legalName: 'Łódź Weryfikacja Sp. z o.o.', country: 'PL', vatNumber: 'PL5260250274' } });
    await expect(renderInvoicePdf(polish)).rejects.toThrow(InvoicePdfError);
    await expect(renderInvoicePdf(polish)).rejects.toMatchObject({ field: 'buyer.legalName', invoiceNumber: 'FSC-2026-000123' });
  });

  it('refuses an invoice whose totals do not add up', async () => {
    await expect(renderInvoicePdf({ ...domestic, netCents: domestic.netCents + 1 })).rejects.toMatchObject({ name: 'InvoicePdfError', field: 'netCents' });
    await expect(renderInvoicePdf({ ...domestic, totalCents: domestic.totalCents - 1 })).rejects.toMatchObject({ field: 'totalCents' });
    await expect(renderInvoicePdf({ ...creditNote, corrects: undefined })).rejects.toMatchObject({ field: 'corrects' });
    await expect(renderInvoicePdf({ ...domestic, issuedOn: '2026-02-30' })).rejects.toMatchObject({ field: 'issuedOn' });
  });
});

describe('the invoice PDF module in a Lambda bundle', () => {
  /** Renders with the bundle in a fresh Node process run from the bundle's directory, where no node_modules can be reached. */
  async function renderBundled(bundle: string, inv: Invoice): Promise<Buffer> {
    const dir = dirname(bundle);
    writeFileSync(join(dir, 'invoice.json'), JSON.stringify(inv));
    writeFileSync(join(dir, 'run.mjs'), [
      "import { readFileSync, writeFileSync } from 'node:fs';",
      `import { renderInvoicePdf } from './${basename(bundle)}';`,
      "writeFileSync('out.pdf', await renderInvoicePdf(JSON.parse(readFileSync('invoice.json', 'utf8'))));",
    ].join('\n'));
    await execFileAsync(process.execPath, ['run.mjs'], { cwd: dir });
    return readFileSync(join(dir, 'out.pdf'));
  }

  it('renders once bundled by esbuild into one ES module, away from node_modules', async () => {
    const outfile = join(tempDir(), 'invoice-pdf.mjs');
    const result = await build({ entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'esm', outfile, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    // the metrics of the two faces used, inlined; not pdfkit's Node build, which reads them from disk
    expect(inputs.filter((p) => p.includes('pdfkit/js/standard-fonts/') && !p.includes('/chunks/')).sort()).toEqual(['node_modules/pdfkit/js/standard-fonts/Helvetica.mjs', 'node_modules/pdfkit/js/standard-fonts/HelveticaBold.mjs']);
    expect(inputs.some((p) => p.endsWith('pdfkit.node.mjs'))).toBe(false);

    const pdf = await renderBundled(outfile, many);
    expect(pdf.equals(await renderInvoicePdf(many))).toBe(true);
    expect((await read(pdf)).text).toContain(`Total ${formatCents(many.totalCents)} EUR`);
  });

  it('renders once bundled as the stack bundles a house Lambda (minified, with the require banner)', async () => {
    const figures = await bundleLambda(ENTRY, houseBundling(), tempDir());
    expect((await renderBundled(figures.outfile, reverseCharge)).equals(await renderInvoicePdf(reverseCharge))).toBe(true);
    expect(figures.bytes).toBeLessThan(1_500_000);
  });

  // Why invoice-pdf.ts does not `import 'pdfkit'`: when this starts failing (pdfkit exports
  // registerStdFonts from its Node build, foliojs/pdfkit#1802), the plain import can come back.
  it('needs the workaround: pdfkit 0.20 imported the usual way cannot render once bundled', async () => {
    const outfile = join(tempDir(), 'plain-pdfkit.mjs');
    await build({
      stdin: { contents: "import PDFDocument from 'pdfkit'; export const render = () => new PDFDocument();", resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' },
      bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'silent',
    });
    writeFileSync(join(dirname(outfile), 'run.mjs'), "import { render } from './plain-pdfkit.mjs'; render();");
    await expect(execFileAsync(process.execPath, ['run.mjs'], { cwd: dirname(outfile) })).rejects.toMatchObject({ stderr: expect.stringContaining("Cannot find module '#standard-fonts/Helvetica'") });
  });
});
