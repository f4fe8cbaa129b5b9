/**
 * `faascape invoices …`: the final invoices and credit notes that closing a month issues (issue
 * #16). Read them, print their PDF, issue what a close left missing, and cancel one with a credit
 * note. A final invoice never changes: a correction is a credit note under the next number.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DomainError } from '../../shared/errors.ts';
import { creditNoteFor, formatCents, parseInvoiceNumber, type Invoice } from '../../shared/invoice.ts';
import { NotFoundError } from '../keys/client-store.ts';
import { InvoicePdfError, renderInvoicePdf } from '../statements/invoice-pdf.ts';
import { type CliContext, withContext } from './context.ts';
import { printJson, safe, table } from './format.ts';
import { unknownId } from './suggest.ts';

function invoiceNumberArg(value: string): string {
  if (!parseInvoiceNumber(value)) throw new InvalidArgumentError('expected an invoice number such as FSC-2026-000123');
  return value;
}

async function documentOf(ctx: CliContext, number: string): Promise<Invoice> {
  const doc = await ctx.invoices.byNumber(number);
  if (!doc) throw new NotFoundError(`no invoice or credit note ${number} (the numbers of a month: npx faascape invoices list --month YYYY-MM)`);
  return doc;
}

async function requireClosed(ctx: CliContext, month: string): Promise<void> {
  if (!(await ctx.statementStore.isClosed(month))) throw new NotFoundError(`${month} is not closed: its invoices are issued when it is (npx faascape statements close --month ${month})`);
}

async function requireKnownClient(ctx: CliContext, clientId: string): Promise<void> {
  if (await ctx.clients.getClient(clientId)) return;
  throw new NotFoundError(unknownId('client', clientId, (await ctx.clients.listClients()).map((c) => c.clientId)));
}

/** Each invoice followed by its credit note, if it has one. */
async function withCredits(ctx: CliContext, docs: Invoice[]): Promise<{ doc: Invoice; creditedBy?: string }[]> {
  const out: { doc: Invoice; creditedBy?: string }[] = [];
  for (const doc of docs) {
    const credit = await ctx.invoices.creditOf(doc.number);
    out.push({ doc, ...(credit ? { creditedBy: credit.number } : {}) });
    if (credit) out.push({ doc: credit });
  }
  return out;
}

function printList(rows: { doc: Invoice; creditedBy?: string }[]): void {
  console.log(
    table(
      rows.map(({ doc, creditedBy }) => ({
        number: doc.number,
        kind: doc.kind === 'credit_note' ? 'credit note' : 'invoice',
        month: doc.month,
        client: doc.clientId,
        buyer: doc.buyer.legalName,
        country: doc.buyer.country,
        vat: doc.vat.kind,
        issued: doc.issuedOn,
        net: formatCents(doc.netCents),
        vatAmount: formatCents(doc.vat.vatCents),
        total: formatCents(doc.totalCents),
        note: doc.corrects ? `corrects ${doc.corrects}` : creditedBy ? `credited by ${creditedBy}` : '',
      })),
      ['number', 'kind', 'month', 'client', 'buyer', 'country', 'vat', 'issued', 'net', 'vatAmount', 'total', 'note'],
    ),
  );
}

const rate = (bps: number) => `${bps / 100} %`;

function printDocument(doc: Invoice, creditedBy: string | undefined): void {
  // The buyer's details are what the client typed in the console.
  const party = (p: Invoice['buyer']) => safe([p.legalName, ...p.address, p.country, ...(p.vatNumber ? [`VAT no. ${p.vatNumber}`] : [])].join(', '));
  console.log(`${doc.kind === 'credit_note' ? 'Credit note' : 'Invoice'} ${doc.number}, issued ${doc.issuedOn}, billing period ${doc.month}${doc.corrects ? `, corrects ${doc.corrects}` : ''}`);
  console.log(`seller: ${party(doc.seller)}`);
  console.log(`buyer:  ${party(doc.buyer)} (client ${doc.clientId})\n`);
  console.log(table(doc.lines.map((l) => ({ description: l.description, usageMonth: l.usageMonth, calls: l.calls, amount: formatCents(l.amountCents) })), ['description', 'usageMonth', 'calls', 'amount']));
  console.log(`\nnet   ${formatCents(doc.netCents)} EUR`);
  console.log(`VAT   ${formatCents(doc.vat.vatCents)} EUR (${doc.vat.kind}, ${rate(doc.vat.rateBps)})${doc.vat.mention ? `\n      ${doc.vat.mention}` : ''}`);
  console.log(`total ${formatCents(doc.totalCents)} EUR`);
  if (creditedBy) console.log(`\ncancelled by credit note ${creditedBy}`);
}

async function pdfOf(doc: Invoice): Promise<Buffer> {
  try {
    return await renderInvoicePdf(doc);
  } catch (e) {
    if (e instanceof InvoicePdfError) throw new DomainError('conflict', `the PDF of ${doc.number} cannot be made: ${e.message}`);
    throw e;
  }
}

export interface InvoiceCommandHelpers {
  /** parses --month */
  month(value: string): string;
  /** asks on a terminal; never confirms elsewhere */
  confirmed(question: string, expected: string): Promise<boolean>;
}

const formatOption = () => new Option('--format <format>', 'output format').choices(['json', 'text']).default('text');

export function registerInvoiceCommands(program: Command, helpers: InvoiceCommandHelpers): void {
  const invoices = program
    .command('invoices')
    .description("final invoices and credit notes: closing a month issues one invoice per billed client, numbered <prefix>-<year>-000001… without gaps (FAASCAPE_INVOICE_PREFIX, default FSC)");

  invoices
    .command('list')
    .description('invoices and their credit notes in number order: of a closed month, of a client, or of every closed month')
    .option('--month <YYYY-MM>', 'only this closed month (a credit note is listed under the month of the invoice it corrects)', helpers.month)
    .option('--client <clientId>', "only this client's")
    .addOption(formatOption())
    .option('--json', 'same as --format json')
    .action(
      withContext(async (ctx, opts: { month?: string; client?: string; format: string; json?: boolean }) => {
        if (opts.month) await requireClosed(ctx, opts.month);
        if (opts.client) await requireKnownClient(ctx, opts.client);
        const months = opts.month ? [opts.month] : (await ctx.statementStore.closedMonths()).reverse();
        const docs: Invoice[] = [];
        for (const m of months) {
          if (opts.client) {
            const doc = await ctx.invoices.ofClient(m, opts.client);
            if (doc) docs.push(doc);
          } else docs.push(...(await ctx.invoices.ofMonth(m)));
        }
        docs.sort((a, b) => (a.number < b.number ? -1 : 1));
        const rows = await withCredits(ctx, docs);
        if (opts.json || opts.format === 'json') return printJson(rows.map((r) => ({ ...r.doc, ...(r.creditedBy ? { creditedBy: r.creditedBy } : {}) })));
        printList(rows);
      }),
    );

  invoices
    .command('show')
    .description('one invoice or credit note: parties, lines, net, VAT and total')
    .requiredOption('--number <number>', 'e.g. FSC-2026-000123', invoiceNumberArg)
    .addOption(formatOption())
    .option('--json', 'same as --format json')
    .action(
      withContext(async (ctx, opts: { number: string; format: string; json?: boolean }) => {
        const doc = await documentOf(ctx, opts.number);
        const creditedBy = doc.kind === 'invoice' ? (await ctx.invoices.creditOf(doc.number))?.number : undefined;
        if (opts.json || opts.format === 'json') return printJson({ ...doc, ...(creditedBy ? { creditedBy } : {}) });
        printDocument(doc, creditedBy);
      }),
    );

  invoices
    .command('pdf')
    .description('write the PDF of an invoice or credit note (the same bytes every time) and print its path')
    .requiredOption('--number <number>', 'e.g. FSC-2026-000123', invoiceNumberArg)
    .option('--out <file>', 'where to write it (default: <number>.pdf in the current directory)')
    .action(
      withContext(async (ctx, opts: { number: string; out?: string }) => {
        const doc = await documentOf(ctx, opts.number);
        const path = resolve(opts.out ?? `${doc.number}.pdf`);
        writeFileSync(path, await pdfOf(doc));
        console.log(path);
      }),
    );

  invoices
    .command('issue')
    .description('issue the missing invoices of a closed month (after a close that stopped half-way); idempotent: those already issued are listed as they are')
    .requiredOption('--month <YYYY-MM>', 'a closed UTC month', helpers.month)
    .option('--json', 'print the month\'s invoices as JSON')
    .action(
      withContext(async (ctx, opts: { month: string; json?: boolean }) => {
        await requireClosed(ctx, opts.month);
        const before = new Set((await ctx.invoices.ofMonth(opts.month)).map((d) => d.number));
        const issued = await ctx.statements.issueInvoices(opts.month);
        if (opts.json) return printJson(issued);
        printList(await withCredits(ctx, issued));
        const fresh = issued.filter((d) => !before.has(d.number)).length;
        console.log(`\n${opts.month}: ${fresh} invoice(s) issued now, ${issued.length - fresh} already issued`);
      }),
    );

  invoices
    .command('credit')
    .description('cancel an invoice in full with a credit note dated today, under the next number (an invoice is credited once; a credit note cannot be)')
    .requiredOption('--number <number>', 'the invoice to cancel, e.g. FSC-2026-000123', invoiceNumberArg)
    .option('--yes', 'do not ask for confirmation (needed when not run from a terminal)')
    .option('--json', 'print the credit note as JSON')
    .action(
      withContext(async (ctx, opts: { number: string; yes?: boolean; json?: boolean }) => {
        const invoice = await documentOf(ctx, opts.number);
        if (invoice.kind !== 'invoice') throw new DomainError('conflict', `${invoice.number} is a credit note (it corrects ${invoice.corrects ?? 'an invoice'}): only an invoice can be credited`);
        const known = await ctx.invoices.creditOf(invoice.number);
        if (known) throw new DomainError('conflict', `${invoice.number} is already credited by ${known.number} (issued ${known.issuedOn}): an invoice is credited once`);
        // A credit note is final too: a typo in --number must not cancel another client's invoice.
        if (!opts.yes && !(await helpers.confirmed(`Cancel ${invoice.number} (${safe(invoice.buyer.legalName)}, ${formatCents(invoice.totalCents)} EUR) with a credit note, for good? Type the number to confirm: `, invoice.number))) {
          throw new InvalidArgumentError(process.stdin.isTTY ? `not confirmed: ${invoice.number} stays as it is` : 'invoices credit issues a final document: confirm on a terminal, or pass --yes');
        }
        const today = new Date().toISOString().slice(0, 10);
        const credit = await ctx.invoices.issueCreditNote(invoice, ctx.seller.prefix, Number(today.slice(0, 4)), (number) => creditNoteFor(invoice, number, today));
        if (opts.json) return printJson(credit);
        printDocument(credit, undefined);
        console.log(`\ncredit note ${credit.number} issued for ${invoice.number}; its PDF: npx faascape invoices pdf --number ${credit.number}`);
      }),
    );
}
