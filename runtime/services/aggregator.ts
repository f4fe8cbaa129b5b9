import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '../logger.ts';
import { Aggregator } from '../meter/aggregator.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { LaneRecords } from '../meter/lane-records.ts';
import type { TableNames } from '../store/tables.ts';
import { LANE_LAYOUT } from '../../shared/lanes.ts';

/** The aggregator over the lanes (the aggregator Lambda, the statements Lambda's catch-up, the CLI's `--stage`). */
export function createAggregator(db: DynamoDBDocumentClient, tables: TableNames, logger: Logger, clock: () => number = Date.now): Aggregator {
  return new Aggregator(new LaneRecords(db, tables, LANE_LAYOUT), new DynamoUsageLog(db, tables), { logger, clock });
}
