import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { FeatureSpec } from '../shared/manifest.ts';
import { featureFunctionName } from '../runtime/aws/lambda-invoker.ts';
import { entryPoint } from '../runtime/local/load-features.ts';
import { HouseFunction } from './house-function.ts';

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
          description: `${f.manifest.name} ${f.manifest.version} (Faascape feature)`,
          memorySize: f.manifest.memoryMb,
          timeout: Duration.millis(Math.max(1000, Math.ceil(f.manifest.timeoutMs / 1000) * 1000)),
          environment: { FAASCAPE_FEATURE: f.slug },
        }),
      );
    }
  }
}
