/**
 * Per-day feature and client stats in the usage store, against both the in-memory twin and the
 * real DynamoUsageLog on an embedded dynalite: exactly once per (writer, seq) like the monthly
 * aggregates, range reads, and no effect on the aggregates' own reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageRecord } from '../../test/helpers/usage-record.ts';
import { clientDays, dayOf, featureDays, type ClientDay, type FeatureDay } from '../../shared/day-stats.ts';
import { histogramOf, LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKETS } from '../../shared/latency.ts';
import { monthOf } from '../../shared/month.ts';
import type { UnitPrice } from '../../shared/price.ts';
import {
  aggregateKey,
  aggregateRecords,
  cmp,
  lineKey,
  RejectionTally,
  SEQS_PER_EPOCH,
  type Outcome,
  type RejectionCount,
  type UsageAggregate,
  type UsageBatch,
  type UsageRecord,
} from '../../shared/usage.ts';
import { startDynalite, type RunningDynalite } from '../local/dynalite-server.ts';
import { storeCredential } from '../local/store-credential.ts';
import { queryAll, scanAll } from '../store/paging.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { tableNames, type TableNames } from '../store/tables.ts';
import { silentLogger } from '../logger.ts';
import { DynamoUsageLog } from './dynamo-usage-log.ts';
import { LOCAL_WRITER, Meter } from './meter.ts';
import { FileSpool } from './spool.ts';
import { MemoryUsageLog } from './memory-usage-log.ts';
import type { UsageLog, UsageReader } from './usage-log.ts';

// ---- fixtures ---------------------------------------------------------------------------------

const PRICE: UnitPrice = { perCallMicros: 2_000, perGbSecondMicros: 16, currency: 'EUR' };
const CHEAP: UnitPrice = { perCallMicros: 500, perGbSecondMicros: 0, currency: 'EUR' };
const at = (iso: string): number => Date.parse(iso);
const MAR30 = at('2025-03-30T09:00:00Z');
const MAR31 = at('2025-03-31T23:59:59.999Z');
const APR01 = at('2025-04-01T00:00:00Z');
const APR02 = at('2025-04-02T18:30:00Z');
/** One duration in every latency bucket, the open-ended one included. */
const DURATIONS = LATENCY_BUCKET_BOUNDS_MS.map((b, i) => (b === Infinity ? 1_000_000 : i % 2 ? b : b - 0.25));

function rec(over: Partial<UsageRecord> = {}): UsageRecord {
  return usageRecord({ startedAt: MAR31, price: PRICE, ...over });
}

/** Records over clients, features, prices, days on both sides of a month end, outcomes, buckets. */
function varied(n: number, offset = 0): UsageRecord[] {
  const outcomes: [Outcome, number][] = [
    ['ok', 200],
    ['ok', 404],
    ['feature_error', 502],
    ['timeout', 504],
    ['ok', 302],
  ];
  const days = [MAR30, MAR31, APR01, APR02];
  return Array.from({ length: n }, (_, j) => {
    const i = j + offset;
    const [outcome, status] = outcomes[i % outcomes.length] as [Outcome, number];
    return rec({
      clientId: i % 3 === 0 ? 'c_acme' : 'c_globex',
      featureId: i % 2 === 0 ? 'echo' : 'vat-check',
      price: i % 7 === 0 ? CHEAP : PRICE,
      startedAt: (days[i % days.length] as number) + (i % 13) * 1_000,
      outcome,
      status,
      durationMs: DURATIONS[i % DURATIONS.length] as number,
    });
  });
}

function batch(writerId: string, seq: number, records: UsageRecord[], rejections: RejectionCount[] = []): UsageBatch {
  return { writerId, seq, records, rejections };
}

function byDay<T extends { day: string; featureId: string }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => cmp(a.day, b.day) || cmp(a.featureId, b.featureId));
}

/** What the per-day reads must return for these records (each counted once). */
async function expectDaysOf(log: UsageReader, records: UsageRecord[]): Promise<void> {
  const features = [...new Set(records.map((r) => r.featureId))];
  const fds = [...featureDays(records).values()];
  for (const f of features) {
    expect(await log.featureDays(f, '2025-01-01', '2025-12-31')).toEqual(byDay(fds.filter((d) => d.featureId === f)));
  }
  const cds = [...clientDays(records).values()];
  for (const c of new Set(records.map((r) => r.clientId))) {
    for (const m of ['2025-03', '2025-04']) {
      expect(await log.clientDays(c, m)).toEqual(byDay(cds.filter((d) => d.clientId === c && d.day.startsWith(`${m}-`))));
    }
  }
}

const sortAggs = (xs: UsageAggregate[]): UsageAggregate[] => [...xs].sort((a, b) => cmp(aggregateKey(a), aggregateKey(b)));

// ---- backends ---------------------------------------------------------------------------------

type Log = UsageLog & UsageReader;

let dir: string;
let store: RunningDynalite;
let client: DynamoDBClient;
let db: DynamoDBDocumentClient;
let prefixes = 0;
const dynamoTables = new Map<Log, TableNames>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-daystats-'));
  const credential = storeCredential(dir);
  store = await startDynalite(join(dir, 'store'), { credential });
  client = localDynamoClient({ endpoint: `http://127.0.0.1:${store.port}`, credential });
  db = documentClient(client);
});

afterAll(async () => {
  client?.destroy();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const backends: { name: string; make: () => Promise<Log> }[] = [
  { name: 'MemoryUsageLog', make: async () => new MemoryUsageLog() },
  {
    name: 'DynamoUsageLog (dynalite)',
    make: async () => {
      // a fresh set of tables per log: tests never see each other's items
      const tables = tableNames(`faascape-ds${++prefixes}-`);
      await ensureTables(client, tables);
      const log = new DynamoUsageLog(db, tables);
      dynamoTables.set(log, tables);
      return log;
    },
  },
];

describe.each(backends)('per-day stats in $name', ({ make }) => {
  it('keeps every latency bucket, the open-ended one included', async () => {
    const log = await make();
    const recs = DURATIONS.map((durationMs) => rec({ durationMs }));
    await log.apply([batch('w1', 1, recs)]);
    const [day] = await log.featureDays('echo', '2025-03-31', '2025-03-31');
    expect(day?.latency).toEqual(new Array(LATENCY_BUCKETS).fill(1));
    expect(day?.latency).toEqual(histogramOf(DURATIONS));
    await expectDaysOf(log, recs);
  });

  it('applying the same batch twice counts it once', async () => {
    const log = await make();
    const b1 = batch('w1', 1, varied(30));
    const b2 = batch('w1', 2, varied(20, 30));
    const b3 = batch('w1', 3, varied(10, 50));
    await log.apply([b1]);
    await log.apply([b1]);
    await expectDaysOf(log, b1.records);
    // a unit of two batches (retried as that same unit, never regrouped), then replays of its
    // tail, its head and the whole unit
    await log.apply([b2, b3]);
    await log.apply([b3]);
    await log.apply([b2]);
    await log.apply([b2, b3]);
    await log.apply([b1]);
    await expectDaysOf(log, [b1, b2, b3].flatMap((b) => b.records));
  });

  it('counts two writers interleaved, each batch once', async () => {
    const log = await make();
    const a = [batch('wa', 1, varied(11)), batch('wa', 2, varied(7, 11)), batch('wa', 3, varied(5, 18))];
    const b = [batch('wb', 1, varied(9, 23)), batch('wb', 2, varied(13, 32))];
    await log.apply([a[0] as UsageBatch]);
    await log.apply([b[0] as UsageBatch]);
    await log.apply([a[1] as UsageBatch]);
    await log.apply([a[0] as UsageBatch]); // stale replay of a
    await Promise.all([log.apply([b[1] as UsageBatch]), log.apply([a[2] as UsageBatch])]);
    await log.apply([b[0] as UsageBatch, b[1] as UsageBatch]); // replay of b as one unit
    await expectDaysOf(log, [...a, ...b].flatMap((x) => x.records));
  });

  it('featureDays returns only the days in the (inclusive) range, oldest first', async () => {
    const log = await make();
    const recs = [MAR30, MAR31, MAR31, APR01, APR02].map((startedAt) => rec({ startedAt }));
    recs.push(rec({ featureId: 'vat-check', startedAt: MAR31 }), rec({ featureId: 'echo-x', startedAt: APR01 }));
    await log.apply([batch('w1', 1, recs)]);
    const range = await log.featureDays('echo', '2025-03-31', '2025-04-01');
    expect(range.map((d) => [d.featureId, d.day, d.calls])).toEqual([
      ['echo', '2025-03-31', 2],
      ['echo', '2025-04-01', 1],
    ]);
    expect((await log.featureDays('echo', '2025-04-02', '2025-04-02')).map((d) => d.day)).toEqual(['2025-04-02']);
    expect((await log.featureDays('echo', '2025-01-01', '2025-12-31')).map((d) => d.day)).toEqual(['2025-03-30', '2025-03-31', '2025-04-01', '2025-04-02']);
    expect(await log.featureDays('echo', '2025-04-03', '2025-05-01')).toEqual([]);
    expect(await log.featureDays('echo', '2025-04-01', '2025-03-31')).toEqual([]); // from after to
    expect(await log.featureDays('nope', '2025-01-01', '2025-12-31')).toEqual([]);
    await expect(log.featureDays('echo', '2025-02-30', '2025-03-31')).rejects.toThrow(RangeError);
    await expect(log.featureDays('echo', '2025-03-01', '2025-03')).rejects.toThrow(RangeError);
  });

  it('clientDays returns only the month asked, by day then feature', async () => {
    const log = await make();
    const recs = [
      rec({ featureId: 'vat-check', startedAt: MAR31 }),
      rec({ featureId: 'echo', startedAt: MAR31, status: 404 }),
      rec({ featureId: 'echo', startedAt: MAR30 }),
      rec({ featureId: 'echo', startedAt: APR01 }),
      rec({ clientId: 'c_globex', startedAt: MAR31 }),
      rec({ startedAt: at('2025-02-28T12:00:00Z') }),
    ];
    await log.apply([batch('w1', 1, recs)]);
    const day = (d: string, featureId: string, calls: number, billableCalls: number): ClientDay => ({ clientId: 'c_acme', day: d, featureId, calls, billableCalls });
    expect(await log.clientDays('c_acme', '2025-03')).toEqual([day('2025-03-30', 'echo', 1, 1), day('2025-03-31', 'echo', 1, 0), day('2025-03-31', 'vat-check', 1, 1)]);
    expect(await log.clientDays('c_acme', '2025-04')).toEqual([day('2025-04-01', 'echo', 1, 1)]);
    expect(await log.clientDays('c_acme', '2025-05')).toEqual([]);
    expect(await log.clientDays('c_globex', '2025-03')).toEqual([{ clientId: 'c_globex', day: '2025-03-31', featureId: 'echo', calls: 1, billableCalls: 1 }]);
    await expect(log.clientDays('c_acme', '2025-3')).rejects.toThrow(RangeError);
  });

  it('leaves monthAggregates, clientAggregates, rejections, monthCalls and hasUsage as they were', async () => {
    const log = await make();
    const recs = varied(40);
    const tally = new RejectionTally();
    tally.add({ clientId: 'c_acme', month: '2025-03', code: '401', count: 3 });
    tally.add({ clientId: '-', month: '2025-04', code: '404', count: 1 });
    await log.apply([batch('w1', 1, recs, tally.take())]);
    const aggs = [...aggregateRecords(recs).values()];
    for (const month of ['2025-03', '2025-04']) {
      const inMonth = aggs.filter((a) => a.month === month);
      expect(sortAggs(await log.monthAggregates(month))).toEqual(sortAggs(inMonth));
      expect(await log.monthCalls(month)).toBe(recs.filter((r) => monthOf(r.startedAt) === month).length);
      expect(await log.hasUsage(month)).toBe(true);
      for (const c of ['c_acme', 'c_globex']) {
        expect(sortAggs(await log.clientAggregates(c, month))).toEqual(sortAggs(inMonth.filter((a) => a.clientId === c)));
      }
    }
    expect(await log.rejections('2025-03')).toEqual([{ clientId: 'c_acme', code: '401', count: 3 }]);
    expect(await log.rejections('2025-04')).toEqual([{ clientId: '-', code: '404', count: 1 }]);
    expect(await log.hasUsage('2025-05')).toBe(false);
    expect(await log.monthAggregates('2025-05')).toEqual([]);
    expect(await log.rejections('2025-05')).toEqual([]);
    await expectDaysOf(log, recs);
  });

  it('equals the pure folds for any split into writers, batches and replays', async () => {
    const recordArb = fc
      .record({
        clientId: fc.constantFrom('c_acme', 'c_globex'),
        featureId: fc.constantFrom('echo', 'vat-check'),
        startedAt: fc.constantFrom(MAR30, MAR31, APR01, APR02),
        outcome: fc.constantFrom<Outcome>('ok', 'feature_error', 'timeout'),
        durationMs: fc.constantFrom(...DURATIONS),
      })
      .map((r) => rec(r));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('wa', 'wb'), fc.array(recordArb, { minLength: 1, maxLength: 6 })), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (parts, replays) => {
          const log = await make();
          const seqs = new Map<string, number>();
          const batches = parts.map(([w, records]) => {
            const seq = (seqs.get(w) ?? 0) + 1;
            seqs.set(w, seq);
            return batch(w, seq, records);
          });
          for (const b of batches) await log.apply([b]);
          for (const i of replays) await log.apply([batches[i % batches.length] as UsageBatch]);
          await expectDaysOf(log, batches.flatMap((b) => b.records));
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('DynamoUsageLog day items', () => {
  it('use the documented keys, keep no month (byMonth stays usage lines only) and count per writer', async () => {
    const log = (await backends[1]?.make()) as DynamoUsageLog;
    const tables = dynamoTables.get(log) as TableNames;
    await log.apply([batch('w1', 1, [rec({ durationMs: 3 }), rec({ durationMs: 1_000_000, outcome: 'timeout' })])]);
    const get = async (pk: string, sk: string) => (await db.send(new GetCommand({ TableName: tables.usage, Key: { pk, sk } }))).Item;
    expect(await get('F#echo', 'D#2025-03-31')).toMatchObject({ featureId: 'echo', day: '2025-03-31', calls: 2, okCalls: 1, errors: 0, timeouts: 1, h2: 1, [`h${LATENCY_BUCKETS - 1}`]: 1, w_w1: 1 });
    expect(await get('c_acme', 'D#2025-03-31#echo')).toMatchObject({ clientId: 'c_acme', featureId: 'echo', day: '2025-03-31', calls: 2, billableCalls: 1, w_w1: 1 });
    const items = await scanAll(db, { TableName: tables.usage });
    const dayItems = items.filter((i) => String(i.sk).startsWith('D#'));
    expect(dayItems).toHaveLength(2);
    for (const i of dayItems) {
      expect(i).not.toHaveProperty('month');
      expect(i).not.toHaveProperty('rejectedMonth');
    }
  });
});

describe('DynamoUsageLog byMonth index (keys only, decision 16)', () => {
  it("holds each usage line's keys, none of its counters, and monthAggregates reads the lines whole, in the index's order", async () => {
    const log = (await backends[1]?.make()) as DynamoUsageLog;
    const tables = dynamoTables.get(log) as TableNames;
    const recs = varied(40);
    await log.apply([batch('w1', 1, recs)]);
    await log.apply([batch('w1', 2, varied(9, 40))]);
    const index = await queryAll(db, { TableName: tables.usage, IndexName: 'byMonth', KeyConditionExpression: '#m = :m', ExpressionAttributeNames: { '#m': 'month' }, ExpressionAttributeValues: { ':m': '2025-03' } });
    expect(index.length).toBeGreaterThan(2);
    for (const entry of index) expect(Object.keys(entry).sort()).toEqual(['line', 'month', 'pk', 'sk']);
    const lines = await log.monthAggregates('2025-03');
    expect(sortAggs(lines)).toEqual(sortAggs([...aggregateRecords([...recs, ...varied(9, 40)]).values()].filter((a) => a.month === '2025-03')));
    // The order the index gave when it held the lines whole: by line.
    expect(lines.map((a) => lineKey(a))).toEqual(index.map((e) => String(e.line)));
  });
});

describe('MemoryUsageLog day items under partial apply faults', () => {
  it('updates day items after aggregates and rejections, and a replay completes them once', async () => {
    const log = new MemoryUsageLog();
    const recs = varied(24);
    const rejections = [{ clientId: 'c_acme', month: '2025-03', code: '429', count: 2 }];
    const b = batch('w1', 1, recs, rejections);
    const before = aggregateRecords(recs).size + rejections.length;
    log.failApplyPartially(before);
    await expect(log.apply([b])).rejects.toThrow();
    expect(log.featureDayStats().size).toBe(0);
    expect(log.clientDayStats().size).toBe(0);
    log.failApplyPartially(before + 1);
    await expect(log.apply([b])).rejects.toThrow();
    expect(log.featureDayStats().size).toBe(1);
    expect(log.clientDayStats().size).toBe(0);
    await log.apply([b]);
    await log.apply([b]);
    expect(log.featureDayStats()).toEqual(new Map([...featureDays(recs)].sort(([x], [y]) => cmp(x, y))));
    expect(log.clientDayStats()).toEqual(new Map([...clientDays(recs)].sort(([x], [y]) => cmp(x, y))));
    await expectDaysOf(log, recs);
  });

  it('reads fail while the store is down', async () => {
    const log = new MemoryUsageLog();
    log.down = true;
    await expect(log.featureDays('echo', '2025-03-01', '2025-03-31')).rejects.toThrow('down');
    await expect(log.clientDays('c_acme', '2025-03')).rejects.toThrow('down');
  });
});

// Keep the fixture's day layout honest: MAR31 is the last instant of March, APR01 the first of April.
it('fixtures straddle the month end', () => {
  expect([dayOf(MAR31), dayOf(APR01)]).toEqual(['2025-03-31', '2025-04-01']);
  const fd: FeatureDay | undefined = featureDays([rec()]).get('echo#2025-03-31');
  expect(fd?.calls).toBe(1);
});

describe('the local meter across restarts: one writer, a new epoch each start', () => {
  it("takes every start's batches and keeps one applied-through mark on each aggregate, however often it restarts", async () => {
    const tables = tableNames(`faascape-ds${++prefixes}-`);
    await ensureTables(client, tables);
    const log = new DynamoUsageLog(db, tables);
    for (let start = 0; start < 3; start++) {
      // What runtime/local/platform.ts does at each start: the next epoch, then seqs above it.
      const epoch = await log.nextEpoch(LOCAL_WRITER);
      const meter = new Meter(log, new FileSpool(join(dir, `spool-${prefixes}-${start}`)), { logger: silentLogger, writerId: LOCAL_WRITER, firstSeq: epoch * SEQS_PER_EPOCH });
      await meter.record(usageRecord());
      await meter.close();
    }
    // Each start's first batch has the same per-start number: without epochs the later ones would be refused.
    const [line] = await log.clientAggregates('c_acme', '2025-03');
    expect(line?.calls).toBe(3);
    const items = await scanAll(db, { TableName: tables.usage });
    for (const item of items) expect(Object.keys(item).filter((k) => k.startsWith('w_'))).toEqual([`w_${LOCAL_WRITER}`]);
  });
});
