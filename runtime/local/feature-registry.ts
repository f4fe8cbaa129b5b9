import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureSpec } from '../../shared/manifest.ts';
import type { ManifestError } from '../../shared/manifest.ts';
import type { FeatureCatalog } from '../gateway/invoker.ts';
import type { Logger } from '../logger.ts';
import { buildFeature, readManifests, type LoadedFeature } from './load-features.ts';
import type { ProcessPool } from './process-pool.ts';

export interface ReloadSummary {
  added: string[];
  changed: string[];
  removed: string[];
  /** features whose manifest is valid but whose code does not build: they answer 503 */
  unavailable: string[];
  problems: ManifestError[];
}

interface Current extends LoadedFeature {
  /** what the running build came from: the bundle's bytes and the manifest */
  fingerprint: string;
  dir: string;
}

const fingerprintOf = (spec: FeatureSpec, modulePath: string) =>
  createHash('sha256').update(JSON.stringify(spec)).update(readFileSync(modulePath)).digest('hex');

/**
 * The features the platform runs, kept in step with `functions/`: each (re)load bundles every
 * feature into a fresh folder, swaps in the ones whose bundle or manifest changed (calls in flight
 * finish on the old build), removes the ones that are gone, and marks the ones that no longer
 * build as unavailable (503) while keeping the reason for the developer's log.
 */
export class FeatureRegistry {
  readonly features = new Map<string, Current>();
  private readonly unavailableWhy = new Map<string, string>();
  private builds = 0;
  private sorted: FeatureSpec[] | undefined;

  readonly catalog: FeatureCatalog = {
    get: (slug) => this.features.get(slug)?.spec,
    list: () => (this.sorted ??= [...this.features.values()].map((f) => f.spec).sort((a, b) => (a.slug < b.slug ? -1 : 1))),
    unavailable: (slug) => this.unavailableWhy.has(slug),
  };

  constructor(
    private readonly functionsDir: string,
    private readonly buildDir: string,
    private readonly pool: ProcessPool,
    private readonly logger: Logger,
  ) {
    // Builds of an earlier run are never reused: the bundle is made from the sources each start.
    rmSync(buildDir, { recursive: true, force: true });
    mkdirSync(buildDir, { recursive: true, mode: 0o700 });
  }

  /** Why a feature does not build, for its developer (never for a client). */
  whyUnavailable(slug: string): string | undefined {
    return this.unavailableWhy.get(slug);
  }

  /** Every feature that does not build now, with why (for the operator's status). */
  unavailableNow(): { slug: string; why: string }[] {
    return [...this.unavailableWhy].map(([slug, why]) => ({ slug, why })).sort((a, b) => (a.slug < b.slug ? -1 : 1));
  }

  async reload(): Promise<ReloadSummary> {
    const summary: ReloadSummary = { added: [], changed: [], removed: [], unavailable: [], problems: [] };
    const { specs, problems } = readManifests(this.functionsDir);
    summary.problems.push(...problems);
    const wanted = new Set(specs.map((s) => s.slug));
    const built = await Promise.all(
      specs.map(async (spec) => {
        const dir = join(this.buildDir, spec.slug, String(++this.builds));
        return { spec, dir, result: await buildFeature(this.functionsDir, spec, dir) };
      }),
    );
    for (const { spec, dir, result } of built) {
      const slug = spec.slug;
      const old = this.features.get(slug);
      if (!result.ok) {
        rmSync(dir, { recursive: true, force: true });
        summary.problems.push(result.problem);
        summary.unavailable.push(slug);
        this.unavailableWhy.set(slug, result.problem.message);
        if (old) this.drop(slug, old);
        continue;
      }
      this.unavailableWhy.delete(slug);
      const fingerprint = fingerprintOf(spec, result.feature.modulePath);
      if (old?.fingerprint === fingerprint) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      (old ? summary.changed : summary.added).push(slug);
      this.features.set(slug, { ...result.feature, fingerprint, dir });
      this.pool.set(slug, result.feature, () => old && this.removeDir(old.dir));
    }
    // A folder that is gone, or whose manifest no longer parses, is no longer served.
    const invalid = new Map(problems.map((p) => [p.file.split(/[\\/]/).at(-2) ?? '', p.message]));
    for (const [slug, old] of [...this.features]) {
      if (wanted.has(slug)) continue;
      this.drop(slug, old);
      const why = invalid.get(slug);
      // A manifest broken by an edit: the feature is still there, it just cannot run (503).
      if (why) {
        this.unavailableWhy.set(slug, why);
        summary.unavailable.push(slug);
      } else summary.removed.push(slug);
    }
    for (const slug of [...this.unavailableWhy.keys()]) if (!wanted.has(slug) && !invalid.has(slug)) this.unavailableWhy.delete(slug);
    this.sorted = undefined;
    return summary;
  }

  private drop(slug: string, old: Current): void {
    this.features.delete(slug);
    this.sorted = undefined;
    this.pool.delete(slug, () => this.removeDir(old.dir));
  }

  private removeDir(dir: string): void {
    try {
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      this.logger.warn('old feature build not removed', { dir, error: String(e) });
    }
  }
}
