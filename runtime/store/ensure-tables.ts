import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type AttributeDefinition,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type KeyAttribute, type TableDefinition, type TableNames } from './tables.ts';

function attributeDefinitions(def: TableDefinition): AttributeDefinition[] {
  const attrs = new Map<string, KeyAttribute>();
  for (const k of [def.partitionKey, def.sortKey, ...(def.indexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey])]) {
    if (k) attrs.set(k.name, k);
  }
  return [...attrs.values()].map((k) => ({ AttributeName: k.name, AttributeType: k.type }));
}

function keySchema(pk: KeyAttribute, sk?: KeyAttribute) {
  return [{ AttributeName: pk.name, KeyType: 'HASH' as const }, ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : [])];
}

/** Creates any missing table of the platform (on-demand, with its indexes). Idempotent. */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const [id, def] of Object.entries(TABLES) as [keyof TableNames, TableDefinition][]) {
    const TableName = names[id];
    try {
      await client.send(new DescribeTableCommand({ TableName }));
      continue;
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException)) throw e;
    }
    try {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributeDefinitions(def),
          KeySchema: keySchema(def.partitionKey, def.sortKey),
          GlobalSecondaryIndexes: def.indexes?.map((i) => ({
            IndexName: i.indexName,
            KeySchema: keySchema(i.partitionKey, i.sortKey),
            Projection: { ProjectionType: i.projection ?? 'ALL' },
          })),
        }),
      );
    } catch (e) {
      // Another process (the CLI beside a starting platform) created it first: that is fine.
      if (!(e instanceof ResourceInUseException)) throw e;
    }
  }
}
