/** The catalogue's quality signals, the same block in lists and on feature pages. */
import type { QualitySignals } from '../../../api-types.ts';
import { formatCount, formatMs, formatRate } from '../format.ts';
import { Stat } from './stat.tsx';

export function Quality({ q }: { q: QualitySignals }) {
  return (
    <dl class="quality">
      <Stat label="Calls, 30 days" testId="quality-calls">{formatCount(q.calls30d)}</Stat>
      <Stat label="Success" testId="quality-success">{formatRate(q.successRate)}</Stat>
      <Stat label="p50" testId="quality-p50">{formatMs(q.p50Ms)}</Stat>
      <Stat label="p95" testId="quality-p95">{formatMs(q.p95Ms)}</Stat>
    </dl>
  );
}
