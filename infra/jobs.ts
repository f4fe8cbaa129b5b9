import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { TableId } from '../runtime/store/tables.ts';
import { HouseFunction, REPO_ROOT } from './house-function.ts';
import { grantTables, tableEnvironment, type ItemAction } from './table-access.ts';

/**
 * The spool (SQS + dead-letter queue + drain Lambda), the aggregator on its schedule, the
 * scheduled statements job, and the alerts to clients (thresholds, invoices, webhooks).
 */
export class PlatformJobs extends Construct {
  readonly spool: Queue;
  readonly deadLetters: Queue;
  readonly drain: HouseFunction;
  readonly statements: HouseFunction;
  readonly aggregator: HouseFunction;
  readonly alerts: HouseFunction;

  constructor(scope: Construct, id: string, props: { tables: Record<TableId, TableV2>; policyEnv: Record<string, string> }) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'SpoolDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.spool = new Queue(this, 'Spool', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.seconds(180),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 10 },
    });

    this.drain = new HouseFunction(this, 'SpoolDrain', {
      entry: `${REPO_ROOT}runtime/aws/spool-drain-lambda.ts`,
      description: 'Lands usage records from the spool queue in the records table, exactly once',
      timeout: Duration.seconds(60),
      environment: tableEnvironment(props.tables, ['records']),
    });
    // Landing a spooled item (runtime/aws/spool-landing.ts): strong reads of its keys and of the
    // aggregator's state (GetItem), the tombstone and the record by conditional PutItem, and a
    // tombstone moved on by conditional UpdateItem. Never the aggregates, never a delete.
    grantTables(this.drain, props.tables, { records: { actions: ['GetItem', 'PutItem', 'UpdateItem'] } });
    this.drain.addEventSource(new SqsEventSource(this.spool, { batchSize: 10, reportBatchItemFailures: true }));

    // What folding records into aggregates needs (runtime/meter/aggregator.ts), for the aggregator
    // only: the state item (GetItem, conditional UpdateItem), the lanes (Query), and the aggregates' conditional UpdateItem (ADD, once per
    // window range). No PutItem, DeleteItem, BatchWriteItem or Scan on usage.
    const aggregation = { usage: ['UpdateItem'] as ItemAction[], records: ['GetItem', 'Query', 'UpdateItem'] as ItemAction[] };
    this.aggregator = new HouseFunction(this, 'Aggregator', {
      entry: `${REPO_ROOT}runtime/aws/aggregator-lambda.ts`,
      description: 'Folds the usage records of closed windows into the aggregates, exactly once',
      // A run reads at most 120 windows of records (bounded memory after an outage) in 1 MB pages.
      memorySize: 1024,
      timeout: Duration.minutes(5),
      environment: tableEnvironment(props.tables, ['usage', 'records']),
    });
    grantTables(this.aggregator, props.tables, { usage: { actions: aggregation.usage }, records: { actions: aggregation.records } });

    this.statements = new HouseFunction(this, 'Statements', {
      entry: `${REPO_ROOT}runtime/aws/statements-lambda.ts`,
      description: 'Closes ended months (02:00 UTC on the 1st) once the aggregates are up to date',
      memorySize: 3008,
      timeout: Duration.minutes(15),
      environment: { ...tableEnvironment(props.tables, ['usage', 'records', 'statements', 'clients']), ...props.policyEnv },
    });
    grantTables(this.statements, props.tables, {
      // Statements read aggregates: a month's clients on the byMonth index (keys only), then each
      // client's lines (Query; monthAggregates, hasUsage) and the month's call counter (GetItem,
      // monthCalls). They never write usage: the aggregator keeps it current, and the close refuses
      // while it trails (the state item, below).
      usage: { actions: ['GetItem', 'Query'], queryIndexes: ['byMonth'] },
      // The close: reads headers and chunks, stores the parts and then the header (PutItem, on
      // condition that none exists), then issues the month's invoices (PutItem, each number on
      // condition that it is free). No UpdateItem, DeleteItem or BatchWriteItem (which IAM cannot
      // tell from a delete): nothing here can remove or rewrite a final statement or invoice.
      statements: { actions: ['GetItem', 'Query', 'PutItem'] },
      // The buyer of each invoice: the client's billing details.
      clients: { actions: ['GetItem'] },
    });
    // How far the aggregates are: the aggregator's state item, the only records item it reads.
    this.statements.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [props.tables.records.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['agg'] } },
      }),
    );

    new Rule(this, 'MonthlyClose', {
      description: 'Close the previous month at 02:00 UTC on the 1st',
      schedule: Schedule.cron({ minute: '0', hour: '2', day: '1' }),
      targets: [new LambdaFunction(this.statements, { retryAttempts: 2 })],
    });
    // Every 5 minutes: usage lines trail calls by at most ~8 minutes (a 1-minute window, 2 minutes
    // of grace, the schedule), and each aggregate item is written once per run, not once per call.
    new Rule(this, 'Aggregate', {
      description: 'Fold the usage records of closed windows into the aggregates',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(this.aggregator, { retryAttempts: 0 })],
    });

    // Alerts to clients: thresholds and issued invoices become events, due webhook deliveries are
    // sent (runtime/alerts/). Every minute: a retry is due at 1 minute at the earliest.
    this.alerts = new HouseFunction(this, 'Alerts', {
      entry: `${REPO_ROOT}runtime/aws/alerts-lambda.ts`,
      description: 'Notices spend and quota thresholds and issued invoices; sends signed webhooks, retried for 24 hours',
      memorySize: 512,
      timeout: Duration.minutes(1),
      environment: tableEnvironment(props.tables, ['alerts', 'clients', 'usage', 'statements']),
    });
    grantTables(this.alerts, props.tables, {
      // Events (once per id, conditional PutItem), deliveries (UpdateItem), the due ones on byDue.
      alerts: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'Query'], queryIndexes: ['byDue'] },
      // The clients with a spend cap or a quota (a Scan of the small clients table).
      clients: { actions: ['Scan'] },
      // A client's lines of the month.
      usage: { actions: ['Query'] },
      // Last month's issued invoice of each client (its reference, then the document).
      statements: { actions: ['GetItem'] },
    });
    new Rule(this, 'Alert', {
      description: 'Notice thresholds and issued invoices; send due webhooks',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.alerts, { retryAttempts: 0 })],
    });
  }
}
