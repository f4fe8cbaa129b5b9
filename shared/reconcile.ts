import { isWholeCents as wholeCents } from './money.ts';
import type { Statement } from './statement.ts';

/** The checks finance reads before closing a month; each is true when it holds. */
export interface Reconciliation {
  /** Σ client totals = revenue */
  clientsEqualRevenue: boolean;
  /** every invoice line and total is whole cents, and each client's total is the sum of its lines */
  invoicesInCents: boolean;
  /** payouts = floor(share × revenue) */
  payoutsEqualShare: boolean;
  /** every payable is whole cents; paid + carried out = earned + carried in, per developer */
  payablesInCents: boolean;
  /** platform = revenue − payouts */
  platformIsTheRest: boolean;
}

/** Recomputes the invariants from the statement's own figures (BigInt: exact at any size). */
export function reconcile(s: Pick<Statement, 'clients' | 'developers' | 'adjustments' | 'totals' | 'developerSharePercent'>): Reconciliation {
  const revenue = BigInt(s.totals.revenueMicros);
  const clients = s.clients.reduce((sum, c) => sum + BigInt(c.totalMicros), 0n);
  const earned = s.developers.reduce((sum, d) => sum + BigInt(d.earnedMicros), 0n);
  // The share is a percentage with at most two decimals (basis points / 100).
  const bps = BigInt(Math.round(s.developerSharePercent * 100));
  const payout = BigInt(s.totals.payoutMicros);
  const invoicesInCents = s.clients.every((c) => {
    const lines = [...c.lines, ...s.adjustments.filter((a) => a.clientId === c.clientId)];
    return wholeCents(c.totalMicros) && lines.every((l) => wholeCents(l.amountMicros)) && lines.reduce((n, l) => n + BigInt(l.amountMicros), 0n) === BigInt(c.totalMicros);
  });
  const payablesInCents =
    s.developers.every((d) => wholeCents(d.payableMicros) && BigInt(d.payableMicros) + BigInt(d.carriedOutMicros) === BigInt(d.earnedMicros) + BigInt(d.carriedInMicros)) &&
    wholeCents(s.totals.payableMicros) &&
    s.developers.reduce((n, d) => n + BigInt(d.payableMicros), 0n) === BigInt(s.totals.payableMicros);
  return {
    clientsEqualRevenue: clients === revenue,
    invoicesInCents,
    payoutsEqualShare: payout === (revenue * bps) / 10_000n && earned === payout,
    payablesInCents,
    platformIsTheRest: BigInt(s.totals.platformMicros) === revenue - payout,
  };
}
