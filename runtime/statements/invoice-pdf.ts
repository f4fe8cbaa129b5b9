/**
 * The PDF of a final invoice or credit note (issue #16): one A4 document per invoice, laid out by
 * pdfkit with the standard Helvetica faces (no font file, no browser, no network).
 *
 * Two properties matter more than looks:
 * - the same invoice gives the same bytes, so a PDF can be re-rendered, hashed and compared with
 *   the one sent (no clock, no random document ID: both derive from `issuedOn` and the number);
 * - the module survives esbuild: the console Lambda inlines it into one ES module bundle.
 */
import type PDFKitDocument from 'pdfkit';
import { formatCents, InvoiceError, type Invoice, type InvoiceParty } from '../../shared/invoice.ts';
// Why the browser build, reached by path: pdfkit 0.20's Node build loads each standard font with
// `createRequire(import.meta.url)('#standard-fonts/<Name>')`, which resolves against the package.json
// next to the running file. Inlined into a bundle, that is the bundle's directory, and the first
// `new PDFDocument()` throws "Cannot find module '#standard-fonts/Helvetica'" (foliojs/pdfkit#1801;
// `registerStdFonts` is not exported from the Node build until #1802). The browser ESM build takes
// its fonts from `registerStdFonts()` with data imported statically, which esbuild inlines; it
// deflates with fflate (pure JS, deterministic) and needs no file system. pdfkit's export map only
// offers it under the `default` condition, which Node and esbuild (`platform: 'node'`) never pick,
// hence the relative path. It needs an ES module bundle (a CommonJS one has no `import.meta.url`,
// which it reads at import), as the house bundles are. The standalone build is no better: it calls
// `require('url')` at import, which fails in an ES module bundle without a `require` banner.
// @ts-expect-error -- pdfkit's builds ship no types; @types/pdfkit describes the API (typed below)
import { PDFDocument as PDFDocumentClass, registerStdFonts } from '../../node_modules/pdfkit/js/pdfkit.browser.mjs';
// @ts-expect-error -- font metrics modules ship no types; registerStdFonts checks their shape
import Helvetica from 'pdfkit/standard-fonts/Helvetica';
// @ts-expect-error -- as above
import HelveticaBold from 'pdfkit/standard-fonts/HelveticaBold';

/** An invoice that cannot be printed as it is: which field, and why. */
export class InvoicePdfError extends Error {
  override readonly name = 'InvoicePdfError';
  readonly invoiceNumber: string;
  /** the invoice's field at fault, e.g. "buyer.legalName" or "lines[3].description" */
  readonly field: string | undefined;
  constructor(message: string, invoiceNumber: string, field?: string) {
    super(message);
    this.invoiceNumber = invoiceNumber;
    this.field = field;
  }
}

const PDFDocument: typeof PDFKitDocument = PDFDocumentClass;
registerStdFonts(Helvetica, HelveticaBold);

const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const MARGIN = { top: 50, bottom: 60, left: 50, right: 50 };
const FOOTER_FROM_BOTTOM = 35;
const INK = '#111111';
const MUTED = '#666666';
const RULE = '#bbbbbb';
const GAP = 10;

/**
 * What the standard fonts can print: WinAnsiEncoding, i.e. Latin-1 and 27 extra characters (€,
 * quotes, dashes, Š, Ž, Œ...). pdfkit writes any other character as a wrong glyph without a word,
 * and a legal name printed wrong (a Polish "Ł", a Czech "ř", Greek) is worse than no PDF: such an
 * invoice is refused here until a Unicode font is embedded.
 */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
function printable(invoice: Invoice, field: string, text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(ch)) continue;
    throw new InvoicePdfError(`${field} holds "${ch}" (U+${c.toString(16).toUpperCase().padStart(4, '0')}), which the PDF's standard fonts cannot print`, invoice.number, field);
  }
  return s;
}

/** 2,000 bps -> "20", 550 -> "5.5": the rate as people write it on an invoice. */
function formatRate(bps: number): string {
  const frac = String(bps % 100).padStart(2, '0').replace(/0+$/, '');
  return frac ? `${Math.trunc(bps / 100)}.${frac}` : String(Math.trunc(bps / 100));
}

const groupThousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The invariants the Invoice type states in comments: printing a total that is not the sum of its lines would be a wrong legal document. */
function checkInvoice(invoice: Invoice): Date {
  const fail = (message: string, field?: string): never => {
    throw new InvoicePdfError(`invoice ${invoice.number}: ${message}`, invoice.number, field);
  };
  const issued = new Date(`${invoice.issuedOn}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(invoice.issuedOn) || Number.isNaN(issued.getTime()) || issued.toISOString().slice(0, 10) !== invoice.issuedOn) fail(`issuedOn "${invoice.issuedOn}" is not a date (YYYY-MM-DD)`, 'issuedOn');
  if (invoice.currency !== 'EUR') fail(`the currency is ${String(invoice.currency)}, only EUR is printed`, 'currency');
  if (invoice.kind === 'credit_note' && !invoice.corrects) fail('a credit note names the invoice it corrects', 'corrects');
  const sum = invoice.lines.reduce((n, l) => n + l.amountCents, 0);
  if (sum !== invoice.netCents) fail(`the lines sum to ${formatCents(sum)}, the net total says ${formatCents(invoice.netCents)}`, 'netCents');
  if (invoice.netCents + invoice.vat.vatCents !== invoice.totalCents) fail(`net ${formatCents(invoice.netCents)} + VAT ${formatCents(invoice.vat.vatCents)} is not the total ${formatCents(invoice.totalCents)}`, 'totalCents');
  return issued;
}

/**
 * The invoice as a PDF. Same invoice, same bytes: the dates in the document's info are `issuedOn`
 * at 00:00 UTC, Producer and Creator are fixed, and pdfkit derives the file ID from that info.
 * Rejects with InvoicePdfError for an inconsistent invoice or text the standard fonts cannot print.
 */
export async function renderInvoicePdf(invoice: Invoice): Promise<Buffer> {
  const issued = checkInvoice(invoice);
  const t = (field: string, text: string) => printable(invoice, field, text);
  const number = t('number', invoice.number);
  const credit = invoice.kind === 'credit_note';

  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    font: REGULAR,
    // Every page stays in memory until the end, to number them "page i of n".
    bufferPages: true,
    displayTitle: true,
    lang: 'en',
    info: { Title: number, Subject: number, Author: t('seller.legalName', invoice.seller.legalName), Producer: 'Faascape', Creator: 'Faascape', CreationDate: issued, ModDate: issued },
  });
  const chunks: Uint8Array[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = MARGIN.left;
  const width = doc.page.width - MARGIN.left - MARGIN.right;
  const bottom = () => doc.page.height - MARGIN.bottom;
  const rule = (y: number, color = RULE) => doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.5).strokeColor(color).stroke();

  // Title on the left, the references on the right.
  const top = MARGIN.top;
  doc.font(BOLD).fontSize(20).fillColor(INK).text(credit ? 'Credit note' : 'Invoice', left, top, { width: width / 2 });
  if (credit) doc.font(REGULAR).fontSize(10).text(`Corrects invoice ${t('corrects', invoice.corrects ?? '')}`, left, doc.y + 2, { width: width / 2 });
  const titleEnd = doc.y;
  doc.font(REGULAR).fontSize(10).fillColor(INK);
  doc.text(`Number: ${number}`, left + width / 2, top + 2, { width: width / 2, align: 'right' });
  doc.text(`Issue date: ${t('issuedOn', invoice.issuedOn)}`, { width: width / 2, align: 'right' });
  doc.text(`Billing period: ${t('month', invoice.month)}`, { width: width / 2, align: 'right' });
  let y = Math.max(titleEnd, doc.y) + 24;

  // Seller and buyer side by side; each wraps in its own column.
  const colWidth = (width - 2 * GAP) / 2;
  const party = (label: string, p: InvoiceParty, x: number, field: string): number => {
    doc.font(BOLD).fontSize(8).fillColor(MUTED).text(label.toUpperCase(), x, y, { width: colWidth, characterSpacing: 0.5 });
    doc.font(BOLD).fontSize(10).fillColor(INK).text(t(`${field}.legalName`, p.legalName), x, doc.y + 3, { width: colWidth });
    doc.font(REGULAR).fontSize(9.5);
    p.address.forEach((line, i) => doc.text(t(`${field}.address[${i}]`, line), x, doc.y, { width: colWidth }));
    doc.text(t(`${field}.country`, p.country), x, doc.y, { width: colWidth });
    if (p.vatNumber) doc.text(`VAT no. ${t(`${field}.vatNumber`, p.vatNumber)}`, x, doc.y, { width: colWidth });
    return doc.y;
  };
  y = Math.max(party('Seller', invoice.seller, left, 'seller'), party('Buyer', invoice.buyer, left + colWidth + 2 * GAP, 'buyer')) + 24;

  // The table of lines: a row that does not fit starts a new page under a repeated header.
  const cols = { month: 62, calls: 70, amount: 85 };
  const descWidth = width - cols.month - cols.calls - cols.amount - 3 * GAP;
  const xMonth = left + descWidth + GAP;
  const xCalls = xMonth + cols.month + GAP;
  const xAmount = xCalls + cols.calls + GAP;
  // Cells in column order, so that text extraction (and copy-paste) reads a row as a row.
  const cells = (desc: string, month: string, calls: string, amount: string, rowTop: number) => {
    doc.text(desc, left, rowTop, { width: descWidth });
    const end = doc.y;
    doc.text(month, xMonth, rowTop, { width: cols.month });
    doc.text(calls, xCalls, rowTop, { width: cols.calls, align: 'right' });
    doc.text(amount, xAmount, rowTop, { width: cols.amount, align: 'right' });
    return end;
  };
  const header = () => {
    doc.font(BOLD).fontSize(9).fillColor(INK);
    y = cells('Description', 'Usage month', 'Calls', 'Amount (EUR)', y) + 4;
    rule(y, INK);
    y += 6;
  };

  // The totals: a VAT of 0 % shows the legal mention where the rate would be.
  const vat = invoice.vat;
  const mention = vat.mention ? t('vat.mention', vat.mention) : undefined;
  const note = mention && vat.rateBps !== 0 ? mention : undefined;
  const totals = [
    { label: 'Net total', amount: `${formatCents(invoice.netCents)} EUR`, bold: false },
    { label: mention && vat.rateBps === 0 ? mention : `VAT ${formatRate(vat.rateBps)} %`, amount: `${formatCents(vat.vatCents)} EUR`, bold: false },
    { label: 'Total', amount: `${formatCents(invoice.totalCents)} EUR`, bold: true },
  ];
  const labelWidth = 250;
  const xLabel = xAmount - GAP - labelWidth;
  const totalsHeight = totals.reduce((h, r) => h + doc.font(r.bold ? BOLD : REGULAR).fontSize(r.bold ? 11 : 9.5).heightOfString(r.label, { width: labelWidth }) + (r.bold ? 10 : 5), 0)
    + (note ? doc.font(REGULAR).fontSize(9).heightOfString(note, { width }) + 5 : 0);

  header();
  invoice.lines.forEach((line, i) => {
    const desc = t(`lines[${i}].description`, line.description);
    doc.font(REGULAR).fontSize(9).fillColor(INK);
    // The last row takes the totals with it: totals alone on a page would have no table to total.
    const needed = doc.heightOfString(desc, { width: descWidth }) + (i === invoice.lines.length - 1 ? 9 + 6 + totalsHeight : 0);
    if (y + needed > bottom()) {
      doc.addPage();
      y = MARGIN.top;
      header();
      doc.font(REGULAR).fontSize(9).fillColor(INK);
    }
    y = cells(desc, t(`lines[${i}].usageMonth`, line.usageMonth), groupThousands(line.calls), formatCents(line.amountCents), y) + 4;
    rule(y);
    y += 5;
  });

  y += 6;
  if (y + totalsHeight > bottom()) {
    doc.addPage();
    y = MARGIN.top;
  }
  for (const r of totals) {
    if (r.bold) {
      doc.moveTo(xLabel, y).lineTo(left + width, y).lineWidth(0.8).strokeColor(INK).stroke();
      y += 5;
    }
    doc.font(r.bold ? BOLD : REGULAR).fontSize(r.bold ? 11 : 9.5).fillColor(INK);
    const end = doc.text(r.label, xLabel, y, { width: labelWidth }).y;
    doc.text(r.amount, xAmount, y, { width: cols.amount, align: 'right' });
    y = Math.max(end, doc.y) + 5;
  }
  if (note) doc.font(REGULAR).fontSize(9).fillColor(MUTED).text(note, left, y, { width });

  // Footers last, once the page count is known. Writing below the bottom margin would make pdfkit
  // open a new page, so the margin is lifted while the footer is written.
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0;
    doc.font(REGULAR).fontSize(8).fillColor(MUTED).text(`${number} — page ${i - start + 1} of ${count}`, left, doc.page.height - FOOTER_FROM_BOTTOM, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = MARGIN.bottom;
  }
  doc.end();
  return done;
}

/**
 * Billing details the invoice PDF can print: its standard fonts cover Latin-1 and a few more
 * characters, and the renderer is the one judge of that, so it prints a blank invoice to this
 * buyer. Refused when set (by the console and by `clients set-billing`) rather than at the close:
 * an invoice whose PDF cannot be made cannot be sent. InvoiceError: 400 invalid_request at the
 * console's edge, exit code 1 in the CLI.
 */
export async function checkPrintable(buyer: InvoiceParty): Promise<void> {
  const probe: Invoice = {
    number: 'FSC-2000-000001',
    kind: 'invoice',
    issuedOn: '2000-01-01',
    month: '2000-01',
    currency: 'EUR',
    clientId: 'probe',
    seller: { legalName: 'Seller', address: ['-'], country: 'FR' },
    buyer,
    lines: [],
    netCents: 0,
    vat: { kind: 'domestic', rateBps: 0, vatCents: 0 },
    totalCents: 0,
  };
  try {
    await renderInvoicePdf(probe);
  } catch (e) {
    if (e instanceof InvoicePdfError && e.field?.startsWith('buyer.')) {
      throw new InvoiceError(`billing details: ${e.message.replace(/^buyer\./, '').replace(/\[\d+\]/, '')}; please write it in Latin letters`);
    }
    throw e;
  }
}
