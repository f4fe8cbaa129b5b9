/** One feature: what it does, what it costs, how it behaves, and requests ready to copy. */
import { useId } from 'preact/hooks';
import type { CatalogueFeatureDetail } from '../../../api-types.ts';
import { Chart, PALETTE } from '../components/chart.tsx';
import { CopyButton } from '../components/copy-button.tsx';
import { FeatureAuthors } from '../components/level.tsx';
import { Quality } from '../components/quality.tsx';
import { Stat } from '../components/stat.tsx';
import { ErrorBox, Loading } from '../components/status.tsx';
import { addDays, spanDays, todayUtc } from '../days.ts';
import { api } from '../endpoints.ts';
import { formatCount } from '../format.ts';
import { curlSnippet, fetchSnippet, requestOf } from '../snippets.ts';
import { useLoad } from '../use-load.ts';
import { PriceLine } from './catalogue.tsx';
import { FeatureDiscussions } from './discussions.tsx';

function Snippet({ title, code, testId }: { title: string; code: string; testId: string }) {
  const id = useId();
  return (
    <div class="snippet">
      <div class="snippet-head">
        <h3>{title}</h3>
        <CopyButton text={code} label={`Copy ${title}`} sourceId={id} testId={`copy-${testId}`} />
      </div>
      <pre id={id} tabIndex={0} data-testid={testId}>
        <code>{code}</code>
      </pre>
    </div>
  );
}

function Detail({ f }: { f: CatalogueFeatureDetail }) {
  const today = todayUtc();
  const x = spanDays(
    f.days.map((d) => d.day),
    addDays(today, -29),
    today,
  );
  const byDay = new Map(f.days.map((d) => [d.day, d]));
  const calls = x.map((d) => byDay.get(d)?.calls ?? 0);
  const p95 = x.map((d) => byDay.get(d)?.p95Ms ?? null);
  const total = calls.reduce((a, b) => a + b, 0);
  const busiest = Math.max(0, ...calls);
  const request = requestOf(f.invokeUrl, f.example);

  return (
    <>
      <h1 tabIndex={-1}>
        {f.name} <span class="version">v{f.version}</span>
      </h1>
      <p class="muted">
        <code>{f.slug}</code>
      </p>
      <p class="description">{f.description}</p>
      <dl class="facts">
        <Stat label="Price">
          <PriceLine f={f} />
        </Stat>
        <Stat label="Authors">
          <FeatureAuthors authors={f.authors} />
        </Stat>
        <Stat label="Version">{f.version}</Stat>
        <Stat label="Tags">{f.tags.length ? f.tags.join(', ') : '—'}</Stat>
        <Stat label="Limits">
          {f.memoryMb} MB, {formatCount(f.timeoutMs)} ms timeout
        </Stat>
      </dl>
      <h2>Quality</h2>
      <Quality q={f.quality} />
      <Chart
        title="Calls and p95 latency per day (UTC), last 30 days"
        x={x}
        series={[
          { label: 'Calls', values: calls, color: PALETTE[0] as string, unit: 'count', bars: true },
          { label: 'p95 latency', values: p95, color: PALETTE[1] as string, unit: 'ms' },
        ]}
        summary={`${formatCount(total)} calls over ${x.length} days, at most ${formatCount(busiest)} on one day.`}
      />
      <h2>Try it</h2>
      <p>
        Put your API key in the <code>FAASCAPE_API_KEY</code> environment variable (clients create keys on their account page), then:
      </p>
      <Snippet title="curl" code={curlSnippet(request)} testId="snippet-curl" />
      <Snippet title="JavaScript fetch" code={fetchSnippet(request)} testId="snippet-fetch" />
      {f.example?.response ? <Snippet title={`The answer (HTTP ${f.example.response.status})`} code={JSON.stringify(f.example.response.body, null, 2)} testId="example-response" /> : null}
      <FeatureDiscussions slug={f.slug} authorIds={f.authors.map((a) => a.id)} />
      <p>
        <a href="#/catalogue">← All features</a>
      </p>
    </>
  );
}

export function FeaturePage({ slug }: { slug: string }) {
  const loader = useLoad(() => api.feature(slug), [slug]);
  const { load } = loader;
  return (
    <section>
      {load.state === 'loading' ? <Loading what="Loading the feature…" /> : null}
      {load.state === 'error' ? (
        <>
          <h1 tabIndex={-1}>{load.error.status === 404 ? `No feature named “${slug}”` : 'Could not load the feature'}</h1>
          <ErrorBox error={load.error} onRetry={load.error.status === 404 ? undefined : loader.reload} />
          <p>
            <a href="#/catalogue">← All features</a>
          </p>
        </>
      ) : null}
      {load.state === 'ok' ? <Detail f={load.data} /> : null}
    </section>
  );
}
