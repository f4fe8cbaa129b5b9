/**
 * The gateway's bundle, built exactly as the stack builds it (its HouseFunction's entry and esbuild
 * options, the feature catalogue `define` included), stays small and free of zod: the manifests are
 * validated at synth, and the gateway only checks the catalogue's shape (shared/catalogue.ts).
 * `npm run bundle:report` prints the same figures for every Lambda.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleLambda, GATEWAY_BUDGET_BYTES, type BundleFigures } from '../bench/bundle-report.ts';
import { buildApp } from '../infra/app.ts';
import type { FaascapeStack } from '../infra/faascape-stack.ts';
import { REPO_ROOT } from '../infra/house-function.ts';
import { catalogFromJson } from '../runtime/aws/config.ts';
import { readManifests } from '../runtime/local/load-features.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'faascape-bundle-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let stack: FaascapeStack;
let gateway: BundleFigures;
beforeAll(async () => {
  // Bundling skipped in the synth (`aws:cdk:bundling-stacks` = []): the gateway is bundled below,
  // once, with the options its HouseFunction hands NodejsFunction.
  ({ stack } = await buildApp({ stage: 'test', 'aws:cdk:bundling-stacks': [] }, tempDir()));
  expect(stack.gateway.entry).toBe(`${REPO_ROOT}runtime/aws/gateway-lambda.ts`);
  gateway = await bundleLambda(stack.gateway.entry, stack.gateway.bundlingOptions, tempDir());
}, 120_000);

describe('the gateway bundle', () => {
  it('carries no zod, and not the manifest parser that imports it', () => {
    expect(gateway.inputs.filter((p) => p.includes('node_modules/zod/'))).toEqual([]);
    expect(gateway.inputs).not.toContain('shared/manifest.ts');
    // The check of the catalogue's shape is there instead (a sanity check of the assertion above).
    expect(gateway.inputs).toContain('shared/catalogue.ts');
    expect(gateway.contributors.map((c) => c.name)).not.toContain('zod');
  });

  it(`is within its budget of ${GATEWAY_BUDGET_BYTES.toLocaleString('en')} bytes minified`, () => {
    expect(gateway.bytes).toBe(readFileSync(gateway.outfile).length);
    expect(gateway.bytes).toBeLessThanOrEqual(GATEWAY_BUDGET_BYTES);
  });

  it('carries the catalogue parsed at synth, which the gateway reads back unchanged', () => {
    const define = stack.gateway.bundlingOptions.define?.['process.env.FAASCAPE_CATALOG'];
    expect(define).toBeDefined();
    const { specs } = readManifests(`${REPO_ROOT}functions`);
    expect(catalogFromJson(JSON.parse(define!) as string).list()).toEqual(specs);
    // Inlined by esbuild: the bundle holds the prices in micros, not only the manifests' text.
    expect(readFileSync(gateway.outfile, 'utf8')).toContain('perCallMicros');
    // The console reads the same catalogue the same way.
    expect(stack.console.handler.bundlingOptions.define).toEqual(stack.gateway.bundlingOptions.define);
  });
});

describe('the gateway Lambda', () => {
  it('has 256 MB on arm64, sized from measurement (see infra/faascape-stack.ts)', () => {
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Faascape gateway: key, limits, invoke, meter',
      MemorySize: 256,
      Architectures: ['arm64'],
    });
  });
});
