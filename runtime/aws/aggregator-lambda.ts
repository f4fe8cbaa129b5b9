/**
 * The aggregator in AWS, every few minutes on an EventBridge schedule: folds the records of every
 * closed window into the aggregates (runtime/meter/aggregator.ts). Each run logs one line in
 * CloudWatch's embedded metric format, so the lag and the unreadable items become metrics that
 * alarms watch without a PutMetricData call.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { jsonLogger, type Logger } from '../logger.ts';
import type { Aggregator } from '../meter/aggregator.ts';
import { metricLine } from './metering-metrics.ts';
import { createAggregator } from '../services/aggregator.ts';
import { documentClient } from '../store/dynamo-client.ts';
import { readAwsConfig } from './config.ts';

export function createAggregatorHandler(aggregator: Aggregator, logger: Logger, emit: (line: string) => void, clock: () => number = Date.now) {
  return async () => {
    const { runs, applied, caughtUp } = await aggregator.catchUp(20);
    const total = { lagMs: runs.at(-1)?.lagMs ?? 0, records: 0, unreadable: 0 };
    for (const r of runs) {
      total.records += r.records;
      total.unreadable += r.unreadable;
    }
    emit(metricLine(total, clock()));
    if (runs.some((r) => r.outcome === 'applied')) logger.info('usage aggregated', { runs: runs.length, applied, caughtUp, records: total.records });
    return { runs: runs.length, applied, caughtUp, records: total.records };
  };
}

let instance: ReturnType<typeof createAggregatorHandler> | undefined;
export const handler = () => {
  if (!instance) {
    const logger = jsonLogger((l) => process.stdout.write(l));
    const tables = readAwsConfig(process.env, { tables: ['usage', 'records'] }).tables;
    instance = createAggregatorHandler(createAggregator(documentClient(new DynamoDBClient({})), tables, logger), logger, (l) => process.stdout.write(l));
  }
  return instance();
};
