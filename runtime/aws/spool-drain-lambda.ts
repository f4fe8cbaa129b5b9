/**
 * Drains the SQS spool: each message is a usage batch that the gateway could not commit, already
 * re-keyed to a writer of its own, so applying it twice (a redelivery) counts it once. Failures
 * are reported per message (partial batch response) and retried by SQS, then dead-lettered.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { UsageBatch } from '../../shared/usage.ts';
import { jsonLogger, type Logger } from '../logger.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import type { UsageLog } from '../meter/usage-log.ts';
import { documentClient } from '../store/dynamo-client.ts';
import { readAwsConfig } from './config.ts';

function isBatch(v: unknown): v is UsageBatch {
  const b = v as UsageBatch;
  return typeof b === 'object' && b !== null && typeof b.writerId === 'string' && Number.isInteger(b.seq) && Array.isArray(b.records) && Array.isArray(b.rejections);
}

export function createDrainHandler(log: UsageLog, logger: Logger) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    for (const message of event.Records) {
      try {
        const batch: unknown = JSON.parse(message.body);
        if (!isBatch(batch)) {
          // Not a batch: retrying cannot help; let it reach the dead-letter queue for a person.
          logger.error('spool message is not a usage batch', { messageId: message.messageId });
          failures.push({ itemIdentifier: message.messageId });
          continue;
        }
        await log.apply([batch]);
      } catch (e) {
        logger.warn('could not apply spooled batch; SQS will retry it', { messageId: message.messageId, error: String(e) });
        failures.push({ itemIdentifier: message.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

let handlerInstance: ReturnType<typeof createDrainHandler> | undefined;
export const handler = (event: SQSEvent) => {
  handlerInstance ??= createDrainHandler(new DynamoUsageLog(documentClient(new DynamoDBClient({})), readAwsConfig(process.env, { tables: ['usage', 'records'] }).tables), jsonLogger((l) => process.stdout.write(l)));
  return handlerInstance(event);
};
