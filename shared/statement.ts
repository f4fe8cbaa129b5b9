import { apportion } from './apportion.ts';
import { divRoundHalfUp, MICROS_PER_CENT, toSafeNumber } from './money.ts';
import { exactValue, MB_MS_PER_GB_SECOND, priceKey } from './price.ts';
import { allocateFreeCalls, byFeature, chargedFraction, comparePrices, groupBy } from './free-calls.ts';
import { authorsKey, cmp, liveAggregates, type AuthorShare, type UsageAggregate } from './usage.ts';

/** Statement policy, from the platform config; recorded in every statement. */
export interface StatementPolicy {
  /** developers' share of revenue in basis points (7000 = 70 %); one rate for everyone */
  developerShareBps: number;
  /** below this, a developer's balance is carried to the next month */
  minimumPayoutMicros: number;
}

export const DEFAULT_POLICY: StatementPolicy = { developerShareBps: 7000, minimumPayoutMicros: 10_000_000 };

export interface ClientLine {
  featureId: string;
  unitPrice: { perCallMicros: number; perGbSecondMicros: number; currency: string };
  calls: number;
  billableCalls: number;
  /** of the billable calls, those the feature's monthly allowance made free (absent: none) */
  freeCalls?: number;
  billedMs: number;
  amountMicros: number;
}

export interface AdjustmentLine extends ClientLine {
  /** the closed month the usage belongs to */
  originalMonth: string;
  clientId: string;
}

export interface DeveloperLine {
  featureId: string;
  revenueMicros: number;
  weight: number;
  totalWeight: number;
}

export interface Statement {
  month: string;
  currency: 'EUR';
  status: 'draft' | 'final';
  developerSharePercent: number;
  minimumPayoutMicros: number;
  clients: { clientId: string; totalMicros: number; lines: ClientLine[] }[];
  developers: {
    developerId: string;
    earnedMicros: number;
    carriedInMicros: number;
    payableMicros: number;
    carriedOutMicros: number;
    lines: DeveloperLine[];
  }[];
  adjustments: AdjustmentLine[];
  totals: { revenueMicros: number; payoutMicros: number; platformMicros: number; payableMicros: number; carriedOutMicros: number };
}

/** Usage of a closed month that reached the store after its close: billed in a later month. */
export interface LateUsage {
  originalMonth: string;
  aggregate: UsageAggregate;
}

export interface StatementInput {
  month: string;
  status: 'draft' | 'final';
  policy: StatementPolicy;
  /** the month's aggregates (all lines, billable or not) */
  aggregates: UsageAggregate[];
  late: LateUsage[];
  /** balances carried out of the previous final statement, per developer */
  carriedIn: Map<string, number>;
}

/** One priced line: (client, feature, unit price), possibly gathering several authors' splits. */
interface PricedLine {
  clientId: string;
  featureId: string;
  line: ClientLine;
  amount: bigint;
  /** the line's amount shared between its authors' splits; sums to `amount` exactly */
  splits: { authors: AuthorShare[]; revenue: bigint }[];
}

function linePriceKey(a: { clientId: string; featureId: string; price: UsageAggregate['price'] }): string {
  return `${a.clientId}#${a.featureId}#${priceKey(a.price)}`;
}

/**
 * A line's billed amount in micros: its exact value (billable calls × per-call + MB·ms ×
 * per-GB-second ÷ 1,024,000) rounded half-up to the cent ONCE, never per call and never via an
 * intermediate rounding to the micro (which could round 0.4999995 cent up twice).
 */
export function lineBilledMicros(exactTimes1024000: bigint, billableCalls = 0, freeCalls = 0): bigint {
  // Free calls (a monthly allowance) take their share off the exact value before the one rounding.
  const { num, den } = chargedFraction(exactTimes1024000, billableCalls, freeCalls);
  return divRoundHalfUp(num, den * MB_MS_PER_GB_SECOND * MICROS_PER_CENT) * MICROS_PER_CENT;
}

/**
 * Prices each (client, feature, unit price) line ONCE, over all its aggregates, rounded to the
 * cent, then shares that billed amount between the line's authors' splits by largest remainder
 * in proportion to their exact values (each split gets the floor or ceiling of its part, and the
 * parts sum to the line).
 */
function priceLines(aggregates: UsageAggregate[], allowances: 'apply' | 'none'): PricedLine[] {
  const groups = groupBy(aggregates, linePriceKey);
  const freeOf = new Map<string, number>();
  if (allowances === 'apply') {
    const lines = [...groups].map(([key, group]) => ({ key, first: group[0] as UsageAggregate, price: (group[0] as UsageAggregate).price, billableCalls: group.reduce((n, a) => n + a.billableCalls, 0) }));
    for (const feature of byFeature(lines, (l) => `${l.first.clientId}#${l.first.featureId}`, (x, y) => comparePrices(x.price, y.price))) {
      allocateFreeCalls(feature).forEach((free, i) => freeOf.set((feature[i] as (typeof lines)[number]).key, free));
    }
  }
  const out: PricedLine[] = [];
  for (const [groupKey, group] of groups) {
    const first = group[0] as UsageAggregate;
    const p = first.price;
    let calls = 0;
    let billableCalls = 0;
    let billedMs = 0;
    let billableMbMs = 0n;
    const exact = new Map<string, bigint>();
    const authorsOf = new Map<string, AuthorShare[]>();
    for (const a of group) {
      calls += a.calls;
      billableCalls += a.billableCalls;
      billedMs += a.billedMs;
      billableMbMs += BigInt(a.billableMbMs);
      const key = authorsKey(a.authors);
      authorsOf.set(key, a.authors);
      // Exact value of this split, in units of 1/1,024,000 micro.
      const value = exactValue(p, a.billableCalls, a.billableMbMs);
      exact.set(key, (exact.get(key) ?? 0n) + value);
    }
    const exactTotal = [...exact.values()].reduce((n, v) => n + v, 0n);
    const freeCalls = freeOf.get(groupKey) ?? 0;
    const amount = lineBilledMicros(exactTotal, billableCalls, freeCalls);
    // Split i is owed amount × exactᵢ ÷ Σ exact: one denominator, so largest remainder applies.
    const shares = exactTotal === 0n ? new Map([...exact.keys()].map((k) => [k, 0n])) : apportion(amount, new Map([...exact].map(([k, v]) => [k, v * amount])), exactTotal);
    out.push({
      clientId: first.clientId,
      featureId: first.featureId,
      amount,
      line: {
        featureId: first.featureId,
        unitPrice: { perCallMicros: p.perCallMicros, perGbSecondMicros: p.perGbSecondMicros, currency: p.currency },
        calls,
        billableCalls,
        ...(freeCalls > 0 ? { freeCalls } : {}),
        billedMs,
        amountMicros: toSafeNumber(amount),
      },
      splits: [...shares].map(([key, revenue]) => ({ authors: authorsOf.get(key) as AuthorShare[], revenue })),
    });
  }
  return out;
}

function compareLines(a: ClientLine, b: ClientLine): number {
  return (
    cmp(a.featureId, b.featureId) ||
    cmp(a.unitPrice.currency, b.unitPrice.currency) ||
    a.unitPrice.perCallMicros - b.unitPrice.perCallMicros ||
    a.unitPrice.perGbSecondMicros - b.unitPrice.perGbSecondMicros
  );
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * A month's statement, computed from aggregates only, with integer (BigInt) arithmetic:
 * - each client line is priced once and rounded half-up to the cent once (`amountMicros` is
 *   always a whole number of cents); a client's total is the sum of its lines;
 * - revenue = Σ client totals, late usage of closed months included as adjustment lines;
 * - developers share floor(share × revenue), apportioned in micros by largest remainder over
 *   their exact entitlements Σ revenue(feature) × share × weight ÷ total weight;
 * - a balance at or above the minimum payout is paid in whole cents; the rest (all of it under
 *   the minimum, the sub-cent part above) is carried to the next month.
 * The same input always gives the same output, whatever the order of the aggregates.
 */
export function computeStatement(input: StatementInput): Statement {
  const { policy } = input;
  if (!Number.isInteger(policy.developerShareBps) || policy.developerShareBps < 0 || policy.developerShareBps > 10_000) {
    throw new RangeError('developerShareBps must be an integer between 0 and 10000');
  }
  // Test calls are never billed: their lines are not part of any statement.
  const regular = priceLines(liveAggregates(input.aggregates).filter((a) => a.month === input.month), 'apply');
  const lateByMonth = new Map<string, UsageAggregate[]>();
  for (const l of input.late) if (!l.aggregate.test) lateByMonth.set(l.originalMonth, [...(lateByMonth.get(l.originalMonth) ?? []), l.aggregate]);
  // The allowance is the month's, used up at its close: usage that reaches the store later is billed in full.
  const late = [...lateByMonth].flatMap(([originalMonth, aggs]) => priceLines(aggs, 'none').map((p) => ({ originalMonth, ...p })));

  // Client side.
  const lines = new Map<string, ClientLine[]>();
  for (const p of regular) lines.set(p.clientId, [...(lines.get(p.clientId) ?? []), p.line]);
  const totals = new Map<string, bigint>();
  for (const p of [...regular, ...late]) totals.set(p.clientId, (totals.get(p.clientId) ?? 0n) + p.amount);
  const clients = [...totals.keys()].sort(cmp).map((clientId) => ({
    clientId,
    totalMicros: toSafeNumber(totals.get(clientId) as bigint),
    lines: (lines.get(clientId) ?? []).sort(compareLines),
  }));
  const revenue = [...totals.values()].reduce((s, v) => s + v, 0n);
  const adjustments: AdjustmentLine[] = late
    .map((l) => ({ originalMonth: l.originalMonth, clientId: l.clientId, ...l.line }))
    .sort((a, b) => cmp(a.originalMonth, b.originalMonth) || cmp(a.clientId, b.clientId) || compareLines(a, b));

  // Developer side: revenue per (feature, split), then exact entitlements over one denominator.
  const splits = new Map<string, { featureId: string; authors: AuthorShare[]; revenue: bigint }>();
  for (const p of [...regular, ...late]) {
    for (const split of p.splits) {
      if (split.revenue === 0n) continue;
      const key = `${p.featureId}#${authorsKey(split.authors)}`;
      const s = splits.get(key) ?? { featureId: p.featureId, authors: split.authors, revenue: 0n };
      s.revenue += split.revenue;
      splits.set(key, s);
    }
  }
  const bps = BigInt(policy.developerShareBps);
  let lcm = 1n;
  for (const s of splits.values()) {
    const w = BigInt(s.authors.reduce((n, a) => n + a.weight, 0));
    lcm = (lcm / gcd(lcm, w)) * w;
  }
  const denominator = 10_000n * lcm;
  const numerators = new Map<string, bigint>();
  const devLines = new Map<string, DeveloperLine[]>();
  for (const s of splits.values()) {
    const totalWeight = s.authors.reduce((n, a) => n + a.weight, 0);
    for (const a of s.authors) {
      // revenue × bps/10000 × weight/totalWeight, over the common denominator 10000 × lcm.
      const num = s.revenue * bps * BigInt(a.weight) * (lcm / BigInt(totalWeight));
      numerators.set(a.id, (numerators.get(a.id) ?? 0n) + num);
      const dl = devLines.get(a.id) ?? [];
      dl.push({ featureId: s.featureId, revenueMicros: toSafeNumber(s.revenue), weight: a.weight, totalWeight });
      devLines.set(a.id, dl);
    }
  }
  const pool = (revenue * bps) / 10_000n;
  const earned = apportion(pool, numerators, denominator);

  const developerIds = [...new Set([...earned.keys(), ...[...input.carriedIn].filter(([, v]) => v > 0).map(([k]) => k)])].sort(cmp);
  let payable = 0n;
  let carriedOut = 0n;
  const developers = developerIds.map((developerId) => {
    const e = earned.get(developerId) ?? 0n;
    const carriedIn = BigInt(input.carriedIn.get(developerId) ?? 0);
    const balance = e + carriedIn;
    // Paid in whole cents; the sub-cent rest is carried like any balance under the minimum.
    const pays = balance >= BigInt(policy.minimumPayoutMicros) ? (balance / MICROS_PER_CENT) * MICROS_PER_CENT : 0n;
    payable += pays;
    carriedOut += balance - pays;
    return {
      developerId,
      earnedMicros: toSafeNumber(e),
      carriedInMicros: toSafeNumber(carriedIn),
      payableMicros: toSafeNumber(pays),
      carriedOutMicros: toSafeNumber(balance - pays),
      lines: (devLines.get(developerId) ?? []).sort((a, b) => cmp(a.featureId, b.featureId) || a.totalWeight - b.totalWeight || a.weight - b.weight || a.revenueMicros - b.revenueMicros),
    };
  });

  return {
    month: input.month,
    currency: 'EUR',
    status: input.status,
    developerSharePercent: policy.developerShareBps / 100,
    minimumPayoutMicros: policy.minimumPayoutMicros,
    clients,
    developers,
    adjustments,
    totals: {
      revenueMicros: toSafeNumber(revenue),
      payoutMicros: toSafeNumber(pool),
      platformMicros: toSafeNumber(revenue - pool),
      payableMicros: toSafeNumber(payable),
      carriedOutMicros: toSafeNumber(carriedOut),
    },
  };
}

/** JSON with keys sorted at every level: the bytes a statement's SHA-256 is taken over. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => cmp(a, b))) : v,
  );
}

/**
 * Usage of closed months that is not yet in any statement: current aggregates minus what the
 * final statement of that month billed and what later statements already adjusted.
 */
export function lateUsage(originalMonth: string, current: UsageAggregate[], alreadyBilled: UsageAggregate[]): LateUsage[] {
  const billed = new Map<string, UsageAggregate>();
  for (const a of liveAggregates(alreadyBilled)) {
    const key = `${a.clientId}#${a.featureId}#${priceKey(a.price)}#${authorsKey(a.authors)}`;
    const known = billed.get(key);
    if (!known) billed.set(key, { ...a });
    else for (const c of COUNTERS) known[c] += a[c];
  }
  const out: LateUsage[] = [];
  for (const a of liveAggregates(current)) {
    const b = billed.get(`${a.clientId}#${a.featureId}#${priceKey(a.price)}#${authorsKey(a.authors)}`);
    const diff: UsageAggregate = { ...a };
    let any = false;
    for (const c of COUNTERS) {
      diff[c] = a[c] - (b?.[c] ?? 0);
      if (diff[c] !== 0) any = true;
    }
    if (any && diff.calls > 0) out.push({ originalMonth, aggregate: diff });
  }
  return out;
}

const COUNTERS = ['calls', 'billableCalls', 'errors', 'timeouts', 'billedMs', 'billableMs', 'billableMbMs', 'requestBytes', 'responseBytes'] as const;

export type StatementParty = { client: string } | { developer: string };

/** A statement as one party sees it: no other party, and not the platform's totals. */
export type PartyStatement<S extends Statement = Statement> = Omit<S, 'totals'>;

/**
 * One party's part of a statement: the same shape, every other client and developer removed
 * (a client keeps its adjustments; a developer its lines), and without the month's totals,
 * which are the platform's figures. What a client's invoice or a developer's earnings page
 * reads, without loading everyone's figures.
 */
export function partyStatement<S extends Statement>(s: S, party: StatementParty): PartyStatement<S> {
  const { totals: _platformFigures, ...rest } = s;
  if ('client' in party) {
    return { ...rest, clients: s.clients.filter((c) => c.clientId === party.client), developers: [], adjustments: s.adjustments.filter((a) => a.clientId === party.client) };
  }
  return { ...rest, clients: [], developers: s.developers.filter((d) => d.developerId === party.developer), adjustments: [] };
}
