import { AlertStore, webhooksAllowLoopback } from '../alerts/alert-store.ts';
import type { AlertsDeps } from '../alerts/alerts-job.ts';
import { ClientStore } from '../keys/client-store.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { InvoiceStore } from '../statements/invoice-store.ts';
import type { ServicesOver } from './over.ts';

/** The alerts job's stores (the local loop and the alerts Lambda). */
export function alertServices(o: ServicesOver): AlertsDeps {
  return {
    alerts: new AlertStore(o.db, o.tables),
    clients: new ClientStore(o.db, o.tables),
    usage: new DynamoUsageLog(o.db, o.tables),
    invoices: new InvoiceStore(o.db, o.tables),
    clock: o.clock ?? Date.now,
    allowLoopback: webhooksAllowLoopback(o.env),
  };
}
