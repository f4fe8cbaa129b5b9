import type { DeveloperError } from '../console/api-types.ts';
import { newestFirst, type RecentErrors } from '../console/recent-errors.ts';
import { readFeatureLogs, type FeatureLogEntry } from './feature-logs.ts';

/** A log line as the developer page shows it. */
export function errorOf(e: FeatureLogEntry): DeveloperError {
  return { feature: e.feature, time: e.time, invocationId: e.invocationId ?? null, message: e.message, stack: e.stack ?? null };
}

/**
 * The recent errors of features from the data dir's feature logs (`<data dir>/logs/<slug>.jsonl`
 * and its rotated file): the error-level lines, which hold throws with their stacks, timeouts and
 * crashes (the process pool writes those) and what a feature logged with console.error.
 */
export function fileRecentErrors(dataDir: string): RecentErrors {
  return {
    async of(slugs, sinceMs, limit) {
      const errors = slugs.flatMap((slug) => readFeatureLogs(dataDir, slug, { sinceMs }).filter((e) => e.level === 'error' && e.feature === slug));
      return newestFirst(errors.map(errorOf), limit);
    },
  };
}
