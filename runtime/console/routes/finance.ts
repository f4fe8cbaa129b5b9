import { hasEnded, isMonth, monthOf, monthStart, nextMonth, previousMonth } from '../../../shared/month.ts';
import { reconcile } from '../../../shared/reconcile.ts';
import type { Statement } from '../../../shared/statement.ts';
import { clientsCsv, developersCsv, statementCsv } from '../../statements/csv.ts';
import type { Invoice } from '../../../shared/invoice.ts';
import type { FinanceInvoice, FinanceInvoiceList, FinanceMonths, FinanceRevenue, PayoutApproval, StatementView } from '../api-types.ts';
import type { ConsoleDeps } from '../deps.ts';
import type { Route } from '../handler.ts';
import { consoleErrors, csv, json, jsonBody } from '../http.ts';
import { formatMicros } from '../../../shared/money.ts';
import { formatCents } from '../../../shared/invoice.ts';
import { amountsOf, payoutRunView, pdf, xmlFile } from './money-views.ts';

/** Months the finance page lists without a statement: this one and the 12 before. */
const OPEN_MONTHS_SHOWN = 13;

function view(statement: Statement & { sha256?: string }): StatementView {
  return { statement, checks: reconcile(statement) };
}

function monthParam(raw: string | undefined): string {
  const month = raw ?? '';
  if (!isMonth(month)) throw consoleErrors.badRequest(`"${month}" is not a month (YYYY-MM).`);
  return month;
}

function listed(doc: Invoice, creditedBy: string | null): FinanceInvoice {
  return {
    number: doc.number,
    kind: doc.kind,
    corrects: doc.corrects ?? null,
    creditedBy,
    issuedOn: doc.issuedOn,
    clientId: doc.clientId,
    buyerName: doc.buyer.legalName,
    buyerCountry: doc.buyer.country,
    vatKind: doc.vat.kind,
    ...amountsOf(doc),
  };
}

export function financeRoutes(deps: ConsoleDeps): Route[] {
  /** The final statement when the month is closed, else a fresh draft. */
  const current = async (month: string): Promise<Statement & { sha256?: string }> => {
    const stored = await deps.statementStore.get(month);
    if (stored) return stored.statement;
    await deps.settled?.();
    return deps.statements.preview(month);
  };

  return [
    {
      method: 'GET',
      path: /^\/finance\/months$/,
      access: 'finance',
      handle: async ({ now }) => {
        const closed = await deps.statementStore.closedMonths();
        const candidates = new Set(closed);
        let m = monthOf(now);
        for (let i = 0; i < OPEN_MONTHS_SHOWN; i++, m = previousMonth(m)) if (i === 0 || (await deps.usage.hasUsage(m))) candidates.add(m);
        const months: FinanceMonths['months'] = [];
        for (const month of [...candidates].sort().reverse()) {
          const stored = closed.includes(month) ? await deps.statementStore.summary(month) : undefined;
          if (stored) months.push({ month, status: 'closed', revenueMicros: stored.totals.revenueMicros, closedAt: stored.closedAt });
          else months.push({ month, status: hasEnded(month, now) ? 'ended' : 'open', revenueMicros: null });
        }
        return json(200, { months });
      },
    },
    {
      method: 'GET',
      path: /^\/finance\/revenue$/,
      access: 'finance',
      handle: async () => {
        const months: FinanceRevenue['months'] = [];
        const byFeature = new Map<string, bigint>();
        for (const month of (await deps.statementStore.closedMonths()).slice(0, 24).reverse()) {
          const s = (await deps.statementStore.get(month))?.statement;
          if (!s) continue;
          months.push({ month, revenueMicros: s.totals.revenueMicros, payoutMicros: s.totals.payoutMicros, platformMicros: s.totals.platformMicros });
          for (const c of s.clients) for (const l of c.lines) byFeature.set(l.featureId, (byFeature.get(l.featureId) ?? 0n) + BigInt(l.amountMicros));
          for (const a of s.adjustments) byFeature.set(a.featureId, (byFeature.get(a.featureId) ?? 0n) + BigInt(a.amountMicros));
        }
        const topFeatures = [...byFeature]
          .sort((a, b) => (a[1] === b[1] ? (a[0] < b[0] ? -1 : 1) : a[1] > b[1] ? -1 : 1))
          .slice(0, 10)
          .map(([featureId, revenue]) => ({ featureId, revenueMicros: Number(revenue) }));
        return json(200, { months, topFeatures });
      },
    },
    {
      method: 'POST',
      path: /^\/finance\/months\/([^/]+)\/preview$/,
      access: 'finance',
      handle: async ({ params }) => {
        const month = monthParam(params[0]);
        await deps.settled?.();
        return json(200, view(await deps.statements.preview(month)));
      },
    },
    {
      method: 'POST',
      path: /^\/finance\/months\/([^/]+)\/close$/,
      access: 'finance',
      writesStatements: true,
      handle: async ({ event, params }) => {
        const month = monthParam(params[0]);
        const confirm = jsonBody(event).confirmRevenueMicros;
        if (typeof confirm !== 'number' || !Number.isSafeInteger(confirm)) throw consoleErrors.badRequest('"confirmRevenueMicros" must be the revenue of the preview you confirm, in micro-euros.');
        const stored = await deps.statementStore.get(month);
        if (stored) return json(200, view(stored.statement));
        // Finance confirms the figures it saw: if usage moved since the preview, it sees them again.
        await deps.settled?.();
        // In AWS the aggregates trail calls by minutes: a month closed before its last minute is
        // aggregated would bill that minute next month. Every call of a month is written within a
        // minute of its end (the longest feature timeout and the write deadline).
        const through = await deps.usageAggregatedThrough?.();
        const needed = monthStart(nextMonth(month)) + 60_000;
        if (through !== undefined && through < needed) {
          throw consoleErrors.conflict(`The usage of ${month} is aggregated up to ${new Date(through).toISOString()} only; it covers the whole month a few minutes after ${new Date(needed).toISOString()}. Close again then.`);
        }
        const draft = await deps.statements.preview(month);
        if (draft.totals.revenueMicros !== confirm) {
          throw consoleErrors.conflict(`The revenue of ${month} is now ${formatMicros(draft.totals.revenueMicros)} EUR, not ${formatMicros(confirm)} EUR: preview again before closing.`);
        }
        const closed = await deps.statements.close(month);
        return json(200, view(closed.statement));
      },
    },
    {
      method: 'GET',
      path: /^\/finance\/months\/([^/]+)\.csv$/,
      access: 'finance',
      handle: async ({ params }) => {
        const s = await current(monthParam(params[0]));
        return csv(`faascape-statement-${s.month}-${s.status}.csv`, statementCsv(s));
      },
    },
    {
      method: 'GET',
      path: /^\/finance\/months\/([^/]+)\/clients\.csv$/,
      access: 'finance',
      handle: async ({ params }) => {
        const s = await current(monthParam(params[0]));
        return csv(`faascape-clients-${s.month}-${s.status}.csv`, clientsCsv(s));
      },
    },
    {
      method: 'GET',
      path: /^\/finance\/months\/([^/]+)\/developers\.csv$/,
      access: 'finance',
      handle: async ({ params }) => {
        const s = await current(monthParam(params[0]));
        return csv(`faascape-developers-${s.month}-${s.status}.csv`, developersCsv(s));
      },
    },
    {
      method: 'GET',
      path: /^\/finance\/months\/([^/]+)\/invoices$/,
      access: 'finance',
      handle: async ({ params }) => {
        const month = monthParam(params[0]);
        if (!(await deps.statementStore.summary(month))) throw consoleErrors.notFound(`${month} is not closed: its invoices are issued when it is.`);
        const invoices: FinanceInvoice[] = [];
        for (const doc of await deps.invoices.ofMonth(month)) {
          const credit = await deps.invoices.creditOf(doc.number);
          invoices.push(listed(doc, credit?.number ?? null));
          if (credit) invoices.push(listed(credit, null));
        }
        const body: FinanceInvoiceList = { month, invoices };
        return json(200, body);
      },
    },
    {
      method: 'GET',
      path: /^\/finance\/invoices\/([^/]+)\.pdf$/,
      access: 'finance',
      handle: async ({ params }) => {
        const number = params[0] ?? '';
        const doc = await deps.invoices.byNumber(number);
        if (!doc) throw consoleErrors.notFound(`No invoice or credit note "${number}".`);
        return pdf(doc);
      },
    },
    {
      method: 'GET',
      path: /^\/finance\/months\/([^/]+)\/payouts$/,
      access: 'finance',
      handle: async ({ params, now }) => json(200, payoutRunView(await deps.payouts.runs.view(monthParam(params[0])), now)),
    },
    {
      // In AWS this route is served by the finance close Lambda, the one console role that may put
      // statement items (the approved run is one): infra/console.ts FINANCE_WRITE_ROUTES.
      method: 'POST',
      path: /^\/finance\/months\/([^/]+)\/payouts\/approve$/,
      access: 'finance',
      writesStatements: true,
      handle: async ({ event, params, now, session }) => {
        const month = monthParam(params[0]);
        const confirm = jsonBody(event).confirmPaidCents;
        if (typeof confirm !== 'number' || !Number.isSafeInteger(confirm) || confirm < 0) throw consoleErrors.badRequest('"confirmPaidCents" must be the total of the payout run you approve, in cents.');
        const seen = await deps.payouts.runs.view(month);
        // Finance approves the transfers it saw: a payee set or changed since moves the total.
        if (!seen.approved && now >= seen.reviewEndsAt && seen.plan.paidCents !== confirm) {
          throw consoleErrors.conflict(`The payout run of ${month} now pays ${formatCents(seen.plan.paidCents)} EUR, not ${formatCents(confirm)} EUR: look at it again before approving.`);
        }
        const res = await deps.payouts.runs.approve(month, session?.email ?? 'finance');
        const body: PayoutApproval = { outcome: res.outcome, ...payoutRunView({ ...seen, plan: res.run.plan, flags: res.flags, approved: res.run }, now) };
        return json(200, body);
      },
    },
    {
      method: 'GET',
      path: /^\/finance\/months\/([^/]+)\/payouts\.xml$/,
      access: 'finance',
      handle: async ({ params }) => {
        const { xml, run } = await deps.payouts.runs.exportXml(monthParam(params[0]));
        return xmlFile(`${run.messageId}.xml`, xml);
      },
    },
    {
      method: 'GET',
      path: /^\/finance\/months\/([^/]+)$/,
      access: 'finance',
      handle: async ({ params }) => {
        const month = monthParam(params[0]);
        const stored = await deps.statementStore.get(month);
        if (!stored) throw consoleErrors.notFound(`${month} is not closed; preview it for a draft.`);
        return json(200, view(stored.statement));
      },
    },
  ];
}
