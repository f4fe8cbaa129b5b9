import { ClientStore } from '../keys/client-store.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { InvoiceStore } from '../statements/invoice-store.ts';
import { invoicing } from '../statements/invoicing.ts';
import { readPolicy } from '../statements/policy.ts';
import { StatementStore } from '../statements/statement-store.ts';
import { StatementsJob } from '../statements/statements-job.ts';
import type { SellerConfig } from '../../shared/invoice.ts';
import type { StatementPolicy } from '../../shared/statement.ts';
import type { ServicesOver } from './over.ts';

/** The money wing: usage as aggregated, the monthly close with its invoices, the statements as stored. */
export interface MoneyServices {
  usage: DynamoUsageLog;
  statementStore: StatementStore;
  clients: ClientStore;
  statements: StatementsJob;
  invoices: InvoiceStore;
  seller: SellerConfig;
  policy: StatementPolicy;
}

export function moneyServices(o: ServicesOver & { policy?: StatementPolicy; progress?: (line: string) => void }): MoneyServices {
  const usage = new DynamoUsageLog(o.db, o.tables);
  const statementStore = new StatementStore(o.db, o.tables);
  const clients = new ClientStore(o.db, o.tables);
  const policy = o.policy ?? readPolicy(o.env);
  const wired = invoicing(o.db, o.tables, clients, o.env);
  const statements = new StatementsJob({ usage, store: statementStore, policy, ...(o.clock ? { clock: o.clock } : {}), progress: o.progress ?? (() => {}), invoicing: wired });
  return { usage, statementStore, clients, statements, invoices: new InvoiceStore(o.db, o.tables), seller: wired.seller, policy };
}
