/**
 * Drains the SQS spool: each message is a usage item the gateway could not write in time, with
 * the key it first tried. `landSpooled` writes it exactly once however often it is delivered.
 * Failures are reported per message (partial batch response) and retried by SQS, then
 * dead-lettered.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LANE_LAYOUT } from '../../shared/lanes.ts';
import { describeError, jsonLogger, type Logger } from '../logger.ts';
import { LaneRecords } from '../meter/lane-records.ts';
import { documentClient } from '../store/dynamo-client.ts';
import { readAwsConfig } from './config.ts';
import { isSpooledItem, landSpooled, NotYetError } from './spool-landing.ts';

export function createDrainHandler(lanes: LaneRecords, logger: Logger, clock: () => number = Date.now) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    for (const message of event.Records) {
      try {
        const item: unknown = JSON.parse(message.body);
        if (!isSpooledItem(item)) {
          // Not a usage item: retrying cannot help; let it reach the dead-letter queue for a person.
          logger.error('spool message is not a usage item', { messageId: message.messageId });
          failures.push({ itemIdentifier: message.messageId });
          continue;
        }
        await landSpooled(lanes, item, clock);
      } catch (e) {
        const level = e instanceof NotYetError ? 'info' : 'warn';
        logger[level]('could not land spooled usage item; SQS will retry it', { messageId: message.messageId, error: describeError(e) });
        failures.push({ itemIdentifier: message.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

let handlerInstance: ReturnType<typeof createDrainHandler> | undefined;
export const handler = (event: SQSEvent) => {
  const tables = readAwsConfig(process.env, { tables: ['records'] }).tables;
  handlerInstance ??= createDrainHandler(new LaneRecords(documentClient(new DynamoDBClient({})), tables, LANE_LAYOUT), jsonLogger((l) => process.stdout.write(l)));
  return handlerInstance(event);
};
