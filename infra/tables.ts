import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, type IndexDefinition, type KeyAttribute, type TableId, type TableNames } from '../runtime/store/tables.ts';

const attr = (k: KeyAttribute) => ({ name: k.name, type: k.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER });

/**
 * The platform's tables, built from the same definitions the local platform creates in dynalite:
 * on-demand, point-in-time recovery, encrypted, TTL where a table has an expiry attribute, money
 * tables retained when the stack goes.
 */
export class PlatformTables extends Construct {
  readonly tables: Record<TableId, TableV2>;
  readonly names: TableNames;

  constructor(scope: Construct, id: string, props: { namePrefix: string; destroyable: boolean }) {
    super(scope, id);
    const tables = {} as Record<TableId, TableV2>;
    const names = {} as TableNames;
    for (const [tid, def] of Object.entries(TABLES) as [TableId, (typeof TABLES)[TableId]][]) {
      const table = new TableV2(this, def.id, {
        tableName: `${props.namePrefix}${def.id}`,
        partitionKey: attr(def.partitionKey),
        ...('sortKey' in def ? { sortKey: attr(def.sortKey) } : {}),
        billing: Billing.onDemand(),
        encryption: TableEncryptionV2.awsManagedKey(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...('expiryAttribute' in def ? { timeToLiveAttribute: def.expiryAttribute } : {}),
        // Money data outlives the stack in every stage; prod tables also refuse deletion outright.
        // Disposable tables (console sessions) go with a dev stack, but prod retains every table:
        // with deletion protection on, CloudFormation could not delete them anyway.
        removalPolicy: def.retain || !props.destroyable ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        deletionProtection: !props.destroyable,
        globalSecondaryIndexes: ('indexes' in def ? def.indexes : []).map((i) => ({
          indexName: i.indexName,
          partitionKey: attr(i.partitionKey),
          ...(i.sortKey ? { sortKey: attr(i.sortKey) } : {}),
          projectionType: (i as IndexDefinition).projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
        })),
      });
      tables[tid] = table;
      names[tid] = table.tableName;
    }
    this.tables = tables;
    this.names = names;
  }
}
