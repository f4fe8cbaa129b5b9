/**
 * The console API Lambda (`ANY /console/api/{proxy+}`): the same middy handler as the local
 * platform, over the same tables. Sessions and accounts live in DynamoDB, so any container
 * serves any signed-in browser; there is no second auth system.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createConsoleApi } from '../console/handler.ts';
import { jsonLogger } from '../logger.ts';
import { consoleServices } from '../services/console.ts';
import { moneyServices } from '../services/money.ts';
import { LaneRecords } from '../meter/lane-records.ts';
import { LANE_LAYOUT, windowEndMs } from '../../shared/lanes.ts';
import { documentClient } from '../store/dynamo-client.ts';
import { catalogFromJson, readAwsConfig } from './config.ts';
import { cloudWatchRecentErrors } from './feature-log-groups.ts';

const config = readAwsConfig(process.env, { tables: ['accounts', 'sessions', 'clients', 'keys', 'usage', 'records', 'statements', 'community', 'limits', 'payees', 'alerts'], features: true });
const logger = jsonLogger((line) => process.stdout.write(line));
const db = documentClient(new DynamoDBClient({}));
const lanes = new LaneRecords(db, config.tables, LANE_LAYOUT);
const over = { db, tables: config.tables, env: process.env };
const money = moneyServices({ ...over, progress: (l) => logger.info(l) });

export const handler = createConsoleApi({
  // The signed-in client's alerts: the stack never sets FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK, so in
  // AWS an endpoint is https to a public host.
  ...consoleServices({ ...over, features: catalogFromJson(process.env.FAASCAPE_CATALOG), money }),
  // The developer page's recent errors, from the features' log groups (the role may read those only).
  recentErrors: cloudWatchRecentErrors(new CloudWatchLogsClient({}), config.featureFunctionPrefix),
  // The aggregator's progress (one GetItem of its state item, the only records item this role reads).
  usageAggregatedThrough: async () => {
    const state = await lanes.state();
    return state ? windowEndMs(state.applied, LANE_LAYOUT) : 0;
  },
  logger,
});
