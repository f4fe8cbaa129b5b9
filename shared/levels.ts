/**
 * Developer levels: TRUST, never money. Every developer is paid at the same revenue-share rate
 * (see statement.ts); a level only unlocks community permissions (moderating, accepting requests).
 *
 * score = usagePoints + helpPoints
 *   usagePoints = ⌊100 × log10(1 + weightedCalls)⌋   (weightedCalls: the developer's share of billable
 *                 calls, by the SAME author weights the statements pay with)
 *   helpPoints  = 20 × accepted answers + 30 × co-authored features + 5 × reviews
 * A level needs its minimum score AND, for the trusted levels, a minimum of help points.
 * Pure functions, no I/O. See docs/levels.md.
 */
import type { AuthorShare, UsageAggregate } from './usage.ts';

export type LevelName = 'newcomer' | 'contributor' | 'publisher' | 'maintainer' | 'mentor';

export interface LevelDefinition {
  name: LevelName;
  /** minimum score (usage points + help points) */
  minScore: number;
  /** minimum help points, on top of the score: absent = none */
  minHelpPoints?: number;
  /** what the level unlocks (trust only; never money) */
  unlocks: string;
}

/** The five levels, lowest first; each one's requirements include the previous one's. */
export const LEVELS: readonly LevelDefinition[] = Object.freeze([
  { name: 'newcomer', minScore: 0, unlocks: 'Post in discussions, open threads, vote on requests, plan and deliver requests.' },
  { name: 'contributor', minScore: 50, unlocks: 'A "contributor" badge next to their posts.' },
  { name: 'publisher', minScore: 150, unlocks: 'A "publisher" badge: their features are used by clients.' },
  {
    name: 'maintainer',
    minScore: 400,
    minHelpPoints: 100,
    unlocks: 'Moderation: may hide (and unhide) abusive posts in any thread.',
  },
  {
    name: 'mentor',
    minScore: 1000,
    minHelpPoints: 300,
    unlocks: 'Everything a maintainer may do, and may mark a client request as accepted for development.',
  },
] as const satisfies readonly LevelDefinition[]);

/** Points per unit of help. A co-authorship is worth most (shared work), a review least (and capped: one per feature per reviewer). */
export const HELP_POINTS = Object.freeze({ acceptedAnswer: 20, coAuthoredFeature: 30, review: 5 } as const);

/** Usage points per decade of weighted calls. */
export const USAGE_POINTS_PER_DECADE = 100;

export interface HelpCounts {
  /** accepted answers in OTHER developers' threads (never on a feature they author) */
  acceptedAnswers: number;
  /** features of another developer they co-author (author, not lead author) */
  coAuthoredFeatures: number;
  /** reviews: at most one per feature per reviewer, only on features they do not author */
  reviews: number;
}

export interface NextLevel {
  level: LevelName;
  /** the score the next level needs */
  score: number;
  /** the help points it needs, when it needs any */
  helpPoints?: number;
}

export interface DeveloperScore {
  usagePoints: number;
  helpPoints: number;
  score: number;
  level: LevelName;
  next: NextLevel | null;
}

function assertCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}

function assertAmount(name: string, n: number): void {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a finite non-negative number, got ${n}`);
}

/**
 * The developer's share of billable calls: Σ over aggregates of billableCalls × weight ÷ Σ weights,
 * with each aggregate's OWN authors snapshot (the split in force at the call, exactly what the
 * statement pays with), never the current manifest. A developer listed twice in a snapshot counts
 * with both weights, as in the statement. Summed over all developers it gives Σ billableCalls.
 */
export function weightedCalls(aggregates: readonly Pick<UsageAggregate, 'billableCalls' | 'authors'>[], developerId: string): number {
  let total = 0;
  for (const a of aggregates) {
    if (a.billableCalls === 0) continue;
    const { mine, all } = weightsOf(a.authors, developerId);
    if (mine === 0 || all <= 0) continue;
    // Multiply first: billableCalls × weight is an exact integer, one rounding for the division.
    total += (a.billableCalls * mine) / all;
  }
  return total;
}

function weightsOf(authors: readonly AuthorShare[], developerId: string): { mine: number; all: number } {
  let mine = 0;
  let all = 0;
  for (const author of authors) {
    all += author.weight;
    if (author.id === developerId) mine += author.weight;
  }
  return { mine, all };
}

/** 1 + w must reach 10^(p/100) for the p-th usage point (one deterministic threshold per point). */
function usageThreshold(p: number): number {
  return 10 ** (p / USAGE_POINTS_PER_DECADE);
}

/**
 * ⌊100 × log10(1 + weightedCalls)⌋: 100 points per decade, so 10 calls ≈ 104, 10⁴ ≈ 400,
 * 10⁹ = 900. Computed as the number of thresholds 10^(p/100) that 1 + weightedCalls reaches,
 * which is exactly monotone non-decreasing whatever the floating-point error of log10.
 */
export function usagePoints(weightedCalls: number): number {
  assertAmount('weightedCalls', weightedCalls);
  const x = 1 + weightedCalls;
  let p = Math.max(0, Math.floor(USAGE_POINTS_PER_DECADE * Math.log10(x)));
  while (p > 0 && usageThreshold(p) > x) p -= 1;
  while (usageThreshold(p + 1) <= x) p += 1;
  return p;
}

/** 20 per accepted answer, 30 per co-authored feature, 5 per review. */
export function helpPoints(h: HelpCounts): number {
  assertCount('acceptedAnswers', h.acceptedAnswers);
  assertCount('coAuthoredFeatures', h.coAuthoredFeatures);
  assertCount('reviews', h.reviews);
  return h.acceptedAnswers * HELP_POINTS.acceptedAnswer + h.coAuthoredFeatures * HELP_POINTS.coAuthoredFeature + h.reviews * HELP_POINTS.review;
}

/**
 * How many features (distinct slugs) the developer co-authors without being the lead author:
 * the lead is the author with the highest weight, ties going to the first listed. Their own
 * features (where they lead) do not count: co-authorship is help on another developer's feature.
 */
export function coAuthoredFeatures(features: readonly { slug: string; authors: readonly AuthorShare[] }[], developerId: string): number {
  const slugs = new Set<string>();
  for (const f of features) {
    let lead: AuthorShare | undefined;
    let listed = false;
    for (const a of f.authors) {
      if (!lead || a.weight > lead.weight) lead = a;
      if (a.id === developerId) listed = true;
    }
    if (listed && lead && lead.id !== developerId) slugs.add(f.slug);
  }
  return slugs.size;
}

function reaches(def: LevelDefinition, score: number, help: number): boolean {
  return score >= def.minScore && help >= (def.minHelpPoints ?? 0);
}

/** Position of a level, 0 (newcomer) to 4 (mentor). */
export function levelRank(level: LevelName): number {
  const rank = LEVELS.findIndex((l) => l.name === level);
  if (rank < 0) throw new RangeError(`unknown level ${String(level)}`);
  return rank;
}

/** The highest level whose minimum score and minimum help points are both reached. */
export function levelOf(score: number, helpPoints: number): LevelName {
  assertAmount('score', score);
  assertAmount('helpPoints', helpPoints);
  let level: LevelName = 'newcomer';
  for (const def of LEVELS) {
    if (!reaches(def, score, helpPoints)) break;
    level = def.name;
  }
  return level;
}

/**
 * The level after the given one (or after the level a score and help points reach) and what it
 * needs; null at the top.
 */
export function nextLevel(level: LevelName): NextLevel | null;
export function nextLevel(score: number, helpPoints: number): NextLevel | null;
export function nextLevel(levelOrScore: LevelName | number, helpPoints?: number): NextLevel | null {
  const level = typeof levelOrScore === 'number' ? levelOf(levelOrScore, helpPoints ?? 0) : levelOrScore;
  const def = LEVELS[levelRank(level) + 1];
  if (!def) return null;
  return def.minHelpPoints === undefined ? { level: def.name, score: def.minScore } : { level: def.name, score: def.minScore, helpPoints: def.minHelpPoints };
}

/** A developer's points, score, level and next level. */
export function developerScore(input: { weightedCalls: number } & HelpCounts): DeveloperScore {
  const usage = usagePoints(input.weightedCalls);
  const help = helpPoints(input);
  const score = usage + help;
  const level = levelOf(score, help);
  return { usagePoints: usage, helpPoints: help, score, level, next: nextLevel(level) };
}

/** Maintainer or above: may hide (and unhide) abusive posts. */
export function canModerate(level: LevelName): boolean {
  return levelRank(level) >= levelRank('maintainer');
}

/** Mentor only: may mark a client request as accepted for development. */
export function canAcceptRequests(level: LevelName): boolean {
  return levelRank(level) >= levelRank('mentor');
}

/** Weighted calls of every developer named in the aggregates' author snapshots. */
export function weightedCallsByDeveloper(aggregates: readonly Pick<UsageAggregate, 'billableCalls' | 'authors'>[]): Record<string, number> {
  const ids = [...new Set(aggregates.flatMap((a) => a.authors.map((x) => x.id)))].sort();
  return Object.fromEntries(ids.map((id) => [id, weightedCalls(aggregates, id)]));
}
