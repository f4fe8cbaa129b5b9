/** The catalogue's orders: by name (the default, as the cards show names), or most used first. */
import type { CatalogueFeature } from '../../api-types.ts';

export type CatalogueOrder = 'name' | 'most-used';

export const ORDER_LABEL: Record<CatalogueOrder, string> = { name: 'Name (A–Z)', 'most-used': 'Most used (30 days)' };

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

function byName(a: Pick<CatalogueFeature, 'name' | 'slug'>, b: Pick<CatalogueFeature, 'name' | 'slug'>): number {
  return collator.compare(a.name, b.name) || collator.compare(a.slug, b.slug);
}

/** A sorted copy: by name, case and accents aside; most used = calls in the last 30 days, ties by name. */
export function sortFeatures<F extends Pick<CatalogueFeature, 'name' | 'slug' | 'quality'>>(features: readonly F[], order: CatalogueOrder): F[] {
  const copy = [...features];
  if (order === 'most-used') return copy.sort((a, b) => b.quality.calls30d - a.quality.calls30d || byName(a, b));
  return copy.sort(byName);
}
