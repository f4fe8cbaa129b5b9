import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { TableId } from '../runtime/store/tables.ts';
import { HouseFunction, REPO_ROOT } from './house-function.ts';
import { tableEnvironment } from './table-access.ts';

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
    props.tables.usage.grantReadWriteData(this.drain);
    props.tables.records.grantReadWriteData(this.drain);
    this.drain.acknowledgeIndexGrant(props.tables.usage);
    this.drain.addEventSource(new SqsEventSource(this.spool, { batchSize: 10, reportBatchItemFailures: true }));

    this.statements = new HouseFunction(this, 'Statements', {
      entry: `${REPO_ROOT}runtime/aws/statements-lambda.ts`,
      description: 'Closes ended months (02:00 UTC on the 1st) and applies usage batches left pending',
      memorySize: 3008,
      timeout: Duration.minutes(15),
      environment: { ...tableEnvironment(props.tables, ['usage', 'records', 'statements']), ...props.policyEnv },
    });
    props.tables.usage.grantReadWriteData(this.statements);
    props.tables.records.grantReadWriteData(this.statements);
    props.tables.statements.grantReadWriteData(this.statements);
    this.statements.acknowledgeIndexGrant(props.tables.usage);

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
