import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type BundlingOptions, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** ES module bundles still need `require` for CommonJS dependencies inside them. */
export const HOUSE_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/**
 * Left out of every bundle: the AWS SDK v3 the Lambda Node.js runtime ships. This is what
 * NodejsFunction does by default for Node >= 18 (with the `sdkV3ExcludeSmithyPackages` flag off,
 * so the `@smithy/*` packages are bundled); stated here so that bench/bundle-report.ts and
 * test/infra-bundle.test.ts bundle exactly what the stack deploys.
 */
export const HOUSE_EXTERNALS = ['@aws-sdk/*'];

/** The esbuild options of a house bundle (NodejsFunction passes them to esbuild as CLI flags). */
export function houseBundling(define?: Record<string, string>): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node24',
    minify: true,
    sourceMap: true,
    externalModules: HOUSE_EXTERNALS,
    banner: HOUSE_BANNER,
    define,
    // esbuild's warnings and errors only: no file sizes and "Done in" lines for every bundle of a synth
    logLevel: LogLevel.WARNING,
  };
}

export interface HouseFunctionProps extends Omit<NodejsFunctionProps, 'runtime' | 'architecture' | 'logGroup'> {
  entry: string;
  /** values inlined into the bundle at build time (esbuild define), e.g. the feature catalogue */
  define?: Record<string, string>;
  logRetention?: RetentionDays;
  /** the log group's name (default: one CloudFormation makes up) */
  logGroupName?: string;
}

/**
 * The house Lambda: arm64, the newest Node runtime Lambda offers, an ES module bundled and
 * minified by esbuild (locally, no Docker), X-Ray tracing, and a log group with a retention.
 */
export class HouseFunction extends NodejsFunction {
  /** the bundle's entry point and esbuild options, for bench/bundle-report.ts */
  readonly entry: string;
  readonly bundlingOptions: BundlingOptions;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const { define, logRetention, logGroupName, bundling, ...rest } = props;
    const bundlingOptions: BundlingOptions = { ...houseBundling(define), ...bundling };
    const logGroup = new LogGroup(scope, `${id}Logs`, { ...(logGroupName ? { logGroupName } : {}), retention: logRetention ?? RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    // Our own role instead of the AWS managed basic-execution policy: logs to this group only.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    super(scope, id, {
      role,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      ...rest,
      bundling: bundlingOptions,
    });
    this.entry = props.entry;
    this.bundlingOptions = bundlingOptions;
    // Only where X-Ray is on: elsewhere (features) a `*` resource would be a real finding.
    if ((rest.tracing ?? Tracing.ACTIVE) === Tracing.ACTIVE) {
      Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.' });
    }
  }

  /** Acknowledges the `:*` wildcard of an invoke grant: the versions of that one function only. */
  acknowledgeInvokeGrant(fn: HouseFunction): void {
    const id = Stack.of(this).getLogicalId(fn.node.defaultChild as CfnResource);
    Validations.of(this.role as Role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${id}.Arn>:*]`, reason: 'Invoking published versions of this feature function only.' });
  }
}
