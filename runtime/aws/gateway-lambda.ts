/**
 * The gateway Lambda: the same middy handler as the local platform, with the AWS adapters. SDK
 * clients and the pseudonym secret are created once per cold start, outside the handler.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { accessOf } from '../gateway/access.ts';
import { createGateway } from '../gateway/handler.ts';
import { ClientStore } from '../keys/client-store.ts';
import { jsonLogger } from '../logger.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { LaneRecords } from '../meter/lane-records.ts';
import { LimitLedger } from '../limits/limit-ledger.ts';
import { LANE_LAYOUT } from '../../shared/lanes.ts';
import { documentClient } from '../store/dynamo-client.ts';
import { catalogFromJson, readAwsConfig } from './config.ts';
import { LaneMeter, SqsSpool } from './lane-meter.ts';
import { limitOutageLine } from './metering-metrics.ts';
import { LambdaInvoker } from './lambda-invoker.ts';
import { testCallsPerDay } from '../../shared/test-calls.ts';

const config = readAwsConfig(process.env, { tables: ['clients', 'keys', 'usage', 'records', 'limits'], spool: true, features: true, secret: true });
const logger = jsonLogger((line) => process.stdout.write(line));
const db = documentClient(new DynamoDBClient({}));
const clients = new ClientStore(db, config.tables);
const usage = new DynamoUsageLog(db, config.tables);
const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: config.pseudonymSecretArn }));

export const handler = createGateway({
  features: catalogFromJson(process.env.FAASCAPE_CATALOG),
  invoker: new LambdaInvoker(new LambdaClient({}), config.featureFunctionPrefix, logger),
  access: accessOf(clients),
  meter: new LaneMeter(new LaneRecords(db, config.tables, LANE_LAYOUT), new SqsSpool(new SQSClient({}), config.spoolQueueUrl), logger),
  usage,
  // Its own client, without the SDK's retries: LimitLedger retries knowing which writes may be sent twice.
  limits: new LimitLedger(documentClient(new DynamoDBClient({ maxAttempts: 1 })), config.tables),
  onLimitOutage: (at) => process.stdout.write(limitOutageLine(at)),
  testCallsPerDay: testCallsPerDay(process.env.FAASCAPE_TEST_CALLS_PER_DAY),
  pseudonymSecret: secret.SecretString ?? '',
  logger,
});
