import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { readManifests } from '../runtime/local/load-features.ts';
import { stagePrefix } from '../runtime/store/tables.ts';
import { catalogueJson } from '../shared/catalogue.ts';
import type { StatementPolicy } from '../shared/statement.ts';
import { formatMicros } from '../shared/money.ts';
import { aggregatorRunningAlarm, alarm, alarmTopic, errorsAlarm, meteringAlarms, throttleAlarms } from './alarms.ts';
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
  /** the operator's invoicing and payout settings (runtime/statements/seller.ts operatorEnv) */
  operatorEnv?: Record<string, string>;
  /** the built web console (index.html and its assets), deployed to the console bucket */
  consoleSiteDir: string;
  /** an address the alarms are mailed to (`-c alarmEmail=…`); else subscribe to the AlarmTopicArn output */
  alarmEmail?: string;
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
    // The statement policy and the operator's invoicing and payout settings: what the close, the
    // console and the finance Lambda need to compute statements, issue invoices and approve runs.
    const policyEnv = {
      FAASCAPE_DEVELOPER_SHARE_PERCENT: `${Math.trunc(props.policy.developerShareBps / 100)}.${String(props.policy.developerShareBps % 100).padStart(2, '0')}`,
      FAASCAPE_MINIMUM_PAYOUT: formatMicros(props.policy.minimumPayoutMicros),
      ...props.operatorEnv,
    };
    this.jobs = new PlatformJobs(this, 'Jobs', { tables, policyEnv });
    this.features = new FeatureFunctions(this, 'Features', { functionsDir, features: specs, functionPrefix: `${prefix}feature-` });

    const pseudonymKey = new Secret(this, 'PseudonymKey', {
      description: 'Keys the pseudonymous client id that features receive',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      // Kept when the stack goes, in every stage: a new key would change every pseudonym features have seen.
      removalPolicy: RemovalPolicy.RETAIN,
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
      // Sized from measurement (`npm run bundle:report -- --measure`: the built bundle, 1,000 calls
      // against the embedded store, under the V8 heap flags Lambda sets for each size). A call
      // makes one DynamoDB request (its record) and one invoke, plus one GetItem when its key is
      // not in the container's cache, and costs ~2.4 ms of CPU on a full core (+0.9 ms with the
      // look-up); Lambda gives a function M/1769 of a vCPU, so ~17 ms of each call at 256 MB. The
      // gateway is billed for the time it waits on the feature, so a smaller size costs less, but
      // memory rules it out (decision 16): peak RSS ~124 MiB for small calls; with the largest
      // call it passes on (`--payload-kb 5800`: a 5.8 MB body each way) 182 MiB at 256 MB and
      // 210 MiB under 192 MB's heap flags (176 MiB under 128 MB's with 4 MB calls). The init
      // (~180 ms of CPU) runs on a full vCPU: a cold start, once per container.
      memorySize: 256,
      timeout: gatewayTimeout(specs),
      environment: {
        ...tableEnvironment(tables, ['clients', 'keys', 'usage', 'records', 'limits']),
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
      // Quotas, spend caps and /v1/usage read one client's month (Query). The gateway never
      // writes aggregates: the aggregator does, off the hot path.
      usage: { actions: ['Query'] },
      // The one write of a call: its record, by conditional PutItem into its lane.
      records: { actions: ['PutItem'] },
      // The clients' rate, quota and spend cap, shared by every instance: a slice is leased by a
      // conditional UpdateItem, and read back (GetItem) when a condition refuses it.
      limits: { actions: ['GetItem', 'UpdateItem'] },
    });
    this.jobs.spool.grantSendMessages(this.gateway);
    pseudonymKey.grantRead(this.gateway);
    for (const fn of this.features.functions.values()) {
      fn.grantInvoke(this.gateway);
      this.gateway.acknowledgeInvokeGrant(fn);
    }

    const api = new PlatformApi(this, 'Api', { gateway: this.gateway, throttle: { rateLimit: 1000, burstLimit: 2000 } });
    this.console = new PlatformConsole(this, 'Console', { api: api.api, tables, policyEnv, define: catalogDefine, siteDir: props.consoleSiteDir, destroyable,
      featureFunctionPrefix: `${prefix}feature-`,
      featureLogGroups: [...this.features.functions.values()].map((fn) => fn.logGroup),
    });

    alarm(
      this,
      'SpoolDeadLettersNotEmpty',
      'Usage records could not be landed from the spool: they are waiting in the dead-letter queue',
      this.jobs.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
    );
    meteringAlarms(this);
    errorsAlarm(this, 'AggregatorErrors', 'The aggregator Lambda is failing: usage lines stop growing', this.jobs.aggregator);
    errorsAlarm(this, 'StatementsErrors', 'The monthly close is failing (it refuses while the aggregates trail the month)', this.jobs.statements);
    errorsAlarm(this, 'SpoolDrainErrors', 'The spool drain Lambda is failing', this.jobs.drain);
    errorsAlarm(this, 'AlertsErrors', 'The alerts Lambda is failing: clients hear of thresholds and invoices late or not at all', this.jobs.alerts);
    errorsAlarm(this, 'GatewayErrors', 'The gateway Lambda is failing', this.gateway, { threshold: 5, atLeast: true });
    errorsAlarm(this, 'ConsoleErrors', 'The console API Lambda is failing', this.console.handler, { threshold: 5, atLeast: true });
    errorsAlarm(this, 'FinanceCloseErrors', 'Closing a month from the console is failing', this.console.financeClose);
    throttleAlarms(this, tables);
    aggregatorRunningAlarm(this, this.jobs.aggregator);
    alarmTopic(this, props.alarmEmail);
  }
}
