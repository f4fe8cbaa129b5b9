import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { readManifests } from '../runtime/local/load-features.ts';
import { stagePrefix } from '../runtime/store/tables.ts';
import { catalogueJson } from '../shared/catalogue.ts';
import type { StatementPolicy } from '../shared/statement.ts';
import { formatMicros } from '../shared/money.ts';
import { PlatformApi } from './api.ts';
import { PlatformConsole } from './console.ts';
import { FeatureFunctions, gatewayTimeout } from './features.ts';
import { HouseFunction, REPO_ROOT } from './house-function.ts';
import { PlatformJobs } from './jobs.ts';
import { grantTables, tableEnvironment } from './table-access.ts';
import { PlatformTables } from './tables.ts';

export interface FaascapeStackProps extends StackProps {
  stage: string;
  functionsDir?: string;
  policy: StatementPolicy;
  /** the built web console (index.html and its assets), deployed to the console bucket */
  consoleSiteDir: string;
}

/** The whole platform: tables, spool, gateway, one Lambda per feature, web console, schedules, alarms. */
export class FaascapeStack extends Stack {
  readonly gateway: HouseFunction;
  readonly features: FeatureFunctions;
  readonly jobs: PlatformJobs;
  readonly console: PlatformConsole;

  constructor(scope: Construct, id: string, props: FaascapeStackProps) {
    super(scope, id, props);
    const prefix = stagePrefix(props.stage);
    const functionsDir = props.functionsDir ?? `${REPO_ROOT}functions`;
    const { specs, problems } = readManifests(functionsDir);
    // Locally a bad manifest skips one feature; a deployment must not silently drop one.
    if (problems.length) throw new Error(`cannot deploy:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);

    const destroyable = props.stage !== 'prod';
    const { tables } = new PlatformTables(this, 'Tables', { namePrefix: prefix, destroyable });
    const policyEnv = { FAASCAPE_DEVELOPER_SHARE_PERCENT: `${Math.trunc(props.policy.developerShareBps / 100)}.${String(props.policy.developerShareBps % 100).padStart(2, '0')}`, FAASCAPE_MINIMUM_PAYOUT: formatMicros(props.policy.minimumPayoutMicros) };
    this.jobs = new PlatformJobs(this, 'Jobs', { tables, policyEnv });
    this.features = new FeatureFunctions(this, 'Features', { functionsDir, features: specs, functionPrefix: `${prefix}feature-` });

    const pseudonymKey = new Secret(this, 'PseudonymKey', {
      description: 'Keys the pseudonymous client id that features receive',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    // Rotating this key would change every pseudonym features have seen: it is not rotated.
    Validations.of(pseudonymKey).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'Rotation would change the pseudonymous client ids features rely on.' });

    // The feature catalogue, inlined into the bundles that need it (gateway, console) at synth time:
    // the specs parsed and validated above, as plain data, so the Lambdas check its shape and carry
    // no manifest parser (zod) of their own (shared/catalogue.ts).
    const catalogDefine = { 'process.env.FAASCAPE_CATALOG': JSON.stringify(catalogueJson(specs)) };
    this.gateway = new HouseFunction(this, 'Gateway', {
      entry: `${REPO_ROOT}runtime/aws/gateway-lambda.ts`,
      description: 'Faascape gateway: key, limits, invoke, meter',
      // Sized from measurement (`npm run bundle:report -- --measure`: the built bundle, 2,000 calls
      // against the embedded store, under the V8 heap flags Lambda sets for each size). Memory alone
      // would allow 256 MB: the heap holds ~14 MiB, peak RSS ~125 MiB at 256 MB and ~150 MiB at 512.
      // CPU decides, since Lambda gives a function M/1769 of a vCPU: a call costs ~7 ms of CPU on a
      // full core, 94 % of it the AWS SDK and Node's HTTP (7 DynamoDB requests and one invoke per
      // call). That is ~24 ms of each call at 512 MB, against ~48 ms at 256 MB (more than the call's
      // own I/O: the gateway would be CPU-bound) and ~12 ms at 1024 MB; the init (~180 ms of CPU)
      // stays ~0.6 s, well inside GATEWAY_MARGIN_MS, even if throttled alike. The gateway is billed
      // for the time it waits on DynamoDB and on the feature: 512 MB halves that against 1024 MB.
      memorySize: 512,
      timeout: gatewayTimeout(specs),
      environment: {
        ...tableEnvironment(tables, ['clients', 'keys', 'usage', 'records']),
        SPOOL_QUEUE_URL: this.jobs.spool.queueUrl,
        FEATURE_FUNCTION_PREFIX: `${prefix}feature-`,
        PSEUDONYM_SECRET_ARN: pseudonymKey.secretArn,
      },
      define: catalogDefine,
    });
    grantTables(this.gateway, tables, {
      // The caller's limits (GetItem) and key (GetItem by key id); never a Scan or an index.
      clients: { actions: ['GetItem'] },
      keys: { actions: ['GetItem'] },
      // Quotas, spend caps and /v1/usage read one client's month (Query); metering adds the call
      // to the aggregates (conditional UpdateItem ADD). Never a Scan, a PutItem or a delete.
      usage: { actions: ['Query', 'UpdateItem'] },
      // The one idempotent write of a call (PutItem of the batch), then its record group in and its
      // pending marker out (BatchWriteItem, which IAM cannot split into puts and deletes).
      records: { actions: ['PutItem', 'BatchWriteItem'] },
    });
    this.jobs.spool.grantSendMessages(this.gateway);
    pseudonymKey.grantRead(this.gateway);
    for (const fn of this.features.functions.values()) {
      fn.grantInvoke(this.gateway);
      this.gateway.acknowledgeInvokeGrant(fn);
    }

    const api = new PlatformApi(this, 'Api', { gateway: this.gateway, throttle: { rateLimit: 1000, burstLimit: 2000 } });
    this.console = new PlatformConsole(this, 'Console', { api: api.api, tables, policyEnv, define: catalogDefine, siteDir: props.consoleSiteDir, destroyable });

    new Alarm(this, 'SpoolDeadLettersNotEmpty', {
      alarmDescription: 'Usage batches could not be replayed from the spool: records are waiting in the dead-letter queue',
      metric: this.jobs.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'GatewayErrors', {
      alarmDescription: 'The gateway Lambda is failing',
      metric: this.gateway.metricErrors({ period: Duration.minutes(5) }),
      threshold: 5,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'ConsoleErrors', {
      alarmDescription: 'The console API Lambda is failing',
      metric: this.console.handler.metricErrors({ period: Duration.minutes(5) }),
      threshold: 5,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'FinanceCloseErrors', {
      alarmDescription: 'Closing a month from the console is failing',
      metric: this.console.financeClose.metricErrors({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const [tid, table] of Object.entries(tables)) {
      new Alarm(this, `Throttles-${tid}`, {
        alarmDescription: `DynamoDB is throttling the ${tid} table`,
        metric: new Metric({ namespace: 'AWS/DynamoDB', metricName: 'ThrottledRequests', dimensionsMap: { TableName: table.tableName }, statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }
}
