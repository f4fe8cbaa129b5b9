/** Past invoices (closed months): lines on demand, and the CSV as a plain download link. */
import { useState } from 'preact/hooks';
import type { ClientInvoice, ClientInvoiceList } from '../../../api-types.ts';
import { ErrorBox, Loading, LoadView } from '../components/status.tsx';
import { api, csv } from '../endpoints.ts';
import { formatCount, formatDateTime, monthName } from '../format.ts';
import { formatEuros } from '../money.ts';
import { useLoad } from '../use-load.ts';

function Lines({ inv }: { inv: ClientInvoice }) {
  return (
    <>
      <div class="table-wrap">
        <table>
          <caption>Invoice lines, {monthName(inv.month)}</caption>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col" class="num">
                Per call
              </th>
              <th scope="col" class="num">
                Calls
              </th>
              <th scope="col" class="num">
                Billable
              </th>
              <th scope="col" class="num">
                Billed ms
              </th>
              <th scope="col" class="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {inv.lines.map((l) => (
              <tr key={l.featureId}>
                <th scope="row">{l.featureId}</th>
                <td class="num">{formatEuros(l.perCallMicros)}</td>
                <td class="num">{formatCount(l.calls)}</td>
                <td class="num">{formatCount(l.billableCalls)}</td>
                <td class="num">{formatCount(l.billedMs)}</td>
                <td class="num">{formatEuros(l.amountMicros)}</td>
              </tr>
            ))}
            {inv.adjustments.map((a) => (
              <tr key={`${a.featureId}-${a.originalMonth}`}>
                <th scope="row">
                  {a.featureId} <span class="muted">(late usage of {a.originalMonth})</span>
                </th>
                <td class="num">—</td>
                <td class="num">{formatCount(a.calls)}</td>
                <td class="num">{formatCount(a.billableCalls)}</td>
                <td class="num">—</td>
                <td class="num">{formatEuros(a.amountMicros)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={5}>
                Total
              </th>
              <td class="num">{formatEuros(inv.totalMicros)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <p class="muted hash">Statement SHA-256: {inv.sha256}</p>
    </>
  );
}

function InvoiceLines({ month }: { month: string }) {
  const loader = useLoad(() => api.invoice(month), [month]);
  const { load } = loader;
  if (load.state === 'loading') return <Loading what="Loading the invoice…" />;
  if (load.state === 'error') return <ErrorBox error={load.error} onRetry={loader.reload} />;
  return <Lines inv={load.data} />;
}

function InvoiceTable({ list }: { list: ClientInvoiceList }) {
  const [open, setOpen] = useState<string | null>(null);
  if (list.invoices.length === 0) return <p class="muted">No invoice yet: one appears here when a month you used features in is closed.</p>;
  return (
    <>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col" class="num">
                Total
              </th>
              <th scope="col">Closed</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.invoices.map((i) => (
              <tr key={i.month} data-testid="client-invoice-row" data-month={i.month}>
                <th scope="row">{monthName(i.month)}</th>
                <td class="num">{formatEuros(i.totalMicros)}</td>
                <td>{formatDateTime(i.closedAt)}</td>
                <td class="actions">
                  <button
                    type="button"
                    class="secondary"
                    aria-expanded={open === i.month}
                    aria-controls="invoice-lines"
                    onClick={() => setOpen(open === i.month ? null : i.month)}
                    data-testid={`view-invoice-${i.month}`}
                  >
                    {open === i.month ? 'Hide lines' : 'View lines'}
                  </button>
                  <a href={csv.invoice(i.month)} download data-testid={`csv-invoice-${i.month}`}>
                    Download CSV
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div id="invoice-lines">{open ? <InvoiceLines month={open} /> : null}</div>
    </>
  );
}

export function Invoices() {
  const loader = useLoad(() => api.invoices(), []);
  return (
    <>
      <h2>Invoices</h2>
      <LoadView loader={loader} loading="Loading invoices…">
        {(list) => <InvoiceTable list={list} />}
      </LoadView>
    </>
  );
}
