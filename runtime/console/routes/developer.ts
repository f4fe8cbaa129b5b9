import { isMonth } from '../../../shared/month.ts';
import { statementCsv } from '../../statements/csv.ts';
import type { DeveloperEarnings, DeveloperOverview } from '../api-types.ts';
import type { ConsoleDeps } from '../deps.ts';
import type { Route, RouteRequest } from '../handler.ts';
import { consoleErrors, csv, json } from '../http.ts';
import { catalogueEntry, dayStat, recentDays } from './catalogue.ts';

/** Earnings list the closed months of the last two years. */
const EARNING_MONTHS = 24;

function developerOf(req: RouteRequest): string {
  return req.session?.developerId as string;
}

export function developerRoutes(deps: ConsoleDeps): Route[] {
  return [
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
            return { slug: f.slug, name: f.manifest.name, version: f.manifest.version, weight, totalWeight: f.manifest.authors.reduce((n, a) => n + a.weight, 0), quality: entry.quality };
          }),
          days: mine.flatMap((f, i) => (days[i] ?? []).map((d) => dayStat(d, f.manifest.timeoutMs))).sort((a, b) => (a.day === b.day ? (a.featureId < b.featureId ? -1 : 1) : a.day < b.day ? -1 : 1)),
        };
        return json(200, body);
      },
    },
    {
      method: 'GET',
      path: /^\/developer\/earnings$/,
      access: 'developer',
      handle: async (req) => {
        const developerId = developerOf(req);
        const months: DeveloperEarnings['months'] = [];
        let share: number | undefined;
        for (const month of (await deps.statementStore.closedMonths()).slice(0, EARNING_MONTHS)) {
          const part = await deps.statementStore.partyOf(month, { developer: developerId });
          const d = part?.statement.developers[0];
          if (!part || !d) continue;
          share ??= part.statement.developerSharePercent;
          months.push({ month, earnedMicros: d.earnedMicros, carriedInMicros: d.carriedInMicros, payableMicros: d.payableMicros, carriedOutMicros: d.carriedOutMicros, lines: d.lines });
        }
        return json(200, { developerId, developerSharePercent: share ?? null, months });
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
