import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DAY_MS, DEPRECATION_NOTICE_MS, PRICE_RISE_NOTICE_MS, isDraft, isPriceRise, isRetired, mayCall, publicFeatures, lifecycleHeaders, lifecycleOf, priceAt, priceNoticeProblem, upcomingPrice } from './lifecycle.ts';
import type { UnitPrice } from './price.ts';

const T0 = Date.parse('2025-06-01T00:00:00Z');
const price = (perCallMicros: number, perGbSecondMicros = 0): UnitPrice => ({ perCallMicros, perGbSecondMicros, currency: 'EUR' });
const micros = fc.integer({ min: 0, max: 1_000_000 });
const unitPrice = fc.record({ perCallMicros: micros, perGbSecondMicros: micros, currency: fc.constant('EUR') });
const instant = fc.integer({ min: T0 - 400 * DAY_MS, max: T0 + 400 * DAY_MS });
const manifestOf = (m: Record<string, unknown>) => ({ manifest: m }) as never;

describe('price schedule', () => {
  it('has a named notice of 14 days', () => {
    expect(PRICE_RISE_NOTICE_MS).toBe(14 * 24 * 3600_000);
  });

  it('prices a call at the current price before effectiveFrom and at the next price from it on (property)', () => {
    fc.assert(
      fc.property(unitPrice, unitPrice, instant, instant, (current, next, effectiveFromMs, at) => {
        const spec = { price: current, nextPrice: { price: next, effectiveFromMs } };
        expect(priceAt(spec, at)).toBe(at >= effectiveFromMs ? next : current);
        expect(upcomingPrice(spec, at)).toBe(at < effectiveFromMs ? spec.nextPrice : undefined);
        expect(priceAt({ price: current }, at)).toBe(current);
      }),
    );
  });

  it('calls a change a rise when either unit price goes up, even if the other goes down', () => {
    expect(isPriceRise(price(2000, 17), price(2001, 17))).toBe(true);
    expect(isPriceRise(price(2000, 17), price(1000, 18))).toBe(true);
    expect(isPriceRise(price(2000, 17), price(2000, 17))).toBe(false);
    expect(isPriceRise(price(2000, 17), price(1999, 0))).toBe(false);
  });

  it('lets a drop (or no change) apply at once, whenever it was published (property)', () => {
    fc.assert(
      fc.property(unitPrice, fc.nat(1_000_000), fc.nat(1_000_000), instant, fc.option(instant, { nil: undefined }), (current, dc, dg, effectiveFromMs, publishedAtMs) => {
        const next = price(Math.max(0, current.perCallMicros - dc), Math.max(0, current.perGbSecondMicros - dg));
        expect(priceNoticeProblem(current, { price: next, effectiveFromMs }, publishedAtMs)).toBeUndefined();
      }),
    );
  });

  it('accepts a rise exactly when it is published at least the notice before it applies (property)', () => {
    fc.assert(
      fc.property(unitPrice, fc.integer({ min: 1, max: 1000 }), instant, fc.integer({ min: -30 * DAY_MS, max: 60 * DAY_MS }), (current, up, publishedAtMs, gap) => {
        const next = price(current.perCallMicros + up, current.perGbSecondMicros);
        const problem = priceNoticeProblem(current, { price: next, effectiveFromMs: publishedAtMs + gap }, publishedAtMs);
        if (gap >= PRICE_RISE_NOTICE_MS) expect(problem).toBeUndefined();
        else expect(problem).toMatch(/needs 14 days' notice/);
      }),
    );
  });

  it('refuses a rise with no publication date, and names the earliest date it could apply', () => {
    expect(priceNoticeProblem(price(1), { price: price(2), effectiveFromMs: T0 + 30 * DAY_MS }, undefined)).toMatch(/needs pricePublishedAt/);
    expect(priceNoticeProblem(price(1), { price: price(2), effectiveFromMs: T0 + DAY_MS }, T0)).toContain('at the earliest 2025-06-15T00:00:00.000Z');
    expect(priceNoticeProblem(price(1), { price: price(2), effectiveFromMs: T0 + 14 * DAY_MS }, T0)).toBeUndefined();
  });
});

describe('lifecycle', () => {
  it('is published without a status, and never retired', () => {
    expect(lifecycleOf(manifestOf({}))).toEqual({ status: 'published' });
    expect(lifecycleHeaders(manifestOf({ status: 'published' }))).toEqual({});
    expect(isRetired(manifestOf({}), Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('carries Deprecation (@unix seconds), Sunset (HTTP-date) and a successor-version Link', () => {
    const spec = manifestOf({ status: 'deprecated', deprecatedAt: '2025-05-01T12:00:00Z', sunsetAt: '2025-07-01T00:00:00Z', successor: 'iban-check-v2' });
    expect(lifecycleHeaders(spec)).toEqual({
      deprecation: `@${Date.parse('2025-05-01T12:00:00Z') / 1000}`,
      sunset: 'Tue, 01 Jul 2025 00:00:00 GMT',
      link: '</v1/features/iban-check-v2>; rel="successor-version"',
    });
  });

  it('counts a feature without deprecatedAt as deprecated the notice before its sunset, and has no Link without a successor', () => {
    const spec = manifestOf({ status: 'deprecated', sunsetAt: '2025-07-01T00:00:00+02:00' });
    const sunset = Date.parse('2025-07-01T00:00:00+02:00');
    expect(lifecycleHeaders(spec)).toEqual({ deprecation: `@${(sunset - DEPRECATION_NOTICE_MS) / 1000}`, sunset: 'Mon, 30 Jun 2025 22:00:00 GMT' });
  });

  it('is retired from sunsetAt on, not a millisecond before (property)', () => {
    fc.assert(
      fc.property(instant, instant, (sunset, at) => {
        const spec = manifestOf({ status: 'deprecated', sunsetAt: new Date(sunset).toISOString() });
        expect(isRetired(spec, at)).toBe(at >= sunset);
      }),
    );
  });
});

describe('drafts', () => {
  const draft = { manifest: { status: 'draft' as const, authors: [{ id: 'alice', weight: 1 }] } } as unknown as Parameters<typeof mayCall>[0];
  const published = { manifest: { authors: [{ id: 'alice', weight: 1 }] } } as unknown as Parameters<typeof mayCall>[0];

  it('are called only by a test key of one of their authors; a published feature by anyone', () => {
    expect(mayCall(draft, { test: true, developerId: 'alice' })).toBe(true);
    expect(mayCall(draft, { test: true, developerId: 'bob' })).toBe(false);
    expect(mayCall(draft, { developerId: 'alice' })).toBe(false);
    expect(mayCall(draft, { test: true })).toBe(false);
    expect(mayCall(draft, undefined)).toBe(false);
    expect(mayCall(published, undefined)).toBe(true);
  });

  it('are left out of what the public sees, and have the draft status', () => {
    expect(publicFeatures([draft, published])).toEqual([published]);
    expect(isDraft(draft)).toBe(true);
    expect(lifecycleOf(draft).status).toBe('draft');
  });
});
