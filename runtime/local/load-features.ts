import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ManifestError, parseManifest, type FeatureSpec } from '../../shared/manifest.ts';

export interface LoadedFeature {
  spec: FeatureSpec;
  /** the esbuild bundle its processes import, alone in its folder */
  modulePath: string;
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

export type BuildResult = { ok: true; feature: LoadedFeature } | { ok: false; problem: ManifestError };

interface EsbuildMessage {
  text: string;
  location?: { file: string; line: number; column: number; lineText?: string } | null;
}

/** esbuild's messages as `file:line:column: text`, the form editors and terminals link. */
export function buildMessages(e: unknown): string {
  const errors = (e as { errors?: EsbuildMessage[] }).errors;
  if (!errors?.length) return String(e);
  return errors.map((x) => (x.location ? `${x.location.file}:${x.location.line}:${x.location.column + 1}: ${x.text}` : x.text)).join('; ');
}

/**
 * Bundles one feature with esbuild, as Lambda would run it, into `outDir/index.mjs`: a folder of
 * its own, so that its process may read its bundle and nothing of another feature's (or of
 * another build of itself).
 */
export async function buildFeature(functionsDir: string, spec: FeatureSpec, outDir: string): Promise<BuildResult> {
  const entry = entryPoint(functionsDir, spec.slug);
  if (!entry) return { ok: false, problem: new ManifestError(join(functionsDir, spec.slug, 'feature.json'), ['handler: no index.ts (or index.js) beside the manifest']) };
  const modulePath = join(outDir, 'index.mjs');
  try {
    await build({
      entryPoints: [entry],
      outfile: modulePath,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      logLevel: 'silent',
      // Stack traces name the developer's own file and line (the process runs with
      // --enable-source-maps); the mappings only, not the sources, to keep the bundle small.
      sourcemap: 'inline',
      sourcesContent: false,
      // CommonJS dependencies inside an ES module bundle still need `require` for built-ins.
      banner: { js: "import { createRequire as __faascapeRequire } from 'node:module'; const require = __faascapeRequire(import.meta.url);" },
    });
    return { ok: true, feature: { spec, modulePath } };
  } catch (e) {
    return { ok: false, problem: new ManifestError(entry, [`does not build: ${buildMessages(e)}`]) };
  }
}
