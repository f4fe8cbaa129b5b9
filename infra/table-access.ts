import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { tableEnvName } from '../runtime/aws/config.ts';
import { TABLES, type TableId } from '../runtime/store/tables.ts';

/** The environment that tells a handler the names of the tables it may use (and only those). */
export function tableEnvironment(tables: Record<TableId, TableV2>, ids: TableId[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [tableEnvName(id), tables[id].tableName]));
}

/** The DynamoDB calls the platform's handlers make (no transactions, no PartiQL: see TOOLCHAIN.md). */
export type ItemAction = 'GetItem' | 'Query' | 'Scan' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

type IndexName<T extends TableId> = (typeof TABLES)[T] extends { indexes: readonly { indexName: infer N }[] } ? N : never;

/** What one handler may do on one table: these actions on the table, and Query on these indexes. */
export type TableAccess<T extends TableId> = { actions: ItemAction[]; queryIndexes?: IndexName<T>[] };

export type TablesAccess = { [T in TableId]?: TableAccess<T> };

/**
 * Grants a handler exactly the DynamoDB calls it makes, table by table, instead of the
 * `grantReadData`/`grantReadWriteData` sets (which add Scan, BatchGetItem, DeleteItem, stream reads
 * and every index). Index queries are granted on the named index ARNs only, never `/index/*`.
 * The tables use the AWS-owned key, so no KMS grant is needed.
 */
export function grantTables(fn: IFunction, tables: Record<TableId, TableV2>, access: TablesAccess): void {
  for (const [id, a] of Object.entries(access) as [TableId, TableAccess<TableId>][]) {
    const table = tables[id];
    if (a.actions.length) fn.addToRolePolicy(new PolicyStatement({ actions: [...new Set(a.actions)].sort().map((x) => `dynamodb:${x}`), resources: [table.tableArn] }));
    const indexes = a.queryIndexes ?? [];
    if (indexes.length) fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes.map((i) => `${table.tableArn}/index/${i}`) }));
  }
}
