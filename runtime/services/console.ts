import { AccountStore } from '../console/account-store.ts';
import { alertsOf, payoutsOf, type ConsoleDeps } from '../console/deps.ts';
import { communityOf } from '../community/wire.ts';
import type { FeatureCatalog } from '../gateway/invoker.ts';
import { LimitLedger } from '../limits/limit-ledger.ts';
import type { MoneyServices } from './money.ts';
import type { ServicesOver } from './over.ts';

/** The payout runs and payees over the money wing's statements. */
export function payoutServices(o: ServicesOver, money: Pick<MoneyServices, 'statementStore' | 'policy'>): ReturnType<typeof payoutsOf> {
  return payoutsOf(o.db, o.tables, o.env, { statementStore: money.statementStore, policy: money.policy, ...(o.clock ? { clock: o.clock } : {}) });
}

/** The community (discussions, requests, levels) over the money wing's usage and statements. */
export function communityServices(o: ServicesOver, money: Pick<MoneyServices, 'usage' | 'statementStore'>, features: FeatureCatalog): ReturnType<typeof communityOf> {
  return communityOf({ db: o.db, tables: o.tables, usage: money.usage, statementStore: money.statementStore, features, ...(o.clock ? { clock: o.clock } : {}) });
}

/**
 * What the console reads and writes, but for what only its home knows: where the feature logs
 * are (recent errors) and how far the aggregates are (settled / usageAggregatedThrough).
 */
export function consoleServices(
  o: ServicesOver & { features: FeatureCatalog; money: MoneyServices },
): Omit<ConsoleDeps, 'recentErrors' | 'settled' | 'usageAggregatedThrough' | 'logger'> {
  const { community, levels } = communityServices(o, o.money, o.features);
  return {
    community,
    levels,
    accounts: new AccountStore(o.db, o.tables, o.clock),
    clients: o.money.clients,
    limits: new LimitLedger(o.db, o.tables),
    usage: o.money.usage,
    statements: o.money.statements,
    statementStore: o.money.statementStore,
    invoices: o.money.invoices,
    payouts: payoutServices(o, o.money),
    alerts: alertsOf(o.db, o.tables, o.env),
    features: o.features,
    ...(o.clock ? { clock: o.clock } : {}),
  };
}
