import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_TABLE_PREFIX, stagePrefix, tableNames, type TableNames } from '../store/tables.ts';
import { dataDirOf } from '../local/config.ts';
import { openStore } from '../local/embedded-store.ts';
import { AccountStore } from '../console/account-store.ts';
import type { ClientStore } from '../keys/client-store.ts';
import type { StatementsJob } from '../statements/statements-job.ts';
import type { InvoiceStore } from '../statements/invoice-store.ts';
import { createAggregator } from '../services/aggregator.ts';
import { communityServices, payoutServices } from '../services/console.ts';
import { moneyServices } from '../services/money.ts';
import { resolve } from 'node:path';
import type { Community } from '../community/community-service.ts';
import type { Levels } from '../community/levels.ts';
import { readManifests } from '../local/load-features.ts';
import type { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { LaneRecords } from '../meter/lane-records.ts';
import { silentLogger } from '../logger.ts';
import { LANE_LAYOUT } from '../../shared/lanes.ts';
import type { UsageRecord } from '../../shared/usage.ts';
import type { StatementStore } from '../statements/statement-store.ts';
import type { PayeeStore } from '../statements/payout-store.ts';
import type { Payouts } from '../statements/payouts.ts';
import type { SellerConfig } from '../../shared/invoice.ts';
import type { Command } from 'commander';

export interface CliContext {
  community: Community;
  levels: Levels;
  clients: ClientStore;
  accounts: AccountStore;
  usage: DynamoUsageLog;
  /** the invocation records behind one line: record groups locally, the lanes on a stage */
  records(month: string, clientId: string, featureId: string): Promise<UsageRecord[]>;
  statements: StatementsJob;
  /** final statements as stored */
  statementStore: StatementStore;
  /** the final invoices and credit notes, and the seller they name (statements/invoicing.ts) */
  invoices: InvoiceStore;
  seller: SellerConfig;
  /** payout runs (view, approve, export) and the developers' payees (console/deps.ts payoutsOf) */
  payouts: Payouts;
  payees: PayeeStore;
  /** On a stage, the aggregator caught up (what the statements Lambda does before it closes); locally nothing. */
  catchUpUsage(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Locally: connects to the running platform's store, or opens the data dir's store for this
 * command. With a stage: the deployed stage's tables, with the standard AWS credential chain.
 */
export async function openContext(env: NodeJS.ProcessEnv, stage?: string): Promise<CliContext> {
  let dynamo: DynamoDBClient;
  let tables: TableNames;
  let store: { close(): Promise<void> };
  if (stage) {
    dynamo = new DynamoDBClient({});
    tables = tableNames(stagePrefix(stage));
    store = { close: async () => {} };
  } else {
    const local = await openStore(dataDirOf(env));
    store = local;
    dynamo = localDynamoClient({ endpoint: local.endpoint, credential: local.credential, maxAttempts: 3 });
    tables = tableNames(LOCAL_TABLE_PREFIX);
    await ensureTables(dynamo, tables);
  }
  const db = documentClient(dynamo);
  // The catalogue from the manifests (no bundling): deployed stages are built from the same folder.
  const specs = readManifests(resolve(env.FAASCAPE_FUNCTIONS_DIR || 'functions')).specs;
  const features = { get: (slug: string) => specs.find((f) => f.slug === slug), list: () => specs };
  const over = { db, tables, env };
  const money = moneyServices({ ...over, progress: (l) => console.error(`faascape ${l}`) });
  const { community, levels } = communityServices(over, money, features);
  const payouts = payoutServices(over, money);
  const usage = money.usage;
  return {
    community,
    levels,
    clients: money.clients,
    accounts: new AccountStore(db, tables),
    usage,
    records: stage ? (m, c, f) => new LaneRecords(db, tables, LANE_LAYOUT).recordsOf(m, c, f) : (m, c, f) => usage.records(m, c, f),
    catchUpUsage: async () => {
      if (!stage) return;
      const { caughtUp, applied } = await createAggregator(db, tables, silentLogger).catchUp();
      if (!caughtUp) throw new Error(`the aggregates of stage ${stage} trail (applied through window ${applied}): another aggregator run holds the claim, or it fails; see its alarms and try again`);
    },
    statements: money.statements,
    statementStore: money.statementStore,
    invoices: money.invoices,
    seller: money.seller,
    payouts: payouts.runs,
    payees: payouts.payees,
    close: async () => {
      dynamo.destroy();
      await store.close();
    },
  };
}

/**
 * Runs one command against the store and always releases it. commander passes the command itself
 * last; its --stage picks a deployed stage over the local data dir.
 */
export function withContext<A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const ctx = await openContext(process.env, command.opts<{ stage?: string }>().stage);
    try {
      await fn(ctx, ...args);
    } finally {
      await ctx.close();
    }
  };
}
