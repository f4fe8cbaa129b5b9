import type { ClientDay, FeatureDay } from '../../shared/day-stats.ts';
import type { UsageAggregate, UsageBatch, UsageRecord } from '../../shared/usage.ts';

/**
 * The usage store as the meter sees it. A batch moves through three idempotent steps:
 * `commit` makes it durable as one item (the client may then get its response), `apply` writes
 * the record groups and adds the batch to the aggregates and per-day stats (each such item accepts
 * a writer's batches in seq order, once), and `settle` forgets the commit. A crash between steps is
 * repaired at start by applying every batch still committed.
 */
export interface UsageLog {
  commit(batch: UsageBatch): Promise<void>;
  apply(batches: UsageBatch[]): Promise<void>;
  settle(batches: UsageBatch[]): Promise<void>;
  /** batches committed but not settled, in (writer, seq) order */
  committed(): Promise<UsageBatch[]>;
}

export interface UsageReader {
  /** one client's aggregates for a month */
  clientAggregates(clientId: string, month: string): Promise<UsageAggregate[]>;
  /** every aggregate of a month (statements, the usage report) */
  monthAggregates(month: string): Promise<UsageAggregate[]>;
  hasUsage(month: string): Promise<boolean>;
  /** the first month with any usage on this installation; undefined before the first call */
  firstUsageMonth(): Promise<string | undefined>;
  /**
   * Calls of a month ever applied, counted once per batch like the aggregates: what a closed
   * month's statement billed plus any late usage. Equal to the billed count = nothing late.
   */
  monthCalls(month: string): Promise<number>;
  /** the invocation records behind one (month, client, feature) */
  records(month: string, clientId: string, featureId: string): Promise<UsageRecord[]>;
  /** platform rejections of a month, per client and code */
  rejections(month: string): Promise<{ clientId: string; code: string; count: number }[]>;
  /** one feature's per-day stats for days fromDay..toDay (YYYY-MM-DD, inclusive), oldest first */
  featureDays(featureId: string, fromDay: string, toDay: string): Promise<FeatureDay[]>;
  /** one client's per-day, per-feature calls in a month, oldest day first, then by featureId */
  clientDays(clientId: string, month: string): Promise<ClientDay[]>;
}
