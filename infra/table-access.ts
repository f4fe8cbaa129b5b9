import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { tableEnvName } from '../runtime/aws/config.ts';
import type { TableId } from '../runtime/store/tables.ts';

/** The environment that tells a handler the names of the tables it may use (and only those). */
export function tableEnvironment(tables: Record<TableId, TableV2>, ids: TableId[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [tableEnvName(id), tables[id].tableName]));
}
