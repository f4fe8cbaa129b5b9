/** A statement (draft or final): totals, the reconciliation verdict, per-client and per-developer tables, CSVs. */
import type { Reconciliation, StatementView } from '../../../api-types.ts';
import { csv } from '../endpoints.ts';
import { formatCount, monthName } from '../format.ts';
import { formatEuros } from '../money.ts';

const CHECKS: { key: keyof Reconciliation; text: (share: number) => string }[] = [
  { key: 'clientsEqualRevenue', text: () => 'client totals = revenue' },
  { key: 'payoutsEqualShare', text: (share) => `payouts = floor(${share} % × revenue)` },
  { key: 'platformIsTheRest', text: () => 'platform = revenue − payouts' },
];

/** Green when the three checks hold; red naming each one that does not. */
export function ReconciliationBanner({ checks, share }: { checks: Reconciliation; share: number }) {
  const failing = CHECKS.filter((c) => !checks[c.key]);
  const ok = failing.length === 0;
  return (
    <div class={`banner banner-${ok ? 'ok' : 'error'}`} role={ok ? 'status' : 'alert'} data-testid="reconciliation" data-ok={String(ok)}>
      {ok ? (
        <>
          <strong>Reconciled.</strong> {CHECKS.map((c) => c.text(share)).join('; ')}.
        </>
      ) : (
        <>
          <strong>Reconciliation failed:</strong> {failing.map((c) => `${c.text(share)} does not hold`).join('; ')}. Do not close this month; report it.
        </>
      )}
    </div>
  );
}

export function reconciled(checks: Reconciliation): boolean {
  return CHECKS.every((c) => checks[c.key]);
}

export function StatementDetails({ view }: { view: StatementView }) {
  const s = view.statement;
  const t = s.totals;
  return (
    <div class="statement" data-testid="statement" data-status={s.status}>
      <h2>
        {s.status === 'final' ? 'Final statement' : 'Draft statement'}, {monthName(s.month)}
      </h2>
      {s.sha256 ? <p class="muted hash">SHA-256: {s.sha256}</p> : <p class="muted">A draft: nothing is stored until the month is closed.</p>}
      <ReconciliationBanner checks={view.checks} share={s.developerSharePercent} />
      <dl class="facts totals">
        <div>
          <dt>Revenue</dt>
          <dd data-testid="total-revenue">{formatEuros(t.revenueMicros)}</dd>
        </div>
        <div>
          <dt>Developer payouts ({s.developerSharePercent} %)</dt>
          <dd data-testid="total-payouts">{formatEuros(t.payoutMicros)}</dd>
        </div>
        <div>
          <dt>Platform</dt>
          <dd data-testid="total-platform">{formatEuros(t.platformMicros)}</dd>
        </div>
        <div>
          <dt>Payable now</dt>
          <dd>{formatEuros(t.payableMicros)}</dd>
        </div>
        <div>
          <dt>Carried out</dt>
          <dd>{formatEuros(t.carriedOutMicros)}</dd>
        </div>
      </dl>
      <p class="links">
        <a href={csv.statement(s.month)} download data-testid="csv-statement">
          Statement CSV
        </a>
        <a href={csv.statementClients(s.month)} download data-testid="csv-clients">
          Clients CSV
        </a>
        <a href={csv.statementDevelopers(s.month)} download data-testid="csv-developers">
          Developers CSV
        </a>
      </p>

      <h3>Clients</h3>
      {s.clients.length === 0 ? (
        <p class="muted">No billable usage.</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="statement-clients">
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col" class="num">
                  Total
                </th>
                <th scope="col">Lines</th>
              </tr>
            </thead>
            <tbody>
              {s.clients.map((c) => (
                <tr key={c.clientId}>
                  <th scope="row">{c.clientId}</th>
                  <td class="num">{formatEuros(c.totalMicros)}</td>
                  <td>
                    <details>
                      <summary>
                        {c.lines.length} feature{c.lines.length === 1 ? '' : 's'}
                      </summary>
                      <ul class="plain">
                        {c.lines.map((l) => (
                          <li key={l.featureId}>
                            {l.featureId}: {formatCount(l.billableCalls)} billable of {formatCount(l.calls)} calls, {formatEuros(l.amountMicros)}
                          </li>
                        ))}
                      </ul>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>Developers</h3>
      {s.developers.length === 0 ? (
        <p class="muted">No developer earnings.</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="statement-developers">
            <thead>
              <tr>
                <th scope="col">Developer</th>
                <th scope="col" class="num">
                  Earned
                </th>
                <th scope="col" class="num">
                  Carried in
                </th>
                <th scope="col" class="num">
                  Payable
                </th>
                <th scope="col" class="num">
                  Carried out
                </th>
              </tr>
            </thead>
            <tbody>
              {s.developers.map((d) => (
                <tr key={d.developerId}>
                  <th scope="row">{d.developerId}</th>
                  <td class="num">{formatEuros(d.earnedMicros)}</td>
                  <td class="num">{formatEuros(d.carriedInMicros)}</td>
                  <td class="num">{formatEuros(d.payableMicros)}</td>
                  <td class="num">{formatEuros(d.carriedOutMicros)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {s.adjustments.length ? (
        <>
          <h3>Adjustments (late usage of closed months)</h3>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Client</th>
                  <th scope="col">Feature</th>
                  <th scope="col">Original month</th>
                  <th scope="col" class="num">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.adjustments.map((a) => (
                  <tr key={`${a.clientId}-${a.featureId}-${a.originalMonth}`}>
                    <td>{a.clientId}</td>
                    <td>{a.featureId}</td>
                    <td>{a.originalMonth}</td>
                    <td class="num">{formatEuros(a.amountMicros)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}
