import { coAuthoredFeatures, developerScore, weightedCalls, type LevelName } from '../../shared/levels.ts';
import { monthOf, nextMonth } from '../../shared/month.ts';
import type { FeatureCatalog } from '../gateway/invoker.ts';
import type { UsageReader } from '../meter/usage-log.ts';
import type { StatementStore } from '../statements/statement-store.ts';
import type { CommunityStore } from './community-store.ts';
import type { DeveloperLevel } from '../console/community-types.ts';

export interface LevelsDeps {
  community: Pick<CommunityStore, 'helpCounts'>;
  usage: Pick<UsageReader, 'monthAggregates'>;
  statementStore: Pick<StatementStore, 'closedMonths' | 'weightedCalls'>;
  features: FeatureCatalog;
  clock: () => number;
}

/** How long computed levels are reused: they move with monthly usage, not by the second. */
const CACHE_MS = 30_000;

/**
 * Developer levels: the closed months' weighted calls as the statements recorded them at each
 * close (exact), plus the open months' aggregates (a live estimate until they close).
 */
export class Levels {
  private cache: { at: number; usage: Promise<{ calls: Map<string, number>; closedThrough: string | null }> } | undefined;
  /** Levels computed in the same window: a thread page names each author once, not per post. */
  private computed: { at: number; levels: Map<string, Promise<DeveloperLevel>> } | undefined;

  constructor(private readonly deps: LevelsDeps) {}

  private usage(): Promise<{ calls: Map<string, number>; closedThrough: string | null }> {
    const now = this.deps.clock();
    if (this.cache && now - this.cache.at < CACHE_MS) return this.cache.usage;
    const usage = this.loadUsage(now);
    this.cache = { at: now, usage };
    usage.catch(() => (this.cache = undefined));
    return usage;
  }

  /** Forgets cached usage and levels (after help was given or taken back, or a close). */
  invalidate(): void {
    this.cache = undefined;
    this.computed = undefined;
  }

  private async loadUsage(now: number): Promise<{ calls: Map<string, number>; closedThrough: string | null }> {
    const calls = new Map<string, number>();
    const add = (dev: string, n: number) => calls.set(dev, (calls.get(dev) ?? 0) + n);
    const closed = await this.deps.statementStore.closedMonths();
    for (const month of closed) for (const [dev, n] of Object.entries((await this.deps.statementStore.weightedCalls(month)) ?? {})) add(dev, n);
    const closedThrough = closed[0] ?? null;
    // Open months: from the one after the last close (or this one) to this one.
    const current = monthOf(now);
    for (let m = closedThrough ? nextMonth(closedThrough) : current; m <= current; m = nextMonth(m)) {
      const aggregates = await this.deps.usage.monthAggregates(m);
      const devs = new Set(aggregates.flatMap((a) => a.authors.map((x) => x.id)));
      for (const dev of devs) add(dev, weightedCalls(aggregates, dev));
    }
    return { calls, closedThrough };
  }

  of(developerId: string): Promise<DeveloperLevel> {
    const now = this.deps.clock();
    if (!this.computed || now - this.computed.at >= CACHE_MS) this.computed = { at: now, levels: new Map() };
    const levels = this.computed.levels;
    let level = levels.get(developerId);
    if (!level) {
      level = this.compute(developerId);
      levels.set(developerId, level);
      level.catch(() => levels.delete(developerId));
    }
    return level;
  }

  private async compute(developerId: string): Promise<DeveloperLevel> {
    const { calls, closedThrough } = await this.usage();
    const features = this.deps.features.list();
    const mine = features.filter((f) => f.manifest.authors.some((a) => a.id === developerId));
    const help = await this.deps.community.helpCounts(developerId);
    const coAuthored = coAuthoredFeatures(features.map((f) => ({ slug: f.slug, authors: f.manifest.authors })), developerId);
    const w = calls.get(developerId) ?? 0;
    const score = developerScore({ weightedCalls: w, acceptedAnswers: help.acceptedAnswers, coAuthoredFeatures: coAuthored, reviews: help.reviews });
    return {
      developerId,
      level: score.level,
      usagePoints: score.usagePoints,
      helpPoints: score.helpPoints,
      score: score.score,
      next: score.next,
      help: { acceptedAnswers: help.acceptedAnswers, coAuthoredFeatures: coAuthored, reviews: help.reviews },
      weightedCalls: w,
      basis: 'live',
      closedThrough,
      features: mine.map((f) => ({ slug: f.slug, name: f.manifest.name, weight: f.manifest.authors.find((a) => a.id === developerId)?.weight ?? 0, totalWeight: f.manifest.authors.reduce((n, a) => n + a.weight, 0) })),
    };
  }

  async levelOf(developerId: string): Promise<LevelName> {
    return (await this.of(developerId)).level;
  }

  /** Every developer who authors a feature, with their level. */
  async all(): Promise<DeveloperLevel[]> {
    const ids = [...new Set(this.deps.features.list().flatMap((f) => f.manifest.authors.map((a) => a.id)))].sort();
    return Promise.all(ids.map((id) => this.of(id)));
  }
}
