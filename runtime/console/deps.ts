import type { FeatureCatalog } from '../gateway/invoker.ts';
import type { LimitStore } from '../limits/limit-ledger.ts';
import type { ClientStore } from '../keys/client-store.ts';
import type { Logger } from '../logger.ts';
import type { UsageReader } from '../meter/usage-log.ts';
import type { InvoiceStore } from '../statements/invoice-store.ts';
import type { StatementStore } from '../statements/statement-store.ts';
import type { StatementsJob } from '../statements/statements-job.ts';
import type { AccountStore } from './account-store.ts';
import type { Community } from '../community/community-service.ts';
import type { Levels } from '../community/levels.ts';

/** What the console reads and writes: the same stores as the gateway and the statements job. */
export interface ConsoleDeps {
  accounts: AccountStore;
  clients: Pick<ClientStore, 'getClient' | 'listKeys' | 'createKey' | 'revokeKey' | 'getKey' | 'setSpendCap' | 'setDisplayName' | 'setBilling'>;
  /** what the gateways count against each client's quota and spend cap: the figures they enforce */
  limits: Pick<LimitStore, 'monthCommitted'>;
  usage: Pick<UsageReader, 'clientAggregates' | 'monthAggregates' | 'hasUsage' | 'featureDays' | 'clientDays'>;
  statements: Pick<StatementsJob, 'preview' | 'close'>;
  statementStore: Pick<StatementStore, 'get' | 'closedMonths' | 'partyOf' | 'summary'>;
  /** the final invoices and credit notes issued at each close (read only: the close issues them) */
  invoices: Pick<InvoiceStore, 'byNumber' | 'ofClient' | 'ofMonth' | 'creditOf'>;
  features: FeatureCatalog;
  /** discussions, requests and developer levels */
  community: Community;
  levels: Levels;
  /** waits until calls already answered are in the aggregates (locally: the meter) */
  settled?: () => Promise<unknown>;
  /** In AWS: epoch ms up to which every usage record is in the aggregates (the aggregator's progress) */
  usageAggregatedThrough?: () => Promise<number>;
  clock?: () => number;
  logger: Logger;
}
