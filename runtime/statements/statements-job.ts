import { createHash } from 'node:crypto';
import { DomainError, type ErrorKind } from '../../shared/errors.ts';
import { hasEnded, isMonth, nextMonth, previousMonth } from '../../shared/month.ts';
import { canonicalJson, computeStatement, lateUsage, type LateUsage, type Statement, type StatementPolicy } from '../../shared/statement.ts';
import type { UsageAggregate } from '../../shared/usage.ts';
import type { UsageReader } from '../meter/usage-log.ts';
import { buildInvoice, provisionalBuyer, type Invoice, type InvoiceParty, type SellerConfig } from '../../shared/invoice.ts';
import type { InvoiceStore } from './invoice-store.ts';
import type { StatementBasis, StatementStore, StoredStatement } from './statement-store.ts';

/** Late usage is looked for in the closed months this far back (spool replays arrive within days). */
export const LATE_USAGE_LOOKBACK_MONTHS = 3;

/** Months close at 02:00 UTC on the 1st: two hours for calls in flight at midnight to be applied. */
export const CLOSE_GRACE_MS = 2 * 3600_000;

type StatementProblem = 'month_not_ended' | 'previous_month_open' | 'invalid_month' | 'not_closed' | 'before_first_usage';

const KIND_OF: Record<StatementProblem, ErrorKind> = {
  invalid_month: 'invalid_request',
  not_closed: 'not_found',
  month_not_ended: 'conflict',
  previous_month_open: 'conflict',
  before_first_usage: 'conflict',
};

export class StatementError extends DomainError {
  override readonly name = 'StatementError';
  constructor(
    override readonly code: StatementProblem,
    message: string,
  ) {
    super(KIND_OF[code], message, { code });
  }
}

export interface StatementsDeps {
  usage: Pick<UsageReader, 'monthAggregates' | 'hasUsage' | 'monthCalls' | 'firstUsageMonth'>;
  store: Pick<StatementStore, 'get' | 'basis' | 'billedCalls' | 'isClosed' | 'putFinal' | 'closedMonths'>;
  policy: StatementPolicy;
  clock?: () => number;
  progress?: (line: string) => void;
  /** when given, closing a month issues its clients' invoices */
  invoicing?: Invoicing;
}

export interface Invoicing {
  store: Pick<InvoiceStore, 'issueInvoice' | 'ofMonth'>;
  seller: SellerConfig;
  /** the client's billing details, or its name for a provisional buyer when it has none */
  buyerOf(clientId: string): Promise<InvoiceParty | { name: string }>;
}

export interface BuiltStatement {
  statement: Statement;
  basis: StatementBasis;
}

export interface CloseResult {
  month: string;
  outcome: 'closed' | 'already_closed';
  json: string;
  statement: Statement & { sha256: string };
}

function checkMonth(month: string): void {
  if (!isMonth(month)) throw new StatementError('invalid_month', `"${month}" is not a month (YYYY-MM)`);
}

/**
 * Previews and closes monthly statements. Reads aggregates only (its cost grows with client ×
 * feature lines, not calls), and the same job serves the local scheduler, the CLI and, in AWS,
 * the EventBridge-scheduled Lambda.
 */
export class StatementsJob {
  private readonly clock: () => number;
  private readonly progress: (line: string) => void;

  constructor(private readonly deps: StatementsDeps) {
    this.clock = deps.clock ?? Date.now;
    this.progress = deps.progress ?? (() => {});
  }

  async build(month: string, status: 'draft' | 'final'): Promise<BuiltStatement> {
    checkMonth(month);
    const started = this.clock();
    const aggregates = await this.deps.usage.monthAggregates(month);
    this.progress(`${month}: read ${aggregates.length} usage line(s) in ${this.clock() - started} ms`);
    const { late, adjusted } = await this.lateUsageBefore(month);
    if (late.length) this.progress(`${month}: ${late.length} late usage line(s) from closed months become adjustments`);
    const previous = await this.deps.store.get(previousMonth(month));
    const carriedIn = new Map((previous?.statement.developers ?? []).filter((d) => d.carriedOutMicros > 0).map((d) => [d.developerId, d.carriedOutMicros]));
    const statement = computeStatement({ month, status, policy: this.deps.policy, aggregates, late, carriedIn });
    return { statement, basis: { regular: aggregates, adjusted } };
  }

  /** A draft for any month, the current one included; nothing is stored. */
  async preview(month: string): Promise<Statement> {
    return (await this.build(month, 'draft')).statement;
  }

  /**
   * Closes an ended month: stores the final statement with the SHA-256 of its canonical JSON.
   * An already closed month is returned exactly as stored.
   */
  async close(month: string): Promise<CloseResult> {
    checkMonth(month);
    const stored = await this.deps.store.get(month);
    if (stored) {
      // A close that died after storing the statement left invoices to issue: issue what is missing.
      await this.issueInvoices(month);
      return { month, outcome: 'already_closed', json: stored.json, statement: stored.statement };
    }
    if (!hasEnded(month, this.clock())) {
      throw new StatementError('month_not_ended', `${month} has not ended yet (months are UTC calendar months); use "statements preview" for a draft`);
    }
    // A final statement is for ever: a month before the installation's first call would be an
    // empty statement nobody can remove (and finance's charts would start there).
    const first = await this.deps.usage.firstUsageMonth();
    if (first === undefined || month < first) {
      throw new StatementError('before_first_usage', first === undefined ? `nothing to close: this installation has no usage yet` : `${month} is before this installation's first usage (${first}): there is nothing to close`);
    }
    const prev = previousMonth(month);
    if (!(await this.deps.store.isClosed(prev)) && (await this.deps.usage.hasUsage(prev))) {
      throw new StatementError('previous_month_open', `close ${prev} first: its balances carry into ${month}`);
    }
    const started = this.clock();
    const { statement, basis } = await this.build(month, 'final');
    const body = canonicalJson(statement);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const final = { ...statement, sha256 };
    const json = canonicalJson(final);
    const outcome = await this.deps.store.putFinal(month, json, sha256, basis, this.clock(), final);
    if (outcome === 'exists') {
      const winner = (await this.deps.store.get(month)) as StoredStatement;
      await this.issueInvoices(month);
      return { month, outcome: 'already_closed', json: winner.json, statement: winner.statement };
    }
    this.progress(`${month}: closed in ${this.clock() - started} ms, revenue ${statement.totals.revenueMicros} micros, sha256 ${sha256.slice(0, 12)}…`);
    await this.issueInvoices(month);
    return { month, outcome: 'closed', json, statement: final };
  }

  /**
   * Issues the invoice of every client billed in a closed month (a total above zero), each once:
   * a close that died half-way, or a second one, issues only what is missing and returns the rest
   * as issued. Dated the day of the close, numbered in the sequence of that day's year.
   */
  async issueInvoices(month: string): Promise<Invoice[]> {
    checkMonth(month);
    const invoicing = this.deps.invoicing;
    if (!invoicing) return [];
    const stored = await this.deps.store.get(month);
    if (!stored) throw new StatementError('not_closed', `${month} is not closed: invoices are issued at the close`);
    const issuedOn = new Date(stored.closedAt).toISOString().slice(0, 10);
    const year = Number(issuedOn.slice(0, 4));
    const out: Invoice[] = [];
    for (const c of stored.statement.clients) {
      if (c.totalMicros <= 0) continue;
      const who = await invoicing.buyerOf(c.clientId);
      const buyer = 'name' in who ? provisionalBuyer(who.name, invoicing.seller) : who;
      out.push(
        await invoicing.store.issueInvoice(month, c.clientId, invoicing.seller.prefix, year, (number) =>
          buildInvoice({ number, issuedOn, part: stored.statement, clientId: c.clientId, seller: invoicing.seller, buyer }),
        ),
      );
    }
    if (out.length) this.progress(`${month}: ${out.length} invoice(s), ${out[0]?.number} … ${out.at(-1)?.number}`);
    return out;
  }

  /** The stored final statement of a month. */
  async show(month: string): Promise<StoredStatement> {
    checkMonth(month);
    const stored = await this.deps.store.get(month);
    if (!stored) throw new StatementError('not_closed', `${month} is not closed; "statements preview --month ${month}" shows a draft`);
    return stored;
  }

  /**
   * Closes every ended month that should have been closed (within a year), oldest first: what
   * the local platform runs at start and on the 1st of each month.
   */
  async closeEndedMonths(monthsBack = 12, graceMs = CLOSE_GRACE_MS): Promise<CloseResult[]> {
    // A month is due once its grace period is over: records still in flight at midnight land first.
    const now = this.clock() - graceMs;
    const current = new Date(now).toISOString().slice(0, 7);
    let month = current;
    for (let i = 0; i < monthsBack; i++) month = previousMonth(month);
    const results: CloseResult[] = [];
    for (; month !== current; month = nextMonth(month)) {
      if (!hasEnded(month, now) || (await this.deps.store.isClosed(month))) continue;
      const prevClosed = results.length > 0 || (await this.deps.store.isClosed(previousMonth(month)));
      if (!prevClosed && !(await this.deps.usage.hasUsage(month))) continue;
      results.push(await this.close(month));
    }
    return results;
  }

  private async lateUsageBefore(month: string): Promise<{ late: LateUsage[]; adjusted: Record<string, UsageAggregate[]> }> {
    const bases = new Map<string, StatementBasis | undefined>();
    const get = async (m: string) => {
      if (!bases.has(m)) bases.set(m, await this.deps.store.basis(m));
      return bases.get(m);
    };
    const late: LateUsage[] = [];
    const adjusted: Record<string, UsageAggregate[]> = {};
    let original = month;
    for (let i = 0; i < LATE_USAGE_LOOKBACK_MONTHS; i++) {
      original = previousMonth(original);
      // Usually nothing came late: the month's call counter still equals what statements billed,
      // and the month is not read again. A mismatch (or an older statement) pays the full diff.
      const billed = await this.deps.store.billedCalls(original);
      if (!billed) {
        if (!(await this.deps.store.isClosed(original))) continue;
      } else {
        let total = billed.regular;
        for (let later = nextMonth(original); later !== month; later = nextMonth(later)) {
          total += (await this.deps.store.billedCalls(later))?.adjusted[original] ?? 0;
        }
        if ((await this.deps.usage.monthCalls(original)) === total) continue;
      }
      const closed = await get(original);
      if (!closed) continue;
      // Already billed: the month's own final lines plus adjustments made by later statements.
      const billedLines = [...closed.regular];
      for (let later = nextMonth(original); later !== month; later = nextMonth(later)) {
        billedLines.push(...((await get(later))?.adjusted[original] ?? []));
      }
      const found = lateUsage(original, await this.deps.usage.monthAggregates(original), billedLines);
      if (found.length) {
        late.push(...found);
        adjusted[original] = found.map((l) => l.aggregate);
      }
    }
    return { late, adjusted };
  }
}
