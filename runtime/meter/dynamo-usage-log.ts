import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertDay, type ClientDay, type FeatureDay } from '../../shared/day-stats.ts';
import { LATENCY_BUCKETS } from '../../shared/latency.ts';
import { monthStart } from '../../shared/month.ts';
import type { UnitPrice } from '../../shared/price.ts';
import { CLIENT_DAY_COUNTERS, FEATURE_DAY_COUNTERS, featureDayPk, histogramAttr, monthCallsKey, planAggregateUpdates, type ItemUpdate } from '../../shared/usage-plan.ts';
import { batchId, cmp, COUNTER_NAMES, groupRecords, mergeBatches, type AuthorShare, type UsageAggregate, type UsageBatch, type UsageRecord } from '../../shared/usage.ts';
import { conditional } from '../store/conditional.ts';
import { forEachQueryPage, queryAll, scanAll } from '../store/paging.ts';
import { runLimited } from '../store/run-limited.ts';
import type { TableNames } from '../store/tables.ts';
import type { UsageLog, UsageReader } from './usage-log.ts';

const PENDING = 'pending';

/** Aggregates remember, per feed (a bounded few), the last batch they absorbed: `w_<writerId>`. */
function writerAttr(writerId: string): string {
  return `w_${writerId}`;
}

/** Writes of one apply in flight at once (see runLimited). */
const APPLY_CONCURRENCY = 16;
/** Per-client line queries of a month's read in flight at once. */
const READ_CONCURRENCY = 8;

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };
/** Raw records are kept for traceability well past the yearly audit of a closed month. */
const RECORD_RETENTION_S = 400 * 24 * 3600;

/** Tries a write up to `attempts` times, backing off 50 ms, 100 ms, … between them. */
async function withAttempts(write: () => Promise<void>, attempts: number): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await write();
    } catch (e) {
      if (i >= attempts) throw e;
      await sleep(50 * 2 ** (i - 1));
    }
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
    const expiresAt = Math.floor(Date.now() / 1000) + RECORD_RETENTION_S;
    // Record groups stay keyed by their own batch, so a replay of one batch rewrites exactly them.
    const puts = batches.flatMap((batch) =>
      [...groupRecords(batch.records)].map(([pk, recs]) => ({
        PutRequest: { Item: { pk, sk: batchId(batch), n: recs.length, recs: JSON.stringify(recs), expiresAt } },
      })),
    );
    const writes: (() => Promise<void>)[] = [];
    for (let i = 0; i < puts.length; i += 25) writes.push(() => this.batchWrite(puts.slice(i, i + 25)));
    writes.push(...this.aggregateWrites(mergeBatches(batches)));
    await runLimited(writes, APPLY_CONCURRENCY);
  }

  /**
   * Item updates planned (shared/usage-plan.ts), each applied once per (writer, seq): the item
   * keeps `w_<writer>` = the last seq it absorbed. Writers are a fixed few (the local meter, the
   * AWS aggregator), never one per process or container, so no item grows with them.
   */
  async applyUpdates(feed: Pick<UsageBatch, 'writerId' | 'seq'>, updates: readonly ItemUpdate[], attempts = 1): Promise<void> {
    await runLimited(
      updates.map((u) => () => withAttempts(() => this.addOnce(feed, u), attempts)),
      APPLY_CONCURRENCY,
    );
  }

  private aggregateWrites(unit: UsageBatch): (() => Promise<void>)[] {
    return planAggregateUpdates(unit.records, unit.rejections).map((u) => () => this.addOnce(unit, u));
  }

  /** SET the item's identity and ADD its counters, once per (writer, seq). */
  private async addOnce(batch: Pick<UsageBatch, 'writerId' | 'seq'>, u: ItemUpdate): Promise<void> {
    const names: Record<string, string> = { '#w': writerAttr(batch.writerId) };
    const values: Record<string, unknown> = { ':seq': batch.seq };
    const setParts = ['#w = :seq'];
    const addParts: string[] = [];
    let i = 0;
    for (const [k, v] of Object.entries(u.set)) {
      names[`#s${i}`] = k;
      values[`:s${i}`] = v;
      setParts.push(`#s${i} = :s${i}`);
      i++;
    }
    for (const [k, v] of Object.entries(u.add)) {
      names[`#a${i}`] = k;
      values[`:a${i}`] = v;
      addParts.push(`#a${i} :a${i}`);
      i++;
    }
    // A refused condition means this batch (or a later one of its writer) is already in.
    await conditional(
      this.db.send(
        new UpdateCommand({
          TableName: this.tables.usage,
          Key: { pk: u.pk, sk: u.sk },
          UpdateExpression: `SET ${setParts.join(', ')}${addParts.length ? ` ADD ${addParts.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(#w) OR #w < :seq',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async settle(batches: UsageBatch[]): Promise<void> {
    const deletes = batches.map((b) => ({ DeleteRequest: { Key: { pk: PENDING, sk: batchId(b) } } }));
    const writes: (() => Promise<void>)[] = [];
    for (let i = 0; i < deletes.length; i += 25) writes.push(() => this.batchWrite(deletes.slice(i, i + 25)));
    await runLimited(writes, APPLY_CONCURRENCY);
  }

  /** The next epoch of a long-lived writer (see SEQS_PER_EPOCH): an atomic counter in the records table. */
  async nextEpoch(writerId: string): Promise<number> {
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.records,
        Key: { pk: 'writer', sk: writerId },
        UpdateExpression: 'ADD #e :one',
        ExpressionAttributeNames: { '#e': 'epoch' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(res.Attributes?.epoch);
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

  async featureDays(featureId: string, fromDay: string, toDay: string): Promise<FeatureDay[]> {
    assertDay(fromDay);
    assertDay(toDay);
    if (fromDay > toDay) return [];
    const items = await queryAll(this.db, {
      TableName: this.tables.usage,
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':p': featureDayPk(featureId), ':from': `D#${fromDay}`, ':to': `D#${toDay}` },
    });
    return items.map(toFeatureDay).sort((a, b) => cmp(a.day, b.day));
  }

  async clientDays(clientId: string, month: string): Promise<ClientDay[]> {
    monthStart(month); // throws on anything but YYYY-MM
    const items = await queryAll(this.db, {
      TableName: this.tables.usage,
      KeyConditionExpression: 'pk = :c AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':c': clientId, ':p': `D#${month}-` },
    });
    return items.map(toClientDay).sort((a, b) => cmp(a.day, b.day) || cmp(a.featureId, b.featureId));
  }

  /** The months' call counters sort by month (sk `T#YYYY-MM`): the first is one item of a Query. */
  async firstUsageMonth(): Promise<string | undefined> {
    const first = monthCallsKey('1970-01');
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.tables.usage,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :t)',
        ExpressionAttributeValues: { ':p': first.pk, ':t': 'T#' },
        Limit: 1,
      }),
    );
    const sk = res.Items?.[0]?.sk;
    return typeof sk === 'string' ? sk.slice(2) : undefined;
  }

  async monthCalls(month: string): Promise<number> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.usage, Key: monthCallsKey(month) }));
    return Number(res.Item?.calls ?? 0);
  }

  async clientAggregates(clientId: string, month: string): Promise<UsageAggregate[]> {
    const items = await queryAll(this.db, {
      TableName: this.tables.usage,
      KeyConditionExpression: 'pk = :c AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':c': clientId, ':p': `U#${month}#` },
    });
    return items.map(toAggregate);
  }

  /**
   * Every usage line of a month, in the index's order (by line). The byMonth index holds keys only
   * (decision 16): it names the clients with lines in the month, and each client's lines are read
   * from the table with one strongly consistent Query (its `U#<month>#` range), so a line the index
   * has not caught up with yet is read too.
   */
  async monthAggregates(month: string): Promise<UsageAggregate[]> {
    const clients = new Set<string>();
    await forEachQueryPage(
      this.db,
      {
        TableName: this.tables.usage,
        IndexName: 'byMonth',
        KeyConditionExpression: '#m = :m',
        ExpressionAttributeNames: { '#m': 'month' },
        ExpressionAttributeValues: { ':m': month },
      },
      (keys) => {
        for (const k of keys) clients.add(String(k.pk));
      },
    );
    const items: Record<string, unknown>[] = [];
    await runLimited(
      [...clients].map((clientId) => async () => {
        items.push(
          ...(await queryAll(this.db, {
            TableName: this.tables.usage,
            KeyConditionExpression: 'pk = :c AND begins_with(sk, :p)',
            ExpressionAttributeValues: { ':c': clientId, ':p': `U#${month}#` },
            ConsistentRead: true,
          })),
        );
      }),
      READ_CONCURRENCY,
    );
    return items.sort((a, b) => cmp(String(a.line), String(b.line))).map(toAggregate);
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

function toFeatureDay(item: Record<string, unknown>): FeatureDay {
  const latency = Array.from({ length: LATENCY_BUCKETS }, (_, i) => Number(item[histogramAttr(i)] ?? 0));
  const day = { featureId: String(item.featureId), day: String(item.day), latency } as FeatureDay;
  for (const c of FEATURE_DAY_COUNTERS) day[c] = Number(item[c] ?? 0);
  return day;
}

function toClientDay(item: Record<string, unknown>): ClientDay {
  const day = { clientId: String(item.clientId), day: String(item.day), featureId: String(item.featureId) } as ClientDay;
  for (const c of CLIENT_DAY_COUNTERS) day[c] = Number(item[c] ?? 0);
  return day;
}

function toAggregate(item: Record<string, unknown>): UsageAggregate {
  const agg = {
    month: String(item.month),
    clientId: String(item.clientId),
    featureId: String(item.featureId),
    price: item.price as UnitPrice,
    authors: item.authors as AuthorShare[],
    ...(item.test === true ? { test: true } : {}),
  } as UsageAggregate;
  for (const c of COUNTER_NAMES) agg[c] = Number(item[c] ?? 0);
  return agg;
}
