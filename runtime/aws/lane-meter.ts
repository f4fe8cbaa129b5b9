import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { RejectionTally, type UsageRecord } from '../../shared/usage.ts';
import type { MeterPort } from '../gateway/handler.ts';
import type { Logger } from '../logger.ts';
import { writeOrSpool } from '../meter/write-or-spool.ts';
import type { LaneBody, LaneRecords, SpooledItem } from '../meter/lane-records.ts';

/** Where an item goes when the store refuses it: the SQS spool in AWS. */
export interface ItemSpool {
  put(item: SpooledItem): Promise<void>;
}

export class SqsSpool implements ItemSpool {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async put(item: SpooledItem): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(item) }));
  }
}

/**
 * The meter inside a gateway Lambda: each call's record is one conditional PutItem into its
 * lane (shared/lanes.ts), before the response: one round trip, one write unit, no item shared
 * with other containers. Aggregation happens later, off the hot path (runtime/meter/aggregator.ts).
 *
 * - The write fails or outlives its deadline: the item goes to the SQS spool with its first key;
 *   the drain lands it exactly once (runtime/aws/spool-landing.ts), even if the write did land.
 * - Both fail: the whole item goes to the log as one structured line, for an operator to replay.
 */
export class LaneMeter implements MeterPort {
  private readonly rejections = new RejectionTally();
  private rejectionWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly lanes: LaneRecords,
    private readonly spool: ItemSpool,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async record(record: UsageRecord): Promise<void> {
    await this.write(record.invocationId, { record });
  }

  reject(clientId: string, code: string, atMs: number): void {
    this.rejections.reject(clientId, code, atMs);
    // Never billed: written in the background, after the one before it, so a burst of 401s
    // from one container makes a few items, not one each.
    this.rejectionWrite = this.rejectionWrite.then(() => {
      const rejections = this.rejections.take();
      return rejections.length ? this.write(`R-${randomUUID()}`, { rejections }) : undefined;
    });
  }

  async settled(): Promise<boolean> {
    await this.rejectionWrite;
    return true;
  }

  private async write(id: string, body: LaneBody): Promise<void> {
    const { lane, window, key } = this.lanes.keyOf(id, this.clock());
    await writeOrSpool<SpooledItem>(
      { id, lane, window, body },
      async (item) => void (await this.lanes.put(key, item.body, AbortSignal.timeout(this.lanes.layout.writeDeadlineMs))),
      (item) => this.spool.put(item),
      this.logger,
      { spooled: 'usage store unavailable, record sent to the spool queue', lost: 'usage record could not be stored or spooled', id },
    );
  }
}
