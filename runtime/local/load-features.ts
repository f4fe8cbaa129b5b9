import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ManifestError, parseManifest, type FeatureSpec } from '../../shared/manifest.ts';
import type { FeatureCatalog } from '../gateway/invoker.ts';

export interface LoadedFeature {
  spec: FeatureSpec;
  /** the esbuild bundle its processes import, alone in its folder */
  modulePath: string;
}

export interface FeatureLoad {
  features: Map<string, LoadedFeature>;
  /** one per feature that could not load; the others load regardless */
  problems: ManifestError[];
}

/** Reads and validates every `functions/<slug>/feature.json`; a bad one never stops the others. */
export function readManifests(functionsDir: string): { specs: FeatureSpec[]; problems: ManifestError[] } {
  const specs: FeatureSpec[] = [];
  const problems: ManifestError[] = [];
  if (!existsSync(functionsDir)) return { specs, problems };
  for (const entry of readdirSync(functionsDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const file = join(functionsDir, entry.name, 'feature.json');
    if (!existsSync(file)) {
      problems.push(new ManifestError(file, ['missing: every feature folder needs a feature.json']));
      continue;
    }
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new ManifestError(file, [`not valid JSON (${(e as Error).message})`]);
      }
      specs.push(parseManifest(entry.name, file, raw));
    } catch (e) {
      if (e instanceof ManifestError) problems.push(e);
      else throw e;
    }
  }
  return { specs, problems };
}

export function entryPoint(functionsDir: string, slug: string): string | undefined {
  for (const name of ['index.ts', 'index.mts', 'index.js', 'index.mjs']) {
    const p = join(functionsDir, slug, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Validates and bundles every feature with esbuild, as Lambda would run it. */
export async function loadFeatures(functionsDir: string, buildDir: string): Promise<FeatureLoad> {
  const { specs, problems } = readManifests(functionsDir);
  const features = new Map<string, LoadedFeature>();
  await Promise.all(
    specs.map(async (spec) => {
      const entry = entryPoint(functionsDir, spec.slug);
      const manifestFile = join(functionsDir, spec.slug, 'feature.json');
      if (!entry) {
        problems.push(new ManifestError(manifestFile, ['handler: no index.ts (or index.js) beside the manifest']));
        return;
      }
      // A folder per feature: its process may read its own bundle and nothing of another feature's.
      const modulePath = join(buildDir, spec.slug, 'index.mjs');
      try {
        await build({
          entryPoints: [entry],
          outfile: modulePath,
          bundle: true,
          platform: 'node',
          format: 'esm',
          target: 'node24',
          logLevel: 'silent',
          // CommonJS dependencies inside an ES module bundle still need `require` for built-ins.
          banner: { js: "import { createRequire as __faascapeRequire } from 'node:module'; const require = __faascapeRequire(import.meta.url);" },
        });
        features.set(spec.slug, { spec, modulePath });
      } catch (e) {
        const msg = (e as { errors?: { text: string }[] }).errors?.map((x) => x.text).join('; ') ?? String(e);
        problems.push(new ManifestError(entry, [`does not build: ${msg}`]));
      }
    }),
  );
  return { features: new Map([...features].sort(([a], [b]) => (a < b ? -1 : 1))), problems };
}

export function catalogOf(features: Map<string, LoadedFeature>): FeatureCatalog {
  const list = [...features.values()].map((f) => f.spec);
  return { get: (slug) => features.get(slug)?.spec, list: () => list };
}
