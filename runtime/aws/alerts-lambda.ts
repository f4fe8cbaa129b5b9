/**
 * Alerts in AWS, every minute on an EventBridge schedule: notices thresholds and issued invoices
 * and sends the due webhook deliveries (runtime/alerts/alerts-job.ts, the same code as the local
 * platform's loop). A schedule rather than a queue: retries run for 24 hours, past SQS's
 * 15-minute delay, and the due deliveries are already an index.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runAlerts } from '../alerts/alerts-job.ts';
import { jsonLogger } from '../logger.ts';
import { alertServices } from '../services/alerts.ts';
import { documentClient } from '../store/dynamo-client.ts';
import { readAwsConfig } from './config.ts';

let run: (() => ReturnType<typeof runAlerts>) | undefined;
export const handler = async () => {
  if (!run) {
    const db = documentClient(new DynamoDBClient({}));
    const tables = readAwsConfig(process.env, { tables: ['alerts', 'clients', 'usage', 'statements'] }).tables;
    const deps = alertServices({ db, tables, env: process.env });
    run = () => runAlerts(deps);
  }
  const report = await run();
  if (report.emitted || report.sent) jsonLogger((l) => process.stdout.write(l)).info('alerts', { ...report });
  return report;
};
