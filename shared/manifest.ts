import { z } from 'zod';
import { DomainError } from './errors.ts';
import { MoneyError, parseDecimalMicros } from './money.ts';
import { parsePrice, type UnitPrice } from './price.ts';

/** Slugs become URL segments, table keys and Lambda names: keep them short and plain. */
export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

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

export const manifestSchema = z.strictObject({
  name: z.string().min(1).max(80),
  description: z.string().min(1).max(2000),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'must be a semantic version such as 1.0.0'),
  authors: z
    .array(z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a lowercase developer id'), weight: z.number().int().min(1).max(1000) }))
    .min(1)
    .refine((a) => new Set(a.map((x) => x.id)).size === a.length, 'must not list the same developer twice'),
  price: z.strictObject({ perCall: decimalPrice, perGbSecond: decimalPrice, currency: z.literal('EUR') }),
  memoryMb: z.number().int().min(128).max(10240),
  timeoutMs: z.number().int().min(100).max(MAX_TIMEOUT_MS),
  concurrency: z.number().int().min(1).max(64).optional(),
  tags: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/)).max(20).default([]),
  example: z
    .strictObject({
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
      path: z.string().default(''),
      query: z.string().optional(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
    })
    .optional(),
});

export type ManifestInput = z.input<typeof manifestSchema>;
export type Manifest = z.output<typeof manifestSchema>;

/** A loaded feature as the platform sees it: the manifest plus parsed prices. */
export interface FeatureSpec {
  slug: string;
  manifest: Manifest;
  price: UnitPrice;
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
  return { slug, manifest, price: parsePrice(manifest.price), concurrency: manifest.concurrency ?? DEFAULT_CONCURRENCY };
}
