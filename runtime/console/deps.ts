import { AlertStore, webhooksAllowLoopback } from '../alerts/alert-store.ts';
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
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StatementPolicy } from '../../shared/statement.ts';
import { PayeeStore, PayoutRunStore } from '../statements/payout-store.ts';
import { DEFAULT_REVIEW_DAYS, Payouts, readPayer } from '../statements/payouts.ts';
import { readSeller } from '../statements/seller.ts';
import type { TableNames } from '../store/tables.ts';
import type { RecentErrors } from './recent-errors.ts';

/** What the console reads and writes: the same stores as the gateway and the statements job. */
export interface ConsoleDeps {
  accounts: AccountStore;
  clients: Pick<ClientStore, 'getClient' | 'listKeys' | 'createKey' | 'createDeveloperTestKey' | 'revokeKey' | 'getKey' | 'setSpendCap' | 'setDisplayName' | 'setBilling'>;
  /** what the gateways count against each client's quota and spend cap: the figures they enforce */
  limits: Pick<LimitStore, 'monthCommitted'>;
  usage: Pick<UsageReader, 'clientAggregates' | 'monthAggregates' | 'hasUsage' | 'featureDays' | 'clientDays'>;
  statements: Pick<StatementsJob, 'preview' | 'close'>;
  statementStore: Pick<StatementStore, 'get' | 'closedMonths' | 'partyOf' | 'summary'>;
  /** the final invoices and credit notes issued at each close (read only: the close issues them) */
  invoices: Pick<InvoiceStore, 'byNumber' | 'ofClient' | 'ofMonth' | 'creditOf'>;
  features: FeatureCatalog;
  /** payout runs and payees (payoutsOf wires them) */
  payouts: ConsolePayouts;
  /** the signed-in client's alerts and webhook endpoints (alertsOf wires them) */
  alerts: ConsoleAlerts;
  /** discussions, requests and developer levels */
  community: Community;
  levels: Levels;
  /** the feature logs' recent errors (locally the data dir; in AWS the features' log groups), asked only for the signed-in developer's features */
  recentErrors: RecentErrors;
  /** waits until calls already answered are in the aggregates (locally: the meter) */
  settled?: () => Promise<unknown>;
  /** In AWS: epoch ms up to which every usage record is in the aggregates (the aggregator's progress) */
  usageAggregatedThrough?: () => Promise<number>;
  clock?: () => number;
  logger: Logger;
}

/** What the payout pages read and write. */
export interface ConsolePayouts {
  /** finance's side: a month's run, its approval, its payment file */
  runs: Pick<Payouts, 'view' | 'approve' | 'exportXml'>;
  /** approved runs as stored: a developer reads its own line of each, never the run's view */
  approved: Pick<PayoutRunStore, 'get'>;
  /** the signed-in developer's own payee and flags (the routes pass its id, never one from the request) */
  payees: Pick<PayeeStore, 'payee' | 'setPayee' | 'flag' | 'flagsOf'>;
  /** developers flag lines for this many days after the close; then finance may approve */
  reviewDays: number;
  /** balances under it are carried by the statement (the statement policy's minimum payout) */
  minimumPayoutMicros: number;
}

/** What the client's alerts and webhooks pages read and write: its own partition of `alerts` only. */
export interface ConsoleAlerts {
  store: Pick<AlertStore, 'endpoints' | 'addEndpoint' | 'removeEndpoint' | 'event' | 'events' | 'deliveries' | 'resend'>;
  /**
   * Endpoints may be http(s)://127.0.0.1 (local development only): the operator said so with
   * FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK=1. Read once at wiring, never per request.
   */
  allowLoopback: boolean;
}

/**
 * The alerts of the console, one wiring for the local platform and the console Lambda. Loopback
 * endpoints are refused unless FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK is exactly "1"; any other value is
 * a mistake said at start rather than a silently refused endpoint later.
 */
export function alertsOf(db: DynamoDBDocumentClient, tables: Pick<TableNames, 'alerts'>, env: NodeJS.ProcessEnv): ConsoleAlerts {
  return { store: new AlertStore(db, tables), allowLoopback: webhooksAllowLoopback(env) };
}

/**
 * Payout runs over the stores, one wiring for the local platform, the console Lambdas and the CLI:
 * the transfers leave from FAASCAPE_PAYOUT_IBAN (+ _NAME, default the seller's legal name, _BIC),
 * checked here so a bad account fails at start rather than at the first approval.
 */
export function payoutsOf(
  db: DynamoDBDocumentClient,
  tables: Pick<TableNames, 'statements' | 'payees'>,
  env: NodeJS.ProcessEnv,
  opts: { statementStore: ConstructorParameters<typeof Payouts>[0]['statements']; policy: Pick<StatementPolicy, 'minimumPayoutMicros'>; clock?: () => number },
): { runs: Payouts; approved: PayoutRunStore; payees: PayeeStore; reviewDays: number; minimumPayoutMicros: number } {
  const approved = new PayoutRunStore(db, tables);
  const payees = new PayeeStore(db, tables);
  const payer = readPayer(env, readSeller(env).party.legalName);
  const runs = new Payouts({ statements: opts.statementStore, runs: approved, payees, payer, reviewDays: DEFAULT_REVIEW_DAYS, ...(opts.clock ? { clock: opts.clock } : {}) });
  return { runs, approved, payees, reviewDays: DEFAULT_REVIEW_DAYS, minimumPayoutMicros: opts.policy.minimumPayoutMicros };
}
