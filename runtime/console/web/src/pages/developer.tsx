/**
 * The developer's home: their features' use and quality, what they earned each month and what
 * each month's payout run paid (or why it carried it), and where their payouts go.
 */
import { useEffect, useState } from 'preact/hooks';
import type { DeveloperEarnings, DeveloperOverview, DeveloperPayee, EarningsMonth, EarningsPayout, PayeeInfo, PayoutFlagInfo } from '../../../api-types.ts';
import { Chart, PALETTE } from '../components/chart.tsx';
import { Field, TextAreaField } from '../components/field.tsx';
import { Quality } from '../components/quality.tsx';
import { LiveStatus, LoadView } from '../components/status.tsx';
import { MoneyCell, numeric, Table, TableHead } from '../components/table.tsx';
import { addDays, spanDays, todayUtc } from '../days.ts';
import { api, community, csv } from '../endpoints.ts';
import { formatCount, formatDateTime, monthName } from '../format.ts';
import { formatEuros } from '../money.ts';
import { useLoad } from '../use-load.ts';
import { useSaving } from '../use-saving.ts';
import { CardTitle } from './catalogue.tsx';
import { ThreadList } from './discussions.tsx';
import { ApiKeys } from './client-keys.tsx';
import { RecentErrors } from './developer-errors.tsx';

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
            {f.draft ? (
              <p data-testid="draft-badge">
                <span class="status">Draft</span> <span class="muted">only your test keys call it, and no catalogue lists it, until you publish it</span>
              </p>
            ) : null}
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

/** Payouts are whole cents: €14.00. */
const cents = (c: number) => formatEuros(c * 10_000);

/** What the month's payout run did, or will do, with the balance; and why what was not paid was carried. */
function PayoutCell({ p }: { p: EarningsPayout }) {
  const paid = p.status === 'approved' && p.paidCents !== null && p.paidCents > 0;
  const head =
    p.status === 'approved'
      ? paid
        ? `Paid ${cents(p.paidCents ?? 0)} on ${p.paidOn ?? '?'}`
        : 'Nothing paid'
      : p.status === 'in_review'
        ? `In review until ${formatDateTime(p.reviewEndsAt)}`
        : 'Awaiting finance’s approval';
  const detail = paid ? [p.ibanLast4 ? `to the IBAN ending ${p.ibanLast4}` : '', p.owedBeforeCents ? `${cents(p.owedBeforeCents)} of it owed by earlier runs` : ''].filter(Boolean).join('; ') : '';
  const why =
    p.carried === 'under_minimum'
      ? 'Under the minimum payout: carried to the next month.'
      : p.carried === 'no_payee' || p.carried === 'invalid_iban'
        ? `${cents(p.carriedCents ?? 0)} owed by the next payout run: ${p.carried === 'no_payee' ? 'no IBAN was set' : 'the IBAN was not valid'} at approval.`
        : '';
  // A sentence, not a figure: it wraps (class wrap) instead of widening the table past a laptop's screen.
  return (
    <td class="wrap" data-testid="payout-cell" data-status={p.status} data-carried={p.carried ?? ''}>
      <span data-testid="payout-status">{head}</span>
      {detail ? (
        <>
          <br />
          <span class="muted">{detail}</span>
        </>
      ) : null}
      {why ? (
        <>
          <br />
          <span class="muted" data-testid="payout-carried">
            {why}
          </span>
        </>
      ) : null}
    </td>
  );
}

/** During the review window: a line the developer wants finance to look at before it approves the run. */
function FlagForm({ m, flags, onFlagged }: { m: EarningsMonth; flags: PayoutFlagInfo[]; onFlagged: (flags: PayoutFlagInfo[]) => void }) {
  const [featureId, setFeatureId] = useState(m.lines[0]?.featureId ?? '');
  const [note, setNote] = useState('');
  const { busy, message, run } = useSaving();
  const id = `flag-${m.month}`;
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      () => api.flagLine(m.month, { featureId, note }),
      (r) => {
        onFlagged(r.flags);
        setNote('');
        return `Flagged ${featureId}: finance reads your note before it approves the run.`;
      },
    );
  };
  return (
    <form class="form" onSubmit={submit} data-testid={`flag-form-${m.month}`}>
      <p class="muted">
        Something wrong in these lines? Flag it before {formatDateTime(m.payout.reviewEndsAt)}: finance sees your note when it approves the payout run.
      </p>
      <label for={`${id}-feature`}>Line to flag</label>
      <select id={`${id}-feature`} value={featureId} onChange={(e) => setFeatureId(e.currentTarget.value)}>
        {m.lines.map((l) => (
          <option key={l.featureId} value={l.featureId}>
            {l.featureId}
          </option>
        ))}
      </select>
      <TextAreaField id={`${id}-note`} label="Note for finance" value={note} onValue={setNote} rows={2} maxLength={1000} required />
      <button type="submit" class="secondary" disabled={busy || !featureId}>
        {busy ? 'Flagging…' : 'Flag this line'}
      </button>
      <LiveStatus message={message.text} error={message.error} />
      {flags.length ? (
        <ul data-testid={`flags-${m.month}`}>
          {flags.map((f) => (
            <li key={f.featureId}>
              <strong>{f.featureId}</strong>: {f.note} <span class="muted">({formatDateTime(f.at)})</span>
            </li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}

function MonthRow({ m }: { m: EarningsMonth }) {
  const [open, setOpen] = useState(false);
  const [flags, setFlags] = useState(m.payout.flags);
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
        <PayoutCell p={m.payout} />
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
        <td colSpan={7}>
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
          {m.payout.status === 'in_review' && m.lines.length > 0 ? <FlagForm m={m} flags={flags} onFlagged={setFlags} /> : null}
        </td>
      </tr>
    </>
  );
}

function Earnings({ e }: { e: DeveloperEarnings }) {
  const minimum = (
    <p class="muted" data-testid="minimum-payout">
      {e.developerSharePercent !== null ? `Developers share ${e.developerSharePercent} % of each feature's revenue, by author weight. ` : null}
      The minimum payout is <strong>{formatEuros(e.minimumPayoutMicros)}</strong>: a smaller balance is carried to the next month, and paid once it passes the
      minimum. Each closed month is in review for a few days, then finance approves its payout run and the transfer leaves.
    </p>
  );
  if (e.months.length === 0) {
    return (
      <>
        {minimum}
        <p class="muted">No closed month yet: earnings appear when finance closes a month.</p>
      </>
    );
  }
  return (
    <>
      {minimum}
      <Table columns={['Month', ...numeric('Earned', 'Carried in', 'Payable', 'Carried out'), 'Payout', { label: 'Details', srOnly: true }]}>
        <tbody>
          {e.months.map((m) => (
            <MonthRow key={m.month} m={m} />
          ))}
        </tbody>
      </Table>
    </>
  );
}

function PayeeForm({ payee, onChange }: { payee: PayeeInfo | null; onChange: (p: DeveloperPayee) => void }) {
  const [name, setName] = useState(payee?.name ?? '');
  const [iban, setIban] = useState('');
  const { busy, message, run } = useSaving();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      () => api.setPayee({ name, iban }),
      (saved) => {
        onChange(saved);
        setIban('');
        if (saved.payee) setName(saved.payee.name);
        return 'Saved: the next payout runs pay this account. Runs already approved keep theirs.';
      },
    );
  };
  return (
    <form class="form" onSubmit={submit} data-testid="payee-form">
      <Field id="payee-name" label="Account holder" value={name} onValue={setName} autocomplete="name" maxLength={70} required testId="payee-name" />
      <label for="payee-iban">IBAN</label>
      <p class="hint" id="payee-iban-hint">
        {payee ? `Type the whole IBAN again to replace the one ending ${payee.ibanLast4}. ` : null}Spaces are fine, e.g. FR76 3000 6000 0112 3456 7890 189.
      </p>
      <input
        id="payee-iban"
        value={iban}
        onInput={(e) => setIban(e.currentTarget.value)}
        autocomplete="off"
        spellcheck={false}
        maxLength={50}
        required
        aria-describedby="payee-iban-hint"
        data-testid="payee-iban"
      />
      <button type="submit" disabled={busy} data-testid="payee-save">
        {busy ? 'Saving…' : 'Save bank account'}
      </button>
      <div data-testid="payee-message" data-error={String(message.error)}>
        <LiveStatus message={message.text} error={message.error} />
      </div>
    </form>
  );
}

/** Where the payouts go: shown masked, replaced whole. */
function PayeeSection() {
  const loader = useLoad(() => api.payee(), []);
  return (
    <>
      <h2 id="payee">Bank account for payouts</h2>
      <LoadView loader={loader} loading="Loading your bank account…">
        {({ payee }) => (
          <>
            {payee ? (
              <p data-testid="payee-shown">
                Payouts go by SEPA transfer to <strong>{payee.name}</strong>, IBAN <code>{payee.iban}</code>.
              </p>
            ) : (
              <p data-testid="payee-shown">
                No bank account yet: what you are owed is carried from one payout run to the next, never lost, and paid by the first run approved after you add
                one.
              </p>
            )}
            <PayeeForm payee={payee} onChange={loader.replace} />
          </>
        )}
      </LoadView>
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
      <RecentErrors />
      <h2>Earnings</h2>
      <LoadView loader={earnings} loading="Loading earnings…">
        {(e) => <Earnings e={e} />}
      </LoadView>
      <ApiKeys owner="developer" />
      <PayeeSection />
    </section>
  );
}
