/**
 * Money documents as the console hands them out, shared by the client, developer and finance
 * routes (none imports another's routes): invoice amounts in cents, invoice PDFs, payout runs and
 * their SEPA payment files.
 */
import { formatIbanPrint } from '../../../shared/iban.ts';
import { formatCents, type Invoice } from '../../../shared/invoice.ts';
import type { PayoutLine } from '../../../shared/payout-run.ts';
import { InvoicePdfError, renderInvoicePdf } from '../../statements/invoice-pdf.ts';
import type { PayoutRunView } from '../../statements/payouts.ts';
import type { FinancePayoutRun, InvoiceAmounts, PayoutLineView } from '../api-types.ts';
import { consoleErrors, type Result } from '../http.ts';

/** An invoice's amounts as the console shows them. */
export function amountsOf(doc: Invoice): InvoiceAmounts {
  return {
    netCents: doc.netCents,
    vatCents: doc.vat.vatCents,
    totalCents: doc.totalCents,
    net: formatCents(doc.netCents),
    vat: formatCents(doc.vat.vatCents),
    totalInclVat: formatCents(doc.totalCents),
  };
}

/**
 * An invoice or credit note as a PDF download. The body is base64 with `isBase64Encoded`: API
 * Gateway (payload v2) decodes it to the bytes, and so does the local server (http-server.ts); a
 * body passed as a string would be re-encoded as UTF-8 and corrupt every byte above 0x7f.
 */
export async function pdf(doc: Invoice): Promise<Result> {
  let bytes: Buffer;
  try {
    bytes = await renderInvoicePdf(doc);
  } catch (e) {
    // Issued before the billing details were checked for printing: say which field, not a 500.
    if (e instanceof InvoicePdfError) throw consoleErrors.conflict(`The PDF of ${doc.number} cannot be made: ${e.message}. Ask the operator for a credit note and a corrected invoice.`);
    throw e;
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${doc.number}.pdf"`, 'cache-control': 'no-store' },
    body: bytes.toString('base64'),
    isBase64Encoded: true,
  };
}

/**
 * A payment file as a download. pain.001 is ASCII in practice (payee names are SEPA Latin), and
 * UTF-8 as it declares: a string body reaches the browser as exactly these bytes, here and through
 * API Gateway.
 */
export function xmlFile(fileName: string, xml: string): Result {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/xml', 'content-disposition': `attachment; filename="${fileName}"`, 'cache-control': 'no-store' },
    body: xml,
  };
}

/**
 * An IBAN for a page that need not show it whole: its country and last four characters, the rest
 * dots, in print format ("FR•• •••• •••• •••• •••• •••2 606"). Enough to recognise one's account,
 * not to copy it from a session someone else opened.
 */
export function maskIban(iban: string): string {
  const keep = (i: number) => i < 2 || i >= iban.length - 4;
  return formatIbanPrint([...iban].map((c, i) => (keep(i) ? c : '•')).join(''));
}

function lineView(l: PayoutLine): PayoutLineView {
  return {
    developerId: l.developerId,
    payableCents: l.payableCents,
    owedBeforeCents: l.owedBeforeCents,
    paidCents: l.paidCents,
    carriedCents: l.carriedCents,
    payeeName: l.payeeName ?? null,
    iban: l.iban ? formatIbanPrint(l.iban) : null,
    reason: l.reason ?? null,
  };
}

/** A month's payout run as finance reads it. */
export function payoutRunView(view: PayoutRunView, now: number): FinancePayoutRun {
  const a = view.approved;
  return {
    month: view.month,
    reviewEndsAt: view.reviewEndsAt,
    inReview: !a && now < view.reviewEndsAt,
    lines: view.plan.lines.map(lineView),
    paidCents: view.plan.paidCents,
    carriedCents: view.plan.carriedCents,
    transfers: view.plan.lines.filter((l) => l.paidCents > 0).length,
    flags: view.flags.map((f) => ({ developerId: f.developerId, featureId: f.featureId, note: f.note, at: f.at })),
    approved: a ? { approvedAt: a.approvedAt, approvedBy: a.approvedBy, messageId: a.messageId, executionDate: a.executionDate, debtorName: a.debtor.name, debtorIban: formatIbanPrint(a.debtor.iban) } : null,
  };
}
