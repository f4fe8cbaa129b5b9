/** The catalogue's quality signals, the same block in lists and on feature pages. */
import type { QualitySignals } from '../../../api-types.ts';
import { formatCount, formatMs, formatRate } from '../format.ts';

export function Quality({ q }: { q: QualitySignals }) {
  return (
    <dl class="quality">
      <div>
        <dt>Calls, 30 days</dt>
        <dd data-testid="quality-calls">{formatCount(q.calls30d)}</dd>
      </div>
      <div>
        <dt>Success</dt>
        <dd data-testid="quality-success">{formatRate(q.successRate)}</dd>
      </div>
      <div>
        <dt>p50</dt>
        <dd data-testid="quality-p50">{formatMs(q.p50Ms)}</dd>
      </div>
      <div>
        <dt>p95</dt>
        <dd data-testid="quality-p95">{formatMs(q.p95Ms)}</dd>
      </div>
    </dl>
  );
}
