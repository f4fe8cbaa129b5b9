/**
 * A month's payout run (issue #16): who is paid what, in whole cents, from a final statement.
 * The statement already decided each developer's payable (balance ≥ minimum, in whole cents) and
 * carried the rest; the run adds what an earlier run owed but could not pay (no valid IBAN) and
 * pays everyone with a valid IBAN. Whoever has none is carried to the next run, never dropped.
 * Statements stay immutable: what a run could not pay lives in the run, and the next run owes it.
 */
import { DomainError } from './errors.ts';
import { checkIban } from './iban.ts';
import { microsToCents } from './money.ts';
import type { Statement } from './statement.ts';

export interface Payee {
  /** the account holder's name, as the bank knows it */
  name: string;
  iban: string;
}

export interface PayoutLine {
  developerId: string;
  /** what the month's statement made payable */
  payableCents: number;
  /** what earlier runs owed and could not pay */
  owedBeforeCents: number;
  /** paid by this run's transfer */
  paidCents: number;
  /** owed to the next run (no valid IBAN) */
  carriedCents: number;
  /** the IBAN paid, when paid */
  iban?: string;
  payeeName?: string;
  /** why nothing was paid */
  reason?: 'no_payee' | 'invalid_iban';
}

export interface PayoutPlan {
  month: string;
  lines: PayoutLine[];
  /** Σ paid: the payment file's control sum */
  paidCents: number;
  carriedCents: number;
}

export class PayoutError extends DomainError {
  override readonly name = 'PayoutError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

const cents = (micros: number, who: string): number => {
  const c = microsToCents(micros);
  if (c === undefined || c < 0) throw new PayoutError(`the payable of ${who} is ${micros} micros, not whole cents (statement closed before payouts were in cents?)`);
  return c;
};

/**
 * Plans a run: for each developer listed in the statement or owed by the previous run, owed =
 * payable + owed before; paid in full to a valid IBAN, else carried. Sorted by developer id, so
 * the same inputs always give the same plan (and the same payment file).
 */
export function planPayoutRun(statement: Pick<Statement, 'month' | 'developers'>, owedBefore: ReadonlyMap<string, number>, payees: ReadonlyMap<string, Payee>): PayoutPlan {
  const payable = new Map(statement.developers.map((d) => [d.developerId, cents(d.payableMicros, d.developerId)]));
  const ids = [...new Set([...payable.keys(), ...[...owedBefore].filter(([, c]) => c > 0).map(([id]) => id)])].sort();
  const lines = ids
    .map((developerId): PayoutLine => {
      const before = owedBefore.get(developerId) ?? 0;
      if (!Number.isSafeInteger(before) || before < 0) throw new PayoutError(`owed before for ${developerId} is not a whole number of cents`);
      const owed = (payable.get(developerId) ?? 0) + before;
      const base = { developerId, payableCents: payable.get(developerId) ?? 0, owedBeforeCents: before };
      if (owed === 0) return { ...base, paidCents: 0, carriedCents: 0 };
      const payee = payees.get(developerId);
      if (!payee) return { ...base, paidCents: 0, carriedCents: owed, reason: 'no_payee' };
      const iban = checkIban(payee.iban);
      if (!iban.ok) return { ...base, paidCents: 0, carriedCents: owed, reason: 'invalid_iban' };
      return { ...base, paidCents: owed, carriedCents: 0, iban: iban.iban, payeeName: payee.name };
    })
    .filter((l) => l.payableCents > 0 || l.owedBeforeCents > 0);
  return {
    month: statement.month,
    lines,
    paidCents: lines.reduce((n, l) => n + l.paidCents, 0),
    carriedCents: lines.reduce((n, l) => n + l.carriedCents, 0),
  };
}

/** What a run leaves owed to the next one. */
export function owedAfter(plan: PayoutPlan): Map<string, number> {
  return new Map(plan.lines.filter((l) => l.carriedCents > 0).map((l) => [l.developerId, l.carriedCents]));
}
