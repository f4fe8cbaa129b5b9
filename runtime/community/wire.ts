import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FeatureCatalog } from '../gateway/invoker.ts';
import { ClientStore } from '../keys/client-store.ts';
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
  // One GetItem per client named on a page: the clients table holds the display names (issue #17).
  const clients = new ClientStore(opts.db, opts.tables, clock);
  const displayName = async (clientId: string) => (await clients.getClient(clientId))?.displayName;
  return { community: new Community({ store, levels, features: opts.features, displayName, clock }), levels, store };
}
