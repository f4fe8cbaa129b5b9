/**
 * The embedded store's ceiling (issue #18): how many distinct-item writes per second can the
 * store take at all on this machine? Interleaved traffic makes nearly every record a usage line of
 * its own, so the applier writes at least one item per record; this bench measures the store
 * alone, with no gateway, meter or features around it, so that the aggregation target (10,000
 * records/s) can be held against what the store can do.
 *
 *   npx tsx bench/store-ceiling.ts                                  # 3 rounds, 5 s (+1 s warm-up) per cell, 1,8,32,64 in flight
 *   npx tsx bench/store-ceiling.ts --rounds 1 --duration 2 --concurrency 8,64   # a quick look
 *
 * The store runs exactly as the platform runs it: `StoreProcess` (dynalite over LevelDB in its own
 * child process, loopback, SigV4-checked), the tables made by `ensureTables`, and the AWS SDK v3
 * DocumentClient from `localDynamoClient` + `documentClient`. Per cell (test × concurrency level):
 *
 * - `update-distinct`: one conditional UpdateItem per request on a new usage line each time. The
 *   command is built by the platform's applier itself (`DynamoUsageLog.applyUpdates`, captured
 *   before it is sent): SET of the line's identity and the `w_local` mark, ADD of its counters,
 *   `attribute_not_exists(#w) OR #w < :seq`. A new line also enters the byMonth index.
 * - `update-same`: the same on `--hot-items` lines (10) over and over, for contrast. Requests to
 *   one item can overtake each other; those the condition refuses are counted (`refused`).
 * - `batch-put`: BatchWriteItem of 25 new usage-line items per request (figures per item).
 * - `get`: GetItem of lines seeded before the first round, at random (reads/s).
 *
 * Each cell runs `--warmup` s, then is measured for `--duration` s: requests completed in the
 * window, CPU of this process (process.cpuUsage: the SDK, SigV4, JSON) and of the store process
 * (/proc), both per item, per-request p50/p99, and the CPU other processes took meanwhile (the
 * machine is shared). Odd rounds run the cells in reverse order. Each figure of the table is the
 * median over rounds. Then the ceiling this implies for aggregation: records/s ≤ items/s ÷ writes
 * per record, and ≤ one core ÷ (store CPU per item × writes per record).
 * Results: stdout (progress on stderr) and bench/results/store-ceiling-<ISO date>.json.
 */
import { BatchWriteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isDeepStrictEqual } from 'node:util';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { StoreProcess } from '../runtime/local/embedded-store.ts';
import { DynamoUsageLog } from '../runtime/meter/dynamo-usage-log.ts';
import { LOCAL_WRITER } from '../runtime/meter/meter.ts';
import { isConditionFailure } from '../runtime/store/conditional.ts';
import { documentClient, localDynamoClient } from '../runtime/store/dynamo-client.ts';
import { ensureTables } from '../runtime/store/ensure-tables.ts';
import { runLimited } from '../runtime/store/run-limited.ts';
import { LOCAL_TABLE_PREFIX, tableNames, type TableNames } from '../runtime/store/tables.ts';
import { monthOf } from '../shared/month.ts';
import { mulberry32 } from '../shared/prng.ts';
import { planAggregateUpdates, usageSk, type ItemUpdate } from '../shared/usage-plan.ts';
import { COUNTER_NAMES, lineKey, type AuthorShare, type UsageRecord } from '../shared/usage.ts';
import type { UnitPrice } from '../shared/price.ts';
import { benchArgs } from './lib/args.ts';
import { benchExit } from './lib/exit.ts';
import { median, out, progress } from './lib/report.ts';
import { findChildPid, machineCpu, otherCpuSince, processCpuMs, snapshotCpu } from './lib/proc.ts';

const USAGE = `usage: npx tsx bench/store-ceiling.ts [options]
  --rounds N          rounds, odd ones in reverse order (default 3)
  --duration S        measured seconds per cell (default 5)
  --warmup S          seconds per cell before the measurement (default 1)
  --concurrency LIST  requests in flight, comma-separated (default 1,8,32,64)
  --hot-items N       items of update-same (default 10)
  --seed-items N      lines written before the first round, read by get (default 10000)
  --results-dir DIR   where the JSON goes (default bench/results)
  --help`;

const { args, num } = benchArgs(USAGE, ['rounds', 'duration', 'warmup', 'concurrency', 'hot-items', 'seed-items', 'results-dir']);
const ROUNDS = Math.floor(num('rounds', args.rounds, 3, 1));
const DURATION_S = num('duration', args.duration, 5, 0.5);
const WARMUP_S = num('warmup', args.warmup, 1, 0);
const LEVELS = args.concurrency === undefined ? [1, 8, 32, 64] : args.concurrency.split(',').map((t) => Math.floor(num('concurrency', t.trim(), 1, 1)));
const HOT_ITEMS = Math.floor(num('hot-items', args['hot-items'], 10, 1));
const SEED_ITEMS = Math.floor(num('seed-items', args['seed-items'], 10_000, 1));
const REPO = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.resolve(args['results-dir'] ?? path.join(REPO, 'bench', 'results'));
const COMMAND = ['npx tsx bench/store-ceiling.ts', ...process.argv.slice(2)].join(' ');
const TARGET_RECORDS_PER_S = 10_000;
const BATCH = 25;

const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// ---- usage lines, shaped as the platform's applier writes them ----------------------------------

const MONTH = monthOf(Date.now());
const PRICE: UnitPrice = { perCallMicros: 100, perGbSecondMicros: 0, currency: 'EUR' };
const AUTHORS: AuthorShare[] = [{ id: 'bench-dev-01', weight: 1 }];
/** One call's counters, as a record of the aggregation bench's echo feature adds them. */
const RECORD_TEMPLATE: Omit<UsageRecord, 'invocationId' | 'clientId' | 'featureId'> = {
  keyId: 'k-bench',
  featureVersion: '1.0.0',
  startedAt: Date.now(),
  durationMs: 2.4,
  billedMs: 3,
  memoryMb: 128,
  requestBytes: 0,
  responseBytes: 42,
  status: 200,
  outcome: 'ok',
  price: PRICE,
  authors: AUTHORS,
  billable: true,
};

/** Item n's line: clients `c0000`…`c0999`, then a new feature every 1,000 (every n is a line of its own). */
function lineOf(n: number): { clientId: string; featureId: string } {
  return { clientId: `c${String(n % 1000).padStart(4, '0')}`, featureId: `f-${String(Math.floor(n / 1000)).padStart(5, '0')}` };
}

/** The usage line's ItemUpdate for one call, without planAggregateUpdates' day items. */
function lineUpdate(n: number): ItemUpdate {
  const { clientId, featureId } = lineOf(n);
  const line = { month: MONTH, clientId, featureId, price: PRICE, authors: AUTHORS };
  const add: Record<string, number> = {};
  for (const c of COUNTER_NAMES) add[c] = COUNTERS[c];
  return { pk: clientId, sk: usageSk(line), set: { month: MONTH, line: lineKey(line), clientId, featureId, price: PRICE, authors: AUTHORS }, add };
}

/** The usage line of one record, planned by the platform (shared/usage-plan.ts). */
function plannedLine(n: number): ItemUpdate {
  const plan = planAggregateUpdates([{ ...RECORD_TEMPLATE, invocationId: `i-${n}`, ...lineOf(n) }], []);
  const lines = plan.filter((u) => u.sk.startsWith('U#'));
  if (lines.length !== 1) throw new Error(`expected one usage line in the plan of one record, got ${lines.length}`);
  return lines[0] as ItemUpdate;
}
const COUNTERS = (() => {
  const add = plannedLine(0).add;
  return Object.fromEntries(COUNTER_NAMES.map((c) => [c, Number(add[c] ?? 0)])) as Record<(typeof COUNTER_NAMES)[number], number>;
})();

/** The item a usage line is after its first update: what batch-put writes. */
function lineItem(n: number, seq: number): Record<string, unknown> {
  const u = lineUpdate(n);
  return { pk: u.pk, sk: u.sk, [`w_${LOCAL_WRITER}`]: seq, ...u.set, ...u.add };
}

/**
 * The UpdateCommand the platform's applier sends for `u` (DynamoUsageLog.addOnce, through its
 * public applyUpdates), captured by a DocumentClient stand-in that answers without sending.
 */
function applierCommand(tables: TableNames): (seq: number, u: ItemUpdate) => UpdateCommand {
  let captured: UpdateCommand | undefined;
  const spy = {
    send: (cmd: unknown) => {
      captured = cmd as UpdateCommand;
      return Promise.resolve({});
    },
  } as unknown as DynamoDBDocumentClient;
  const log = new DynamoUsageLog(spy, tables);
  return (seq, u) => {
    captured = undefined;
    // addOnce reaches send synchronously (runLimited's workers start at once); the promise only
    // settles the stand-in's answer.
    void log.applyUpdates({ writerId: LOCAL_WRITER, seq }, [u]);
    const cmd = captured as UpdateCommand | undefined;
    if (!(cmd instanceof UpdateCommand)) throw new Error('DynamoUsageLog.applyUpdates no longer sends one UpdateCommand synchronously: the bench cannot capture it');
    return cmd;
  };
}

// ---- the measurement ----------------------------------------------------------------------------

type TestName = 'update-distinct' | 'update-same' | 'batch-put' | 'get';
const TESTS: TestName[] = ['update-distinct', 'update-same', 'batch-put', 'get'];
const ITEMS_PER_REQUEST: Record<TestName, number> = { 'update-distinct': 1, 'update-same': 1, 'batch-put': BATCH, get: 1 };

interface Cell {
  test: TestName;
  concurrency: number;
  round: number;
  /** the window actually measured, ms */
  windowMs: number;
  requests: number;
  items: number;
  itemsPerS: number;
  requestsPerS: number;
  /** conditional updates the store refused (update-same: requests to one item overtaking each other) */
  refused: number;
  errors: number;
  firstError?: string;
  clientCpuMs: number;
  storeCpuMs: number;
  clientCpuUsPerItem: number;
  storeCpuUsPerItem: number;
  /** CPU time over wall time, % of one core */
  clientCpuPct: number;
  storeCpuPct: number;
  /** CPU of every other process on the machine during the window, % of one core */
  otherCpuPct: number;
  /** the machine's busy share over all cores during the window, % */
  machineBusyPct: number;
  p50Ms: number;
  p99Ms: number;
  loadAverage1m: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const tempDirs: string[] = [];
let store: StoreProcess | undefined;
const exit = benchExit(async () => {
  const s = store;
  store = undefined;
  await s?.close().catch((e: unknown) => process.stderr.write(`store stop failed: ${String(e)}\n`));
}, tempDirs);

async function main(): Promise<number> {
  const started = new Date();
  const loadAvgAtStart = os.loadavg();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faascape-bench-ceiling-'));
  tempDirs.push(dataDir);
  progress(`starting the embedded store in ${dataDir}; load average ${load()} on ${os.cpus().length} cores`);
  store = new StoreProcess(dataDir);
  await store.start();
  const storePid = findChildPid(process.pid, 'store-process');
  if (!storePid) throw new Error('could not find the store process in /proc: its CPU per operation is the point of this bench');
  const dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
  const db = documentClient(dynamo);
  const tables = tableNames(LOCAL_TABLE_PREFIX);
  await ensureTables(dynamo, tables);
  progress(`store pid ${storePid} on ${store.endpoint}`);

  // The bench's usage line is the platform's: same key, identity and counters as planned from a record.
  for (const n of [0, 1, 12_345]) {
    if (!isDeepStrictEqual(lineUpdate(n), plannedLine(n))) throw new Error(`the bench's usage line ${n} differs from planAggregateUpdates': ${JSON.stringify(lineUpdate(n))} vs ${JSON.stringify(plannedLine(n))}`);
  }
  const command = applierCommand(tables);
  const sample = command(1, lineUpdate(0)).input;
  progress(`applier's command: ${sample.UpdateExpression} IF ${sample.ConditionExpression}`);

  let nextItem = 0; // every distinct line ever written: update-distinct and batch-put never reuse one
  let nextSeq = 1; // the applier's seqs only grow
  const hot = Array.from({ length: HOT_ITEMS }, () => nextItem++);

  // Lines for get to read, written before any round (also the only writes while nothing is timed).
  const seeded = Array.from({ length: SEED_ITEMS }, () => nextItem++);
  progress(`seeding ${f(SEED_ITEMS)} lines for get`);
  const ts = performance.now();
  const chunks: number[][] = [];
  for (let i = 0; i < seeded.length; i += BATCH) chunks.push(seeded.slice(i, i + BATCH));
  await runLimited(
    chunks.map((c) => () => batchPut(db, tables, c.map((n) => lineItem(n, nextSeq++)))),
    8,
  );
  progress(`seeded in ${f(performance.now() - ts)} ms`);
  const rand = mulberry32(18);

  const ops: Record<TestName, () => Promise<'ok' | 'refused'>> = {
    'update-distinct': () => sendUpdate(db, command(nextSeq++, lineUpdate(nextItem++))),
    'update-same': () => sendUpdate(db, command(nextSeq++, lineUpdate(hot[Math.floor(rand() * hot.length)] as number))),
    'batch-put': async () => {
      const items: Record<string, unknown>[] = [];
      for (let i = 0; i < BATCH; i++) items.push(lineItem(nextItem++, nextSeq++));
      await batchPut(db, tables, items);
      return 'ok';
    },
    get: async () => {
      const u = lineUpdate(seeded[Math.floor(rand() * seeded.length)] as number);
      const res = await db.send(new GetCommand({ TableName: tables.usage, Key: { pk: u.pk, sk: u.sk } }));
      if (!res.Item) throw new Error(`seeded line ${u.pk} ${u.sk} not found`);
      return 'ok';
    },
  };

  async function measure(test: TestName, concurrency: number, round: number): Promise<Cell> {
    const op = ops[test];
    let windowStart = Number.POSITIVE_INFINITY;
    let windowEnd = Number.POSITIVE_INFINITY;
    let stop = false;
    const latencies: number[] = [];
    let requests = 0;
    let refused = 0;
    let errors = 0;
    let firstError: string | undefined;
    const worker = async () => {
      while (!stop) {
        const t = performance.now();
        let outcome: 'ok' | 'refused' | 'error';
        try {
          outcome = await op();
        } catch (e) {
          outcome = 'error';
          firstError ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        }
        const done = performance.now();
        if (done < windowStart || done > windowEnd) continue;
        if (outcome === 'error') errors++;
        else {
          requests++;
          if (outcome === 'refused') refused++;
          latencies.push(done - t);
        }
      }
    };
    let others = new Map<number, number>();
    let m0 = machineCpu();
    let c0 = process.cpuUsage();
    let s0 = processCpuMs(storePid as number);
    let m1 = m0;
    let c1 = c0;
    let s1 = s0;
    let otherMs = 0;
    const windowDone = new Promise<void>((resolve) => {
      setTimeout(() => {
        others = snapshotCpu();
        m0 = machineCpu();
        s0 = processCpuMs(storePid as number);
        c0 = process.cpuUsage();
        windowStart = performance.now();
        setTimeout(() => {
          windowEnd = performance.now();
          c1 = process.cpuUsage();
          s1 = processCpuMs(storePid as number);
          m1 = machineCpu();
          stop = true;
          otherMs = otherCpuSince(others, [process.pid, storePid]);
          resolve();
        }, DURATION_S * 1000);
      }, WARMUP_S * 1000);
    });
    await Promise.all([...Array.from({ length: concurrency }, worker), windowDone]);
    if (!s0 || !s1) throw new Error('the store process is gone');
    const windowMs = windowEnd - windowStart;
    const items = requests * ITEMS_PER_REQUEST[test];
    const clientCpuMs = (c1.user - c0.user + c1.system - c0.system) / 1000;
    const storeCpuMs = s1.userMs + s1.systemMs - (s0.userMs + s0.systemMs);
    const sorted = Float64Array.from(latencies).sort();
    return {
      test,
      concurrency,
      round,
      windowMs,
      requests,
      items,
      itemsPerS: (items * 1000) / windowMs,
      requestsPerS: (requests * 1000) / windowMs,
      refused,
      errors,
      ...(firstError !== undefined ? { firstError } : {}),
      clientCpuMs,
      storeCpuMs,
      clientCpuUsPerItem: (clientCpuMs * 1000) / Math.max(1, items),
      storeCpuUsPerItem: (storeCpuMs * 1000) / Math.max(1, items),
      clientCpuPct: (100 * clientCpuMs) / windowMs,
      storeCpuPct: (100 * storeCpuMs) / windowMs,
      otherCpuPct: (100 * otherMs) / windowMs,
      machineBusyPct: m1.total > m0.total ? (100 * (m1.busy - m0.busy)) / (m1.total - m0.total) : Number.NaN,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      loadAverage1m: os.loadavg()[0] as number,
    };
  }

  const plan: { test: TestName; concurrency: number }[] = [];
  for (const concurrency of LEVELS) for (const test of TESTS) plan.push({ test, concurrency });
  const cells: Cell[] = [];
  const total = ROUNDS * plan.length;
  progress(`${ROUNDS} rounds × ${plan.length} cells, ${WARMUP_S} s warm-up + ${DURATION_S} s each: ≈ ${f((total * (WARMUP_S + DURATION_S)) / 60, 1)} min`);
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? plan : [...plan].reverse();
    for (const { test, concurrency } of order) {
      const c = await measure(test, concurrency, round);
      cells.push(c);
      progress(
        `round ${round} ${test.padEnd(15)} ×${String(concurrency).padStart(2)}: ${f(c.itemsPerS).padStart(6)} items/s  client ${f(c.clientCpuUsPerItem).padStart(4)} µs  store ${f(c.storeCpuUsPerItem).padStart(4)} µs/item (${f(c.storeCpuPct)} % of a core)  p50 ${f(c.p50Ms, 2)} p99 ${f(c.p99Ms, 2)} ms${c.refused ? `  refused ${c.refused}` : ''}${c.errors ? `  ERRORS ${c.errors} (${c.firstError})` : ''}  others ${f(c.otherCpuPct)} %  load ${c.loadAverage1m.toFixed(2)}`,
      );
    }
  }

  // ---- summary ----------------------------------------------------------------------------------
  type Summary = { test: TestName; concurrency: number; rounds: number } & Record<'itemsPerS' | 'itemsPerSMin' | 'itemsPerSMax' | 'requestsPerS' | 'clientCpuUsPerItem' | 'storeCpuUsPerItem' | 'clientCpuPct' | 'storeCpuPct' | 'p50Ms' | 'p99Ms' | 'otherCpuPct' | 'refused' | 'errors', number>;
  const summary: Summary[] = [];
  for (const test of TESTS) {
    for (const concurrency of LEVELS) {
      const cs = cells.filter((c) => c.test === test && c.concurrency === concurrency);
      const m = (k: keyof Cell) => median(cs.map((c) => Number(c[k])));
      summary.push({
        test,
        concurrency,
        rounds: cs.length,
        itemsPerS: m('itemsPerS'),
        itemsPerSMin: Math.min(...cs.map((c) => c.itemsPerS)),
        itemsPerSMax: Math.max(...cs.map((c) => c.itemsPerS)),
        requestsPerS: m('requestsPerS'),
        clientCpuUsPerItem: m('clientCpuUsPerItem'),
        storeCpuUsPerItem: m('storeCpuUsPerItem'),
        clientCpuPct: m('clientCpuPct'),
        storeCpuPct: m('storeCpuPct'),
        p50Ms: m('p50Ms'),
        p99Ms: m('p99Ms'),
        otherCpuPct: m('otherCpuPct'),
        refused: cs.reduce((s, c) => s + c.refused, 0),
        errors: cs.reduce((s, c) => s + c.errors, 0),
      });
    }
  }

  out(`\n## Embedded store ceiling (dynalite in its own process, SDK v3 DocumentClient, loopback): median of ${ROUNDS} round(s), ${DURATION_S} s each after ${WARMUP_S} s warm-up`);
  out(`  per item: batch-put counts 25 items per request; CPU is µs per item; p50/p99 per request; others = CPU of other processes, % of one core`);
  out('');
  out(`| test | in flight | items/s (median) | min–max over rounds | req/s | client CPU µs/item | store CPU µs/item | store CPU % of a core | client CPU % of a core | p50 ms | p99 ms | refused | errors | others % |`);
  out(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
  for (const s of summary) {
    out(
      `| ${s.test} | ${s.concurrency} | ${f(s.itemsPerS)} | ${f(s.itemsPerSMin)}–${f(s.itemsPerSMax)} | ${f(s.requestsPerS)} | ${f(s.clientCpuUsPerItem)} | ${f(s.storeCpuUsPerItem)} | ${f(s.storeCpuPct)} | ${f(s.clientCpuPct)} | ${f(s.p50Ms, 2)} | ${f(s.p99Ms, 2)} | ${f(s.refused)} | ${f(s.errors)} | ${f(s.otherCpuPct)} |`,
    );
  }

  // ---- the ceiling of aggregation this implies ---------------------------------------------------
  const best = (test: TestName) => summary.filter((s) => s.test === test).reduce((a, b) => (b.itemsPerS > a.itemsPerS ? b : a));
  const ceiling = (['update-distinct', 'batch-put'] as const).map((test) => {
    const b = best(test);
    const perWrites = [2, 1].map((writesPerRecord) => {
      const byThroughput = b.itemsPerS / writesPerRecord;
      // The store may take one core: the gateway, feature processes and load generator need the other.
      const byStoreCpu = 1e6 / (b.storeCpuUsPerItem * writesPerRecord);
      // Client side (the applier's SDK calls run in the gateway process) + store, both cores, nothing else.
      const byBothCpu = 2e6 / ((b.storeCpuUsPerItem + b.clientCpuUsPerItem) * writesPerRecord);
      return { writesPerRecord, byThroughput, byStoreCpu, byBothCpu, reachable: Math.min(byThroughput, byStoreCpu) >= TARGET_RECORDS_PER_S };
    });
    return { test, concurrency: b.concurrency, itemsPerS: b.itemsPerS, itemsPerSMax: b.itemsPerSMax, storeCpuUsPerItem: b.storeCpuUsPerItem, clientCpuUsPerItem: b.clientCpuUsPerItem, storeCpuPct: b.storeCpuPct, perWrites };
  });
  out(`\n## Ceiling of interleaved aggregation (target ${f(TARGET_RECORDS_PER_S)} records/s), from the best median above`);
  out(`  records/s ≤ items/s ÷ writes per record; CPU bound: store CPU per item × writes per record × records/s ≤ 1 core`);
  out(`  (2 writes per record = today's usage line + client-day item; 1 = the client-day counter folded into the line; both ignore the applier's`);
  out(`  shares of feature-day items and record groups, so they are upper bounds)`);
  for (const c of ceiling) {
    out(`  ${c.test} at ${c.concurrency} in flight: ${f(c.itemsPerS)} items/s (best round ${f(c.itemsPerSMax)}), store ${f(c.storeCpuUsPerItem)} µs CPU per item (${f(c.storeCpuPct)} % of a core), client ${f(c.clientCpuUsPerItem)} µs per item`);
    for (const w of c.perWrites) {
      out(
        `    ${w.writesPerRecord} write${w.writesPerRecord > 1 ? 's' : ''} per record: ≤ ${f(w.byThroughput)} records/s by throughput, ≤ ${f(w.byStoreCpu)} records/s by store CPU (1 core), ≤ ${f(w.byBothCpu)} records/s if client + store CPU had both cores → ${f(TARGET_RECORDS_PER_S)} records/s ${w.reachable ? 'reachable by these bounds' : 'NOT reachable'}`,
      );
    }
  }
  const loadAvgAtEnd = os.loadavg();
  out(`\n  load average at start ${loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}, at end ${loadAvgAtEnd.map((x) => x.toFixed(2)).join(' ')}; other processes' CPU per cell: median ${f(median(cells.map((c) => c.otherCpuPct)))} %, max ${f(Math.max(...cells.map((c) => c.otherCpuPct)))} % of one core`);

  const results = {
    bench: 'store-ceiling',
    command: COMMAND,
    date: started.toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverageAtStart: loadAvgAtStart,
    loadAverageAtEnd: loadAvgAtEnd,
    options: { rounds: ROUNDS, durationS: DURATION_S, warmupS: WARMUP_S, concurrency: LEVELS, hotItems: HOT_ITEMS, seedItems: SEED_ITEMS, batch: BATCH },
    applierCommand: { UpdateExpression: sample.UpdateExpression, ConditionExpression: sample.ConditionExpression, ExpressionAttributeNames: sample.ExpressionAttributeNames },
    distinctItemsWritten: nextItem - HOT_ITEMS,
    cells,
    summary,
    ceiling: { target: TARGET_RECORDS_PER_S, from: ceiling },
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `store-ceiling-${started.toISOString().replaceAll(':', '-').replace('.', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  out(`\nresults: ${path.relative(REPO, file)}`);
  const errors = cells.reduce((s, c) => s + c.errors, 0);
  if (errors > 0) process.stderr.write(`${errors} requests failed (see firstError in the JSON)\n`);
  return errors > 0 ? 1 : 0;
}

/** One conditional update: 'refused' when its condition failed (the item already has this seq or a later one). */
async function sendUpdate(db: DynamoDBDocumentClient, cmd: UpdateCommand): Promise<'ok' | 'refused'> {
  try {
    await db.send(cmd);
    return 'ok';
  } catch (e) {
    if (isConditionFailure(e)) return 'refused';
    throw e;
  }
}

/** BatchWriteItem of puts into the usage table; unprocessed items are sent again (dynalite returns none). */
async function batchPut(db: DynamoDBDocumentClient, tables: TableNames, items: Record<string, unknown>[]): Promise<void> {
  let pending: unknown[] = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 8) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed`);
    const res = await db.send(new BatchWriteCommand({ RequestItems: { [tables.usage]: pending as { PutRequest: { Item: Record<string, unknown> } }[] } }));
    pending = res.UnprocessedItems?.[tables.usage] ?? [];
  }
}

const code = await exit.run('store-ceiling', main);
process.exit(code);
