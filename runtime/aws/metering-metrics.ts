/**
 * The meter's CloudWatch metrics, written as embedded-metric-format log lines (no PutMetricData
 * call, no extra permission): the aggregator emits them, infra's alarms watch them.
 */
import type { AggregateRun } from '../meter/aggregator.ts';

export const METRIC_NAMESPACE = 'Faascape/Metering';

/**
 * The gateway could not reach the limits table (decision 0013): clients with a quota or a cap get
 * 503 once their slices are spent. One line per container at most every 10 s while it lasts.
 */
export function limitOutageLine(atMs: number): string {
  return `${JSON.stringify({
    _aws: { Timestamp: atMs, CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: 'LimitStoreUnreachable', Unit: 'Count' }] }] },
    LimitStoreUnreachable: 1,
  })}\n`;
}

/** One EMF line: CloudWatch turns its numbers into metrics of METRIC_NAMESPACE. */
export function metricLine(run: Pick<AggregateRun, 'lagMs' | 'records' | 'unreadable'>, atMs: number): string {
  return `${JSON.stringify({
    _aws: {
      Timestamp: atMs,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [[]],
          Metrics: [
            { Name: 'AggregationLagSeconds', Unit: 'Seconds' },
            { Name: 'AggregatedRecords', Unit: 'Count' },
            { Name: 'UnreadableUsageItems', Unit: 'Count' },
          ],
        },
      ],
    },
    AggregationLagSeconds: Math.round(run.lagMs / 1000),
    AggregatedRecords: run.records,
    UnreadableUsageItems: run.unreadable,
  })}\n`;
}

