/**
 * One month for finance: preview the draft statement, then close it. The confirmation names the
 * totals being closed and the request carries the previewed revenue, so if usage changed since
 * the preview the server answers 409 instead of closing figures nobody saw. A closed month has its
 * invoices and its payout run: reviewed by the developers, approved here (the confirmation names
 * the total, and the request carries it, as for the close), then downloaded as a SEPA file.
 */
import { useState } from 'preact/hooks';
import type { FinanceInvoice, FinancePayoutRun, MonthStatus, StatementView } from '../../../api-types.ts';
import { Dialog } from '../components/dialog.tsx';
import { Stat } from '../components/stat.tsx';
import { Banner, LiveStatus, LoadView } from '../components/status.tsx';
import { numeric, Table } from '../components/table.tsx';
import { todayUtc } from '../days.ts';
import { api, paymentFile, pdf } from '../endpoints.ts';
import { formatDateTime, isMonth, monthName } from '../format.ts';
import { formatEuros } from '../money.ts';
import { asApiError, useLoad } from '../use-load.ts';
import { useSaving } from '../use-saving.ts';
import { STATUS_LABEL } from './finance.tsx';
import { reconciled, StatementDetails } from './statement-view.tsx';

const VAT_KIND: Record<string, string> = {
  domestic: 'VAT charged',
  eu_no_vat_number: 'VAT charged (EU, no VAT number)',
  reverse_charge: 'reverse charge',
  outside_eu: 'outside the EU',
};

/** Invoices are in whole cents: €1,234.50. */
const euros = (cents: number) => formatEuros(cents * 10_000);

function InvoiceRows({ list }: { list: FinanceInvoice[] }) {
  if (list.length === 0) return <p class="muted">No invoice was issued for this month.</p>;
  return (
    <Table testId="month-invoices" columns={['Number', 'Issued', 'Client', ...numeric('Net', 'VAT', 'Total'), { label: 'PDF', srOnly: true }]}>
      <tbody>
        {list.map((i) => (
          <tr key={i.number} data-testid="month-invoice-row" data-number={i.number} data-kind={i.kind}>
            <th scope="row">{i.number}</th>
            <td>
              {i.issuedOn}
              <br />
              <span class="muted">{i.kind === 'credit_note' ? `credit note for ${i.corrects ?? '?'}` : i.creditedBy ? `invoice, cancelled by ${i.creditedBy}` : 'invoice'}</span>
            </td>
            <td>
              {i.buyerName}
              <br />
              <span class="muted">
                {i.clientId}, {i.buyerCountry}, {VAT_KIND[i.vatKind] ?? i.vatKind}
              </span>
            </td>
            <td class="num">{euros(i.netCents)}</td>
            <td class="num">{euros(i.vatCents)}</td>
            <td class="num">{euros(i.totalCents)}</td>
            <td>
              <a href={pdf.document(i.number)} download={`${i.number}.pdf`} data-testid={`pdf-${i.number}`}>
                Download PDF
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** The month's final invoices and their credit notes, issued at the close. */
function MonthInvoices({ month }: { month: string }) {
  const loader = useLoad(() => api.monthInvoices(month), [month]);
  return (
    <section aria-labelledby="month-invoices-title">
      <h3 id="month-invoices-title">Invoices</h3>
      <LoadView loader={loader} loading="Loading the invoices…">
        {(list) => <InvoiceRows list={list.invoices} />}
      </LoadView>
    </section>
  );
}

const CARRIED: Record<string, string> = { no_payee: 'no IBAN: owed by the next run', invalid_iban: 'invalid IBAN: owed by the next run' };

function PayoutLines({ run }: { run: FinancePayoutRun }) {
  if (run.lines.length === 0) return <p class="muted">Nobody is owed a payout this month: every balance is under the minimum.</p>;
  return (
    <Table testId="payout-lines" columns={['Developer', 'Payee', ...numeric('Payable', 'Owed before', 'Paid', 'Carried')]}>
      <tbody>
        {run.lines.map((l) => (
          <tr key={l.developerId} data-testid="payout-row" data-developer={l.developerId}>
            <th scope="row">{l.developerId}</th>
            <td>
              {l.payeeName ?? '—'}
              <br />
              <span class="muted">{l.iban ?? (l.reason ? CARRIED[l.reason] : '')}</span>
            </td>
            <td class="num">{euros(l.payableCents)}</td>
            <td class="num">{euros(l.owedBeforeCents)}</td>
            <td class="num">{euros(l.paidCents)}</td>
            <td class="num">{euros(l.carriedCents)}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function ConfirmApprove({ run, busy, onCancel, onConfirm }: { run: FinancePayoutRun; busy: boolean; onCancel: () => void; onConfirm: () => void }) {
  return (
    <Dialog title={`Approve the payout run of ${monthName(run.month)}?`} onClose={onCancel} testId="approve-dialog">
      <p>
        {`${run.transfers} transfer(s), ${euros(run.paidCents)} in total`}
        {run.carriedCents ? `; ${euros(run.carriedCents)} carried to the next run (no valid IBAN)` : ''}.
      </p>
      {run.flags.length ? <p>{`You approve over ${run.flags.length} flag(s) from developers: read them first.`}</p> : null}
      <p>The run becomes final: who is paid what, to which IBAN, and its payment file never change. Payee changes count from the next run.</p>
      <div class="row">
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" disabled={busy} onClick={onConfirm} data-testid="confirm-approve">
          {busy ? 'Approving…' : `Approve ${euros(run.paidCents)}`}
        </button>
      </div>
    </Dialog>
  );
}

/** The month's payout run: its lines and flags, the approval, then the SEPA file. */
function MonthPayouts({ month }: { month: string }) {
  const loader = useLoad(() => api.payoutRun(month), [month]);
  const [confirming, setConfirming] = useState(false);
  const { busy, message, run: save } = useSaving();
  return (
    <section aria-labelledby="month-payouts-title" data-testid="month-payouts">
      <h3 id="month-payouts-title">Payouts</h3>
      <LoadView loader={loader} loading="Loading the payout run…">
        {(run) => {
          const approve = async () => {
            await save(
              () => api.approvePayouts(month, { confirmPaidCents: run.paidCents }),
              (r) => {
                loader.replace(r);
                return r.outcome === 'approved' ? `Approved: ${euros(r.paidCents)} in ${r.transfers} transfer(s).` : 'This run was already approved: shown as approved.';
              },
            );
            setConfirming(false);
          };
          const a = run.approved;
          return (
            <>
              {a ? (
                <Banner kind="ok" testId="payouts-approved">
                  <p>
                    Approved {formatDateTime(a.approvedAt)} by {a.approvedBy}: {euros(run.paidCents)} in {run.transfers} transfer(s) from {a.debtorName} ({a.debtorIban}), executed{' '}
                    {a.executionDate}.
                  </p>
                  {run.transfers > 0 ? (
                    <p>
                      <a href={paymentFile(month)} download={`${a.messageId}.xml`} data-testid="payouts-file">
                        Download the SEPA file ({a.messageId}.xml)
                      </a>
                    </p>
                  ) : null}
                </Banner>
              ) : (
                <p data-testid="payouts-status">
                  {run.inReview
                    ? `Developers review their earnings until ${formatDateTime(run.reviewEndsAt)}: approve the run after that. As planned now, with the payees as they stand:`
                    : `Review over since ${formatDateTime(run.reviewEndsAt)}. As it would be approved now, with the payees as they stand:`}
                </p>
              )}
              <PayoutLines run={run} />
              <p>
                Paid <strong data-testid="payouts-total">{euros(run.paidCents)}</strong> in {run.transfers} transfer(s); carried {euros(run.carriedCents)}.
              </p>
              {run.flags.length ? (
                <>
                  <h4>Flagged by developers</h4>
                  <ul data-testid="payout-flags">
                    {run.flags.map((f) => (
                      <li key={`${f.developerId}/${f.featureId}`}>
                        <strong>{f.developerId}</strong>, {f.featureId}: {f.note} <span class="muted">({formatDateTime(f.at)})</span>
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                <p class="muted">No line flagged by its developer.</p>
              )}
              {a ? null : (
                <div class="row">
                  <button type="button" class="danger" onClick={() => setConfirming(true)} disabled={busy || run.inReview} data-testid="approve-payouts">
                    Approve payouts…
                  </button>
                </div>
              )}
              <LiveStatus message={message.text} error={message.error} />
              {confirming && !a ? <ConfirmApprove run={run} busy={busy} onCancel={() => setConfirming(false)} onConfirm={() => void approve()} /> : null}
            </>
          );
        }}
      </LoadView>
    </section>
  );
}

function FinalStatement({ month }: { month: string }) {
  const loader = useLoad(() => api.statement(month), [month]);
  return (
    <LoadView loader={loader} loading="Loading the final statement…">
      {(view) => (
        <>
          <StatementDetails view={view} />
          <MonthInvoices month={month} />
          <MonthPayouts month={month} />
        </>
      )}
    </LoadView>
  );
}

function ConfirmClose({ view, busy, onCancel, onConfirm }: { view: StatementView; busy: boolean; onCancel: () => void; onConfirm: () => void }) {
  const s = view.statement;
  const t = s.totals;
  return (
    <Dialog title={`Close ${monthName(s.month)}?`} onClose={onCancel} testId="close-dialog">
      <p>You are closing {monthName(s.month)} with exactly these totals:</p>
      <dl class="facts totals">
        <Stat label="Revenue" testId="confirm-revenue">{formatEuros(t.revenueMicros)}</Stat>
        <Stat label="Developer payouts" testId="confirm-payouts">{formatEuros(t.payoutMicros)}</Stat>
        <Stat label="Platform" testId="confirm-platform">{formatEuros(t.platformMicros)}</Stat>
      </dl>
      <p>
        The statement becomes final: it is stored with its SHA-256 and never changes. Usage that arrives later is billed in a following month as an
        adjustment.
      </p>
      <div class="row">
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" disabled={busy} onClick={onConfirm} data-testid="confirm-close">
          {busy ? 'Closing…' : `Close ${monthName(s.month)} at ${formatEuros(t.revenueMicros)}`}
        </button>
      </div>
    </Dialog>
  );
}

function Draft({ month, status, onClosed }: { month: string; status: MonthStatus; onClosed: (view: StatementView) => void }) {
  const [view, setView] = useState<StatementView | null>(null);
  const [previewedAt, setPreviewedAt] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState({ text: '', error: false });

  const preview = async () => {
    setBusy(true);
    setMessage({ text: '', error: false });
    try {
      const v = await api.preview(month);
      setView(v);
      setPreviewedAt(Date.now());
      setMessage({ text: `Draft computed: revenue ${formatEuros(v.statement.totals.revenueMicros)}.`, error: false });
    } catch (e) {
      setMessage({ text: asApiError(e).message, error: true });
    } finally {
      setBusy(false);
    }
  };

  const close = async () => {
    if (!view) return;
    setBusy(true);
    try {
      onClosed(await api.close(month, { confirmRevenueMicros: view.statement.totals.revenueMicros }));
    } catch (e) {
      const err = asApiError(e);
      // 409: usage changed since the preview. The old figures must not be closed: preview again.
      if (err.status === 409) setView(null);
      setMessage({ text: err.status === 409 ? `${err.message} Preview again to see the new figures.` : err.message, error: true });
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  const canClose = view !== null && status === 'ended' && reconciled(view.checks);
  return (
    <>
      <div class="row">
        <button type="button" onClick={preview} disabled={busy} data-testid="preview-month">
          {view ? 'Preview again' : 'Preview'}
        </button>
        <button type="button" class="danger" onClick={() => setConfirming(true)} disabled={busy || !canClose} data-testid="close-month" aria-describedby="close-hint">
          Close month…
        </button>
      </div>
      <p id="close-hint" class="muted">
        {status === 'open'
          ? 'This month has not ended yet (UTC): you can preview a draft, and close it once the month is over.'
          : view === null
            ? 'Preview the statement first: you close exactly the figures you previewed.'
            : !reconciled(view.checks)
              ? 'Closing is blocked while the reconciliation fails.'
              : `Previewed ${formatDateTime(previewedAt)}.`}
      </p>
      <LiveStatus message={message.text} error={message.error} />
      {view ? <StatementDetails view={view} /> : null}
      {confirming && view ? <ConfirmClose view={view} busy={busy} onCancel={() => setConfirming(false)} onConfirm={() => void close()} /> : null}
    </>
  );
}

export function FinanceMonthPage({ month }: { month: string }) {
  const months = useLoad(() => api.financeMonths(), [month]);
  const [closed, setClosed] = useState<StatementView | null>(null);
  if (!isMonth(month)) {
    return (
      <section>
        <h1 tabIndex={-1}>No such month</h1>
        <p>
          “{month}” is not a month (YYYY-MM). <a href="#/finance">All months</a>
        </p>
      </section>
    );
  }
  return (
    <section>
      <p>
        <a href="#/finance">← All months</a>
      </p>
      <h1 tabIndex={-1}>{monthName(month)}</h1>
      <LoadView loader={months} loading="Loading the month…">
        {(list) => {
          const entry = list.months.find((m) => m.month === month);
          // A month without usage is not listed: its status follows from the calendar.
          const status: MonthStatus = closed ? 'closed' : (entry?.status ?? (month < todayUtc().slice(0, 7) ? 'ended' : 'open'));
          return (
            <>
              <p>
                Status:{' '}
                <span class={`status status-${status}`} data-testid="month-status" data-status={status}>
                  {STATUS_LABEL[status]}
                </span>
                {entry?.closedAt ? <> on {formatDateTime(entry.closedAt)}</> : null}
              </p>
              {closed ? (
                <>
                  <Banner kind="ok" testId="month-closed">
                    {monthName(month)} is closed at {formatEuros(closed.statement.totals.revenueMicros)} revenue.
                  </Banner>
                  <StatementDetails view={closed} />
                  <MonthInvoices month={month} />
                  <MonthPayouts month={month} />
                </>
              ) : status === 'closed' ? (
                <FinalStatement month={month} />
              ) : (
                <Draft
                  month={month}
                  status={status}
                  onClosed={(v) => {
                    setClosed(v);
                    months.reload();
                  }}
                />
              )}
            </>
          );
        }}
      </LoadView>
    </section>
  );
}
