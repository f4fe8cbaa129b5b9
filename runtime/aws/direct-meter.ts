import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { RejectionTally, type UsageBatch, type UsageRecord } from '../../shared/usage.ts';
import type { MeterPort } from '../gateway/handler.ts';
import type { Logger } from '../logger.ts';
import { newWriterId } from '../meter/meter.ts';
import type { UsageLog } from '../meter/usage-log.ts';

/** Where a batch goes when the store refuses it: the SQS spool in AWS. */
export interface BatchSpool {
  put(batch: UsageBatch): Promise<void>;
}

export class SqsSpool implements BatchSpool {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async put(batch: UsageBatch): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(batch) }));
  }
}

/**
 * The meter inside a Lambda: one request per invocation, so no group commit; the record is
 * committed, applied and settled before the response returns.
 *
 * - Commit fails: the batch was never applied anywhere, so it is re-keyed to a writer of its own
 *   (`spool-<uuid>`, seq 1) and sent to the SQS spool, whose drain applies it idempotently.
 * - Apply fails after the commit: the batch stays pending for the sweeper, and this container
 *   takes a NEW writer id, so no later batch of the old writer can overtake the pending one.
 * - Both commit and spool fail: the full record goes to the log as one structured line.
 */
export class DirectMeter implements MeterPort {
  private writerId = newWriterId();
  private seq = 0;
  private readonly rejections = new RejectionTally();

  constructor(
    private readonly log: UsageLog,
    private readonly spool: BatchSpool,
    private readonly logger: Logger,
  ) {}

  async record(record: UsageRecord): Promise<void> {
    await this.write([record]);
  }

  reject(clientId: string, code: string, atMs: number): void {
    this.rejections.reject(clientId, code, atMs);
    // Rejections are never billed: written in the background, finished by a later invocation at worst.
    void this.write([]);
  }

  async settled(): Promise<boolean> {
    return true;
  }

  private async write(records: UsageRecord[]): Promise<void> {
    const rejections = this.rejections.take();
    if (records.length === 0 && rejections.length === 0) return;
    const batch: UsageBatch = { writerId: this.writerId, seq: ++this.seq, records, rejections };
    try {
      await this.log.commit(batch);
    } catch (e) {
      const rekeyed = { ...batch, writerId: `spool-${randomUUID()}`, seq: 1 };
      try {
        await this.spool.put(rekeyed);
        this.logger.warn('usage store unavailable, batch sent to the spool queue', { error: String(e), batch: rekeyed.writerId });
      } catch (e2) {
        this.logger.error('usage batch could not be stored or spooled', { error: `${String(e)}; ${String(e2)}`, batch: rekeyed });
      }
      return;
    }
    try {
      await this.log.apply([batch]);
      await this.log.settle([batch]);
    } catch (e) {
      this.logger.warn('usage batch committed but not applied; left for the sweeper', { error: String(e), writerId: batch.writerId, seq: batch.seq });
      this.writerId = newWriterId();
      this.seq = 0;
    }
  }
}

/**
 * Applies batches left pending (a container that died between commit and apply), in (writer, seq)
 * order: run by a schedule and before each monthly close. Idempotent.
 */
export async function sweepPending(log: UsageLog, logger: Logger): Promise<number> {
  const pending = await log.committed();
  for (const batch of pending) {
    await log.apply([batch]);
    await log.settle([batch]);
  }
  if (pending.length) logger.info('applied pending usage batches', { count: pending.length });
  return pending.length;
}
