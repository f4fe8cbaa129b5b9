/** Past invoices (closed months): lines on demand, and the CSV as a plain download link. */
import { useState } from 'preact/hooks';
import type { ClientInvoice, ClientInvoiceList } from '../../../api-types.ts';
import { LoadView } from '../components/status.tsx';
import { CountCell, MoneyCell, numeric, Table } from '../components/table.tsx';
import { api, csv } from '../endpoints.ts';
import { formatDateTime, monthName } from '../format.ts';
import { useLoad } from '../use-load.ts';

function Lines({ inv }: { inv: ClientInvoice }) {
  return (
    <>
      <Table caption={`Invoice lines, ${monthName(inv.month)}`} columns={['Feature', ...numeric('Per call', 'Calls', 'Billable', 'Billed ms', 'Amount')]}>
        <tbody>
          {inv.lines.map((l) => (
            <tr key={l.featureId}>
              <th scope="row">{l.featureId}</th>
              <MoneyCell micros={l.perCallMicros} />
              <CountCell n={l.calls} />
              <CountCell n={l.billableCalls} />
              <CountCell n={l.billedMs} />
              <MoneyCell micros={l.amountMicros} />
            </tr>
          ))}
          {inv.adjustments.map((a) => (
            <tr key={`${a.featureId}-${a.originalMonth}`}>
              <th scope="row">
                {a.featureId} <span class="muted">(late usage of {a.originalMonth})</span>
              </th>
              <td class="num">—</td>
              <CountCell n={a.calls} />
              <CountCell n={a.billableCalls} />
              <td class="num">—</td>
              <MoneyCell micros={a.amountMicros} />
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={5}>
              Total
            </th>
            <MoneyCell micros={inv.totalMicros} />
          </tr>
        </tfoot>
      </Table>
      <p class="muted hash">Statement SHA-256: {inv.sha256}</p>
    </>
  );
}

function InvoiceLines({ month }: { month: string }) {
  const loader = useLoad(() => api.invoice(month), [month]);
  return (
    <LoadView loader={loader} loading="Loading the invoice…">
      {(inv) => <Lines inv={inv} />}
    </LoadView>
  );
}

function InvoiceTable({ list }: { list: ClientInvoiceList }) {
  const [open, setOpen] = useState<string | null>(null);
  if (list.invoices.length === 0) return <p class="muted">No invoice yet: one appears here when a month you used features in is closed.</p>;
  return (
    <>
      <Table columns={['Month', { label: 'Total', numeric: true }, 'Closed', { label: 'Actions', srOnly: true }]}>
        <tbody>
          {list.invoices.map((i) => (
            <tr key={i.month} data-testid="client-invoice-row" data-month={i.month}>
              <th scope="row">{monthName(i.month)}</th>
              <MoneyCell micros={i.totalMicros} />
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
      </Table>
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
