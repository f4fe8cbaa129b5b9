import type { Statement } from './statement.ts';

/** The checks finance reads before closing a month; each is true when it holds. */
export interface Reconciliation {
  /** Σ client totals = revenue */
  clientsEqualRevenue: boolean;
  /** payouts = floor(share × revenue) */
  payoutsEqualShare: boolean;
  /** platform = revenue − payouts */
  platformIsTheRest: boolean;
}

/** Recomputes the invariants from the statement's own figures (BigInt: exact at any size). */
export function reconcile(s: Pick<Statement, 'clients' | 'developers' | 'totals' | 'developerSharePercent'>): Reconciliation {
  const revenue = BigInt(s.totals.revenueMicros);
  const clients = s.clients.reduce((sum, c) => sum + BigInt(c.totalMicros), 0n);
  const earned = s.developers.reduce((sum, d) => sum + BigInt(d.earnedMicros), 0n);
  // The share is a percentage with at most two decimals (basis points / 100).
  const bps = BigInt(Math.round(s.developerSharePercent * 100));
  const payout = BigInt(s.totals.payoutMicros);
  return {
    clientsEqualRevenue: clients === revenue,
    payoutsEqualShare: payout === (revenue * bps) / 10_000n && earned === payout,
    platformIsTheRest: BigInt(s.totals.platformMicros) === revenue - payout,
  };
}
