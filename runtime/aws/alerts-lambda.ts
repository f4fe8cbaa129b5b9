/**
 * Alerts in AWS, every minute on an EventBridge schedule: notices thresholds and issued invoices
 * and sends the due webhook deliveries (runtime/alerts/alerts-job.ts, the same code as the local
 * platform's loop). A schedule rather than a queue: retries run for 24 hours, past SQS's
 * 15-minute delay, and the due deliveries are already an index.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AlertStore } from '../alerts/alert-store.ts';
import { runAlerts } from '../alerts/alerts-job.ts';
import { ClientStore } from '../keys/client-store.ts';
import { jsonLogger } from '../logger.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { InvoiceStore } from '../statements/invoice-store.ts';
import { documentClient } from '../store/dynamo-client.ts';
import { readAwsConfig } from './config.ts';

let run: (() => ReturnType<typeof runAlerts>) | undefined;
export const handler = async () => {
  if (!run) {
    const db = documentClient(new DynamoDBClient({}));
    const tables = readAwsConfig(process.env, { tables: ['alerts', 'clients', 'usage', 'statements'] }).tables;
    const deps = { alerts: new AlertStore(db, tables), clients: new ClientStore(db, tables), usage: new DynamoUsageLog(db, tables), invoices: new InvoiceStore(db, tables), clock: Date.now };
    run = () => runAlerts(deps);
  }
  const report = await run();
  if (report.emitted || report.sent) jsonLogger((l) => process.stdout.write(l)).info('alerts', { ...report });
  return report;
};
