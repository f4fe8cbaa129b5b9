/** The developer's home: their features' use and quality, and what they earned each month. */
import { useEffect, useState } from 'preact/hooks';
import type { DeveloperEarnings, DeveloperOverview, EarningsMonth } from '../../../api-types.ts';
import { Chart, PALETTE } from '../components/chart.tsx';
import { Quality } from '../components/quality.tsx';
import { LoadView } from '../components/status.tsx';
import { MoneyCell, numeric, Table, TableHead } from '../components/table.tsx';
import { addDays, spanDays, todayUtc } from '../days.ts';
import { api, community, csv } from '../endpoints.ts';
import { formatCount, monthName } from '../format.ts';
import { formatEuros } from '../money.ts';
import { useLoad } from '../use-load.ts';
import { CardTitle } from './catalogue.tsx';
import { ThreadList } from './discussions.tsx';

const ALL = '';

function ActivityChart({ o }: { o: DeveloperOverview }) {
  const [feature, setFeature] = useState(o.features.length === 1 ? (o.features[0]?.slug ?? ALL) : ALL);
  const today = todayUtc();
  const days = o.days.filter((d) => feature === ALL || d.featureId === feature);
  const x = spanDays(
    days.map((d) => d.day),
    addDays(today, -29),
    today,
  );
  const index = new Map(x.map((d, i) => [d, i]));
  const calls = x.map(() => 0);
  // The feature's own failures (threw, crashed, 5xx), its timeouts, and the clients' bad input apart.
  const failures = x.map(() => 0);
  const timeouts = x.map(() => 0);
  const clientErrors = x.map(() => 0);
  // p95s of different features do not add up: across all features, show the slowest one's.
  const p95 = x.map((): number | null => null);
  for (const d of days) {
    const i = index.get(d.day);
    if (i === undefined) continue;
    calls[i] = (calls[i] ?? 0) + d.calls;
    failures[i] = (failures[i] ?? 0) + (d.calls - d.okCalls - d.clientErrors - d.timeouts);
    timeouts[i] = (timeouts[i] ?? 0) + d.timeouts;
    clientErrors[i] = (clientErrors[i] ?? 0) + d.clientErrors;
    if (d.p95Ms !== null) p95[i] = Math.max(p95[i] ?? 0, d.p95Ms);
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const name = feature === ALL ? 'all your features' : feature;
  return (
    <>
      <div class="form inline-form">
        <label for="developer-chart-feature">Feature shown in the chart</label>
        <select id="developer-chart-feature" value={feature} onChange={(e) => setFeature(e.currentTarget.value)}>
          <option value={ALL}>All features</option>
          {o.features.map((f) => (
            <option key={f.slug} value={f.slug}>
              {f.name}
            </option>
          ))}
        </select>
      </div>
      <Chart
        title={`Calls, failures, client errors and p95 latency per day (UTC), ${name}`}
        x={x}
        series={[
          { label: 'Calls', values: calls, color: PALETTE[0] as string, unit: 'count', bars: true },
          { label: 'Failures (errors, 5xx)', values: failures, color: PALETTE[1] as string, unit: 'count' },
          { label: 'Timeouts', values: timeouts, color: PALETTE[4] as string, unit: 'count' },
          { label: 'Client errors (4xx)', values: clientErrors, color: PALETTE[6] as string, unit: 'count' },
          { label: feature === ALL ? 'p95 latency (slowest feature)' : 'p95 latency', values: p95, color: PALETTE[3] as string, unit: 'ms' },
        ]}
        summary={`${formatCount(sum(calls))} calls, ${formatCount(sum(failures))} failures, ${formatCount(sum(timeouts))} timeouts and ${formatCount(sum(clientErrors))} client errors (4xx, not the feature's) over ${x.length} days.`}
      />
    </>
  );
}

function Features({ o }: { o: DeveloperOverview }) {
  if (o.features.length === 0) return <p class="muted">No feature lists you as an author yet.</p>;
  return (
    <>
      <ul class="cards">
        {o.features.map((f) => (
          <li key={f.slug} class="card" data-testid="developer-feature" data-slug={f.slug}>
            <CardTitle f={f} level="h3" />
            <p>
              Your weight: <strong data-testid="developer-weight">{`${f.weight} / ${f.totalWeight}`}</strong>{' '}
              <span class="muted">({f.totalWeight > 0 ? Math.floor((f.weight * 1000) / f.totalWeight) / 10 : 0} % of the authors' share)</span>
            </p>
            <Quality q={f.quality} />
          </li>
        ))}
      </ul>
      <ActivityChart o={o} />
    </>
  );
}

function MonthRow({ m }: { m: EarningsMonth }) {
  const [open, setOpen] = useState(false);
  const linesId = `earnings-lines-${m.month}`;
  return (
    <>
      <tr data-testid="earnings-row" data-month={m.month}>
        <th scope="row">{monthName(m.month)}</th>
        <MoneyCell micros={m.earnedMicros} />
        <MoneyCell micros={m.carriedInMicros} />
        <td class="num">
          <strong>{formatEuros(m.payableMicros)}</strong>
        </td>
        <MoneyCell micros={m.carriedOutMicros} />
        <td class="actions">
          <button type="button" class="secondary" aria-expanded={open} aria-controls={linesId} onClick={() => setOpen(!open)} data-testid={`earnings-lines-${m.month}`}>
            {open ? 'Hide lines' : 'Lines'}
          </button>
          <a href={csv.earnings(m.month)} download data-testid={`csv-earnings-${m.month}`}>
            CSV
          </a>
        </td>
      </tr>
      <tr id={linesId} hidden={!open} class="sub">
        <td colSpan={6}>
          {m.lines.length === 0 ? (
            <p class="muted">No feature revenue this month.</p>
          ) : (
            <table>
              <caption class="sr-only">Statement lines, {monthName(m.month)}</caption>
              <TableHead columns={['Feature', ...numeric('Feature revenue', 'Your weight')]} />
              <tbody>
                {m.lines.map((l) => (
                  <tr key={l.featureId}>
                    <th scope="row">{l.featureId}</th>
                    <MoneyCell micros={l.revenueMicros} />
                    <td class="num">{`${l.weight} / ${l.totalWeight}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </td>
      </tr>
    </>
  );
}

function Earnings({ e }: { e: DeveloperEarnings }) {
  if (e.months.length === 0) return <p class="muted">No closed month yet: earnings appear when finance closes a month.</p>;
  return (
    <>
      <p class="muted">
        {e.developerSharePercent !== null ? `Developers share ${e.developerSharePercent} % of each feature's revenue, by author weight. ` : null}
        Amounts under the minimum payout carry over to the next month.
      </p>
      <Table columns={['Month', ...numeric('Earned', 'Carried in', 'Payable', 'Carried out'), { label: 'Details', srOnly: true }]}>
        <tbody>
          {e.months.map((m) => (
            <MonthRow key={m.month} m={m} />
          ))}
        </tbody>
      </Table>
    </>
  );
}

/**
 * Threads others started on this developer's features since the last visit: counted and listed
 * here, then marked seen (the next visit counts from this one).
 */
function NewThreads() {
  const loader = useLoad(() => community.myFeatureThreads(), []);
  const shown = loader.load.state === 'ok';
  useEffect(() => {
    if (shown) void community.markThreadsSeen().catch(() => {});
  }, [shown]);
  return (
    <LoadView loader={loader} loading="Loading the discussions on your features…">
      {(d) => {
        const n = d.newThreads.length;
        return (
          <div class="new-threads" data-testid="new-threads" data-count={n}>
            <p>
              <strong data-testid="new-threads-count">{n === 0 ? 'No new thread' : `${formatCount(n)} new thread${n === 1 ? '' : 's'}`}</strong> on your features
              {d.since === null ? '' : ' since your last visit'}
              {d.threads > n ? <span class="muted">{` (${formatCount(d.threads)} in all)`}</span> : null}.
            </p>
            {n > 0 ? <ThreadList threads={d.newThreads} showFeature /> : null}
          </div>
        );
      }}
    </LoadView>
  );
}

export function DeveloperPage() {
  const overview = useLoad(() => api.developerOverview(), []);
  const earnings = useLoad(() => api.earnings(), []);
  return (
    <section>
      <h1 tabIndex={-1}>My features</h1>
      <NewThreads />
      <LoadView loader={overview} loading="Loading your features…">
        {(o) => <Features o={o} />}
      </LoadView>
      <h2>Earnings</h2>
      <LoadView loader={earnings} loading="Loading earnings…">
        {(e) => <Earnings e={e} />}
      </LoadView>
    </section>
  );
}
