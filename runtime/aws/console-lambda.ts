/**
 * The console API Lambda (`ANY /console/api/{proxy+}`): the same middy handler as the local
 * platform, over the same tables. Sessions and accounts live in DynamoDB, so any container
 * serves any signed-in browser; there is no second auth system.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AccountStore } from '../console/account-store.ts';
import { createConsoleApi } from '../console/handler.ts';
import { ClientStore } from '../keys/client-store.ts';
import { jsonLogger } from '../logger.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { LaneRecords } from '../meter/lane-records.ts';
import { LimitLedger } from '../limits/limit-ledger.ts';
import { LANE_LAYOUT, windowEndMs } from '../../shared/lanes.ts';
import { readPolicy } from '../statements/policy.ts';
import { StatementStore } from '../statements/statement-store.ts';
import { invoicing } from '../statements/invoicing.ts';
import { InvoiceStore } from '../statements/invoice-store.ts';
import { StatementsJob } from '../statements/statements-job.ts';
import { documentClient } from '../store/dynamo-client.ts';
import { catalogFromJson, readAwsConfig } from './config.ts';
import { communityOf } from '../community/wire.ts';
import { alertsOf, payoutsOf } from '../console/deps.ts';
import { cloudWatchRecentErrors } from './feature-log-groups.ts';

const config = readAwsConfig(process.env, { tables: ['accounts', 'sessions', 'clients', 'keys', 'usage', 'records', 'statements', 'community', 'limits', 'payees', 'alerts'], features: true });
const logger = jsonLogger((line) => process.stdout.write(line));
const db = documentClient(new DynamoDBClient({}));
const usage = new DynamoUsageLog(db, config.tables);
const statementStore = new StatementStore(db, config.tables);
const lanes = new LaneRecords(db, config.tables, LANE_LAYOUT);

const features = catalogFromJson(process.env.FAASCAPE_CATALOG);
const { community, levels } = communityOf({ db, tables: config.tables, usage, statementStore, features });

export const handler = createConsoleApi({
  community,
  levels,
  accounts: new AccountStore(db, config.tables),
  clients: new ClientStore(db, config.tables),
  usage,
  limits: new LimitLedger(db, config.tables),
  statements: new StatementsJob({ usage, store: statementStore, policy: readPolicy(process.env), progress: (l) => logger.info(l), invoicing: invoicing(db, config.tables, new ClientStore(db, config.tables), process.env) }),
  statementStore,
  invoices: new InvoiceStore(db, config.tables),
  payouts: payoutsOf(db, config.tables, process.env, { statementStore, policy: readPolicy(process.env) }),
  // The signed-in client's endpoints, events and deliveries. The stack never sets
  // FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK: in AWS an endpoint is https to a public host.
  alerts: alertsOf(db, config.tables, process.env),
  features,
  // The developer page's recent errors, from the features' log groups (the role may read those only).
  recentErrors: cloudWatchRecentErrors(new CloudWatchLogsClient({}), config.featureFunctionPrefix),
  // The aggregator's progress (one GetItem of its state item, the only records item this role reads).
  usageAggregatedThrough: async () => {
    const state = await lanes.state();
    return state ? windowEndMs(state.applied, LANE_LAYOUT) : 0;
  },
  logger,
});
