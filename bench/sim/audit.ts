/**
 * The end of the run, read back from the store: every table scanned (raw attribute values, so
 * sizes follow DynamoDB's rules), the lane records and aggregates counted, the largest item.
 */
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableId, type TableNames } from '../../runtime/store/tables.ts';
import { itemBytes, MAX_ITEM_BYTES, type RawItem } from './item-size.ts';
import { Ledger } from './ledger.ts';

export interface LargestItem {
  table: TableId;
  pk: string;
  sk: string;
  bytes: number;
  /** `w_<writer>` attributes on it */
  writerAttributes: number;
}

export interface StoreAudit {
  /** record items in the lanes (items whose body holds a `record`) */
  records: number;
  /** distinct invocation ids among them */
  distinctRecords: number;
  /** invocation id → its lane keys (pk \0 sk) */
  recordKeys: Map<string, string[]>;
  /** tombstones the drain left at first keys */
  tombstones: number;
  /** `{rejections}` items, and the rejections they hold */
  rejectionItems: number;
  rejectionsStored: number;
  /** lane items that are neither (the aggregator would skip them) */
  unreadableLaneItems: number;
  /** records-table items that are not lanes nor the aggregator's state (leftovers of the old design) */
  otherRecordItems: number;
  /** the aggregator's state item */
  aggregatorState: { applied: number; plan?: unknown } | null;
  /** Σ calls of the `U#` usage lines, per month */
  aggregatedCallsByMonth: Record<string, number>;
  /** Σ count of the `R#` rejection items */
  rejectionsAggregated: number;
  /** the `~months` counters */
  monthCounters: Record<string, number>;
  /** stored calls per usage line (ledger key) */
  lineCalls: Map<string, number>;
  items: Record<string, number>;
  largest: LargestItem | undefined;
  largestPerTable: Record<string, { bytes: number; pk: string; sk: string; writerAttributes: number }>;
  /** the most `w_` attributes on any one item, and which */
  maxWriterAttributes: { count: number; table?: TableId; pk?: string; sk?: string; names?: string[] };
  itemsOverLimit: number;
}

async function* scanTable(client: DynamoDBClient, table: string): AsyncGenerator<RawItem> {
  let start: RawItem | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) yield item;
    start = page.LastEvaluatedKey;
  } while (start);
}

const keyText = (v: RawItem[string] | undefined) => v?.S ?? v?.N ?? '';

export async function auditStore(client: DynamoDBClient, tables: TableNames): Promise<StoreAudit> {
  const a: StoreAudit = {
    records: 0,
    distinctRecords: 0,
    recordKeys: new Map(),
    tombstones: 0,
    rejectionItems: 0,
    rejectionsStored: 0,
    unreadableLaneItems: 0,
    otherRecordItems: 0,
    aggregatorState: null,
    aggregatedCallsByMonth: {},
    rejectionsAggregated: 0,
    monthCounters: {},
    lineCalls: new Map(),
    items: {},
    largest: undefined,
    largestPerTable: {},
    maxWriterAttributes: { count: 0 },
    itemsOverLimit: 0,
  };
  for (const id of Object.keys(TABLES) as TableId[]) {
    const def = TABLES[id] as { partitionKey: { name: string }; sortKey?: { name: string } };
    let count = 0;
    for await (const item of scanTable(client, tables[id])) {
      count++;
      const bytes = itemBytes(item);
      const pk = keyText(item[def.partitionKey.name]);
      const sk = def.sortKey ? keyText(item[def.sortKey.name]) : '';
      if (bytes > MAX_ITEM_BYTES) a.itemsOverLimit++;
      const writerNames = Object.keys(item).filter((k) => k.startsWith('w_'));
      if (writerNames.length > a.maxWriterAttributes.count) a.maxWriterAttributes = { count: writerNames.length, table: id, pk, sk, names: writerNames.slice(0, 5) };
      const best = a.largestPerTable[id];
      if (!best || bytes > best.bytes) {
        a.largestPerTable[id] = { bytes, pk, sk, writerAttributes: writerNames.length };
        if (!a.largest || bytes > a.largest.bytes) a.largest = { table: id, pk, sk, bytes, writerAttributes: writerNames.length };
      }
      if (id === 'records') {
        if (/^L\d+#\d+$/.test(pk)) {
          if (item.movedTo) {
            a.tombstones++;
            continue;
          }
          let body: { record?: { invocationId: string }; rejections?: { count: number }[] };
          try {
            body = JSON.parse(item.b?.S ?? '') as typeof body;
          } catch {
            a.unreadableLaneItems++;
            continue;
          }
          if (body.record) {
            a.records++;
            const keys = a.recordKeys.get(body.record.invocationId);
            const key = `${pk}\u0000${sk}`;
            if (keys) keys.push(key);
            else a.recordKeys.set(body.record.invocationId, [key]);
          } else if (Array.isArray(body.rejections)) {
            a.rejectionItems++;
            for (const r of body.rejections) a.rejectionsStored += Number(r.count ?? 0);
          } else a.unreadableLaneItems++;
        } else if (pk === 'agg' && sk === 'state') {
          a.aggregatorState = { applied: Number(item.applied?.N ?? NaN), ...(item.plan ? { plan: item.plan } : {}) };
        } else a.otherRecordItems++;
      } else if (id === 'usage') {
        if (sk.startsWith('U#')) {
          const month = item.month?.S ?? '?';
          const calls = Number(item.calls?.N ?? 0);
          a.aggregatedCallsByMonth[month] = (a.aggregatedCallsByMonth[month] ?? 0) + calls;
          a.lineCalls.set(Ledger.aggregateItem(pk, sk), calls);
        } else if (sk.startsWith('R#')) a.rejectionsAggregated += Number(item.count?.N ?? 0);
        else if (pk === '~months') a.monthCounters[sk.slice(2)] = Number(item.calls?.N ?? 0);
      }
    }
    a.items[id] = count;
  }
  a.distinctRecords = a.recordKeys.size;
  return a;
}
