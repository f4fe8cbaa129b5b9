import { apportion } from './apportion.ts';
import { toSafeNumber } from './money.ts';
import { lineAmountMicros, priceKey } from './price.ts';
import { authorsKey, cmp, type AuthorShare, type UsageAggregate } from './usage.ts';

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

interface Priced {
  clientId: string;
  featureId: string;
  authors: AuthorShare[];
  line: ClientLine;
  amount: bigint;
}

function price(a: UsageAggregate): Priced {
  const amount = lineAmountMicros(a.price, a.billableCalls, a.billableMbMs);
  return {
    clientId: a.clientId,
    featureId: a.featureId,
    authors: a.authors,
    amount,
    line: {
      featureId: a.featureId,
      unitPrice: { perCallMicros: a.price.perCallMicros, perGbSecondMicros: a.price.perGbSecondMicros, currency: a.price.currency },
      calls: a.calls,
      billableCalls: a.billableCalls,
      billedMs: a.billedMs,
      amountMicros: toSafeNumber(amount),
    },
  };
}

/** Sums aggregates that only differ by authors into one client line per (client, feature, price). */
function clientLines(priced: Priced[]): Map<string, ClientLine[]> {
  const byClient = new Map<string, Map<string, ClientLine>>();
  for (const p of priced) {
    const lines = byClient.get(p.clientId) ?? new Map<string, ClientLine>();
    byClient.set(p.clientId, lines);
    const key = `${p.featureId}#${priceKey({ ...p.line.unitPrice })}`;
    const known = lines.get(key);
    if (!known) lines.set(key, { ...p.line, unitPrice: { ...p.line.unitPrice } });
    else {
      known.calls += p.line.calls;
      known.billableCalls += p.line.billableCalls;
      known.billedMs += p.line.billedMs;
      known.amountMicros += p.line.amountMicros;
    }
  }
  const out = new Map<string, ClientLine[]>();
  for (const [clientId, lines] of byClient) {
    out.set(
      clientId,
      [...lines.values()].sort(
        (a, b) => cmp(a.featureId, b.featureId) || a.unitPrice.perCallMicros - b.unitPrice.perCallMicros || a.unitPrice.perGbSecondMicros - b.unitPrice.perGbSecondMicros,
      ),
    );
  }
  return out;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * A month's statement, computed from aggregates only, with integer (BigInt) arithmetic:
 * - each client line is priced once (calls × per-call + compute rounded half-up once per line);
 * - revenue = Σ client totals, late usage of closed months included as adjustment lines;
 * - developers share floor(share × revenue), apportioned by largest remainder over their exact
 *   entitlements Σ revenue(feature) × share × weight ÷ total weight;
 * - balances under the minimum payout are carried to the next month.
 * The same input always gives the same output, whatever the order of the aggregates.
 */
export function computeStatement(input: StatementInput): Statement {
  const { policy } = input;
  if (!Number.isInteger(policy.developerShareBps) || policy.developerShareBps < 0 || policy.developerShareBps > 10_000) {
    throw new RangeError('developerShareBps must be an integer between 0 and 10000');
  }
  const regular = input.aggregates.filter((a) => a.month === input.month).map(price);
  const late = input.late.map((l) => ({ originalMonth: l.originalMonth, ...price(l.aggregate) }));

  // Client side.
  const lines = clientLines(regular);
  const totals = new Map<string, bigint>();
  for (const p of [...regular, ...late]) totals.set(p.clientId, (totals.get(p.clientId) ?? 0n) + p.amount);
  const clients = [...totals.keys()].sort(cmp).map((clientId) => ({
    clientId,
    totalMicros: toSafeNumber(totals.get(clientId) as bigint),
    lines: lines.get(clientId) ?? [],
  }));
  const revenue = [...totals.values()].reduce((s, v) => s + v, 0n);
  const adjustments: AdjustmentLine[] = late
    .map((l) => ({ originalMonth: l.originalMonth, clientId: l.clientId, ...l.line }))
    .sort((a, b) => cmp(a.originalMonth, b.originalMonth) || cmp(a.clientId, b.clientId) || cmp(a.featureId, b.featureId) || a.unitPrice.perCallMicros - b.unitPrice.perCallMicros);

  // Developer side: revenue per (feature, split), then exact entitlements over one denominator.
  const splits = new Map<string, { featureId: string; authors: AuthorShare[]; revenue: bigint }>();
  for (const p of [...regular, ...late]) {
    if (p.amount === 0n) continue;
    const key = `${p.featureId}#${authorsKey(p.authors)}`;
    const s = splits.get(key) ?? { featureId: p.featureId, authors: p.authors, revenue: 0n };
    s.revenue += p.amount;
    splits.set(key, s);
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
    const pays = balance >= BigInt(policy.minimumPayoutMicros);
    payable += pays ? balance : 0n;
    carriedOut += pays ? 0n : balance;
    return {
      developerId,
      earnedMicros: toSafeNumber(e),
      carriedInMicros: toSafeNumber(carriedIn),
      payableMicros: toSafeNumber(pays ? balance : 0n),
      carriedOutMicros: toSafeNumber(pays ? 0n : balance),
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
  for (const a of alreadyBilled) {
    const key = `${a.clientId}#${a.featureId}#${priceKey(a.price)}#${authorsKey(a.authors)}`;
    const known = billed.get(key);
    if (!known) billed.set(key, { ...a });
    else for (const c of COUNTERS) known[c] += a[c];
  }
  const out: LateUsage[] = [];
  for (const a of current) {
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
