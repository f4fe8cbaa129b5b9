import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FeatureCatalog } from '../gateway/invoker.ts';
import type { UsageReader } from '../meter/usage-log.ts';
import type { StatementStore } from '../statements/statement-store.ts';
import type { TableNames } from '../store/tables.ts';
import { Community } from './community-service.ts';
import { CommunityStore } from './community-store.ts';
import { Levels } from './levels.ts';

/** The community over the platform's tables: the same wiring locally, in the Lambda and in the CLI. */
export function communityOf(opts: {
  db: DynamoDBDocumentClient;
  tables: TableNames;
  usage: Pick<UsageReader, 'monthAggregates'>;
  statementStore: Pick<StatementStore, 'closedMonths' | 'weightedCalls'>;
  features: FeatureCatalog;
  clock?: () => number;
}): { community: Community; levels: Levels; store: CommunityStore } {
  const clock = opts.clock ?? Date.now;
  const store = new CommunityStore(opts.db, opts.tables);
  const levels = new Levels({ community: store, usage: opts.usage, statementStore: opts.statementStore, features: opts.features, clock });
  return { community: new Community({ store, levels, features: opts.features, clock }), levels, store };
}
