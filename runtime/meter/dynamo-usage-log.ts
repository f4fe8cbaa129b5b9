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
import { assertDay, clientDays, featureDays, type ClientDay, type FeatureDay } from '../../shared/day-stats.ts';
import { LATENCY_BUCKETS } from '../../shared/latency.ts';
import { monthOf, monthStart } from '../../shared/month.ts';
import { priceKey, type UnitPrice } from '../../shared/price.ts';
import {
  aggregateRecords,
  authorsKey,
  batchId,
  cmp,
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

/**
 * Per-day stats live in the usage table beside the aggregates, without `month` (the byMonth index
 * stays usage lines only) or `rejectedMonth`: a feature's days under pk `F#<featureId>` (no client
 * id can start with `F#`: CLIENT_ID is lowercase), sk `D#<day>`; a client's under its own pk, sk
 * `D#<day>#<featureId>` (apart from the `U#` and `R#` items its other reads select).
 */
const FEATURE_DAY_COUNTERS = ['calls', 'okCalls', 'errors', 'timeouts', 'clientErrors'] as const satisfies readonly (keyof FeatureDay)[];
const CLIENT_DAY_COUNTERS = ['calls', 'billableCalls'] as const satisfies readonly (keyof ClientDay)[];

function featureDayPk(featureId: string): string {
  return `F#${featureId}`;
}

/** The latency histogram as one number per bucket, `h<i>`, so that ADD can count into it. */
function histogramAttr(bucket: number): string {
  return `h${bucket}`;
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
    for (const day of featureDays(unit.records).values()) writes.push(() => this.addFeatureDay(unit, day));
    for (const day of clientDays(unit.records).values()) writes.push(() => this.addClientDay(unit, day));
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

  /** Adds a unit's stats of one feature on one day, once per (writer, seq) like the aggregates. */
  private addFeatureDay(batch: UsageBatch, day: FeatureDay): Promise<void> {
    const adds: Record<string, number> = {};
    for (const c of FEATURE_DAY_COUNTERS) adds[c] = day[c];
    // Empty buckets are left out: a missing h<i> reads as 0.
    day.latency.forEach((n, i) => {
      if (n > 0) adds[histogramAttr(i)] = n;
    });
    return this.addDayItem(batch, { pk: featureDayPk(day.featureId), sk: `D#${day.day}` }, { featureId: day.featureId, day: day.day }, adds);
  }

  private addClientDay(batch: UsageBatch, day: ClientDay): Promise<void> {
    const adds: Record<string, number> = {};
    for (const c of CLIENT_DAY_COUNTERS) adds[c] = day[c];
    return this.addDayItem(
      batch,
      { pk: day.clientId, sk: `D#${day.day}#${day.featureId}` },
      { clientId: day.clientId, featureId: day.featureId, day: day.day },
      adds,
    );
  }

  /** SET the item's identity and ADD its counters, once per (writer, seq): the aggregates' rule. */
  private addDayItem(batch: UsageBatch, key: { pk: string; sk: string }, sets: Record<string, string>, adds: Record<string, number>): Promise<void> {
    const names: Record<string, string> = { '#w': writerAttr(batch.writerId) };
    const values: Record<string, unknown> = { ':seq': batch.seq };
    const setParts = ['#w = :seq'];
    for (const [k, v] of Object.entries(sets)) {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      setParts.push(`#${k} = :${k}`);
    }
    const addParts: string[] = [];
    for (const [k, v] of Object.entries(adds)) {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      addParts.push(`#${k} :${k}`);
    }
    return ignoreAlreadyApplied(
      this.db.send(
        new UpdateCommand({
          TableName: this.tables.usage,
          Key: key,
          UpdateExpression: `SET ${setParts.join(', ')} ADD ${addParts.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#w) OR #w < :seq',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
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
  } as UsageAggregate;
  for (const c of COUNTER_NAMES) agg[c] = Number(item[c] ?? 0);
  return agg;
}
