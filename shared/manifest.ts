import { z } from 'zod';
import { UNPRINTABLE } from './control-chars.ts';
import { DomainError } from './errors.ts';
import { MoneyError, parseDecimalMicros } from './money.ts';
import { priceNoticeProblem, type ScheduledPrice } from './lifecycle.ts';
import { parsePrice, type UnitPrice } from './price.ts';

/** Slugs become URL segments, table keys and Lambda names: keep them short and plain. */
export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
/** A feature's authors at most, and its version's length at most (see `manifestSchema`). */
export const MAX_AUTHORS = 10;
export const MAX_VERSION_CHARS = 64;

const decimalPrice = z.string().refine((s) => {
  try {
    parseDecimalMicros(s);
    return true;
  } catch (e) {
    if (e instanceof MoneyError) return false;
    throw e;
  }
}, 'must be a decimal string with at most 6 decimals, e.g. "0.002"');

/**
 * What a request may take end to end: an API Gateway HTTP API integration times out at 30 s, and
 * 29 s is what a Lambda integration can count on (the gateway Lambda's own timeout is this).
 */
export const HTTP_API_TIMEOUT_MS = 29_000;

/**
 * The gateway's own share of a request, around the feature call: the key and limit look-ups
 * before, the metering write (or the spool) and the response after. A cold start and a slow
 * DynamoDB write fit in 2 s; the feature gets the rest.
 */
export const GATEWAY_MARGIN_MS = 2_000;

/**
 * The longest `timeoutMs` a feature may declare. A slower call would be cut off by the HTTP API:
 * the client gets the API's own error while the gateway, still running, meters a result that never
 * reached it. Whole seconds, so that a feature Lambda's timeout (rounded up to the second) still
 * leaves the gateway its margin. Locally the same limit holds, so a feature that loads on one
 * machine also deploys.
 */
export const MAX_TIMEOUT_MS = HTTP_API_TIMEOUT_MS - GATEWAY_MARGIN_MS;

/** An instant with its offset, e.g. "2025-07-01T00:00:00Z" (what `Date.parse` reads the same everywhere). */
const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, e.g. "2025-07-01T00:00:00Z"' });

/**
 * JSON a manifest carries for others to read (its example, its schemas): every page of the
 * catalogue, openapi.json and the deploy serialise it, so it is bounded in depth (checked without
 * recursion: a 20,000-deep array overflowed the stack of JSON.stringify and stopped `npm start`,
 * reloads and `cdk synth` for every feature) and in size.
 */
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_BYTES = 64 * 1024;
export function jsonProblem(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value) ?? '').length;
  return bytes > MAX_JSON_BYTES ? `takes ${bytes} bytes as JSON, more than ${MAX_JSON_BYTES}` : undefined;
}
const boundedJson = <T extends z.ZodType>(schema: T) => schema.superRefine((v, ctx) => {
  const problem = jsonProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An example's path below the feature's URL: empty, or "/…" with no "." or ".." segment (a copied snippet must call this feature). */
const examplePath = z
  .string()
  .max(200)
  .refine((p) => {
    if (p === '') return true;
    if (!p.startsWith('/')) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(p);
    } catch {
      return false;
    }
    return !decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..');
  }, 'must be empty or start with "/", with no "." or ".." segment: the example calls this feature');

const priceText = z.strictObject({ perCall: decimalPrice, perGbSecond: decimalPrice, currency: z.literal('EUR') });

export const manifestSchema = z.strictObject({
  // Shown inline in catalogues and price notices: one plain line, nothing that reorders the text around it.
  name: z.string().min(1).max(80).refine((n) => !UNPRINTABLE.test(n), 'must not contain control characters, line breaks or bidi controls'),
  description: z.string().min(1).max(2000),
  // The version and the authors travel in every usage record, and the authors in the key of every
  // usage line: bounded, so that one manifest cannot make an item the store refuses (a line's sort
  // key ≤ 1,024 bytes) and stop aggregation for everyone (shared/item-bounds.test.ts).
  version: z.string().max(MAX_VERSION_CHARS).regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.0.0'),
  authors: z
    .array(z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a lowercase developer id'), weight: z.number().int().min(1).max(1000) }))
    .min(1)
    .max(MAX_AUTHORS)
    .refine((a) => new Set(a.map((x) => x.id)).size === a.length, 'must not list the same developer twice'),
  price: priceText,
  /**
   * A scheduled price: from `effectiveFrom` on, calls are priced (and recorded) at it. A rise needs
   * `pricePublishedAt` at least the notice (PRICE_RISE_NOTICE_MS, 14 days) before `effectiveFrom`.
   */
  nextPrice: priceText.extend({ effectiveFrom: isoDateTime }).optional(),
  /** when `nextPrice` was announced (docs/decisions/0011-lifecycle-and-price-notice.md) */
  pricePublishedAt: isoDateTime.optional(),
  /**
   * absent is `published`; a `draft` is served only to its authors' test keys and listed nowhere;
   * a `deprecated` feature has `sunsetAt` and answers 410 from then on
   */
  status: z.enum(['draft', 'published', 'deprecated']).optional(),
  /** when it was deprecated (the `Deprecation` header); default: `sunsetAt` less 14 days */
  deprecatedAt: isoDateTime.optional(),
  sunsetAt: isoDateTime.optional(),
  /** the slug of the feature that replaces this one */
  successor: z.string().regex(SLUG, 'must be the slug of another feature').optional(),
  /**
   * Calls each client gets free per UTC month: metered, shown on the invoice at a zero price
   * (docs/decisions/0017-trying-before-paying.md). Absent or 0: none.
   */
  freeCallsPerMonth: z.number().int().min(0).max(1_000_000_000).optional(),
  memoryMb: z.number().int().min(128).max(10240),
  timeoutMs: z.number().int().min(100).max(MAX_TIMEOUT_MS),
  concurrency: z.number().int().min(1).max(64).optional(),
  tags: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/)).max(20).default([]),
  /** JSON Schemas of the request body and the 2xx response body, for `openapi.json` (optional) */
  requestSchema: boundedJson(z.record(z.string(), z.unknown())).optional(),
  responseSchema: boundedJson(z.record(z.string(), z.unknown())).optional(),
  example: boundedJson(z
    .strictObject({
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
      path: examplePath.default(''),
      query: z.string().optional(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
      /** what the feature answers to this request (the catalogue shows it; a test runs the shipped ones) */
      response: z.strictObject({ status: z.number().int().min(100).max(599).default(200), body: z.unknown() }).optional(),
    }))
    .optional(),
}).superRefine((m, ctx) => {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (m.status === 'deprecated') {
    if (m.sunsetAt === undefined) problem('sunsetAt', 'a deprecated feature must say when it retires (sunsetAt, an ISO date-time)');
    else if (m.deprecatedAt !== undefined && Date.parse(m.deprecatedAt) > Date.parse(m.sunsetAt)) problem('deprecatedAt', 'must not be after sunsetAt');
  } else {
    for (const field of ['sunsetAt', 'successor', 'deprecatedAt'] as const) {
      if (m[field] !== undefined) problem(field, 'only a feature with status "deprecated" has one');
    }
  }
  if (m.pricePublishedAt !== undefined && m.nextPrice === undefined) problem('pricePublishedAt', 'says when nextPrice was announced; there is no nextPrice');
});

export type ManifestInput = z.input<typeof manifestSchema>;
export type Manifest = z.output<typeof manifestSchema>;

/** A loaded feature as the platform sees it: the manifest plus parsed prices. */
export interface FeatureSpec {
  slug: string;
  manifest: Manifest;
  price: UnitPrice;
  /** the price that replaces `price` from its `effectiveFromMs` on (manifest `nextPrice`) */
  nextPrice?: ScheduledPrice;
  concurrency: number;
}

export const DEFAULT_CONCURRENCY = 4;

export class ManifestError extends DomainError {
  override readonly name = 'ManifestError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super('invalid_request', `${file}: ${problems.join('; ')}`);
  }
}

/** Validates a parsed manifest; every problem is named with its field path, not only the first. */
export function parseManifest(slug: string, file: string, raw: unknown): FeatureSpec {
  if (!SLUG.test(slug)) throw new ManifestError(file, [`folder name "${slug}" is not a valid slug (lowercase letters, digits, dashes)`]);
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) =>
      i.code === 'too_big' && i.path.join('.') === 'timeoutMs'
        ? `timeoutMs: feature "${slug}" asks for ${String((raw as { timeoutMs?: unknown }).timeoutMs)} ms, but at most ${MAX_TIMEOUT_MS} ms fit behind the HTTP API (${HTTP_API_TIMEOUT_MS / 1000} s per request, ${GATEWAY_MARGIN_MS} ms of them kept by the gateway for the key, limits, metering and the response)`
        : `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`,
    );
    // zod skips the duplicate check when an author entry is itself invalid; report it anyway.
    const ids = Array.isArray((raw as { authors?: unknown })?.authors) ? ((raw as { authors: { id?: unknown }[] }).authors.map((a) => a?.id).filter((id) => typeof id === 'string')) : [];
    if (new Set(ids).size !== ids.length && !problems.some((p) => p.includes('same developer twice'))) {
      problems.push('authors: must not list the same developer twice');
    }
    throw new ManifestError(file, problems);
  }
  const manifest = result.data;
  // The allowance travels with the price: each call's record snapshots it, like the unit prices.
  const free = manifest.freeCallsPerMonth ? { freeCallsPerMonth: manifest.freeCallsPerMonth } : {};
  const price = { ...parsePrice(manifest.price), ...free };
  const problems: string[] = [];
  let nextPrice: ScheduledPrice | undefined;
  if (manifest.nextPrice) {
    const { effectiveFrom, ...text } = manifest.nextPrice;
    nextPrice = { price: { ...parsePrice(text), ...free }, effectiveFromMs: Date.parse(effectiveFrom) };
    const why = priceNoticeProblem(price, nextPrice, manifest.pricePublishedAt === undefined ? undefined : Date.parse(manifest.pricePublishedAt));
    if (why) problems.push(`nextPrice: feature "${slug}": ${why}`);
  }
  if (manifest.successor === slug) problems.push(`successor: feature "${slug}" cannot succeed itself`);
  if (problems.length) throw new ManifestError(file, problems);
  return { slug, manifest, price, ...(nextPrice ? { nextPrice } : {}), concurrency: manifest.concurrency ?? DEFAULT_CONCURRENCY };
}
