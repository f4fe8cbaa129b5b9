import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { GATEWAY_MARGIN_MS, HTTP_API_TIMEOUT_MS, type FeatureSpec } from '../shared/manifest.ts';
import { featureFunctionName } from '../runtime/aws/lambda-invoker.ts';
import { featureLogGroupName } from '../runtime/aws/feature-log-groups.ts';
import { entryPoint } from '../runtime/local/load-features.ts';
import { HouseFunction } from './house-function.ts';

/** A feature Lambda's timeout: its manifest's `timeoutMs` rounded up to the second (at least 1 s). */
export function featureTimeout(spec: FeatureSpec): Duration {
  return Duration.seconds(Math.max(1, Math.ceil(spec.manifest.timeoutMs / 1000)));
}

/**
 * The gateway Lambda's timeout: the 29 s an HTTP API request may take, no more (the API would have
 * answered the client already), and it must outlast the slowest feature by the gateway's margin so
 * that a feature timing out is still answered 504 and metered. The manifest parser refuses slower
 * features; this holds the Lambda settings, with their rounding, to the same rule at synth.
 */
export function gatewayTimeout(features: FeatureSpec[]): Duration {
  const timeout = Duration.millis(HTTP_API_TIMEOUT_MS);
  for (const f of features) {
    if (featureTimeout(f).toMilliseconds() + GATEWAY_MARGIN_MS > timeout.toMilliseconds()) {
      throw new Error(
        `cannot deploy: feature "${f.slug}" would time out after ${featureTimeout(f).toSeconds()} s, leaving the gateway less than its ${GATEWAY_MARGIN_MS} ms within the HTTP API's ${HTTP_API_TIMEOUT_MS / 1000} s`,
      );
    }
  }
  return timeout;
}

/**
 * One Lambda per feature, sized by its manifest. A feature's role is Lambda's basic execution
 * role and nothing else: no grant on any platform table, queue or secret is ever added to it.
 */
export class FeatureFunctions extends Construct {
  readonly functions = new Map<string, HouseFunction>();

  constructor(scope: Construct, id: string, props: { functionsDir: string; features: FeatureSpec[]; functionPrefix: string }) {
    super(scope, id);
    for (const f of props.features) {
      const entry = entryPoint(props.functionsDir, f.slug);
      if (!entry) throw new Error(`${join(props.functionsDir, f.slug)}: no index.ts beside feature.json`);
      this.functions.set(
        f.slug,
        new HouseFunction(this, f.slug, {
          entry,
          functionName: featureFunctionName(props.functionPrefix, f.slug),
          // Lambda's own default name, fixed here so the console and `faascape logs --stage` find
          // a feature's log group from its slug alone.
          logGroupName: featureLogGroupName(props.functionPrefix, f.slug),
          description: `${f.manifest.name} ${f.manifest.version} (Faascape feature)`,
          memorySize: f.manifest.memoryMb,
          // No X-Ray: its role then holds its own log group and nothing else (X-Ray needs a `*`
          // resource), and a stranger's code writes no segments into the platform's traces.
          tracing: Tracing.DISABLED,
          timeout: featureTimeout(f),
          // The manifest's concurrency (default 4) is a real ceiling, as the local process pool's is:
          // reserved for this feature, so it always has it, and capped, so one busy or runaway
          // feature cannot take the account's concurrency from the gateway and the other features.
          // Calls beyond it are throttled (the gateway answers them 502 after the SDK's retries).
          reservedConcurrentExecutions: f.concurrency,
          // Stack traces in the feature's log group name its source file and line (the bundle ships its map).
          environment: { FAASCAPE_FEATURE: f.slug, NODE_OPTIONS: '--enable-source-maps' },
        }),
      );
    }
  }
}
