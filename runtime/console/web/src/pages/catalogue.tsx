/** The public catalogue: search, tag filters, and one card per feature with price and quality. */
import { useMemo, useState } from 'preact/hooks';
import type { CatalogueFeature } from '../../../api-types.ts';
import { Field } from '../components/field.tsx';
import { FeatureAuthors } from '../components/level.tsx';
import { Quality } from '../components/quality.tsx';
import { LoadView } from '../components/status.tsx';
import { ORDER_LABEL, sortFeatures, type CatalogueOrder } from '../catalogue-order.ts';
import { api } from '../endpoints.ts';
import { formatEuros } from '../money.ts';
import { featureHref } from '../router.ts';
import { useLoad } from '../use-load.ts';

export function authorsText(f: CatalogueFeature): string {
  return f.authors.map((a) => a.id).join(', ');
}

function matches(f: CatalogueFeature, words: string[], tags: Set<string>): boolean {
  for (const t of tags) if (!f.tags.includes(t)) return false;
  const text = `${f.slug} ${f.name} ${f.description} ${f.tags.join(' ')} ${authorsText(f)}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

export function PriceLine({ f }: { f: CatalogueFeature }) {
  return (
    <span class="price">
      <strong>{formatEuros(f.price.perCallMicros)}</strong> per call
      {f.price.perGbSecondMicros > 0 ? <> + {formatEuros(f.price.perGbSecondMicros)} per GB-second</> : null}
      {f.freeCallsPerMonth ? <span data-testid="free-calls">, first {f.freeCallsPerMonth.toLocaleString('en')} calls a month free</span> : null}
    </span>
  );
}

/** A feature card's heading, linked to the feature's page, and its slug under it. */
export function CardTitle({ f, level: Heading }: { f: Pick<CatalogueFeature, 'slug' | 'name' | 'version'>; level: 'h2' | 'h3' }) {
  return (
    <>
      <Heading>
        <a href={featureHref(f.slug)}>{f.name}</a> <span class="version">v{f.version}</span>
      </Heading>
      <p class="muted">
        <code>{f.slug}</code>
      </p>
    </>
  );
}

function List({ features }: { features: CatalogueFeature[] }) {
  const [search, setSearch] = useState('');
  const [tags, setTags] = useState<Set<string>>(new Set());
  const [order, setOrder] = useState<CatalogueOrder>('name');
  const allTags = useMemo(() => [...new Set(features.flatMap((f) => f.tags))].sort(), [features]);
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = sortFeatures(features, order).filter((f) => matches(f, words, tags));
  const toggle = (t: string) => {
    const next = new Set(tags);
    if (next.has(t)) next.delete(t);
    else next.add(t);
    setTags(next);
  };

  return (
    <>
      <div class="filters" role="search">
        <Field id="catalogue-search" label="Search features" type="search" value={search} onValue={setSearch} placeholder="IBAN, VAT, contacts…" testId="catalogue-search" />
        <label for="catalogue-order">Sort by</label>
        <select id="catalogue-order" value={order} onChange={(e) => setOrder(e.currentTarget.value as CatalogueOrder)} data-testid="catalogue-order">
          {(Object.keys(ORDER_LABEL) as CatalogueOrder[]).map((o) => (
            <option key={o} value={o}>
              {ORDER_LABEL[o]}
            </option>
          ))}
        </select>
        {allTags.length ? (
          <div class="chips" role="group" aria-label="Filter by tag">
            {allTags.map((t) => (
              <button type="button" key={t} class="chip" aria-pressed={tags.has(t)} onClick={() => toggle(t)} data-testid={`tag-${t}`}>
                {t}
              </button>
            ))}
            {tags.size ? (
              <button type="button" class="chip chip-clear" onClick={() => setTags(new Set())}>
                Clear tags
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      <p class="muted" role="status" aria-live="polite">
        {shown.length === features.length ? `${features.length} features` : `${shown.length} of ${features.length} features`}
      </p>
      <ul class="cards">
        {shown.map((f) => (
          <li key={f.slug} class="card" data-testid="catalogue-item" data-slug={f.slug}>
            <CardTitle f={f} level="h2" />
            <p class="description">{f.description}</p>
            <p>
              <PriceLine f={f} />
            </p>
            <p class="muted">
              By <FeatureAuthors authors={f.authors} />
            </p>
            {f.tags.length ? (
              <ul class="tags" aria-label="Tags">
                {f.tags.map((t) => (
                  <li key={t}>{t}</li>
                ))}
              </ul>
            ) : null}
            <Quality q={f.quality} />
          </li>
        ))}
      </ul>
    </>
  );
}

export function CataloguePage() {
  const loader = useLoad(() => api.catalogue(), []);
  return (
    <section>
      <h1 tabIndex={-1}>Feature catalogue</h1>
      <p class="lead">Ready-made features you call over HTTPS with your API key, billed per call.</p>
      <p class="links" data-testid="community-links">
        <a href="#/requests">Requests: ask for a feature that does not exist yet</a>
        <a href="#/discussions">Discussions</a>
        <a href="#/developers">Developers</a>
      </p>
      <LoadView loader={loader} loading="Loading the catalogue…">
        {(d) => <List features={d.features} />}
      </LoadView>
    </section>
  );
}
