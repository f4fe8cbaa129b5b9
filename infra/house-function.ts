import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface HouseFunctionProps extends Omit<NodejsFunctionProps, 'runtime' | 'architecture' | 'logGroup'> {
  entry: string;
  /** values inlined into the bundle at build time (esbuild define), e.g. the feature catalogue */
  define?: Record<string, string>;
  logRetention?: RetentionDays;
}

/**
 * The house Lambda: arm64, the newest Node runtime Lambda offers, an ES module bundled and
 * minified by esbuild (locally, no Docker), X-Ray tracing, and a log group with a retention.
 */
export class HouseFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const { define, logRetention, bundling, ...rest } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: logRetention ?? RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
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
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // ES module bundles still need `require` for CommonJS dependencies inside them.
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        define,
        ...bundling,
      },
    });
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.' });
  }

  /** Acknowledges the `:*` wildcard of an invoke grant: the versions of that one function only. */
  acknowledgeInvokeGrant(fn: HouseFunction): void {
    const id = Stack.of(this).getLogicalId(fn.node.defaultChild as CfnResource);
    Validations.of(this.role as Role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${id}.Arn>:*]`, reason: 'Invoking published versions of this feature function only.' });
  }
}
