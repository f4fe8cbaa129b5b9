import { describe, expect, it } from 'vitest';
import { CatalogueError, catalogueJson, parseCatalogue } from './catalogue.ts';
import { parseManifest } from './manifest.ts';

const spec = (slug: string, over: Record<string, unknown> = {}) =>
  parseManifest(slug, `functions/${slug}/feature.json`, {
    name: 'IBAN check',
    description: 'Checks an IBAN.',
    version: '1.2.3',
    authors: [
      { id: 'carol', weight: 2 },
      { id: 'dan', weight: 1 },
    ],
    price: { perCall: '0.0015', perGbSecond: '0.000017', currency: 'EUR' },
    memoryMb: 256,
    timeoutMs: 2500,
    example: { body: { iban: 'FR76 3000 6000 0112 3456 7890 189' } },
    ...over,
  });

/** The message of the CatalogueError that parsing `value` (as JSON) throws. */
function rejection(value: unknown): string {
  try {
    parseCatalogue(typeof value === 'string' ? value : JSON.stringify(value));
  } catch (e) {
    expect(e).toBeInstanceOf(CatalogueError);
    return (e as Error).message;
  }
  throw new Error('expected parseCatalogue to reject the catalogue');
}

describe('the feature catalogue as plain data', () => {
  it('gives back the specs parsed at synth, prices in integer micros and defaults applied', () => {
    const specs = [spec('iban-check'), spec('vat-check', { concurrency: 9, tags: ['tax'] })];
    const back = parseCatalogue(catalogueJson(specs));
    expect(back).toEqual(specs);
    expect(back[0]?.price).toEqual({ perCallMicros: 1500, perGbSecondMicros: 17, currency: 'EUR' });
    expect(back[0]?.concurrency).toBe(4);
    expect(back[0]?.manifest.tags).toEqual([]);
    expect(back[0]?.manifest.example).toMatchObject({ method: 'POST', path: '' });
    expect(back[1]?.concurrency).toBe(9);
    expect(parseCatalogue(catalogueJson([]))).toEqual([]);
  });

  it('carries a free allowance with each price, as the gateway records it', () => {
    const specs = [spec('iban-check', { freeCallsPerMonth: 100, nextPrice: { perCall: '0.001', perGbSecond: '0', currency: 'EUR', effectiveFrom: '2027-01-01T00:00:00Z' } })];
    const back = parseCatalogue(catalogueJson(specs));
    expect(back[0]?.price.freeCallsPerMonth).toBe(100);
    expect(back[0]?.nextPrice?.price.freeCallsPerMonth).toBe(100);
    const [entry] = JSON.parse(catalogueJson(specs)) as Record<string, Record<string, unknown>>[];
    expect(rejection([{ ...entry, price: { ...entry?.price, freeCallsPerMonth: -1 } }])).toMatch(/price\.freeCallsPerMonth must be a non-negative integer/);
  });

  it('refuses the old form (slug and raw manifest): the prices are not parsed', () => {
    const message = rejection([{ slug: 'iban-check', manifest: spec('iban-check').manifest }]);
    expect(message).toMatch(/feature 0 \("iban-check"\): price must be the parsed price/);
    expect(message).toMatch(/concurrency must be a positive integer, got nothing/);
    expect(message).toMatch(/written at synth|writes at synth/);
  });

  it('names every problem, with the feature and the field', () => {
    const good = JSON.parse(catalogueJson([spec('a-feature')])) as Record<string, any>[];
    const bad = structuredClone(good[0]!);
    bad.price.perCallMicros = 0.5;
    bad.price.currency = 'USD';
    bad.manifest.authors = [];
    bad.manifest.timeoutMs = '2000';
    const message = rejection([good[0], bad, 42]);
    expect(message).toContain('feature 1 ("a-feature"): price.perCallMicros must be a non-negative integer (micros), got 0.5');
    expect(message).toContain('price.currency "USD" differs from manifest.price.currency "EUR"');
    expect(message).toContain('manifest.authors must be a non-empty list of { id, weight }, got []');
    expect(message).toContain('manifest.timeoutMs must be a positive integer, got "2000"');
    expect(message).toContain('feature 2: must be an object, got 42');
    expect(message).toContain('feature 1 ("a-feature"): slug listed twice');
    expect(message).not.toContain('feature 0');
  });

  it('refuses what is not a list of specs', () => {
    expect(rejection('{oops')).toMatch(/not JSON/);
    expect(rejection({ 'iban-check': {} })).toMatch(/must be a list of feature specs, got object/);
    expect(rejection([{ slug: '', manifest: null }])).toMatch(/slug must be a non-empty string.*manifest must be an object, got null/);
  });

  it('carries the lifecycle and the next price, and gives them back', () => {
    const deprecated = spec('iban-check', { status: 'deprecated', sunsetAt: '2025-07-01T00:00:00Z', successor: 'iban-check-v2' });
    const repriced = spec('vat-check', { nextPrice: { perCall: '0.003', perGbSecond: '0', currency: 'EUR', effectiveFrom: '2025-07-15T00:00:00Z' }, pricePublishedAt: '2025-07-01T00:00:00Z' });
    const back = parseCatalogue(catalogueJson([deprecated, repriced]));
    expect(back).toEqual([deprecated, repriced]);
    expect(back[0]?.manifest).toMatchObject({ status: 'deprecated', sunsetAt: '2025-07-01T00:00:00Z', successor: 'iban-check-v2' });
    expect(back[1]?.nextPrice).toEqual({ price: { perCallMicros: 3000, perGbSecondMicros: 0, currency: 'EUR' }, effectiveFromMs: Date.parse('2025-07-15T00:00:00Z') });
  });

  it('refuses a lifecycle or a next price the gateway could not act on', () => {
    const [good] = JSON.parse(catalogueJson([spec('iban-check', { nextPrice: { perCall: '0.001', perGbSecond: '0', currency: 'EUR', effectiveFrom: '2025-07-15T00:00:00Z' } })])) as Record<string, any>[];
    const noSunset = structuredClone(good!);
    noSunset.manifest.status = 'deprecated';
    expect(rejection([noSunset])).toContain('manifest.sunsetAt must be an ISO date-time (status is "deprecated"), got nothing');
    const badStatus = structuredClone(good!);
    badStatus.manifest.status = 'gone';
    badStatus.manifest.successor = 'x';
    const message = rejection([badStatus]);
    expect(message).toContain('manifest.status must be "draft", "published" or "deprecated" when present, got "gone"');
    expect(message).toMatch(/without sunsetAt, successor or deprecatedAt unless its status is "deprecated"/);
    const badNext = structuredClone(good!);
    badNext.nextPrice.price.perCallMicros = -1;
    badNext.nextPrice.effectiveFromMs = '2025-07-15';
    const m2 = rejection([badNext]);
    expect(m2).toContain('nextPrice.price.perCallMicros must be a non-negative integer (micros), got -1');
    expect(m2).toContain('nextPrice.effectiveFromMs must be an integer (epoch ms), got "2025-07-15"');
    const lost = structuredClone(good!);
    delete lost.nextPrice;
    expect(rejection([lost])).toContain('nextPrice must be present exactly when manifest.nextPrice is');
    const badDate = structuredClone(good!);
    Object.assign(badDate.manifest, { status: 'deprecated', sunsetAt: 'soon' });
    expect(rejection([badDate])).toContain('manifest.sunsetAt must be an ISO date-time (status is "deprecated"), got "soon"');
  });
});
