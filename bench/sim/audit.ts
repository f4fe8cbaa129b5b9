/**
 * The end of the run, read back from the store: every table scanned (raw attribute values, so
 * sizes follow DynamoDB's rules), the usage records and aggregates counted, the largest item.
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
  /** usage records in record groups (pk month#client#feature), counted by their `n` */
  records: number;
  /** distinct invocation ids among them */
  distinctRecords: number;
  /** batches still `pending` (committed, never settled) */
  pendingBatches: number;
  /** records inside pending batches whose invocation id is in no record group */
  pendingOnlyRecords: number;
  /** Σ calls of the `U#` usage lines, per month */
  aggregatedCallsByMonth: Record<string, number>;
  /** the `~months` counters */
  monthCounters: Record<string, number>;
  /** stored calls per usage line (ledger key) */
  lineCalls: Map<string, number>;
  items: Record<string, number>;
  largest: LargestItem | undefined;
  largestPerTable: Record<string, { bytes: number; pk: string; sk: string; writerAttributes: number }>;
  itemsOverLimit: number;
  /** invocation id → times it appears in record groups */
  recordIds: Map<string, number>;
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
    pendingBatches: 0,
    pendingOnlyRecords: 0,
    aggregatedCallsByMonth: {},
    monthCounters: {},
    lineCalls: new Map(),
    items: {},
    largest: undefined,
    largestPerTable: {},
    itemsOverLimit: 0,
    recordIds: new Map(),
  };
  const pendingIds: string[] = [];
  for (const id of Object.keys(TABLES) as TableId[]) {
    const def = TABLES[id] as { partitionKey: { name: string }; sortKey?: { name: string } };
    let count = 0;
    for await (const item of scanTable(client, tables[id])) {
      count++;
      const bytes = itemBytes(item);
      const pk = keyText(item[def.partitionKey.name]);
      const sk = def.sortKey ? keyText(item[def.sortKey.name]) : '';
      if (bytes > MAX_ITEM_BYTES) a.itemsOverLimit++;
      const best = a.largestPerTable[id];
      if (!best || bytes > best.bytes) {
        const writerAttributes = Object.keys(item).filter((k) => k.startsWith('w_')).length;
        a.largestPerTable[id] = { bytes, pk, sk, writerAttributes };
        if (!a.largest || bytes > a.largest.bytes) a.largest = { table: id, pk, sk, bytes, writerAttributes };
      }
      if (id === 'records') {
        if (pk === 'pending') {
          a.pendingBatches++;
          const batch = JSON.parse(item.batch?.S ?? '{"records":[]}') as { records: { invocationId: string }[] };
          for (const r of batch.records) pendingIds.push(r.invocationId);
        } else {
          a.records += Number(item.n?.N ?? 0);
          for (const r of JSON.parse(item.recs?.S ?? '[]') as { invocationId: string }[]) a.recordIds.set(r.invocationId, (a.recordIds.get(r.invocationId) ?? 0) + 1);
        }
      } else if (id === 'usage') {
        if (sk.startsWith('U#')) {
          const month = item.month?.S ?? '?';
          const calls = Number(item.calls?.N ?? 0);
          a.aggregatedCallsByMonth[month] = (a.aggregatedCallsByMonth[month] ?? 0) + calls;
          a.lineCalls.set(Ledger.aggregateItem(pk, sk), calls);
        } else if (pk === '~months') a.monthCounters[sk.slice(2)] = Number(item.calls?.N ?? 0);
      }
    }
    a.items[id] = count;
  }
  a.distinctRecords = a.recordIds.size;
  a.pendingOnlyRecords = new Set(pendingIds.filter((i) => !a.recordIds.has(i))).size;
  return a;
}
