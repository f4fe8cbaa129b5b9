/** Finance home: every month with its status, revenue per closed month and the top features. */
import type { FinanceMonths, FinanceRevenue, MonthStatus } from '../../../api-types.ts';
import { Chart, PALETTE } from '../components/chart.tsx';
import { LoadView } from '../components/status.tsx';
import { MoneyCell, Table } from '../components/table.tsx';
import { api } from '../endpoints.ts';
import { formatDateTime, monthName } from '../format.ts';
import { formatEuros, percentOf } from '../money.ts';
import { useLoad } from '../use-load.ts';

export const STATUS_LABEL: Record<MonthStatus, string> = { open: 'Open (in progress)', ended: 'Ended, not closed', closed: 'Closed' };

function Months({ list }: { list: FinanceMonths }) {
  if (list.months.length === 0) return <p class="muted">No usage recorded yet.</p>;
  return (
    <Table columns={['Month', 'Status', { label: 'Revenue', numeric: true }, 'Closed']}>
      <tbody>
        {list.months.map((m) => (
          <tr key={m.month} data-testid="finance-month-row" data-month={m.month} data-status={m.status}>
            <th scope="row">
              <a href={`#/finance/${m.month}`}>{monthName(m.month)}</a>
            </th>
            <td>
              <span class={`status status-${m.status}`}>{STATUS_LABEL[m.status]}</span>
            </td>
            <MoneyCell micros={m.revenueMicros} />
            <td>{m.closedAt ? formatDateTime(m.closedAt) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** Top features as a table with proportional bars: a category chart needs no canvas. */
function TopFeatures({ top }: { top: FinanceRevenue['topFeatures'] }) {
  if (top.length === 0) return null;
  const max = Math.max(...top.map((f) => f.revenueMicros));
  return (
    <Table class="bars" caption="Top features by revenue, closed months" columns={['Feature', { label: 'Revenue', numeric: true }, { decorative: true }]}>
      <tbody>
        {top.map((f) => (
          <tr key={f.featureId}>
            <th scope="row">{f.featureId}</th>
            <MoneyCell micros={f.revenueMicros} />
            <td class="bar-cell" aria-hidden="true">
              <span style={{ width: `${max > 0 ? percentOf(f.revenueMicros, max) : 0}%` }} />
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function Revenue({ r }: { r: FinanceRevenue }) {
  const total = r.months.reduce((a, m) => a + m.revenueMicros, 0);
  return (
    <>
      <Chart
        title="Revenue per closed month"
        x={r.months.map((m) => m.month)}
        series={[
          { label: 'Revenue', values: r.months.map((m) => m.revenueMicros), color: PALETTE[0] as string, unit: 'micros', bars: true },
          { label: 'Developer payouts', values: r.months.map((m) => m.payoutMicros), color: PALETTE[4] as string, unit: 'micros' },
          { label: 'Platform', values: r.months.map((m) => m.platformMicros), color: PALETTE[2] as string, unit: 'micros' },
        ]}
        summary={`${formatEuros(total)} revenue over ${r.months.length} closed months.`}
      />
      <TopFeatures top={r.topFeatures} />
    </>
  );
}

export function FinancePage() {
  const months = useLoad(() => api.financeMonths(), []);
  const revenue = useLoad(() => api.financeRevenue(), []);
  return (
    <section>
      <h1 tabIndex={-1}>Months and statements</h1>
      <p class="lead">Open a month to preview its statement, check the reconciliation and close it.</p>
      <LoadView loader={months} loading="Loading months…">
        {(list) => <Months list={list} />}
      </LoadView>
      <h2>Revenue</h2>
      <LoadView loader={revenue} loading="Loading revenue…">
        {(r) => <Revenue r={r} />}
      </LoadView>
    </section>
  );
}
