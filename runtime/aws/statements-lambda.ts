/**
 * The monthly close in AWS, on an EventBridge schedule (02:00 UTC on the 1st) and every few
 * minutes as a sweeper: it first applies usage batches a dead container left pending, then closes
 * every ended month that is not closed yet. The same job as the local scheduler.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { jsonLogger } from '../logger.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { readPolicy } from '../statements/policy.ts';
import { StatementStore } from '../statements/statement-store.ts';
import { StatementsJob } from '../statements/statements-job.ts';
import { documentClient } from '../store/dynamo-client.ts';
import type { TableNames } from '../store/tables.ts';
import { readAwsConfig } from './config.ts';
import { sweepPending } from './direct-meter.ts';
import type { Logger } from '../logger.ts';

export function createStatementsHandler(db: ReturnType<typeof documentClient>, tables: TableNames, env: NodeJS.ProcessEnv, logger: Logger, clock: () => number = Date.now) {
  const usage = new DynamoUsageLog(db, tables);
  const job = new StatementsJob({ usage, store: new StatementStore(db, tables), policy: readPolicy(env), clock, progress: (l) => logger.info(l) });
  return async (event: { action?: 'sweep' | 'close' } = {}) => {
    const swept = await sweepPending(usage, logger);
    if (event.action === 'sweep') return { swept, closed: [] };
    const closed = await job.closeEndedMonths();
    return { swept, closed: closed.map((c) => ({ month: c.month, outcome: c.outcome, sha256: c.statement.sha256 })) };
  };
}

let instance: ReturnType<typeof createStatementsHandler> | undefined;
export const handler = (event: { action?: 'sweep' | 'close' }) => {
  instance ??= createStatementsHandler(documentClient(new DynamoDBClient({})), readAwsConfig(process.env, { tables: ['usage', 'records', 'statements'] }).tables, process.env, jsonLogger((l) => process.stdout.write(l)));
  return instance(event);
};
