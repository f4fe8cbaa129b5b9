import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { TableId } from '../runtime/store/tables.ts';
import { HouseFunction, REPO_ROOT } from './house-function.ts';
import { grantTables, tableEnvironment } from './table-access.ts';

/**
 * The spool (SQS + dead-letter queue + drain Lambda) and the scheduled statements job.
 */
export class PlatformJobs extends Construct {
  readonly spool: Queue;
  readonly deadLetters: Queue;
  readonly drain: HouseFunction;
  readonly statements: HouseFunction;

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
      description: 'Replays usage batches from the spool queue, idempotently',
      timeout: Duration.seconds(60),
      environment: tableEnvironment(props.tables, ['usage', 'records']),
    });
    // Applying a spooled batch (DynamoUsageLog.apply): its record groups in BatchWriteItem requests
    // and its aggregates by conditional UpdateItem (ADD, once per writer and seq). It reads nothing.
    grantTables(this.drain, props.tables, { usage: { actions: ['UpdateItem'] }, records: { actions: ['BatchWriteItem'] } });
    this.drain.addEventSource(new SqsEventSource(this.spool, { batchSize: 10, reportBatchItemFailures: true }));

    this.statements = new HouseFunction(this, 'Statements', {
      entry: `${REPO_ROOT}runtime/aws/statements-lambda.ts`,
      description: 'Closes ended months (02:00 UTC on the 1st) and applies usage batches left pending',
      memorySize: 3008,
      timeout: Duration.minutes(15),
      environment: { ...tableEnvironment(props.tables, ['usage', 'records', 'statements']), ...props.policyEnv },
    });
    grantTables(this.statements, props.tables, {
      // Statements read aggregates: a month's lines on the byMonth index (monthAggregates, hasUsage)
      // and the month's call counter (GetItem, monthCalls). The one write is the sweep's, which runs
      // before every close as well as on its own schedule: a batch a dead gateway container committed
      // but never applied is applied here with the gateway's own conditional UpdateItem (ADD, once
      // per writer and seq). No PutItem, DeleteItem, BatchWriteItem or Scan on usage.
      usage: { actions: ['GetItem', 'UpdateItem'], queryIndexes: ['byMonth'] },
      // The sweep again: Query the pending markers, then BatchWriteItem puts the batches' record
      // groups (apply) and deletes their markers (settle).
      records: { actions: ['Query', 'BatchWriteItem'] },
      // The close: reads headers and chunks, stores the parts (BatchWriteItem) and then the header
      // (PutItem, on condition that none exists). No UpdateItem or DeleteItem: the code never
      // rewrites a final statement (IAM cannot tell a BatchWriteItem put from a delete, though).
      statements: { actions: ['GetItem', 'Query', 'PutItem', 'BatchWriteItem'] },
    });

    new Rule(this, 'MonthlyClose', {
      description: 'Close the previous month at 02:00 UTC on the 1st',
      schedule: Schedule.cron({ minute: '0', hour: '2', day: '1' }),
      targets: [new LambdaFunction(this.statements, { retryAttempts: 2 })],
    });
    new Rule(this, 'Sweep', {
      description: 'Apply usage batches a dead gateway container left pending',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(this.statements, { event: RuleTargetInput.fromObject({ action: 'sweep' }) })],
    });
  }
}
