/** The client's home: this month's usage and spending, the spend cap, alerts, invoices, API keys, webhooks and its public name. */
import type { ClientOverview } from '../../../api-types.ts';
import { Chart, PALETTE, type ChartSeries } from '../components/chart.tsx';
import { Banner, LoadView } from '../components/status.tsx';
import { CountCell, MoneyCell, numeric, Table } from '../components/table.tsx';
import { lastDayOfMonth, spanDays, todayUtc } from '../days.ts';
import { api } from '../endpoints.ts';
import { formatCount, formatDate, monthName } from '../format.ts';
import { formatEuros } from '../money.ts';
import { CLIENT_ALERTS_HREF, featureHref } from '../router.ts';
import { useLoad } from '../use-load.ts';
import { ApiKeys } from './client-keys.tsx';
import { Invoices } from './client-invoices.tsx';
import { ClientProfileSection } from './client-profile.tsx';
import { SpendCap } from './client-spend-cap.tsx';

/** More lines than this make a chart unreadable: the smallest features become "Other". */
const MAX_LINES = 6;

function DailyChart({ o }: { o: ClientOverview }) {
  const today = todayUtc();
  const end = lastDayOfMonth(o.month);
  const x = spanDays(
    o.days.map((d) => d.day),
    `${o.month}-01`,
    today < end ? today : end,
  );
  const ranked = [...o.features].sort((a, b) => b.calls - a.calls).map((f) => f.featureId);
  const named = ranked.slice(0, ranked.length > MAX_LINES ? MAX_LINES - 1 : MAX_LINES);
  const lineOf = (featureId: string) => (named.includes(featureId) ? featureId : 'Other');
  const lines = [...named, ...(ranked.length > named.length ? ['Other'] : [])];
  const index = new Map(x.map((d, i) => [d, i]));
  const values = new Map(lines.map((l) => [l, x.map(() => 0)]));
  const total = x.map(() => 0);
  for (const d of o.days) {
    const i = index.get(d.day);
    const v = values.get(lineOf(d.featureId));
    if (i === undefined || !v) continue;
    v[i] = (v[i] ?? 0) + d.calls;
    total[i] = (total[i] ?? 0) + d.calls;
  }
  const series: ChartSeries[] = lines.map((l, i) => ({ label: l, values: values.get(l) ?? [], color: PALETTE[i % PALETTE.length] as string, unit: 'count' }));
  if (lines.length > 1) series.push({ label: 'All features', values: total, color: '#334155', unit: 'count', bars: true });
  const sum = total.reduce((a, b) => a + b, 0);
  return (
    <Chart
      title={`Calls per day (UTC), ${monthName(o.month)}`}
      x={x}
      series={series}
      summary={`${formatCount(sum)} calls over ${x.length} days across ${o.features.length} features.`}
    />
  );
}

function Usage({ o }: { o: ClientOverview }) {
  if (o.features.length === 0) return <p class="muted">No calls yet this month.</p>;
  const calls = o.features.reduce((a, f) => a + f.calls, 0);
  const billable = o.features.reduce((a, f) => a + f.billableCalls, 0);
  return (
    <>
      <Table caption={`Usage per feature, ${monthName(o.month)}`} columns={['Feature', ...numeric('Calls', 'Billable calls', 'Amount')]}>
        <tbody>
          {o.features.map((f) => (
            <tr key={`${f.featureId}${f.test ? '#test' : ''}`} data-testid="client-usage-row" data-feature={f.featureId} data-test={f.test ? 'true' : undefined}>
              <th scope="row">
                <a href={featureHref(f.featureId)}>{f.featureId}</a>
                {/* Calls made with test keys: shown apart, never billed. */}
                {f.test ? <span class="muted"> (test keys, not billed)</span> : null}
                {f.freeCalls ? <span class="muted" data-testid="usage-free-calls"> ({f.freeCalls.toLocaleString('en')} free this month)</span> : null}
              </th>
              <CountCell n={f.calls} />
              <CountCell n={f.billableCalls} />
              <MoneyCell micros={f.amountMicros} />
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <CountCell n={calls} />
            <CountCell n={billable} />
            <MoneyCell micros={o.spentMicros} />
          </tr>
        </tfoot>
      </Table>
      <DailyChart o={o} />
    </>
  );
}

/** Announced price changes of the features this client called lately: a rise is never a surprise. */
function PriceNotices({ o }: { o: ClientOverview }) {
  if (o.priceNotices.length === 0) return null;
  const price = (perCall: number, perGb: number) => `${formatEuros(perCall)} per call${perGb > 0 ? ` + ${formatEuros(perGb)} per GB-second` : ''}`;
  return (
    <Banner kind={o.priceNotices.some((n) => n.rise) ? 'warning' : 'info'} testId="price-notices">
      <p>Price changes of features you called in the last 30 days:</p>
      <ul>
        {o.priceNotices.map((n) => (
          <li key={n.featureId} data-testid="price-notice" data-feature={n.featureId}>
            <a href={featureHref(n.featureId)}>{n.name}</a>: {price(n.perCallMicros, n.perGbSecondMicros)} → <strong>{price(n.nextPerCallMicros, n.nextPerGbSecondMicros)}</strong> from{' '}
            {formatDate(Date.parse(n.effectiveFrom))} ({n.rise ? 'a rise' : 'a drop'})
          </li>
        ))}
      </ul>
    </Banner>
  );
}

export function ClientPage() {
  const overview = useLoad(() => api.clientOverview(), []);
  return (
    <section>
      <h1 tabIndex={-1}>Usage and billing</h1>
      <p>
        <a href={CLIENT_ALERTS_HREF} data-testid="client-alerts-link">
          Alerts and webhooks
        </a>
        : 85 % and 100 % of your spend cap and quota, issued invoices, and the endpoints that receive them.
      </p>
      <LoadView loader={overview} loading="Loading this month's usage…">
        {(o) => (
          <>
            <PriceNotices o={o} />
            <h2>Spending, {monthName(o.month)}</h2>
            <SpendCap o={o} onChange={overview.replace} />
            {o.quota ? (
              <p data-testid="quota-line">
                Monthly quota: {o.quota.usedCalls.toLocaleString('en')} of {o.quota.limit.toLocaleString('en')} calls counted by the gateways
                {o.quota.usedCalls >= o.quota.limit ? ' — used up: calls get HTTP 429 quota_exceeded until the month ends.' : '.'}
              </p>
            ) : null}
            <h2>Usage</h2>
            <Usage o={o} />
          </>
        )}
      </LoadView>
      <Invoices />
      <ApiKeys />
      <ClientProfileSection />
    </section>
  );
}
