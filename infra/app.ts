import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildConsole } from '../runtime/console/web/build.ts';
import { readPolicy } from '../runtime/statements/policy.ts';
import { operatorEnv } from '../runtime/statements/seller.ts';
import { FaascapeStack } from './faascape-stack.ts';

/**
 * `npx cdk deploy -c stage=dev|prod`: the whole platform and every feature under functions/.
 * The web console is built first (esbuild, a second or so) into the cloud assembly directory, from
 * where the stack deploys it.
 */
export async function buildApp(context: Record<string, unknown> = {}, outdir?: string): Promise<{ app: App; stack: FaascapeStack }> {
  const app = new App({ context, ...(outdir ? { outdir } : {}) });
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage)) throw new Error(`stage must be lowercase letters, digits and dashes, got "${stage}"`);
  const consoleSiteDir = join(app.outdir, 'console-site');
  rmSync(consoleSiteDir, { recursive: true, force: true });
  await buildConsole(consoleSiteDir);
  const stack = new FaascapeStack(app, `Faascape-${stage}`, {
    stage,
    policy: readPolicy(process.env),
    operatorEnv: operatorEnv(process.env),
    functionsDir: app.node.tryGetContext('functionsDir') as string | undefined,
    consoleSiteDir,
    alarmEmail: app.node.tryGetContext('alarmEmail') as string | undefined,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/infra\//, '/infra/'))) {
  (await buildApp()).app.synth();
}
