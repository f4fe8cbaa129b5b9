/**
 * A feature's lifecycle and price schedule at a given instant: pure functions of the parsed spec
 * and a clock, shared by the gateway (headers, 410, the price fixed on each record) and the
 * manifest's validation (the notice a price rise needs).
 *
 * Import only types from ./manifest.ts here: this module is in the gateway's bundle, zod is not.
 */
import type { FeatureSpec } from './manifest.ts';
import type { UnitPrice } from './price.ts';

export const DAY_MS = 24 * 3600_000;

/**
 * How long before it applies a price rise must be published (manifest `pricePublishedAt`, checked
 * against `nextPrice.effectiveFrom`). Clients who pay per call get two weeks to react.
 */
export const PRICE_RISE_NOTICE_MS = 14 * DAY_MS;

/**
 * When a deprecated feature's manifest does not say when it was deprecated (`deprecatedAt`), it
 * counts as deprecated this long before its `sunsetAt`: the same notice as a price rise.
 */
export const DEPRECATION_NOTICE_MS = PRICE_RISE_NOTICE_MS;

export type FeatureStatus = 'draft' | 'published' | 'deprecated';

/**
 * A draft is served only to its own authors' test keys: absent from every catalogue, and
 * `404 feature_not_found` to anyone else, so that a folder in `functions/` is neither public nor
 * billable until its developer publishes it.
 */
export function isDraft(spec: Pick<FeatureSpec, 'manifest'>): boolean {
  return spec.manifest.status === 'draft';
}

/** The features anyone may see: every one but drafts. */
export function publicFeatures<F extends Pick<FeatureSpec, 'manifest'>>(features: readonly F[]): F[] {
  return features.filter((f) => !isDraft(f));
}

/** May this caller call this feature? A draft: only a test key of one of its authors. */
export function mayCall(spec: Pick<FeatureSpec, 'manifest'>, caller: { test?: true; developerId?: string } | undefined): boolean {
  if (!isDraft(spec)) return true;
  return caller?.test === true && caller.developerId !== undefined && spec.manifest.authors.some((a) => a.id === caller.developerId);
}

/** A price that replaces the current one from `effectiveFromMs` (epoch ms) on. */
export interface ScheduledPrice {
  price: UnitPrice;
  effectiveFromMs: number;
}

/** True when `next` costs more than `current` per call or per GB-second (a mixed change is a rise). */
export function isPriceRise(current: UnitPrice, next: UnitPrice): boolean {
  return next.perCallMicros > current.perCallMicros || next.perGbSecondMicros > current.perGbSecondMicros;
}

/**
 * Why a price schedule is refused, or undefined when it is fine: a rise must be published
 * (`publishedAtMs`) at least the notice before it takes effect; a drop (or an equal price) may
 * apply at once.
 */
export function priceNoticeProblem(current: UnitPrice, next: ScheduledPrice, publishedAtMs: number | undefined, noticeMs = PRICE_RISE_NOTICE_MS): string | undefined {
  if (!isPriceRise(current, next.price)) return undefined;
  const days = noticeMs / DAY_MS;
  if (publishedAtMs === undefined) {
    return `a price rise needs pricePublishedAt (when it was announced) at least ${days} days before nextPrice.effectiveFrom`;
  }
  if (next.effectiveFromMs - publishedAtMs < noticeMs) {
    return `a price rise needs ${days} days' notice: published ${new Date(publishedAtMs).toISOString()}, effective ${new Date(next.effectiveFromMs).toISOString()} (at the earliest ${new Date(publishedAtMs + noticeMs).toISOString()})`;
  }
  return undefined;
}

/** The unit price of a call made at `atMs`: the next price from its `effectiveFrom` on, else the current one. */
export function priceAt(spec: Pick<FeatureSpec, 'price' | 'nextPrice'>, atMs: number): UnitPrice {
  return spec.nextPrice && atMs >= spec.nextPrice.effectiveFromMs ? spec.nextPrice.price : spec.price;
}

/** The announced next price, while it is still to come. */
export function upcomingPrice(spec: Pick<FeatureSpec, 'nextPrice'>, atMs: number): ScheduledPrice | undefined {
  return spec.nextPrice && atMs < spec.nextPrice.effectiveFromMs ? spec.nextPrice : undefined;
}

export interface Lifecycle {
  status: FeatureStatus;
  /** epoch ms; only for a deprecated feature */
  deprecatedAtMs?: number;
  sunsetAtMs?: number;
  successor?: string;
}

/** The lifecycle a manifest declares; no `status` is `published`. */
export function lifecycleOf(spec: Pick<FeatureSpec, 'manifest'>): Lifecycle {
  const m = spec.manifest;
  if (m.status === 'draft') return { status: 'draft' };
  if (m.status !== 'deprecated' || m.sunsetAt === undefined) return { status: 'published' };
  const sunsetAtMs = Date.parse(m.sunsetAt);
  const deprecatedAtMs = m.deprecatedAt !== undefined ? Date.parse(m.deprecatedAt) : sunsetAtMs - DEPRECATION_NOTICE_MS;
  return { status: 'deprecated', deprecatedAtMs, sunsetAtMs, ...(m.successor !== undefined ? { successor: m.successor } : {}) };
}

/** A deprecated feature is retired (410) from its `sunsetAt` on. */
export function isRetired(spec: Pick<FeatureSpec, 'manifest'>, atMs: number): boolean {
  const l = lifecycleOf(spec);
  return l.sunsetAtMs !== undefined && atMs >= l.sunsetAtMs;
}

/** The path a feature is called at, for `Link` headers and messages. */
export const featurePath = (slug: string) => `/v1/features/${slug}`;

/**
 * The headers every answer about a deprecated feature carries: `Deprecation` (RFC 9745, `@` and
 * unix seconds), `Sunset` (RFC 8594, an HTTP-date) and, with a successor, a `Link` to it
 * (`rel="successor-version"`, RFC 5829). None for a published feature.
 */
export function lifecycleHeaders(spec: Pick<FeatureSpec, 'manifest'>): Record<string, string> {
  const l = lifecycleOf(spec);
  if (l.status !== 'deprecated' || l.sunsetAtMs === undefined || l.deprecatedAtMs === undefined) return {};
  return {
    deprecation: `@${Math.floor(l.deprecatedAtMs / 1000)}`,
    sunset: new Date(l.sunsetAtMs).toUTCString(),
    ...(l.successor !== undefined ? { link: `<${featurePath(l.successor)}>; rel="successor-version"` } : {}),
  };
}
