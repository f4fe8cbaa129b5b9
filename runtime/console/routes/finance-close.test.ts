import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { monthStart, nextMonth } from '../../../shared/month.ts';
import type { ConsoleDeps } from '../deps.ts';
import { financeRoutes } from './finance.ts';

const MONTH = '2026-11';
const monthEnd = monthStart(nextMonth(MONTH));

/** The close route with only what it touches; `close` throws a marker so the test sees it was reached. */
function closeRoute(aggregatedThrough: number | undefined) {
  const reached: string[] = [];
  const deps = {
    statementStore: { get: async () => undefined },
    statements: {
      preview: async () => ({ totals: { revenueMicros: 5 } }),
      close: async (month: string) => {
        reached.push(month);
        throw new Error('close reached');
      },
    },
    ...(aggregatedThrough === undefined ? {} : { usageAggregatedThrough: async () => aggregatedThrough }),
  } as unknown as ConsoleDeps;
  const route = financeRoutes(deps).find((r) => r.method === 'POST' && r.path.test(`/finance/months/${MONTH}/close`));
  if (!route) throw new Error('no close route');
  const handle = () =>
    route.handle({ event: { body: JSON.stringify({ confirmRevenueMicros: 5 }), isBase64Encoded: false } as APIGatewayProxyEventV2, params: [MONTH], now: monthEnd + 3_600_000 });
  return { handle, reached };
}

describe('finance closes a month (AWS: the aggregates trail calls by minutes)', () => {
  it('refuses with 409 while the aggregates have not passed the month end + a minute, and closes once they have', async () => {
    const trailing = closeRoute(monthEnd + 30_000);
    await expect(trailing.handle()).rejects.toMatchObject({ status: 409, code: 'conflict' });
    expect(trailing.reached).toEqual([]);

    const caughtUp = closeRoute(monthEnd + 60_000);
    await expect(caughtUp.handle()).rejects.toThrow('close reached');
    expect(caughtUp.reached).toEqual([MONTH]);
  });

  it('does not wait locally, where the meter applies before it answers (no aggregator)', async () => {
    const local = closeRoute(undefined);
    await expect(local.handle()).rejects.toThrow('close reached');
  });
});
