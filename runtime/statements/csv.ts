import { formatMicros } from '../../shared/money.ts';
import type { Statement } from '../../shared/statement.ts';

export type Party = { client: string } | { developer: string } | undefined;

const HEADER = [
  'month', 'status', 'section', 'client_id', 'developer_id', 'feature_id', 'original_month',
  'per_call_micros', 'per_gb_second_micros', 'calls', 'billable_calls', 'billed_ms',
  'weight', 'total_weight', 'amount_micros', 'amount_eur', 'free_calls',
];

function cell(v: string | number | undefined): string {
  const s = v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One CSV for finance's spreadsheet: a header, then one row per line. `section` says what a row
 * is: client_line, adjustment, client_total, developer_line (amount = the feature's revenue),
 * developer_earned / developer_carried_in / developer_payable / developer_carried_out, total_*.
 * Amounts are integer micros, with EUR decimals beside them; `free_calls` (client lines) are the
 * billable calls a feature's monthly allowance made free.
 */
export function statementCsv(s: Statement | (Omit<Statement, 'totals'> & { totals?: undefined }), party?: Party): string {
  const rows: (string | number | undefined)[][] = [];
  const row = (section: string, f: { client?: string; developer?: string; feature?: string; original?: string; perCall?: number; perGb?: number; calls?: number; billable?: number; ms?: number; weight?: number; total?: number; amount: number; free?: number }) =>
    rows.push([s.month, s.status, section, f.client, f.developer, f.feature, f.original, f.perCall, f.perGb, f.calls, f.billable, f.ms, f.weight, f.total, f.amount, formatMicros(f.amount), f.free]);
  const wantClient = (id: string) => !party || ('client' in party && party.client === id);
  const wantDeveloper = (id: string) => !party || ('developer' in party && party.developer === id);

  for (const c of s.clients.filter((x) => wantClient(x.clientId))) {
    for (const l of c.lines) {
      row('client_line', { client: c.clientId, feature: l.featureId, perCall: l.unitPrice.perCallMicros, perGb: l.unitPrice.perGbSecondMicros, calls: l.calls, billable: l.billableCalls, ms: l.billedMs, amount: l.amountMicros, free: l.freeCalls ?? 0 });
    }
    for (const a of s.adjustments.filter((x) => x.clientId === c.clientId)) {
      row('adjustment', { client: a.clientId, feature: a.featureId, original: a.originalMonth, perCall: a.unitPrice.perCallMicros, perGb: a.unitPrice.perGbSecondMicros, calls: a.calls, billable: a.billableCalls, ms: a.billedMs, amount: a.amountMicros });
    }
    row('client_total', { client: c.clientId, amount: c.totalMicros });
  }
  for (const d of s.developers.filter((x) => wantDeveloper(x.developerId))) {
    for (const l of d.lines) row('developer_line', { developer: d.developerId, feature: l.featureId, weight: l.weight, total: l.totalWeight, amount: l.revenueMicros });
    row('developer_earned', { developer: d.developerId, amount: d.earnedMicros });
    row('developer_carried_in', { developer: d.developerId, amount: d.carriedInMicros });
    row('developer_payable', { developer: d.developerId, amount: d.payableMicros });
    row('developer_carried_out', { developer: d.developerId, amount: d.carriedOutMicros });
  }
  if (!party) {
    if (!s.totals) throw new RangeError('the whole-statement CSV needs the totals: pass the whole statement');
    row('total_revenue', { amount: s.totals.revenueMicros });
    row('total_payout', { amount: s.totals.payoutMicros });
    row('total_platform', { amount: s.totals.platformMicros });
  }
  return table(HEADER, rows);
}

function table(header: string[], rows: (string | number | undefined)[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/** Finance's per-client table: one row per client with its calls and total. */
export function clientsCsv(s: Pick<Statement, 'clients'>): string {
  return table(
    ['client_id', 'calls', 'billable_calls', 'total_micros', 'total_eur'],
    s.clients.map((c) => [c.clientId, c.lines.reduce((n, l) => n + l.calls, 0), c.lines.reduce((n, l) => n + l.billableCalls, 0), c.totalMicros, formatMicros(c.totalMicros)]),
  );
}

/** Finance's per-developer table: earned, carried in, payable and carried out. */
export function developersCsv(s: Pick<Statement, 'developers'>): string {
  const m = formatMicros;
  return table(
    ['developer_id', 'earned_micros', 'earned_eur', 'carried_in_micros', 'carried_in_eur', 'payable_micros', 'payable_eur', 'carried_out_micros', 'carried_out_eur'],
    s.developers.map((d) => [d.developerId, d.earnedMicros, m(d.earnedMicros), d.carriedInMicros, m(d.carriedInMicros), d.payableMicros, m(d.payableMicros), d.carriedOutMicros, m(d.carriedOutMicros)]),
  );
}

/** One party's part of a statement, as JSON (the other parties removed). */
export function partyView(s: Statement & { sha256?: string }, party: Party): unknown {
  if (!party) return s;
  if ('client' in party) {
    const client = s.clients.find((c) => c.clientId === party.client);
    return { month: s.month, currency: s.currency, status: s.status, sha256: s.sha256, client: client ?? null, adjustments: s.adjustments.filter((a) => a.clientId === party.client) };
  }
  const developer = s.developers.find((d) => d.developerId === party.developer);
  return { month: s.month, currency: s.currency, status: s.status, sha256: s.sha256, developerSharePercent: s.developerSharePercent, developer: developer ?? null };
}
