/**
 * Past invoices (closed months): each final invoice's number, net, VAT and total in euros and
 * cents, its PDF and the statement CSV as plain download links, and its lines on demand.
 */
import { useState } from 'preact/hooks';
import type { ClientInvoice, ClientInvoiceList } from '../../../api-types.ts';
import { LoadView } from '../components/status.tsx';
import { CountCell, MoneyCell, numeric, Table } from '../components/table.tsx';
import { api, csv, pdf } from '../endpoints.ts';
import { monthName } from '../format.ts';
import { formatEuros } from '../money.ts';
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

/** Invoices are in whole cents: €1,234.50. */
const euros = (cents: number) => formatEuros(cents * 10_000);

function CentsCell({ cents }: { cents: number | null }) {
  return <td class="num">{cents === null ? '—' : euros(cents)}</td>;
}

type Row = ClientInvoiceList['invoices'][number];

function InvoiceNumber({ i }: { i: Row }) {
  if (i.number === null) return <span class="muted">not issued</span>;
  return (
    <>
      <span data-testid="invoice-number">{i.number}</span>
      {i.issuedOn ? <span class="muted"> ({i.issuedOn})</span> : null}
      {i.creditNote ? (
        <>
          <br />
          <span class="muted" data-testid="invoice-credited">
            cancelled by credit note{' '}
            <a href={pdf.creditNote(i.creditNote.number)} download>
              {i.creditNote.number}
            </a>{' '}
            ({euros(i.creditNote.totalCents)})
          </span>
        </>
      ) : null}
    </>
  );
}

function InvoiceTable({ list }: { list: ClientInvoiceList }) {
  const [open, setOpen] = useState<string | null>(null);
  if (list.invoices.length === 0) return <p class="muted">No invoice yet: one appears here when a month you used features in is closed.</p>;
  return (
    <>
      <Table columns={['Month', 'Invoice', ...numeric('Net', 'VAT', 'Total'), { label: 'Actions', srOnly: true }]}>
        <tbody>
          {list.invoices.map((i) => (
            <tr key={i.month} data-testid="client-invoice-row" data-month={i.month} data-number={i.number ?? ''}>
              <th scope="row">{monthName(i.month)}</th>
              <td>
                <InvoiceNumber i={i} />
              </td>
              {/* A month closed before invoices were issued shows its statement total, before VAT. */}
              {i.number === null ? <MoneyCell micros={i.totalMicros} /> : <CentsCell cents={i.netCents} />}
              <CentsCell cents={i.vatCents} />
              <td class="num" data-testid="invoice-total">
                {i.totalCents === null ? '—' : euros(i.totalCents)}
              </td>
              <td class="actions">
                {i.number !== null ? (
                  <a href={pdf.invoice(i.month)} download={`${i.number}.pdf`} data-testid={`pdf-invoice-${i.month}`}>
                    Download PDF
                  </a>
                ) : null}
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
      <p class="muted">Net is the sum of the lines, each rounded to the cent; VAT is computed once on the net. The PDF is the invoice to keep.</p>
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
