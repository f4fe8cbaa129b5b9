/**
 * The monthly close in AWS, on an EventBridge schedule (02:00 UTC on the 1st): it first brings the
 * aggregates up to date (every closed window of every lane), refuses to close while they trail the
 * months it would close, then closes every ended month that is not closed yet. The same job as
 * the local scheduler.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { jsonLogger } from '../logger.ts';
import { CLOSE_GRACE_MS } from '../statements/statements-job.ts';
import { moneyServices } from '../services/money.ts';
import { LANE_LAYOUT, windowEndMs, windowOf } from '../../shared/lanes.ts';
import { documentClient } from '../store/dynamo-client.ts';
import type { TableNames } from '../store/tables.ts';
import { readAwsConfig } from './config.ts';
import { LaneRecords } from '../meter/lane-records.ts';
import type { Logger } from '../logger.ts';

/**
 * The monthly close. It only reads usage: the aggregator Lambda (every 5 minutes) keeps the
 * aggregates current, and the close refuses, with an error that its alarm and EventBridge's
 * retries see, while they trail the months it would close (an aggregator failing for 2 hours).
 */
export function createStatementsHandler(db: ReturnType<typeof documentClient>, tables: TableNames, env: NodeJS.ProcessEnv, logger: Logger, clock: () => number = Date.now) {
  const job = moneyServices({ db, tables, env, clock, progress: (l) => logger.info(l) }).statements;
  const lanes = new LaneRecords(db, tables, LANE_LAYOUT);
  return async () => {
    const applied = (await lanes.state())?.applied ?? -1;
    // Every record of a month is written within minutes of its end: the months closed here ended
    // before now − CLOSE_GRACE_MS, so their usage is complete once that window is applied.
    const needed = windowOf(clock() - CLOSE_GRACE_MS, LANE_LAYOUT);
    if (applied < needed) {
      throw new Error(`usage is aggregated up to ${applied < 0 ? 'nothing yet' : new Date(windowEndMs(applied, LANE_LAYOUT)).toISOString()} only; the close waits for ${new Date(windowEndMs(needed, LANE_LAYOUT)).toISOString()} (is the aggregator failing?)`);
    }
    const closed = await job.closeEndedMonths();
    return { closed: closed.map((c) => ({ month: c.month, outcome: c.outcome, sha256: c.statement.sha256 })) };
  };
}

let instance: ReturnType<typeof createStatementsHandler> | undefined;
export const handler = () => {
  instance ??= createStatementsHandler(documentClient(new DynamoDBClient({})), readAwsConfig(process.env, { tables: ['usage', 'records', 'statements', 'clients'] }).tables, process.env, jsonLogger((l) => process.stdout.write(l)));
  return instance();
};
