import type { DeveloperError } from './api-types.ts';

/** The developer page's window of errors: the last 7 days, at most 50 of them. */
export const RECENT_ERRORS_DAYS = 7;
export const RECENT_ERRORS_LIMIT = 50;

/**
 * The recent errors of some features, as their logs hold them: throws with their stack traces,
 * timeouts, crashes, lines logged at error level. Locally the data dir's feature logs
 * (runtime/local/recent-errors.ts); in AWS the features' CloudWatch log groups
 * (runtime/aws/cloudwatch-feature-logs.ts). The caller decides whose features: the console asks
 * only for those the signed-in developer authors.
 */
export interface RecentErrors {
  /** at most `limit` errors of `slugs` at or after `sinceMs`, newest first */
  of(slugs: readonly string[], sinceMs: number, limit: number): Promise<DeveloperError[]>;
}

/** Newest first, then by feature: the same order however many sources were merged. */
export function newestFirst(errors: DeveloperError[], limit: number): DeveloperError[] {
  return errors
    .sort((a, b) => (a.time === b.time ? (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0) : a.time < b.time ? 1 : -1))
    .slice(0, limit);
}
