import { describe, expect, it } from 'vitest';
import { sortFeatures } from './catalogue-order.ts';

const f = (slug: string, name: string, calls30d: number) => ({ slug, name, quality: { calls30d, successRate: null, failures: 0, clientErrors: 0, p50Ms: null, p95Ms: null } });

const features = [f('a-vat', 'VAT number check', 5), f('b-iban', 'IBAN check', 40), f('c-contacts', 'contacts dedupe', 40), f('d-zip', 'Éclair postcode', 0)];

describe('catalogue order', () => {
  it('sorts by the name shown, not the slug, ignoring case and accents', () => {
    expect(sortFeatures(features, 'name').map((x) => x.name)).toEqual(['contacts dedupe', 'Éclair postcode', 'IBAN check', 'VAT number check']);
  });

  it('most used: calls in the last 30 days, descending, ties by name', () => {
    expect(sortFeatures(features, 'most-used').map((x) => x.slug)).toEqual(['c-contacts', 'b-iban', 'a-vat', 'd-zip']);
  });

  it('does not reorder its input', () => {
    const before = features.map((x) => x.slug);
    sortFeatures(features, 'name');
    expect(features.map((x) => x.slug)).toEqual(before);
  });
});
