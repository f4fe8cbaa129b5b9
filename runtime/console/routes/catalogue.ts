import { dayOf, qualitySignals, type FeatureDay } from '../../../shared/day-stats.ts';
import { percentileMs } from '../../../shared/latency.ts';
import type { FeatureSpec } from '../../../shared/manifest.ts';
import type { CatalogueFeature, CatalogueFeatureDetail, FeatureDayStat } from '../api-types.ts';
import type { ConsoleDeps } from '../deps.ts';
import type { Route } from '../handler.ts';
import { consoleErrors, isHttps, json, type Event } from '../http.ts';
import { isDraft, publicFeatures } from '../../../shared/lifecycle.ts';

const DAY_MS = 24 * 3600_000;
export const QUALITY_WINDOW_DAYS = 30;

/** One day of a feature for its charts; percentiles never above its timeout. */
export function dayStat(d: FeatureDay, timeoutMs: number): FeatureDayStat {
  return {
    featureId: d.featureId,
    day: d.day,
    calls: d.calls,
    okCalls: d.okCalls,
    errors: d.errors,
    timeouts: d.timeouts,
    clientErrors: d.clientErrors,
    p50Ms: percentileMs(d.latency, 0.5, timeoutMs),
    p95Ms: percentileMs(d.latency, 0.95, timeoutMs),
  };
}

/** The last 30 UTC days of one feature, today included. */
export function recentDays(deps: ConsoleDeps, featureId: string, now: number): Promise<FeatureDay[]> {
  return deps.usage.featureDays(featureId, dayOf(now - (QUALITY_WINDOW_DAYS - 1) * DAY_MS), dayOf(now));
}

export function catalogueEntry(f: FeatureSpec, days: FeatureDay[], now: number): CatalogueFeature {
  const m = f.manifest;
  return {
    slug: f.slug,
    name: m.name,
    description: m.description,
    version: m.version,
    tags: m.tags,
    authors: m.authors,
    price: { perCall: m.price.perCall, perGbSecond: m.price.perGbSecond, currency: 'EUR', perCallMicros: f.price.perCallMicros, perGbSecondMicros: f.price.perGbSecondMicros },
    ...(m.freeCallsPerMonth ? { freeCallsPerMonth: m.freeCallsPerMonth } : {}),
    memoryMb: m.memoryMb,
    timeoutMs: m.timeoutMs,
    quality: qualitySignals(days, now, QUALITY_WINDOW_DAYS, m.timeoutMs),
    ...(m.example ? { example: m.example } : {}),
  };
}

function origin(event: Event): string {
  const host = event.headers?.['x-forwarded-host'] ?? event.headers?.host ?? event.requestContext.domainName;
  return `${isHttps(event) ? 'https' : 'http'}://${host}`;
}

export function catalogueRoutes(deps: ConsoleDeps): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/catalogue$/,
      access: 'public',
      handle: async ({ now }) => {
        await deps.settled?.();
        const features = publicFeatures(deps.features.list()).sort((a, b) => (a.slug < b.slug ? -1 : 1));
        const days = await Promise.all(features.map((f) => recentDays(deps, f.slug, now)));
        return json(200, { features: features.map((f, i) => catalogueEntry(f, days[i] ?? [], now)) });
      },
    },
    {
      method: 'GET',
      path: /^\/catalogue\/([^/]+)$/,
      access: 'public',
      handle: async ({ event, params, now }) => {
        const feature = deps.features.get(params[0] ?? '');
        // A draft is listed nowhere public (its authors see it on their developer page).
        if (!feature || isDraft(feature)) throw consoleErrors.notFound(`No feature named "${params[0]}".`);
        await deps.settled?.();
        const days = await recentDays(deps, feature.slug, now);
        const detail: CatalogueFeatureDetail = {
          ...catalogueEntry(feature, days, now),
          invokeUrl: `${origin(event)}/v1/features/${feature.slug}`,
          days: days.map((d) => dayStat(d, feature.manifest.timeoutMs)),
        };
        return json(200, detail);
      },
    },
  ];
}
