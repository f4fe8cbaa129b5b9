/** A statement (draft or final): totals, the reconciliation verdict, per-client and per-developer tables, CSVs. */
import type { Reconciliation, StatementView } from '../../../api-types.ts';
import { Stat } from '../components/stat.tsx';
import { MoneyCell, numeric, Table } from '../components/table.tsx';
import { csv } from '../endpoints.ts';
import { formatCount, monthName } from '../format.ts';
import { formatEuros } from '../money.ts';

/** One sentence per check; a Record, so a check added to Reconciliation cannot be left off the banner (or the close). */
const CHECK_TEXT: Record<keyof Reconciliation, (share: number) => string> = {
  clientsEqualRevenue: () => 'client totals = revenue',
  invoicesInCents: () => 'every invoice line and total in whole cents',
  payoutsEqualShare: (share) => `payouts = floor(${share} % × revenue)`,
  payablesInCents: () => 'payables in whole cents; paid + carried = earned + carried in',
  platformIsTheRest: () => 'platform = revenue − payouts',
};
const CHECKS = (Object.keys(CHECK_TEXT) as (keyof Reconciliation)[]).map((key) => ({ key, text: CHECK_TEXT[key] }));

/** Green when every check holds; red naming each one that does not. */
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
        <Stat label="Revenue" testId="total-revenue">{formatEuros(t.revenueMicros)}</Stat>
        <Stat label={`Developer payouts (${s.developerSharePercent} %)`} testId="total-payouts">{formatEuros(t.payoutMicros)}</Stat>
        <Stat label="Platform" testId="total-platform">{formatEuros(t.platformMicros)}</Stat>
        <Stat label="Payable now">{formatEuros(t.payableMicros)}</Stat>
        <Stat label="Carried out">{formatEuros(t.carriedOutMicros)}</Stat>
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
        <Table testId="statement-clients" columns={['Client', { label: 'Total', numeric: true }, 'Lines']}>
          <tbody>
            {s.clients.map((c) => (
              <tr key={c.clientId}>
                <th scope="row">{c.clientId}</th>
                <MoneyCell micros={c.totalMicros} />
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
        </Table>
      )}

      <h3>Developers</h3>
      {s.developers.length === 0 ? (
        <p class="muted">No developer earnings.</p>
      ) : (
        <Table testId="statement-developers" columns={['Developer', ...numeric('Earned', 'Carried in', 'Payable', 'Carried out')]}>
          <tbody>
            {s.developers.map((d) => (
              <tr key={d.developerId}>
                <th scope="row">{d.developerId}</th>
                <MoneyCell micros={d.earnedMicros} />
                <MoneyCell micros={d.carriedInMicros} />
                <MoneyCell micros={d.payableMicros} />
                <MoneyCell micros={d.carriedOutMicros} />
              </tr>
            ))}
          </tbody>
        </Table>
      )}

      {s.adjustments.length ? (
        <>
          <h3>Adjustments (late usage of closed months)</h3>
          <Table columns={['Client', 'Feature', 'Original month', { label: 'Amount', numeric: true }]}>
            <tbody>
              {s.adjustments.map((a) => (
                <tr key={`${a.clientId}-${a.featureId}-${a.originalMonth}`}>
                  <td>{a.clientId}</td>
                  <td>{a.featureId}</td>
                  <td>{a.originalMonth}</td>
                  <MoneyCell micros={a.amountMicros} />
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      ) : null}
    </div>
  );
}
