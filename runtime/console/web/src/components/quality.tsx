/**
 * The catalogue's quality signals, the same block in lists and on feature pages. The success
 * rate is the feature's own: a client's bad input (a 4xx the feature answers) is shown apart and
 * never counted against it.
 */
import type { QualitySignals } from '../../../api-types.ts';
import { formatCount, formatMs, formatRate } from '../format.ts';
import { Stat } from './stat.tsx';

export function Quality({ q }: { q: QualitySignals }) {
  return (
    <dl class="quality">
      <Stat label="Calls, 30 days" testId="quality-calls">{formatCount(q.calls30d)}</Stat>
      <Stat label={<abbr title="Calls served (2xx/3xx) among calls with valid input: client errors (4xx) do not count">Success</abbr>} testId="quality-success">
        {formatRate(q.successRate)}
      </Stat>
      <Stat label={<abbr title="The feature threw, crashed, timed out or answered 5xx">Failures</abbr>} testId="quality-failures">
        {formatCount(q.failures)}
      </Stat>
      <Stat label={<abbr title="The feature refused the client's input (4xx): the client's error, not the feature's">Client errors (4xx)</abbr>} testId="quality-client-errors">
        {formatCount(q.clientErrors)}
      </Stat>
      <Stat label="p50" testId="quality-p50">{formatMs(q.p50Ms)}</Stat>
      <Stat label="p95" testId="quality-p95">{formatMs(q.p95Ms)}</Stat>
    </dl>
  );
}
