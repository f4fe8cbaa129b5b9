import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { monthOf } from '../../shared/month.ts';
import { priceKey, type UnitPrice } from '../../shared/price.ts';
import {
  aggregateRecords,
  authorsKey,
  batchId,
  lineKey,
  type AuthorShare,
  mergeBatches,
  COUNTER_NAMES,
  groupRecords,
  type UsageAggregate,
  type UsageBatch,
  type UsageRecord,
} from '../../shared/usage.ts';
import { queryAll, scanAll } from '../store/paging.ts';
import type { TableNames } from '../store/tables.ts';
import type { UsageLog, UsageReader } from './usage-log.ts';

const PENDING = 'pending';
const MONTHS_PK = '~months';

/**
 * Writes of one apply in flight at once. A unit touching hundreds of lines must not queue them
 * all on the client's sockets at once: they would time out waiting for a socket, fail the whole
 * unit, and be retried forever while commits behind them spool.
 */
const APPLY_CONCURRENCY = 16;

/** Runs tasks with at most `limit` in flight; rejects with the first failure once all settled. */
async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure !== undefined) throw failure;
}

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };
/** Raw records are kept for traceability well past the yearly audit of a closed month. */
const RECORD_RETENTION_S = 400 * 24 * 3600;

function usageSk(agg: UsageAggregate): string {
  return `U#${agg.month}#${agg.featureId}#${priceKey(agg.price)}#${authorsKey(agg.authors)}`;
}

/** Aggregates remember, per writer, the last batch they absorbed: `w_<writerId>`. */
function writerAttr(writerId: string): string {
  return `w_${writerId}`;
}

async function ignoreAlreadyApplied(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    // The condition failed because this batch (or a later one of its writer) is already in.
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
  }
}

export class DynamoUsageLog implements UsageLog, UsageReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  async commit(batch: UsageBatch): Promise<void> {
    // One item holds the whole batch: a single PutItem is atomic, so a batch is either durable
    // entirely or not at all, and a retry rewrites the same item.
    await this.db.send(
      new PutCommand({
        TableName: this.tables.records,
        Item: { pk: PENDING, sk: batchId(batch), batch: JSON.stringify(batch) },
      }),
    );
  }

  async apply(batches: UsageBatch[]): Promise<void> {
    const unit = mergeBatches(batches);
    const expiresAt = Math.floor(Date.now() / 1000) + RECORD_RETENTION_S;
    // Record groups stay keyed by their own batch, so a replay of one batch rewrites exactly them.
    const puts = batches.flatMap((batch) =>
      [...groupRecords(batch.records)].map(([pk, recs]) => ({
        PutRequest: { Item: { pk, sk: batchId(batch), n: recs.length, recs: JSON.stringify(recs), expiresAt } },
      })),
    );
    const writes: (() => Promise<void>)[] = [];
    for (let i = 0; i < puts.length; i += 25) writes.push(() => this.batchWrite(puts.slice(i, i + 25)));
    for (const agg of aggregateRecords(unit.records).values()) writes.push(() => this.addAggregate(unit, agg));
    for (const r of unit.rejections) writes.push(() => this.addRejection(unit, r.clientId, r.month, r.code, r.count));
    const perMonth = new Map<string, number>();
    for (const r of unit.records) {
      const month = monthOf(r.startedAt);
      perMonth.set(month, (perMonth.get(month) ?? 0) + 1);
    }
    for (const [month, calls] of perMonth) writes.push(() => this.addMonthCalls(unit, month, calls));
    await runLimited(writes, APPLY_CONCURRENCY);
  }

  async settle(batches: UsageBatch[]): Promise<void> {
    const deletes = batches.map((b) => ({ DeleteRequest: { Key: { pk: PENDING, sk: batchId(b) } } }));
    const writes: (() => Promise<void>)[] = [];
    for (let i = 0; i < deletes.length; i += 25) writes.push(() => this.batchWrite(deletes.slice(i, i + 25)));
    await runLimited(writes, APPLY_CONCURRENCY);
  }

  async committed(): Promise<UsageBatch[]> {
    const items = await queryAll(this.db, {
      TableName: this.tables.records,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': PENDING },
    });
    return items.map((item) => JSON.parse(String(item.batch)) as UsageBatch);
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      if (attempt > 8) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed after ${attempt} attempts`);
      const res = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.tables.records]: pending } }));
      pending = (res.UnprocessedItems?.[this.tables.records] ?? []) as typeof pending;
    }
  }

  private addAggregate(batch: UsageBatch, agg: UsageAggregate): Promise<void> {
    const names: Record<string, string> = { '#w': writerAttr(batch.writerId) };
    const values: Record<string, unknown> = { ':seq': batch.seq };
    const adds: string[] = [];
    for (const c of COUNTER_NAMES) {
      names[`#${c}`] = c;
      values[`:${c}`] = agg[c];
      adds.push(`#${c} :${c}`);
    }
    const sets = { month: agg.month, line: lineKey(agg), clientId: agg.clientId, featureId: agg.featureId, price: agg.price, authors: agg.authors };
    const setParts = ['#w = :seq'];
    for (const [k, v] of Object.entries(sets)) {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      setParts.push(`#${k} = :${k}`);
    }
    return ignoreAlreadyApplied(
      this.db.send(
        new UpdateCommand({
          TableName: this.tables.usage,
          Key: { pk: agg.clientId, sk: usageSk(agg) },
          UpdateExpression: `SET ${setParts.join(', ')} ADD ${adds.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#w) OR #w < :seq',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /** One counter item per month (pk `~months`: no client id can start with `~`). */
  private addMonthCalls(batch: UsageBatch, month: string, calls: number): Promise<void> {
    return ignoreAlreadyApplied(
      this.db.send(
        new UpdateCommand({
          TableName: this.tables.usage,
          Key: { pk: MONTHS_PK, sk: `T#${month}` },
          UpdateExpression: 'SET #w = :seq ADD #calls :n',
          ConditionExpression: 'attribute_not_exists(#w) OR #w < :seq',
          ExpressionAttributeNames: { '#w': writerAttr(batch.writerId), '#calls': 'calls' },
          ExpressionAttributeValues: { ':seq': batch.seq, ':n': calls },
        }),
      ),
    );
  }

  async monthCalls(month: string): Promise<number> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.usage, Key: { pk: MONTHS_PK, sk: `T#${month}` } }));
    return Number(res.Item?.calls ?? 0);
  }

  private addRejection(batch: UsageBatch, clientId: string, month: string, code: string, count: number): Promise<void> {
    return ignoreAlreadyApplied(
      this.db.send(
        new UpdateCommand({
          TableName: this.tables.usage,
          Key: { pk: clientId, sk: `R#${month}#${code}` },
          UpdateExpression: 'SET #w = :seq, #m = :m, #code = :code ADD #count :n',
          ConditionExpression: 'attribute_not_exists(#w) OR #w < :seq',
          ExpressionAttributeNames: { '#w': writerAttr(batch.writerId), '#m': 'rejectedMonth', '#code': 'code', '#count': 'count' },
          ExpressionAttributeValues: { ':seq': batch.seq, ':m': month, ':code': code, ':n': count },
        }),
      ),
    );
  }

  async clientAggregates(clientId: string, month: string): Promise<UsageAggregate[]> {
    const items = await queryAll(this.db, {
      TableName: this.tables.usage,
      KeyConditionExpression: 'pk = :c AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':c': clientId, ':p': `U#${month}#` },
    });
    return items.map(toAggregate);
  }

  async monthAggregates(month: string): Promise<UsageAggregate[]> {
    const items = await queryAll(this.db, {
      TableName: this.tables.usage,
      IndexName: 'byMonth',
      KeyConditionExpression: '#m = :m',
      ExpressionAttributeNames: { '#m': 'month' },
      ExpressionAttributeValues: { ':m': month },
    });
    return items.map(toAggregate);
  }

  /** Whether a month has any usage line, without reading them all. */
  async hasUsage(month: string): Promise<boolean> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tables.usage,
        IndexName: 'byMonth',
        KeyConditionExpression: '#m = :m',
        ExpressionAttributeNames: { '#m': 'month' },
        ExpressionAttributeValues: { ':m': month },
        Limit: 1,
      }),
    );
    return (page.Items?.length ?? 0) > 0;
  }

  async records(month: string, clientId: string, featureId: string): Promise<UsageRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.tables.records,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': `${month}#${clientId}#${featureId}` },
    });
    return items.flatMap((i) => JSON.parse(String(i.recs)) as UsageRecord[]).sort((a, b) => a.startedAt - b.startedAt || (a.invocationId < b.invocationId ? -1 : 1));
  }

  async rejections(month: string): Promise<{ clientId: string; code: string; count: number }[]> {
    const items = await scanAll(this.db, {
      TableName: this.tables.usage,
      FilterExpression: '#m = :m',
      ExpressionAttributeNames: { '#m': 'rejectedMonth' },
      ExpressionAttributeValues: { ':m': month },
    });
    return items
      .map((i) => ({ clientId: String(i.pk), code: String(i.code), count: Number(i.count) }))
      .sort((a, b) => (a.clientId + a.code < b.clientId + b.code ? -1 : 1));
  }
}

function toAggregate(item: Record<string, unknown>): UsageAggregate {
  const agg = {
    month: String(item.month),
    clientId: String(item.clientId),
    featureId: String(item.featureId),
    price: item.price as UnitPrice,
    authors: item.authors as AuthorShare[],
  } as UsageAggregate;
  for (const c of COUNTER_NAMES) agg[c] = Number(item[c] ?? 0);
  return agg;
}
