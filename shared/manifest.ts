import { z } from 'zod';
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
  timeoutMs: z.number().int().min(100).max(900_000),
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

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
  }
}

/** Validates a parsed manifest; every problem is named with its field path, not only the first. */
export function parseManifest(slug: string, file: string, raw: unknown): FeatureSpec {
  if (!SLUG.test(slug)) throw new ManifestError(file, [`folder name "${slug}" is not a valid slug (lowercase letters, digits, dashes)`]);
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
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
