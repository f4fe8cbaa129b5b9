/**
 * The gateway Lambda: the same middy handler as the local platform, with the AWS adapters. SDK
 * clients and the pseudonym secret are created once per cold start, outside the handler.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createGateway } from '../gateway/handler.ts';
import { jsonLogger } from '../logger.ts';
import { LaneRecords } from '../meter/lane-records.ts';
import { gatewayStores } from '../services/gateway.ts';
import { LANE_LAYOUT } from '../../shared/lanes.ts';
import { documentClient } from '../store/dynamo-client.ts';
import { catalogFromJson, pseudonymSecret, readAwsConfig } from './config.ts';
import { LaneMeter, SqsSpool } from './lane-meter.ts';
import { limitOutageLine } from './metering-metrics.ts';
import { LambdaInvoker } from './lambda-invoker.ts';

const config = readAwsConfig(process.env, { tables: ['clients', 'keys', 'usage', 'records', 'limits'], spool: true, features: true, secret: true });
const logger = jsonLogger((line) => process.stdout.write(line));
const db = documentClient(new DynamoDBClient({}));
// The limits' own client, without the SDK's retries (gatewayStores says why).
const stores = gatewayStores({ db, limitsDb: documentClient(new DynamoDBClient({ maxAttempts: 1 })), tables: config.tables, env: process.env });
const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: config.pseudonymSecretArn }));

export const handler = createGateway({
  features: catalogFromJson(process.env.FAASCAPE_CATALOG),
  invoker: new LambdaInvoker(new LambdaClient({}), config.featureFunctionPrefix, logger),
  ...stores,
  meter: new LaneMeter(new LaneRecords(db, config.tables, LANE_LAYOUT), new SqsSpool(new SQSClient({}), config.spoolQueueUrl), logger),
  onLimitOutage: (at) => process.stdout.write(limitOutageLine(at)),
  pseudonymSecret: pseudonymSecret(secret.SecretString),
  logger,
});
