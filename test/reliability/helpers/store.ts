/**
 * The platform's store as the operator sees it: `openStore` (the running platform's store via
 * its `store.json`, or the data dir opened in this process once the platform has stopped), with
 * the platform's own `DynamoUsageLog` and `ClientStore` on top.
 */
import { ClientStore } from '../../../runtime/keys/client-store.ts';
import { openStore } from '../../../runtime/local/embedded-store.ts';
import { DynamoUsageLog } from '../../../runtime/meter/dynamo-usage-log.ts';
import { documentClient, localDynamoClient } from '../../../runtime/store/dynamo-client.ts';
import { LOCAL_TABLE_PREFIX, tableNames } from '../../../runtime/store/tables.ts';
import type { UsageAggregate, UsageRecord } from '../../../shared/usage.ts';

export interface StoreView {
  usage: DynamoUsageLog;
  clients: ClientStore;
}

export async function withStore<T>(dataDir: string, fn: (s: StoreView) => Promise<T>): Promise<T> {
  const store = await openStore(dataDir);
  const dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential, maxAttempts: 3 });
  try {
    const db = documentClient(dynamo);
    const tables = tableNames(LOCAL_TABLE_PREFIX);
    return await fn({ usage: new DynamoUsageLog(db, tables), clients: new ClientStore(db, tables) });
  } finally {
    dynamo.destroy();
    await store.close();
  }
}

export interface KeyInfo {
  clientId: string;
  keyId: string;
  apiKey: string;
}

export function createKeys(dataDir: string, clientIds: string[]): Promise<KeyInfo[]> {
  return withStore(dataDir, async ({ clients }) => {
    const out: KeyInfo[] = [];
    for (const c of clientIds) out.push(await clients.createKey(c));
    return out;
  });
}

/** What the store holds for a set of (client, feature) pairs, over one or more months. */
export interface StoreSnapshot {
  /** records per `client feature` */
  records: Map<string, UsageRecord[]>;
  /** aggregate counters summed per `client feature` (over price lines and months) */
  aggregates: Map<string, Pick<UsageAggregate, 'calls' | 'billableCalls' | 'errors' | 'timeouts'>>;
  /** rejection counts per `client code` */
  rejections: Map<string, number>;
  /** batches committed but never settled (should be none once the meter is idle) */
  pendingBatches: number;
}

export async function snapshot(dataDir: string, months: string[], pairs: { clientId: string; featureId: string }[], clientIds: string[]): Promise<StoreSnapshot> {
  return withStore(dataDir, async ({ usage }) => {
    const records = new Map<string, UsageRecord[]>();
    const aggregates = new Map<string, Pick<UsageAggregate, 'calls' | 'billableCalls' | 'errors' | 'timeouts'>>();
    const rejections = new Map<string, number>();
    for (const month of months) {
      for (const { clientId, featureId } of pairs) {
        const key = `${clientId} ${featureId}`;
        records.set(key, [...(records.get(key) ?? []), ...(await usage.records(month, clientId, featureId))]);
      }
      for (const clientId of clientIds) {
        for (const a of await usage.clientAggregates(clientId, month)) {
          const key = `${clientId} ${a.featureId}`;
          const s = aggregates.get(key) ?? { calls: 0, billableCalls: 0, errors: 0, timeouts: 0 };
          s.calls += a.calls;
          s.billableCalls += a.billableCalls;
          s.errors += a.errors;
          s.timeouts += a.timeouts;
          aggregates.set(key, s);
        }
      }
      for (const r of await usage.rejections(month)) {
        const key = `${r.clientId} ${r.code}`;
        rejections.set(key, (rejections.get(key) ?? 0) + r.count);
      }
    }
    const pendingBatches = (await usage.committed()).length;
    return { records, aggregates, rejections, pendingBatches };
  });
}
