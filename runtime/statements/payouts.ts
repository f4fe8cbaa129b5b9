import { DomainError } from '../../shared/errors.ts';
import { checkIban } from '../../shared/iban.ts';
import { isWholeCents } from '../../shared/money.ts';
import { isMonth, previousMonth } from '../../shared/month.ts';
import { owedAfter, planPayoutRun, PayoutError, type PayoutPlan } from '../../shared/payout-run.ts';
import { painXml, type SepaRun } from '../../shared/sepa.ts';
import type { ApprovedRun, PayeeStore, PayoutFlag, PayoutRunStore } from './payout-store.ts';
import type { StatementStore } from './statement-store.ts';

/** Developers review their earnings statement this long after the close before a run is approved. */
export const DEFAULT_REVIEW_DAYS = 3;

type PayoutProblem = 'not_closed' | 'in_review' | 'previous_run_pending' | 'no_payer_account' | 'not_approved' | 'invalid_month';

export class PayoutRunError extends DomainError {
  override readonly name = 'PayoutRunError';
  constructor(
    override readonly code: PayoutProblem,
    message: string,
  ) {
    super(code === 'invalid_month' || code === 'no_payer_account' ? 'invalid_request' : code === 'not_closed' || code === 'not_approved' ? 'not_found' : 'conflict', message, { code });
  }
}

/** The operator's account the transfers leave from: FAASCAPE_PAYOUT_IBAN (+ _NAME, _BIC). */
export function readPayer(env: NodeJS.ProcessEnv, sellerName: string): SepaRun['debtor'] | undefined {
  if (!env.FAASCAPE_PAYOUT_IBAN) return undefined;
  const iban = checkIban(env.FAASCAPE_PAYOUT_IBAN);
  if (!iban.ok) throw new PayoutError(`FAASCAPE_PAYOUT_IBAN: ${iban.reason}`);
  return { name: env.FAASCAPE_PAYOUT_NAME || sellerName, iban: iban.iban, ...(env.FAASCAPE_PAYOUT_BIC ? { bic: env.FAASCAPE_PAYOUT_BIC } : {}) };
}

export interface PayoutRunView {
  month: string;
  plan: PayoutPlan;
  /** epoch ms: developers may flag lines until then; the run can be approved after */
  reviewEndsAt: number;
  flags: PayoutFlag[];
  approved?: ApprovedRun;
}

export interface PayoutsDeps {
  statements: Pick<StatementStore, 'get' | 'isClosed'>;
  runs: Pick<PayoutRunStore, 'get' | 'approve'>;
  payees: Pick<PayeeStore, 'payees' | 'flagsOf'>;
  payer: SepaRun['debtor'] | undefined;
  reviewDays?: number;
  clock?: () => number;
}

/**
 * A payout run per closed month: a review window for developers, then finance's approval, which
 * freezes the plan (who is paid what, to which IBAN) and the payment file's identity, so every
 * export of an approved run is the same pain.001 file. Runs are approved in month order: what a
 * run could not pay (no valid IBAN) is owed by the next one.
 */
export class Payouts {
  constructor(private readonly deps: PayoutsDeps) {}

  private clock(): number {
    return (this.deps.clock ?? Date.now)();
  }

  /** What the previous month's run left owed; refuses while that run awaits approval. */
  private async owedBefore(month: string): Promise<Map<string, number>> {
    const prev = previousMonth(month);
    const run = await this.deps.runs.get(prev);
    if (run) return owedAfter(run.plan);
    const stored = await this.deps.statements.get(prev);
    // No statement, or one closed before payables were whole cents (no run was ever possible).
    if (!stored || stored.statement.developers.some((d) => !isWholeCents(d.payableMicros))) return new Map();
    if (stored.statement.developers.every((d) => d.payableMicros === 0)) return new Map();
    throw new PayoutRunError('previous_run_pending', `approve the payout run of ${prev} first: what it cannot pay is owed by ${month}'s`);
  }

  async view(month: string): Promise<PayoutRunView> {
    if (!isMonth(month)) throw new PayoutRunError('invalid_month', `"${month}" is not a month (YYYY-MM)`);
    const stored = await this.deps.statements.get(month);
    if (!stored) throw new PayoutRunError('not_closed', `${month} is not closed: a payout run follows its statement`);
    const reviewEndsAt = stored.closedAt + (this.deps.reviewDays ?? DEFAULT_REVIEW_DAYS) * 86_400_000;
    const approved = await this.deps.runs.get(month);
    const devs = stored.statement.developers.map((d) => d.developerId);
    const flags = (await Promise.all(devs.map((d) => this.deps.payees.flagsOf(d, month)))).flat();
    if (approved) return { month, plan: approved.plan, reviewEndsAt, flags, approved };
    const owed = await this.owedBefore(month).catch((e: unknown) => (e instanceof PayoutRunError ? new Map<string, number>() : Promise.reject(e)));
    const payees = await this.deps.payees.payees([...new Set([...devs, ...owed.keys()])]);
    return { month, plan: planPayoutRun(stored.statement, owed, payees), reviewEndsAt, flags };
  }

  /** Approves a month's run once the review window is over; a second approval returns the first. */
  async approve(month: string, by: string): Promise<{ outcome: 'approved' | 'already_approved'; run: ApprovedRun; flags: PayoutFlag[] }> {
    const view = await this.view(month);
    if (view.approved) return { outcome: 'already_approved', run: view.approved, flags: view.flags };
    const now = this.clock();
    if (now < view.reviewEndsAt) throw new PayoutRunError('in_review', `developers review ${month}'s earnings until ${new Date(view.reviewEndsAt).toISOString()}: approve after that`);
    if (!this.deps.payer) throw new PayoutRunError('no_payer_account', 'set FAASCAPE_PAYOUT_IBAN (and FAASCAPE_PAYOUT_NAME, FAASCAPE_PAYOUT_BIC) to the account the transfers leave from');
    // Planned again now, with the previous run's carry (refused while that run is pending).
    const stored = (await this.deps.statements.get(month)) as NonNullable<Awaited<ReturnType<StatementStore['get']>>>;
    const owed = await this.owedBefore(month);
    const payees = await this.deps.payees.payees([...new Set([...stored.statement.developers.map((d) => d.developerId), ...owed.keys()])]);
    const plan = planPayoutRun(stored.statement, owed, payees);
    const day = new Date(now).toISOString().slice(0, 10);
    const run: ApprovedRun = { month, plan, approvedAt: now, approvedBy: by, messageId: `FSC-PAYOUT-${month}`, executionDate: day, debtor: this.deps.payer };
    const res = await this.deps.runs.approve(run);
    return { ...res, flags: view.flags };
  }

  /** The SEPA Credit Transfer file of an approved run: the same bytes at every export. */
  async exportXml(month: string): Promise<{ xml: string; run: ApprovedRun }> {
    const run = await this.deps.runs.get(month);
    if (!run) throw new PayoutRunError('not_approved', `the payout run of ${month} is not approved: nothing to export`);
    const paid = run.plan.lines.filter((l) => l.paidCents > 0);
    if (!paid.length) throw new PayoutRunError('not_approved', `the payout run of ${month} pays nobody: no file to send`);
    const xml = painXml({
      messageId: run.messageId,
      createdAt: new Date(run.approvedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      executionDate: run.executionDate,
      debtor: run.debtor,
      transfers: paid.map((l, i) => ({
        endToEndId: `${run.messageId}-${String(i + 1).padStart(4, '0')}`,
        creditorName: l.payeeName as string,
        creditorIban: l.iban as string,
        amountCents: l.paidCents,
        remittance: `Faascape revenue share ${month} (${l.developerId})`,
      })),
    });
    return { xml, run };
  }
}
