import { checkBillingDetails } from '../../../shared/billing.ts';
import { parseDisplayName } from '../../../shared/display-name.ts';
import type { InvoiceParty } from '../../../shared/invoice.ts';
import { formatMicros, MoneyError, parseDecimalMicros, toSafeNumber } from '../../../shared/money.ts';
import { isMonth, monthOf, previousMonth } from '../../../shared/month.ts';
import { dayOf } from '../../../shared/day-stats.ts';
import { isPriceRise, priceAt, upcomingPrice } from '../../../shared/lifecycle.ts';
import { capStatus } from '../../../shared/spend.ts';
import { usageRows } from '../../../shared/usage.ts';
import { statementCsv } from '../../statements/csv.ts';
import type { ClientBilling, ClientInvoice, ClientInvoiceList, ClientOverview, ClientProfile, PriceNotice } from '../api-types.ts';
import { ANONYMOUS_CLIENT } from '../community-types.ts';
import type { ConsoleDeps } from '../deps.ts';
import type { Route, RouteRequest } from '../handler.ts';
import { consoleErrors, csv, json, jsonBody } from '../http.ts';
import { checkPrintable } from '../../statements/invoice-pdf.ts';
import { amountsOf, pdf } from './money-views.ts';

/** A client hears of the price changes of the features it called this long ago at most. */
const NOTICE_LOOKBACK_MS = 30 * 86_400_000;

/** Invoices list the closed months of the last two years: older ones are in the finance archive. */
const INVOICE_MONTHS = 24;

const noAmounts = { netCents: null, vatCents: null, totalCents: null, net: null, vat: null, totalInclVat: null };

function clientOf(req: RouteRequest): string {
  return req.session?.clientId as string;
}

export function clientRoutes(deps: ConsoleDeps): Route[] {
  /**
   * The price changes announced for the features this client called in the last 30 days (issue
   * 15): a rise is told to those it will cost, before it applies.
   */
  const priceNotices = async (clientId: string, now: number): Promise<PriceNotice[]> => {
    const thisMonth = monthOf(now);
    const since = dayOf(now - NOTICE_LOOKBACK_MS);
    const recent = (await Promise.all([previousMonth(thisMonth), thisMonth].map((m) => deps.usage.clientDays(clientId, m)))).flat();
    const called = new Set(recent.filter((d) => d.day >= since && d.calls > 0).map((d) => d.featureId));
    return [...called].sort().flatMap((slug) => {
      const feature = deps.features.get(slug);
      const next = feature ? upcomingPrice(feature, now) : undefined;
      if (!feature || !next) return [];
      const current = priceAt(feature, now);
      return [
        {
          featureId: slug,
          name: feature.manifest.name,
          rise: isPriceRise(current, next.price),
          perCallMicros: current.perCallMicros,
          perGbSecondMicros: current.perGbSecondMicros,
          nextPerCallMicros: next.price.perCallMicros,
          nextPerGbSecondMicros: next.price.perGbSecondMicros,
          effectiveFrom: new Date(next.effectiveFromMs).toISOString(),
        },
      ];
    });
  };

  const overview = async (clientId: string, month: string, now: number): Promise<ClientOverview> => {
    await deps.settled?.();
    const [aggregates, days, client, committed, notices] = await Promise.all([
      deps.usage.clientAggregates(clientId, month),
      deps.usage.clientDays(clientId, month),
      deps.clients.getClient(clientId),
      deps.limits.monthCommitted(clientId, month),
      priceNotices(clientId, now),
    ]);
    const rows = usageRows(aggregates);
    const spentMicros = rows.reduce((s, r) => s + r.amountMicros, 0);
    const capMicros = client?.limits?.monthlySpendCapMicros ?? null;
    const quota = client?.limits?.monthlyQuota;
    // The figures the gateways enforce (decision 0013); the aggregates can only trail them.
    const capUsedMicros = Math.max(spentMicros, committed.micros);

    return {
      clientId,
      month,
      features: rows.map((r) => ({ featureId: r.featureId, ...(r.test ? { test: true } : {}), calls: r.calls, billableCalls: r.billableCalls, ...(r.freeCalls ? { freeCalls: r.freeCalls } : {}), amountMicros: r.amountMicros, amount: formatMicros(r.amountMicros) })),
      days: days.map((d) => ({ day: d.day, featureId: d.featureId, calls: d.calls, billableCalls: d.billableCalls })),
      spentMicros,
      spent: formatMicros(spentMicros),
      capMicros,
      capUsedMicros,
      capStatus: capMicros !== null && committed.capRefused === capMicros ? 'reached' : capStatus(capUsedMicros, capMicros),
      quota: quota === undefined ? null : { limit: quota, usedCalls: Math.max(committed.calls, rows.reduce((n, r) => n + (r.test ? 0 : r.calls), 0)) },
      priceNotices: notices,
    };
  };

  const profile = (clientId: string, displayName: string | undefined): ClientProfile => ({ clientId, displayName: displayName ?? null, shownAs: displayName ?? ANONYMOUS_CLIENT });

  /** The client's part of a closed month's statement (the whole is never loaded for it). */
  const invoice = async (clientId: string, month: string) => {
    if (!isMonth(month)) throw consoleErrors.badRequest(`"${month}" is not a month (YYYY-MM).`);
    const mine = await deps.statementStore.partyOf(month, { client: clientId });
    if (mine) return mine.statement;
    if (await deps.statementStore.summary(month)) throw consoleErrors.notFound(`You have no invoice for ${month}: no billable use that month.`);
    throw consoleErrors.notFound(`${month} is not closed yet: its invoice is issued when finance closes the month.`);
  };

  const billing = (party: InvoiceParty | undefined): ClientBilling => ({ billing: party ?? null });

  return [
    {
      method: 'GET',
      path: /^\/client\/overview$/,
      access: 'client',
      handle: async (req) => {
        const month = req.event.queryStringParameters?.month ?? monthOf(req.now);
        if (!isMonth(month)) throw consoleErrors.badRequest(`"${month}" is not a month (YYYY-MM).`);
        return json(200, await overview(clientOf(req), month, req.now));
      },
    },
    {
      method: 'PUT',
      path: /^\/client\/spend-cap$/,
      access: 'client',
      handle: async (req) => {
        const body = jsonBody(req.event);
        const raw = body.cap;
        let cap: number | null;
        if (raw === null) cap = null;
        else if (typeof raw === 'string') {
          try {
            cap = toSafeNumber(parseDecimalMicros(raw));
          } catch (e) {
            if (e instanceof MoneyError) throw consoleErrors.badRequest(`"cap" must be an amount in euros such as "50.00", got "${raw}".`);
            throw e;
          }
          if (cap <= 0) throw consoleErrors.badRequest('"cap" must be more than 0; send null to remove the cap.');
        } else throw consoleErrors.badRequest('"cap" must be a decimal string in euros, or null to remove the cap.');
        await deps.clients.setSpendCap(clientOf(req), cap);
        return json(200, await overview(clientOf(req), monthOf(req.now), req.now));
      },
    },
    {
      method: 'GET',
      path: /^\/client\/profile$/,
      access: 'client',
      handle: async (req) => json(200, profile(clientOf(req), (await deps.clients.getClient(clientOf(req)))?.displayName)),
    },
    {
      method: 'PUT',
      path: /^\/client\/profile$/,
      access: 'client',
      handle: async (req) => {
        const body = jsonBody(req.event);
        // Absent is not null: a body without the field is a mistake, not a wish to be anonymous.
        if (!('displayName' in body)) throw consoleErrors.badRequest('"displayName" is required: a name, or null to be shown as "a client".');
        const client = await deps.clients.setDisplayName(clientOf(req), parseDisplayName(body.displayName));
        return json(200, profile(clientOf(req), client.displayName));
      },
    },
    {
      method: 'GET',
      path: /^\/client\/billing$/,
      access: 'client',
      handle: async (req) => json(200, billing((await deps.clients.getClient(clientOf(req)))?.billing)),
    },
    {
      method: 'PUT',
      path: /^\/client\/billing$/,
      access: 'client',
      handle: async (req) => {
        const party = checkBillingDetails(jsonBody(req.event));
        await checkPrintable(party);
        const client = await deps.clients.setBilling(clientOf(req), party);
        return json(200, billing(client.billing ?? party));
      },
    },
    {
      method: 'GET',
      path: /^\/client\/invoices$/,
      access: 'client',
      handle: async (req) => {
        const clientId = clientOf(req);
        const months = (await deps.statementStore.closedMonths()).slice(0, INVOICE_MONTHS);
        const invoices: ClientInvoiceList['invoices'] = [];
        for (const month of months) {
          const part = await deps.statementStore.partyOf(month, { client: clientId });
          const mine = part?.statement.clients[0];
          if (!part || !mine) continue;
          const issued = await deps.invoices.ofClient(month, clientId);
          const credit = issued ? await deps.invoices.creditOf(issued.number) : undefined;
          invoices.push({
            month,
            totalMicros: mine.totalMicros,
            total: formatMicros(mine.totalMicros),
            closedAt: part.closedAt,
            number: issued?.number ?? null,
            issuedOn: issued?.issuedOn ?? null,
            ...(issued ? amountsOf(issued) : noAmounts),
            creditNote: credit ? { number: credit.number, issuedOn: credit.issuedOn, ...amountsOf(credit) } : null,
          });
        }
        return json(200, { invoices });
      },
    },
    {
      method: 'GET',
      path: /^\/client\/invoices\/([^/]+)\.pdf$/,
      access: 'client',
      handle: async (req) => {
        const month = req.params[0] ?? '';
        if (!isMonth(month)) throw consoleErrors.badRequest(`"${month}" is not a month (YYYY-MM).`);
        const issued = await deps.invoices.ofClient(month, clientOf(req));
        if (!issued) throw consoleErrors.notFound(`You have no invoice for ${month}: nothing billed that month, the month is not closed yet, or it was closed before invoices were issued.`);
        return pdf(issued);
      },
    },
    {
      method: 'GET',
      path: /^\/client\/credit-notes\/([^/]+)\.pdf$/,
      access: 'client',
      handle: async (req) => {
        const number = req.params[0] ?? '';
        const doc = await deps.invoices.byNumber(number);
        // Another client's document answers like an unknown one: numbers are not an oracle.
        if (!doc || doc.kind !== 'credit_note' || doc.clientId !== clientOf(req)) throw consoleErrors.notFound(`You have no credit note "${number}".`);
        return pdf(doc);
      },
    },
    {
      method: 'GET',
      path: /^\/client\/invoices\/(\d{4}-\d{2})\.csv$/,
      access: 'client',
      handle: async (req) => {
        const s = await invoice(clientOf(req), req.params[0] ?? '');
        return csv(`faascape-invoice-${s.month}-${clientOf(req)}.csv`, statementCsv(s, { client: clientOf(req) }));
      },
    },
    {
      method: 'GET',
      path: /^\/client\/invoices\/([^/]+)$/,
      access: 'client',
      handle: async (req) => {
        const clientId = clientOf(req);
        const s = await invoice(clientId, req.params[0] ?? '');
        const mine = s.clients.find((c) => c.clientId === clientId);
        const body: ClientInvoice = {
          month: s.month,
          sha256: s.sha256,
          totalMicros: mine?.totalMicros ?? 0,
          total: formatMicros(mine?.totalMicros ?? 0),
          lines: (mine?.lines ?? []).map((l) => ({
            featureId: l.featureId,
            perCallMicros: l.unitPrice.perCallMicros,
            perGbSecondMicros: l.unitPrice.perGbSecondMicros,
            calls: l.calls,
            billableCalls: l.billableCalls,
            billedMs: l.billedMs,
            amountMicros: l.amountMicros,
            amount: formatMicros(l.amountMicros),
          })),
          adjustments: s.adjustments
            .filter((a) => a.clientId === clientId)
            .map((a) => ({ featureId: a.featureId, originalMonth: a.originalMonth, calls: a.calls, billableCalls: a.billableCalls, amountMicros: a.amountMicros, amount: formatMicros(a.amountMicros) })),
        };
        return json(200, body);
      },
    },
    {
      method: 'GET',
      path: /^\/client\/keys$/,
      access: 'client',
      handle: async (req) => {
        const keys = (await deps.clients.listKeys(clientOf(req))).sort((a, b) => b.createdAt - a.createdAt);
        return json(200, { keys: keys.map(({ clientId: _c, ...k }) => k) });
      },
    },
    {
      method: 'POST',
      path: /^\/client\/keys$/,
      access: 'client',
      handle: async (req) => {
        const { test } = jsonBody(req.event);
        if (test !== undefined && typeof test !== 'boolean') throw consoleErrors.badRequest('"test" must be true or false.');
        const key = await deps.clients.createKey(clientOf(req), { test: test === true });
        return json(201, { keyId: key.keyId, apiKey: key.apiKey, test: key.test });
      },
    },
    {
      method: 'DELETE',
      path: /^\/client\/keys\/([^/]+)$/,
      access: 'client',
      handle: async (req) => {
        const keyId = req.params[0] ?? '';
        // Another client's key answers exactly like an unknown one: ids are not an oracle.
        const key = await deps.clients.getKey(keyId);
        if (!key || key.clientId !== clientOf(req)) throw consoleErrors.notFound(`No key "${keyId}" for this client.`);
        const revoked = await deps.clients.revokeKey(keyId);
        return json(200, { keyId: revoked.keyId, createdAt: revoked.createdAt, revokedAt: revoked.revokedAt });
      },
    },
  ];
}
