import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/statement.ts';
import type { UsageAggregate } from '../../shared/usage.ts';
import { StatementsJob } from '../statements/statements-job.ts';
import type { StatementBasis, StoredStatement } from '../statements/statement-store.ts';
import { nextCloseAt } from './scheduler.ts';

const at = (iso: string) => Date.parse(iso);

describe('the monthly close schedule', () => {
  it('fires at 02:00 UTC on the 1st, the next one strictly after now', () => {
    expect(new Date(nextCloseAt(at('2026-11-22T10:00:00Z'))).toISOString()).toBe('2026-12-01T02:00:00.000Z');
    expect(new Date(nextCloseAt(at('2026-12-01T01:59:59.999Z'))).toISOString()).toBe('2026-12-01T02:00:00.000Z');
    expect(new Date(nextCloseAt(at('2026-12-01T02:00:00Z'))).toISOString()).toBe('2027-01-01T02:00:00.000Z');
    expect(new Date(nextCloseAt(at('2027-12-31T23:00:00Z'))).toISOString()).toBe('2028-01-01T02:00:00.000Z');
  });
});

/** An in-memory statement store with the job's port, for the catch-up rule only. */
function memoryStore() {
  const stored = new Map<string, { s: StoredStatement; basis: StatementBasis }>();
  return {
    stored,
    get: async (m: string) => stored.get(m)?.s,
    basis: async (m: string) => stored.get(m)?.basis,
    isClosed: async (m: string) => stored.has(m),
    billedCalls: async (m: string) => {
      const b = stored.get(m)?.basis;
      if (!b) return undefined;
      const sum = (aggs: UsageAggregate[]) => aggs.reduce((n, a) => n + a.calls, 0);
      return { regular: sum(b.regular), adjusted: Object.fromEntries(Object.entries(b.adjusted).map(([k, v]) => [k, sum(v)])) };
    },
    closedMonths: async () => [...stored.keys()].sort().reverse(),
    putFinal: async (month: string, json: string, _sha: string, basis: StatementBasis, closedAt: number) => {
      if (stored.has(month)) return 'exists' as const;
      stored.set(month, { s: { statement: JSON.parse(json), json, closedAt }, basis });
      return 'stored' as const;
    },
  };
}

function usage(months: string[], late: Record<string, number> = {}) {
  const agg = (month: string): UsageAggregate => ({
    month, clientId: 'c', featureId: 'f', price: { perCallMicros: 10_000, perGbSecondMicros: 0, currency: 'EUR' }, authors: [{ id: 'd', weight: 1 }],
    calls: 1, billableCalls: 1, errors: 0, timeouts: 0, billedMs: 1, billableMs: 1, billableMbMs: 128, requestBytes: 0, responseBytes: 0,
  });
  const reads: string[] = [];
  const aggsOf = (m: string) => (months.includes(m) ? [{ ...agg(m), calls: 1 + (late[m] ?? 0), billableCalls: 1 + (late[m] ?? 0) }] : []);
  return {
    reads,
    late,
    monthAggregates: async (m: string) => {
      reads.push(m);
      return aggsOf(m);
    },
    hasUsage: async (m: string) => months.includes(m),
    firstUsageMonth: async () => [...months].sort()[0],
    monthCalls: async (m: string) => aggsOf(m).reduce((n, a) => n + a.calls, 0),
  };
}

describe('closing missed months at start', () => {
  it('closes every ended month with usage, oldest first, and only once its grace period is over', async () => {
    const store = memoryStore();
    const clock = { now: at('2026-11-01T01:00:00Z') };
    const job = new StatementsJob({ usage: usage(['2026-08', '2026-09', '2026-10']), store, policy: DEFAULT_POLICY, clock: () => clock.now });
    // 01:00 on the 1st: October is over but still in its grace period.
    expect((await job.closeEndedMonths()).map((r) => r.month)).toEqual(['2026-08', '2026-09']);
    clock.now = at('2026-11-01T02:00:00Z');
    expect((await job.closeEndedMonths()).map((r) => r.month)).toEqual(['2026-10']);
    expect(await job.closeEndedMonths()).toEqual([]);
    // Each final statement carries the previous month's balances.
    expect(store.stored.get('2026-10')?.s.statement.developers[0]?.carriedInMicros).toBe(14_000);
  });

  it('refuses to close a month while the month before it, which had usage, is open', async () => {
    const job = new StatementsJob({ usage: usage(['2026-08', '2026-09']), store: memoryStore(), policy: DEFAULT_POLICY, clock: () => at('2026-11-05T00:00:00Z') });
    await expect(job.close('2026-09')).rejects.toThrow(/close 2026-08 first/);
  });

  it('refuses to close a month before the first usage (a final statement is for ever), and any month before there is usage', async () => {
    const store = memoryStore();
    const job = new StatementsJob({ usage: usage(['2026-08']), store, policy: DEFAULT_POLICY, clock: () => at('2026-11-05T00:00:00Z') });
    await expect(job.close('2026-07')).rejects.toMatchObject({ code: 'before_first_usage', kind: 'conflict' });
    await expect(job.close('1999-01')).rejects.toThrow(/before this installation's first usage \(2026-08\)/);
    expect(store.stored.size).toBe(0);
    // An empty month after the first usage closes (its balances carry on).
    await job.close('2026-08');
    expect((await job.close('2026-09')).outcome).toBe('closed');
    const none = new StatementsJob({ usage: usage([]), store: memoryStore(), policy: DEFAULT_POLICY, clock: () => at('2026-11-05T00:00:00Z') });
    await expect(none.close('2026-10')).rejects.toThrow(/no usage yet/);
  });
});

describe('late usage in the months before', () => {
  it('does not re-read a closed month whose call count still equals what was billed, and finds late calls when it does not', async () => {
    const store = memoryStore();
    const u = usage(['2026-07', '2026-08', '2026-09', '2026-10']);
    const job = new StatementsJob({ usage: u, store, policy: DEFAULT_POLICY, clock: () => at('2026-11-02T00:00:00Z') });
    await job.closeEndedMonths();
    expect([...store.stored.keys()]).toEqual(['2026-07', '2026-08', '2026-09', '2026-10']);
    // Each close read its own month only: no month before it had anything late.
    expect(u.reads).toEqual(['2026-07', '2026-08', '2026-09', '2026-10']);

    u.reads.length = 0;
    u.late['2026-09'] = 2; // two calls of September reached the store after its close
    const november = await job.preview('2026-11');
    expect(u.reads.sort()).toEqual(['2026-09', '2026-11']);
    expect(november.adjustments).toEqual([expect.objectContaining({ originalMonth: '2026-09', calls: 2, amountMicros: 20_000 })]);
  });
});
