/**
 * The feature catalogue as plain data. Manifests are validated once, at synth: infra parses every
 * `functions/<slug>/feature.json` with `parseManifest` (zod) and refuses to deploy a bad one. The
 * parsed `FeatureSpec`s (defaults applied, prices in integer micros) are inlined into the gateway
 * and console bundles as JSON (the esbuild `define` of FAASCAPE_CATALOG), and the Lambdas only
 * check their shape here, by hand: zod stays out of their bundles (test/infra-bundle.test.ts).
 *
 * Import only types from ./manifest.ts here: any value from it brings zod into the bundle.
 */
import type { FeatureSpec } from './manifest.ts';

export class CatalogueError extends Error {
  override readonly name = 'CatalogueError';
}

/** The catalogue of already-parsed specs, as the bundles carry it. */
export function catalogueJson(specs: readonly FeatureSpec[]): string {
  return JSON.stringify(specs.map((s) => ({ slug: s.slug, manifest: s.manifest, price: s.price, ...(s.nextPrice ? { nextPrice: s.nextPrice } : {}), concurrency: s.concurrency })));
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isMicros = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isInstant = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && Number.isFinite(Date.parse(v));
const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

/** The problems of one entry: the fields the gateway and the console read, nothing more. */
function problemsOf(e: unknown): string[] {
  if (!isObject(e)) return [`must be an object, got ${show(e)}`];
  const problems: string[] = [];
  const need = (ok: boolean, field: string, what: string, value: unknown) => {
    if (!ok) problems.push(`${field} must be ${what}, got ${show(value)}`);
  };
  need(isText(e.slug), 'slug', 'a non-empty string', e.slug);
  need(isPositiveInt(e.concurrency), 'concurrency', 'a positive integer', e.concurrency);
  const price = e.price;
  const unitPrice = (p: unknown, field: string) => {
    if (!isObject(p)) problems.push(`${field} must be the parsed price ({ perCallMicros, perGbSecondMicros, currency }), got ${show(p)}`);
    else {
      need(isMicros(p.perCallMicros), `${field}.perCallMicros`, 'a non-negative integer (micros)', p.perCallMicros);
      need(isMicros(p.perGbSecondMicros), `${field}.perGbSecondMicros`, 'a non-negative integer (micros)', p.perGbSecondMicros);
      need(isText(p.currency), `${field}.currency`, 'a currency code', p.currency);
      need(p.freeCallsPerMonth === undefined || isMicros(p.freeCallsPerMonth), `${field}.freeCallsPerMonth`, 'a non-negative integer when present', p.freeCallsPerMonth);
    }
  };
  unitPrice(price, 'price');
  const next = e.nextPrice;
  if (next !== undefined) {
    if (!isObject(next)) problems.push(`nextPrice must be { price, effectiveFromMs } when present, got ${show(next)}`);
    else {
      unitPrice(next.price, 'nextPrice.price');
      need(Number.isSafeInteger(next.effectiveFromMs), 'nextPrice.effectiveFromMs', 'an integer (epoch ms)', next.effectiveFromMs);
      if (isObject(price) && isObject(next.price) && next.price.currency !== price.currency) problems.push(`nextPrice.price.currency ${show(next.price.currency)} differs from price.currency ${show(price.currency)}`);
    }
  }
  const m = e.manifest;
  if (!isObject(m)) return [...problems, `manifest must be an object, got ${show(m)}`];
  // The lifecycle: the gateway answers 410 from sunsetAt on, so a deprecated feature must carry it.
  need(m.status === undefined || m.status === 'draft' || m.status === 'published' || m.status === 'deprecated', 'manifest.status', '"draft", "published" or "deprecated" when present', m.status);
  if (m.status === 'deprecated') need(isInstant(m.sunsetAt), 'manifest.sunsetAt', 'an ISO date-time (status is "deprecated")', m.sunsetAt);
  else need(m.sunsetAt === undefined && m.successor === undefined && m.deprecatedAt === undefined, 'manifest', 'without sunsetAt, successor or deprecatedAt unless its status is "deprecated"', { status: m.status, sunsetAt: m.sunsetAt, successor: m.successor, deprecatedAt: m.deprecatedAt });
  need(m.deprecatedAt === undefined || isInstant(m.deprecatedAt), 'manifest.deprecatedAt', 'an ISO date-time when present', m.deprecatedAt);
  need(m.successor === undefined || isText(m.successor), 'manifest.successor', 'a slug when present', m.successor);
  need((m.nextPrice === undefined) === (next === undefined), 'nextPrice', 'present exactly when manifest.nextPrice is', next);
  for (const f of ['name', 'description', 'version'] as const) need(isText(m[f]), `manifest.${f}`, 'a non-empty string', m[f]);
  need(isPositiveInt(m.memoryMb), 'manifest.memoryMb', 'a positive integer', m.memoryMb);
  need(isPositiveInt(m.timeoutMs), 'manifest.timeoutMs', 'a positive integer', m.timeoutMs);
  const authors = m.authors;
  need(Array.isArray(authors) && authors.length > 0 && authors.every((a) => isObject(a) && isText(a.id) && isPositiveInt(a.weight)), 'manifest.authors', 'a non-empty list of { id, weight }', authors);
  const text = m.price;
  need(isObject(text) && isText(text.perCall) && isText(text.perGbSecond) && isText(text.currency), 'manifest.price', 'the manifest\'s price ({ perCall, perGbSecond, currency })', text);
  if (isObject(price) && isObject(text) && price.currency !== text.currency) problems.push(`price.currency ${show(price.currency)} differs from manifest.price.currency ${show(text.currency)}`);
  need(Array.isArray(m.tags) && m.tags.every((t) => typeof t === 'string'), 'manifest.tags', 'a list of strings', m.tags);
  need(m.example === undefined || isObject(m.example), 'manifest.example', 'an object when present', m.example);
  return problems;
}

/**
 * Reads the catalogue a bundle carries, checking the shape of what the gateway and the console
 * use (types, integer micros, unique slugs). It does not validate manifests again: synth did.
 * Every problem is reported at once, so a bad bundle fails its cold start with one clear error.
 */
export function parseCatalogue(json: string): FeatureSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new CatalogueError(`the feature catalogue is not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new CatalogueError(`the feature catalogue must be a list of feature specs, got ${typeof raw}`);
  const problems: string[] = [];
  const slugs = new Set<string>();
  raw.forEach((e: unknown, i) => {
    const slug = isObject(e) && typeof e.slug === 'string' ? e.slug : undefined;
    const at = `feature ${i}${slug ? ` ("${slug}")` : ''}`;
    for (const p of problemsOf(e)) problems.push(`${at}: ${p}`);
    if (slug !== undefined) {
      if (slugs.has(slug)) problems.push(`${at}: slug listed twice`);
      slugs.add(slug);
    }
  });
  if (problems.length) {
    throw new CatalogueError(`the feature catalogue is not the parsed specs infra writes at synth (shared/catalogue.ts, catalogueJson): ${problems.join('; ')}`);
  }
  return raw as FeatureSpec[];
}
