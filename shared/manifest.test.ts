import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONCURRENCY, GATEWAY_MARGIN_MS, HTTP_API_TIMEOUT_MS, MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_TIMEOUT_MS, ManifestError, SLUG, parseManifest } from './manifest.ts';

const FILE = 'functions/contact-normalizer/feature.json';

/** The manifest from the docs, as a fresh object each time so tests can mutate it. */
function example(): Record<string, any> {
  return {
    name: 'Contact normalizer',
    description: 'Cleans up your customer list.',
    version: '1.0.0',
    authors: [
      { id: 'alice', weight: 2 },
      { id: 'bob', weight: 1 },
    ],
    price: { perCall: '0.002', perGbSecond: '0', currency: 'EUR' },
    memoryMb: 128,
    timeoutMs: 3000,
    tags: ['crm'],
  };
}

/** Runs parseManifest expecting a ManifestError and returns it. */
function rejection(raw: unknown, slug = 'contact-normalizer', file = FILE): ManifestError {
  try {
    parseManifest(slug, file, raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return e as ManifestError;
  }
  throw new Error('expected parseManifest to reject the manifest');
}

/** The field paths named by a rejection's problems ("price.perCall", "(root)", ...). */
const paths = (e: ManifestError) => e.problems.map((p) => p.slice(0, p.indexOf(':')));

describe('parseManifest', () => {
  it('accepts the documented example and prices a call at 2000 micros', () => {
    const spec = parseManifest('contact-normalizer', FILE, example());
    expect(spec.slug).toBe('contact-normalizer');
    expect(spec.price).toEqual({ perCallMicros: 2000, perGbSecondMicros: 0, currency: 'EUR' });
    expect(spec.manifest.authors).toEqual([
      { id: 'alice', weight: 2 },
      { id: 'bob', weight: 1 },
    ]);
    expect(spec.manifest.tags).toEqual(['crm']);
    expect(spec.concurrency).toBe(DEFAULT_CONCURRENCY);
  });

  it('keeps an explicit concurrency, defaults tags to none and the example method to POST', () => {
    const raw = example();
    delete raw.tags;
    const spec = parseManifest('contact-normalizer', FILE, { ...raw, concurrency: 9, example: { path: '/x' } });
    expect(spec.concurrency).toBe(9);
    expect(spec.manifest.tags).toEqual([]);
    expect(spec.manifest.example).toMatchObject({ method: 'POST', path: '/x' });
  });

  it('converts a 6-decimal compute price to micros', () => {
    const spec = parseManifest('iban-check', FILE, { ...example(), price: { perCall: '0.001', perGbSecond: '0.000017', currency: 'EUR' } });
    expect(spec.price).toEqual({ perCallMicros: 1000, perGbSecondMicros: 17, currency: 'EUR' });
  });

  it('accepts every feature.json shipped under functions/', () => {
    const dir = fileURLToPath(new URL('../functions/', import.meta.url));
    const slugs = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(`${dir}${d.name}/feature.json`))
      .map((d) => d.name);
    expect(slugs.length).toBeGreaterThan(0);
    for (const slug of slugs) {
      const file = `${dir}${slug}/feature.json`;
      const spec = parseManifest(slug, file, JSON.parse(readFileSync(file, 'utf8')));
      expect(Number.isSafeInteger(spec.price.perCallMicros)).toBe(true);
      expect(Number.isSafeInteger(spec.price.perGbSecondMicros)).toBe(true);
    }
  });

  it('reports every problem of a manifest with its field path, and the file name in the message', () => {
    const e = rejection({
      name: '',
      description: 'x',
      version: '1.0',
      authors: [
        { id: 'alice', weight: 0 },
        { id: 'bob', weight: 1.5 },
      ],
      price: { perCall: 0.002, perGbSecond: '0.0000001', currency: 'USD' },
      memoryMb: 64,
      timeoutMs: 3000,
      extra: true,
    });
    expect(e.file).toBe(FILE);
    expect(paths(e).sort()).toEqual(
      ['(root)', 'authors.0.weight', 'authors.1.weight', 'memoryMb', 'name', 'price.currency', 'price.perCall', 'price.perGbSecond', 'version'].sort(),
    );
    expect(e.problems.find((p) => p.startsWith('(root)'))).toContain('extra');
    expect(e.message.startsWith(`${FILE}: `)).toBe(true);
    for (const p of e.problems) expect(e.message).toContain(p);
  });

  it('names the root when the manifest is not an object at all', () => {
    for (const raw of [null, [], 'manifest', 42]) {
      expect(paths(rejection(raw))).toEqual(['(root)']);
    }
  });

  it('reports every missing required field', () => {
    expect(paths(rejection({})).sort()).toEqual(['authors', 'description', 'memoryMb', 'name', 'price', 'timeoutMs', 'version']);
  });

  it('rejects a price written as a JSON number, even one that looks right', () => {
    const e = rejection({ ...example(), price: { perCall: 0.002, perGbSecond: '0', currency: 'EUR' } });
    expect(paths(e)).toEqual(['price.perCall']);
    const e2 = rejection({ ...example(), price: { perCall: '0.002', perGbSecond: 0, currency: 'EUR' } });
    expect(paths(e2)).toEqual(['price.perGbSecond']);
  });

  it.each(['0.0000001', '0.0020000', '1e-3', '-0.002', '.002', '0,002', ''])('rejects the price string %j', (perCall) => {
    const e = rejection({ ...example(), price: { perCall, perGbSecond: '0', currency: 'EUR' } });
    expect(paths(e)).toEqual(['price.perCall']);
  });

  it('rejects a currency other than EUR', () => {
    expect(paths(rejection({ ...example(), price: { perCall: '0.002', perGbSecond: '0', currency: 'USD' } }))).toEqual(['price.currency']);
  });

  it('rejects a developer listed twice', () => {
    const e = rejection({
      ...example(),
      authors: [
        { id: 'alice', weight: 2 },
        { id: 'alice', weight: 1 },
      ],
    });
    expect(paths(e)).toEqual(['authors']);
    expect(e.problems[0]).toMatch(/twice/);
  });

  it('reports a duplicate developer alongside an out-of-range weight', () => {
    const e = rejection({
      ...example(),
      authors: [
        { id: 'alice', weight: 0 },
        { id: 'alice', weight: 1 },
      ],
    });
    expect(paths(e).sort()).toEqual(['authors', 'authors.0.weight']);
  });

  // zod skips the duplicate-author refinement when an author entry is itself invalid; parseManifest
  // checks duplicates on the raw input so that every problem is still named at once.
  it('reports a duplicate developer even when an author weight is not an integer', () => {
    const e = rejection({
      ...example(),
      authors: [
        { id: 'alice', weight: 1.5 },
        { id: 'alice', weight: 1 },
      ],
    });
    expect(paths(e).sort()).toEqual(['authors', 'authors.0.weight']);
  });

  describe('timeoutMs', () => {
    it('leaves the gateway its margin within the 29 s an HTTP API request may take, in whole seconds', () => {
      expect(HTTP_API_TIMEOUT_MS).toBe(29_000);
      expect(GATEWAY_MARGIN_MS).toBeGreaterThanOrEqual(1_000);
      expect(GATEWAY_MARGIN_MS).toBeLessThanOrEqual(2_000);
      expect(MAX_TIMEOUT_MS).toBe(HTTP_API_TIMEOUT_MS - GATEWAY_MARGIN_MS);
      // A feature Lambda's timeout is rounded up to the second: the cap must already be one.
      expect(MAX_TIMEOUT_MS % 1000).toBe(0);
    });

    it('accepts the longest timeout that fits behind the HTTP API', () => {
      expect(parseManifest('slow-report', FILE, { ...example(), timeoutMs: MAX_TIMEOUT_MS }).manifest.timeoutMs).toBe(MAX_TIMEOUT_MS);
    });

    it.each([MAX_TIMEOUT_MS + 1, 29_000, 30_000, 60_000, 900_000])('refuses %i ms, naming the feature, the field and the limit', (timeoutMs) => {
      const e = rejection({ ...example(), timeoutMs }, 'slow-report', 'functions/slow-report/feature.json');
      expect(paths(e)).toEqual(['timeoutMs']);
      expect(e.problems[0]).toContain('"slow-report"');
      expect(e.problems[0]).toContain(`${timeoutMs} ms`);
      expect(e.problems[0]).toContain(`at most ${MAX_TIMEOUT_MS} ms`);
      expect(e.message).toMatch(/^functions\/slow-report\/feature\.json: timeoutMs: feature "slow-report"/);
    });

    it('reports a too-long timeout alongside the other problems of the manifest', () => {
      const e = rejection({ ...example(), timeoutMs: 60_000, memoryMb: 64 }, 'slow-report');
      expect(paths(e).sort()).toEqual(['memoryMb', 'timeoutMs']);
    });

    it.each([99, 1.5, '3000'])('still refuses the malformed timeout %j with the usual message', (timeoutMs) => {
      const e = rejection({ ...example(), timeoutMs });
      expect(paths(e)).toEqual(['timeoutMs']);
      expect(e.problems[0]).not.toContain('HTTP API');
    });
  });

  it('rejects an empty author list', () => {
    expect(paths(rejection({ ...example(), authors: [] }))).toEqual(['authors']);
  });

  it.each([0, -1, 1.5, Number.NaN, '2', null])('rejects the author weight %s', (weight) => {
    const e = rejection({ ...example(), authors: [{ id: 'alice', weight }] });
    expect(paths(e)).toEqual(['authors.0.weight']);
  });

  it('accepts any small positive integer weight', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), (a, b) => {
        const spec = parseManifest('contact-normalizer', FILE, { ...example(), authors: [{ id: 'alice', weight: a }, { id: 'bob', weight: b }] });
        expect(spec.manifest.authors.map((x) => x.weight)).toEqual([a, b]);
      }),
      { numRuns: 30 },
    );
  });

  it('rejects any non-positive or fractional weight', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ max: 0 }),
          fc.double({ min: -1000, max: 1000, noNaN: true }).filter((w) => !Number.isInteger(w)),
        ),
        (weight) => {
          expect(paths(rejection({ ...example(), authors: [{ id: 'alice', weight }] }))).toEqual(['authors.0.weight']);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects unknown fields at the root, in the price and in an author, naming where they are', () => {
    const e = rejection({
      ...example(),
      vendor: 'acme',
      price: { perCall: '0.002', perGbSecond: '0', currency: 'EUR', vat: '0.2' },
      authors: [{ id: 'alice', weight: 1, email: 'a@example.com' }],
    });
    expect(paths(e).sort()).toEqual(['(root)', 'authors.0', 'price']);
    expect(e.problems.find((p) => p.startsWith('(root)'))).toContain('vendor');
    expect(e.problems.find((p) => p.startsWith('price'))).toContain('vat');
    expect(e.problems.find((p) => p.startsWith('authors.0'))).toContain('email');
  });

  it('rejects an author id that is not a lowercase developer id', () => {
    expect(paths(rejection({ ...example(), authors: [{ id: 'Alice', weight: 1 }] }))).toEqual(['authors.0.id']);
  });

  it.each(['Contact-Normalizer', '-lead', 'trail-', 'under_score', 'with space', 'dot.ted', 'café', '', 'a'.repeat(49), '../etc'])(
    'rejects the folder slug %j, naming the file',
    (slug) => {
      const e = rejection(example(), slug, 'functions/x/feature.json');
      expect(e.file).toBe('functions/x/feature.json');
      expect(e.problems).toHaveLength(1);
      expect(e.problems[0]).toContain(`"${slug}"`);
      expect(e.message).toContain('functions/x/feature.json');
    },
  );

  it.each(['a', 'iban-check', 'vat-check', 'a1-b2', 'a'.repeat(48)])('accepts the folder slug %j', (slug) => {
    expect(parseManifest(slug, FILE, example()).slug).toBe(slug);
  });
});

describe('what a manifest carries for others to read', () => {
  it('refuses an example or schema nested deeper than MAX_JSON_DEPTH or larger than MAX_JSON_BYTES, without overflowing the stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const problems = rejection({ ...example(), example: { body: deep }, requestSchema: { type: 'object', default: deep }, responseSchema: { blob: 'x'.repeat(MAX_JSON_BYTES) } }).problems.join('\n');
    expect(problems).toMatch(new RegExp(`example: nests deeper than ${MAX_JSON_DEPTH} levels`));
    expect(problems).toMatch(/requestSchema: nests deeper/);
    expect(problems).toMatch(new RegExp(`responseSchema: takes \\d+ bytes as JSON, more than ${MAX_JSON_BYTES}`));
    let fine: unknown = 0;
    for (let i = 0; i < MAX_JSON_DEPTH - 3; i++) fine = [fine];
    expect(() => parseManifest('contact-normalizer', FILE, { ...example(), example: { body: fine } })).not.toThrow();
  });

  it("refuses an example path that would make a copied snippet call another feature", () => {
    for (const path of ['/../iban-check', '/%2e%2e/iban-check', '/a/./b', 'no-slash', '/..\\x']) expect(paths(rejection({ ...example(), example: { path } })), path).toContain('example.path');
    for (const path of ['', '/validate', '/v2/check?x=1', '/a..b']) expect(() => parseManifest('contact-normalizer', FILE, { ...example(), example: { path } }), path).not.toThrow();
  });

  it('refuses a name with control characters, line breaks or bidi controls', () => {
    for (const name of ['Cheap\u202E', 'two\nlines', 'bell\u0007']) expect(paths(rejection({ ...example(), name })), JSON.stringify(name)).toContain('name');
  });
});

describe('SLUG', () => {
  it('only matches short lowercase dash-separated names that neither start nor end with a dash', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abz09-_A.'.split('')), maxLength: 60 }), (s) => {
        const plain = /^[a-z0-9-]+$/.test(s) && !s.startsWith('-') && !s.endsWith('-') && s.length <= 48;
        expect(SLUG.test(s)).toBe(plain);
      }),
      { numRuns: 300 },
    );
  });
});

describe('lifecycle in the manifest', () => {
  it('is published when it says nothing, and keeps every other manifest as it was', () => {
    const spec = parseManifest('contact-normalizer', FILE, example());
    expect(spec.manifest.status).toBeUndefined();
    expect(spec.nextPrice).toBeUndefined();
    expect(parseManifest('contact-normalizer', FILE, { ...example(), status: 'published' }).manifest.status).toBe('published');
  });

  it('accepts a deprecated feature with sunsetAt, deprecatedAt and a successor', () => {
    const spec = parseManifest('contact-normalizer', FILE, { ...example(), status: 'deprecated', deprecatedAt: '2025-05-01T00:00:00Z', sunsetAt: '2025-07-01T00:00:00+02:00', successor: 'contact-cleaner' });
    expect(spec.manifest).toMatchObject({ status: 'deprecated', sunsetAt: '2025-07-01T00:00:00+02:00', successor: 'contact-cleaner' });
  });

  it('refuses a deprecated feature without sunsetAt, a sunset that is no date-time, and an unknown status', () => {
    expect(paths(rejection({ ...example(), status: 'deprecated' }))).toEqual(['sunsetAt']);
    expect(rejection({ ...example(), status: 'deprecated' }).message).toMatch(/deprecated feature must say when it retires/);
    expect(paths(rejection({ ...example(), status: 'deprecated', sunsetAt: '2025-07-01' }))).toEqual(['sunsetAt']);
    expect(paths(rejection({ ...example(), status: 'deprecated', sunsetAt: '2025-07-01T00:00:00' }))).toEqual(['sunsetAt']);
    expect(paths(rejection({ ...example(), status: 'retired' }))).toEqual(['status']);
    // A draft is a status now (its authors' test keys only), with nothing of a deprecation.
    expect(paths(rejection({ ...example(), status: 'draft', sunsetAt: '2025-07-01T00:00:00Z' }))).toEqual(['sunsetAt']);
  });

  it('refuses sunsetAt, successor or deprecatedAt on a feature that is not deprecated, a bad successor, and deprecation after sunset', () => {
    expect(paths(rejection({ ...example(), sunsetAt: '2025-07-01T00:00:00Z', successor: 'x' }))).toEqual(['sunsetAt', 'successor']);
    const deprecated = { ...example(), status: 'deprecated', sunsetAt: '2025-07-01T00:00:00Z' };
    expect(paths(rejection({ ...deprecated, successor: 'Not A Slug' }))).toEqual(['successor']);
    expect(rejection({ ...deprecated, successor: 'contact-normalizer' }).message).toMatch(/feature "contact-normalizer" cannot succeed itself/);
    expect(paths(rejection({ ...deprecated, deprecatedAt: '2025-08-01T00:00:00Z' }))).toEqual(['deprecatedAt']);
  });
});

describe('prices change with notice', () => {
  const next = (perCall: string, effectiveFrom: string, perGbSecond = '0') => ({ perCall, perGbSecond, currency: 'EUR', effectiveFrom });

  it('parses a scheduled rise published at least 14 days ahead, in micros with its date', () => {
    const spec = parseManifest('contact-normalizer', FILE, { ...example(), nextPrice: next('0.003', '2025-07-15T00:00:00Z'), pricePublishedAt: '2025-07-01T00:00:00Z' });
    expect(spec.price.perCallMicros).toBe(2000);
    expect(spec.nextPrice).toEqual({ price: { perCallMicros: 3000, perGbSecondMicros: 0, currency: 'EUR' }, effectiveFromMs: Date.parse('2025-07-15T00:00:00Z') });
  });

  it('refuses a rise sooner than the notice, naming the feature and the earliest date', () => {
    const e = rejection({ ...example(), nextPrice: next('0.003', '2025-07-14T23:59:59Z'), pricePublishedAt: '2025-07-01T00:00:00Z' });
    expect(paths(e)).toEqual(['nextPrice']);
    expect(e.message).toContain('feature "contact-normalizer"');
    expect(e.message).toMatch(/needs 14 days' notice.*at the earliest 2025-07-15T00:00:00.000Z/);
    expect(e.message).toContain(FILE);
  });

  it('refuses a rise of the compute price alone, and a rise with no publication date', () => {
    expect(paths(rejection({ ...example(), nextPrice: next('0.002', '2025-07-02T00:00:00Z', '0.000001'), pricePublishedAt: '2025-07-01T00:00:00Z' }))).toEqual(['nextPrice']);
    expect(rejection({ ...example(), nextPrice: next('0.003', '2030-01-01T00:00:00Z') }).message).toMatch(/needs pricePublishedAt/);
  });

  it('lets a drop apply at once, with or without a publication date', () => {
    expect(parseManifest('contact-normalizer', FILE, { ...example(), nextPrice: next('0.001', '2025-07-01T00:00:00Z') }).nextPrice?.price.perCallMicros).toBe(1000);
    expect(parseManifest('contact-normalizer', FILE, { ...example(), nextPrice: next('0.001', '2025-07-01T00:00:00Z'), pricePublishedAt: '2025-07-01T00:00:00Z' }).nextPrice).toBeDefined();
  });

  it('refuses a malformed next price, a bad date, and pricePublishedAt without a next price', () => {
    expect(paths(rejection({ ...example(), nextPrice: { perCall: 0.003, perGbSecond: '0', currency: 'EUR', effectiveFrom: '2025-07-01T00:00:00Z' } }))).toEqual(['nextPrice.perCall']);
    expect(paths(rejection({ ...example(), nextPrice: { perCall: '0.001', perGbSecond: '0', currency: 'EUR' } }))).toEqual(['nextPrice.effectiveFrom']);
    expect(paths(rejection({ ...example(), nextPrice: next('0.001', 'tomorrow') }))).toEqual(['nextPrice.effectiveFrom']);
    expect(paths(rejection({ ...example(), pricePublishedAt: '2025-07-01T00:00:00Z' }))).toEqual(['pricePublishedAt']);
  });

  it('accepts a rise exactly when effectiveFrom is at least 14 days after pricePublishedAt (property)', () => {
    const base = Date.parse('2025-01-01T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 40 * 24 * 3600 }), (up, gapS) => {
        const raw = { ...example(), nextPrice: next(((2000 + up) / 1e6).toFixed(6), new Date(base + gapS * 1000).toISOString()), pricePublishedAt: new Date(base).toISOString() };
        const accepted = (() => {
          try {
            parseManifest('contact-normalizer', FILE, raw);
            return true;
          } catch (e) {
            expect(e).toBeInstanceOf(ManifestError);
            return false;
          }
        })();
        expect(accepted).toBe(gapS >= 14 * 24 * 3600);
      }),
      { numRuns: 200 },
    );
  });
});
