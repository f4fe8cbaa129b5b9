import { DomainError } from '../../../shared/errors.ts';
import { isMonth } from '../../../shared/month.ts';
import type { Payee } from '../../../shared/payout-run.ts';
import { statementCsv } from '../../statements/csv.ts';
import type { ApprovedRun, PayoutFlag } from '../../statements/payout-store.ts';
import type { DeveloperEarnings, DeveloperErrors, DeveloperOverview, DeveloperPayee, EarningsFlags, EarningsMonth, EarningsPayout, PayoutFlagInfo } from '../api-types.ts';
import type { ConsoleDeps } from '../deps.ts';
import type { Route, RouteRequest } from '../handler.ts';
import { consoleErrors, csv, json, jsonBody, stringField } from '../http.ts';
import { catalogueEntry, dayStat, recentDays } from './catalogue.ts';
import { developerClientId } from '../../keys/client-store.ts';
import { isDraft } from '../../../shared/lifecycle.ts';
import { maskIban } from './money-views.ts';
import { RECENT_ERRORS_DAYS, RECENT_ERRORS_LIMIT } from '../recent-errors.ts';

/** Earnings list the closed months of the last two years. */
const EARNING_MONTHS = 24;

const DAY_MS = 86_400_000;
const MAX_FLAG_NOTE = 1_000;

/**
 * The signed-in developer's id, the only one these routes ever read or write payees and flags
 * of: the console Lambda may write any developer's payee item (IAM cannot tell developers apart),
 * so no id is ever taken from the path or the body.
 */
function developerOf(req: RouteRequest): string {
  return req.session?.developerId as string;
}

const flagInfo = (f: PayoutFlag): PayoutFlagInfo => ({ featureId: f.featureId, note: f.note, at: f.at });

function payeeView(p: (Payee & { updatedAt: number }) | undefined): DeveloperPayee {
  return { payee: p ? { name: p.name, iban: maskIban(p.iban), ibanLast4: p.iban.slice(-4), country: p.iban.slice(0, 2), updatedAt: p.updatedAt } : null };
}

/** What a month's run did with a developer's balance: its own line of the run, nothing of anyone else's. */
function payoutOf(
  developerId: string,
  d: { payableMicros: number; carriedOutMicros: number } | undefined,
  run: ApprovedRun | undefined,
  reviewEndsAt: number,
  flags: PayoutFlag[],
  now: number,
): EarningsPayout {
  const line = run?.plan.lines.find((l) => l.developerId === developerId);
  const underMinimum = (d?.payableMicros ?? 0) === 0 && (d?.carriedOutMicros ?? 0) > 0;
  const paid = line && line.paidCents > 0;
  return {
    status: run ? 'approved' : now < reviewEndsAt ? 'in_review' : 'awaiting_approval',
    reviewEndsAt,
    paidCents: run ? (line?.paidCents ?? 0) : null,
    owedBeforeCents: run ? (line?.owedBeforeCents ?? 0) : null,
    carriedCents: run ? (line?.carriedCents ?? 0) : null,
    paidOn: run && paid ? run.executionDate : null,
    approvedAt: run?.approvedAt ?? null,
    ibanLast4: paid && line.iban ? line.iban.slice(-4) : null,
    carried: line?.reason ?? (underMinimum ? 'under_minimum' : null),
    flags: flags.map(flagInfo),
  };
}

export function developerRoutes(deps: ConsoleDeps): Route[] {
  return [
    // The developer's test keys: to try features and call their own drafts (decision 0017).
    {
      method: 'GET',
      path: /^\/developer\/keys$/,
      access: 'developer',
      handle: async (req) => {
        const keys = (await deps.clients.listKeys(developerClientId(developerOf(req)))).sort((a, b) => b.createdAt - a.createdAt);
        return json(200, { keys: keys.map(({ clientId: _c, developerId: _d, ...k }) => k) });
      },
    },
    {
      method: 'POST',
      path: /^\/developer\/keys$/,
      access: 'developer',
      handle: async (req) => {
        const key = await deps.clients.createDeveloperTestKey(developerOf(req));
        return json(201, { keyId: key.keyId, apiKey: key.apiKey, test: true });
      },
    },
    {
      method: 'DELETE',
      path: /^\/developer\/keys\/([^/]+)$/,
      access: 'developer',
      handle: async (req) => {
        const keyId = req.params[0] ?? '';
        // Another's key answers exactly like an unknown one.
        const key = await deps.clients.getKey(keyId);
        if (!key || key.developerId !== developerOf(req)) throw consoleErrors.notFound(`No test key "${keyId}" of yours.`);
        const revoked = await deps.clients.revokeKey(keyId);
        return json(200, { keyId: revoked.keyId, createdAt: revoked.createdAt, revokedAt: revoked.revokedAt, test: true });
      },
    },
    {
      method: 'GET',
      path: /^\/developer\/overview$/,
      access: 'developer',
      handle: async (req) => {
        const developerId = developerOf(req);
        await deps.settled?.();
        // Only features this developer authors: another developer's figures never leave the store.
        const mine = deps.features.list().filter((f) => f.manifest.authors.some((a) => a.id === developerId));
        const days = await Promise.all(mine.map((f) => recentDays(deps, f.slug, req.now)));
        const body: DeveloperOverview = {
          developerId,
          features: mine.map((f, i) => {
            const entry = catalogueEntry(f, days[i] ?? [], req.now);
            const weight = f.manifest.authors.find((a) => a.id === developerId)?.weight ?? 0;
            return { slug: f.slug, name: f.manifest.name, version: f.manifest.version, ...(isDraft(f) ? { draft: true as const } : {}), weight, totalWeight: f.manifest.authors.reduce((n, a) => n + a.weight, 0), quality: entry.quality };
          }),
          days: mine.flatMap((f, i) => (days[i] ?? []).map((d) => dayStat(d, f.manifest.timeoutMs))).sort((a, b) => (a.day === b.day ? (a.featureId < b.featureId ? -1 : 1) : a.day < b.day ? -1 : 1)),
        };
        return json(200, body);
      },
    },
    {
      method: 'GET',
      path: /^\/developer\/errors$/,
      access: 'developer',
      handle: async (req) => {
        const developerId = developerOf(req);
        // Only the logs of features this developer authors, drafts included: the id is the
        // session's, never one from the request. The lines hold what the feature wrote and the
        // invocation id, nothing of the client (features see only a pseudonym).
        const mine = deps.features.list().filter((f) => f.manifest.authors.some((a) => a.id === developerId));
        const sinceMs = req.now - RECENT_ERRORS_DAYS * DAY_MS;
        const errors = mine.length ? await deps.recentErrors.of(mine.map((f) => f.slug), sinceMs, RECENT_ERRORS_LIMIT) : [];
        const body: DeveloperErrors = { sinceMs, errors };
        return json(200, body);
      },
    },
    {
      method: 'GET',
      path: /^\/developer\/earnings$/,
      access: 'developer',
      handle: async (req) => {
        const developerId = developerOf(req);
        const { payouts } = deps;
        const months: EarningsMonth[] = [];
        let share: number | undefined;
        for (const month of (await deps.statementStore.closedMonths()).slice(0, EARNING_MONTHS)) {
          const [part, run] = await Promise.all([deps.statementStore.partyOf(month, { developer: developerId }), payouts.approved.get(month)]);
          const d = part?.statement.developers[0];
          // A month without earnings still counts when its run paid (or carried) what an earlier one owed.
          const inRun = run?.plan.lines.some((l) => l.developerId === developerId);
          if (!d && !inRun) continue;
          const closedAt = part?.closedAt ?? (await deps.statementStore.summary(month))?.closedAt ?? 0;
          share ??= part?.statement.developerSharePercent;
          const flags = await payouts.payees.flagsOf(developerId, month);
          months.push({
            month,
            closedAt,
            earnedMicros: d?.earnedMicros ?? 0,
            carriedInMicros: d?.carriedInMicros ?? 0,
            payableMicros: d?.payableMicros ?? 0,
            carriedOutMicros: d?.carriedOutMicros ?? 0,
            lines: d?.lines ?? [],
            payout: payoutOf(developerId, d, run, closedAt + payouts.reviewDays * DAY_MS, flags, req.now),
          });
        }
        const body: DeveloperEarnings = { developerId, developerSharePercent: share ?? null, minimumPayoutMicros: payouts.minimumPayoutMicros, months };
        return json(200, body);
      },
    },
    {
      method: 'GET',
      path: /^\/developer\/payee$/,
      access: 'developer',
      handle: async (req) => json(200, payeeView(await deps.payouts.payees.payee(developerOf(req)))),
    },
    {
      method: 'PUT',
      path: /^\/developer\/payee$/,
      access: 'developer',
      handle: async (req) => {
        const body = jsonBody(req.event);
        // PayoutError (400) names each field at fault: "payee: iban: ...; name: ...".
        await deps.payouts.payees.setPayee(developerOf(req), { name: body.name, iban: body.iban }, req.now);
        return json(200, payeeView(await deps.payouts.payees.payee(developerOf(req))));
      },
    },
    {
      method: 'POST',
      path: /^\/developer\/earnings\/([^/]+)\/flags$/,
      access: 'developer',
      handle: async (req) => {
        const developerId = developerOf(req);
        const month = req.params[0] ?? '';
        if (!isMonth(month)) throw consoleErrors.badRequest(`"${month}" is not a month (YYYY-MM).`);
        const body = jsonBody(req.event);
        const featureId = stringField(body, 'featureId', 200);
        const note = stringField(body, 'note', MAX_FLAG_NOTE).trim();
        if (!note) throw consoleErrors.badRequest('"note" must say what finance should look at.');
        const summary = await deps.statementStore.summary(month);
        if (!summary) throw consoleErrors.conflict(`${month} is not closed yet: its earnings can be flagged once finance closes it.`);
        const part = await deps.statementStore.partyOf(month, { developer: developerId });
        const mine = part?.statement.developers[0]?.lines.some((l) => l.featureId === featureId) ?? false;
        if (!mine) throw new DomainError('forbidden', `"${featureId}" is not a line of your earnings in ${month}: you can flag only your own lines.`);
        const reviewEndsAt = summary.closedAt + deps.payouts.reviewDays * DAY_MS;
        if (req.now >= reviewEndsAt || (await deps.payouts.approved.get(month))) {
          throw consoleErrors.conflict(`The review of ${month}'s earnings ended on ${new Date(reviewEndsAt).toISOString()}: its payout run is in finance's hands. Write to finance instead.`);
        }
        await deps.payouts.payees.flag({ developerId, month, featureId, note, at: req.now });
        const flags: EarningsFlags = { month, flags: (await deps.payouts.payees.flagsOf(developerId, month)).map(flagInfo) };
        return json(201, flags);
      },
    },
    {
      method: 'GET',
      path: /^\/developer\/earnings\/([^/]+)\.csv$/,
      access: 'developer',
      handle: async (req) => {
        const month = req.params[0] ?? '';
        if (!isMonth(month)) throw consoleErrors.badRequest(`"${month}" is not a month (YYYY-MM).`);
        const part = await deps.statementStore.partyOf(month, { developer: developerOf(req) });
        if (!part) throw consoleErrors.notFound((await deps.statementStore.summary(month)) ? `You earned nothing in ${month}.` : `${month} is not closed yet.`);
        return csv(`faascape-earnings-${month}-${developerOf(req)}.csv`, statementCsv(part.statement, { developer: developerOf(req) }));
      },
    },
  ];
}
