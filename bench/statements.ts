/**
 * Statements benchmark: seeds a month of usage through the platform's own recording path
 * (Meter group commit → DynamoUsageLog on the embedded dynalite store), then times the
 * statements job's preview and close on it.
 *
 *   npx tsx bench/statements.ts                      # 10M calls, 1,000 clients × 200 features
 *   npx tsx bench/statements.ts --calls 200000 --clients 20
 *
 * See bench/README.md for every flag and how to read the output.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { StoreProcess } from '../runtime/local/embedded-store.ts';
import { jsonLogger } from '../runtime/logger.ts';
import { DynamoUsageLog } from '../runtime/meter/dynamo-usage-log.ts';
import { Meter, type MeterOptions } from '../runtime/meter/meter.ts';
import { FileSpool } from '../runtime/meter/spool.ts';
import type { UsageLog } from '../runtime/meter/usage-log.ts';
import { StatementStore } from '../runtime/statements/statement-store.ts';
import { StatementsJob, type StatementsDeps } from '../runtime/statements/statements-job.ts';
import { documentClient, localDynamoClient } from '../runtime/store/dynamo-client.ts';
import { ensureTables } from '../runtime/store/ensure-tables.ts';
import { LOCAL_TABLE_PREFIX, tableNames } from '../runtime/store/tables.ts';
import { monthOf, monthStart, nextMonth, previousMonth } from '../shared/month.ts';
import { MB_MS_PER_GB_SECOND, type UnitPrice } from '../shared/price.ts';
import { divRoundHalfUp, MICROS_PER_CENT } from '../shared/money.ts';
import { canonicalJson, computeStatement, DEFAULT_POLICY } from '../shared/statement.ts';
import { billedMsOf, canonicalAuthors, isBillable, type AuthorShare, type Outcome, type UsageAggregate, type UsageBatch, type UsageRecord } from '../shared/usage.ts';
import { mulberry32 } from '../shared/prng.ts';

// ---- options ------------------------------------------------------------------------------------

const USAGE = `usage: npx tsx bench/statements.ts [options]
  --calls N                 calls to seed (default 10_000_000)
  --clients N               clients (default 1_000)
  --features N              features (default 200)
  --developers N            developers the features' authors are drawn from (default 150)
  --month YYYY-MM           month to seed and close (default: the previous UTC month)
  --months N                seed N consecutive months ending with --month, --calls each; close the
                            earlier ones first (oldest first, timed), then time the last one
                            (default 1: the last month is the first ever closed)
  --window N                records in flight (recorded, not yet durable) at most (default 8_000)
  --chunk N                 records handed to meter.record() per feeding step (default 1_000)
  --max-batch-records N     MeterOptions.maxBatchRecords (default: the meter's own)
  --max-apply-unit N        MeterOptions.maxApplyUnit (default: the meter's own)
  --max-inflight-commits N  MeterOptions.maxInflightCommits (default: the meter's own)
  --max-pending-batches N   feeding pauses while more batches than this wait for the applier
                            (bounds memory; default 4 × max apply unit)
  --seed N                  PRNG seed of the synthetic data (default 1)
  --results-dir DIR         where the JSON figures go (default bench/results)
  --keep                    keep the temporary data dir (store, spool) at the end
  --help`;

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string' },
    clients: { type: 'string' },
    features: { type: 'string' },
    developers: { type: 'string' },
    month: { type: 'string' },
    months: { type: 'string' },
    window: { type: 'string' },
    chunk: { type: 'string' },
    'max-batch-records': { type: 'string' },
    'max-apply-unit': { type: 'string' },
    'max-inflight-commits': { type: 'string' },
    'max-pending-batches': { type: 'string' },
    seed: { type: 'string' },
    'results-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function intArg(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}, got "${text}"\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}
function optIntArg(name: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : intArg(name, text, 0);
}

const CALLS = intArg('calls', args.calls, 10_000_000);
const CLIENTS = intArg('clients', args.clients, 1_000);
const FEATURES = intArg('features', args.features, 200);
const DEVELOPERS = intArg('developers', args.developers, 150);
const WINDOW = intArg('window', args.window, 8_000);
const CHUNK = Math.min(intArg('chunk', args.chunk, 1_000), WINDOW);
const SEED = intArg('seed', args.seed, 1, 0);
const MONTH = args.month ?? previousMonth(monthOf(Date.now()));
if (!/^\d{4}-\d{2}$/.test(MONTH)) {
  process.stderr.write(`--month must be YYYY-MM, got "${MONTH}"\n`);
  process.exit(2);
}
const MONTHS = intArg('months', args.months, 1);
/** the seeded months, oldest first; the last one is MONTH */
const SEEDED_MONTHS: string[] = [MONTH];
while (SEEDED_MONTHS.length < MONTHS) SEEDED_MONTHS.unshift(previousMonth(SEEDED_MONTHS[0] as string));
const TOTAL_CALLS = CALLS * MONTHS;
const meterOptions: Partial<MeterOptions> = {};
{
  const b = optIntArg('max-batch-records', args['max-batch-records']);
  const u = optIntArg('max-apply-unit', args['max-apply-unit']);
  const i = optIntArg('max-inflight-commits', args['max-inflight-commits']);
  if (b !== undefined) meterOptions.maxBatchRecords = b;
  if (u !== undefined) meterOptions.maxApplyUnit = u;
  if (i !== undefined) meterOptions.maxInflightCommits = i;
}
const RESULTS_DIR = path.resolve(args['results-dir'] ?? fileURLToPath(new URL('./results', import.meta.url)));

// ---- synthetic world: features, authors, prices -------------------------------------------------

/** Two runs with one seed seed the same month. */
const prng = mulberry32;
const rand = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

interface Feature {
  id: string;
  version: string;
  memoryMb: number;
  timeoutMs: number;
  /** typical latency, ms */
  baseMs: number;
  price: UnitPrice;
  authors: AuthorShare[];
}

const developerIds = Array.from({ length: DEVELOPERS }, (_, i) => `dev-${pad(i + 1, 3)}`);
const features: Feature[] = Array.from({ length: FEATURES }, (_, i) => {
  const nAuthors = 1 + Math.floor(rand() * Math.min(3, DEVELOPERS));
  const ids = new Set<string>();
  while (ids.size < nAuthors) ids.add(pick(developerIds));
  const authors = canonicalAuthors([...ids].map((id) => ({ id, weight: pick([1, 1, 1, 2, 2, 3, 5]) })));
  return {
    id: `feature-${pad(i + 1, 3)}`,
    version: `${1 + Math.floor(rand() * 3)}.${Math.floor(rand() * 10)}.${Math.floor(rand() * 5)}`,
    memoryMb: pick([128, 128, 256, 512, 1024]),
    timeoutMs: pick([3000, 5000, 10000]),
    baseMs: 2 + Math.floor(rand() * 250),
    price: { perCallMicros: pick([100, 200, 250, 500, 1000, 1500, 2000, 5000]), perGbSecondMicros: pick([0, 0, 10, 17, 50]), currency: 'EUR' },
    authors,
  };
});
const clientIds = Array.from({ length: CLIENTS }, (_, i) => `client-${pad(i + 1, 4)}`);

const PAIRS = CLIENTS * FEATURES;
const PER_PAIR = Math.floor(CALLS / PAIRS);
const EXTRA = CALLS % PAIRS; // the first EXTRA pairs get one call more

/** What the statement must say, computed independently while the records are generated. */
const expected = { calls: 0, billableCalls: 0, revenueMicros: 0n, lines: 0 };

function makeRecord(clientId: string, f: Feature, startedAt: number): UsageRecord {
  const r = rand();
  let outcome: Outcome = 'ok';
  let status = 200;
  let durationMs = Math.round(f.baseMs * (0.4 + rand() * 1.6 + (rand() < 0.02 ? 10 * rand() : 0)) * 1000) / 1000;
  if (r < 0.015) {
    outcome = 'feature_error';
    status = 502;
  } else if (r < 0.018) {
    outcome = 'timeout';
    status = 504;
    durationMs = f.timeoutMs;
  } else if (r < 0.05) status = pick([400, 404, 422]);
  else if (r < 0.07) status = 201;
  return {
    invocationId: randomUUID(),
    clientId,
    keyId: `key-${clientId}`,
    featureId: f.id,
    featureVersion: f.version,
    startedAt,
    durationMs,
    billedMs: billedMsOf(durationMs),
    memoryMb: f.memoryMb,
    requestBytes: 80 + Math.floor(rand() * 4000),
    responseBytes: 120 + Math.floor(rand() * 16000),
    status,
    outcome,
    price: f.price,
    authors: f.authors,
    billable: isBillable(outcome, status),
  };
}

/**
 * Calls in the order they reach the meter: pair by pair (one client's traffic to one feature
 * together), each pair's calls spread over the month. Also accumulates the expected figures.
 */
function* calls(): Generator<UsageRecord> {
  for (const month of SEEDED_MONTHS) {
    const monthFrom = monthStart(month);
    const monthMs = monthStart(nextMonth(month)) - monthFrom;
    let pairIndex = 0;
    for (const clientId of clientIds) {
      for (const f of features) {
        const n = PER_PAIR + (pairIndex < EXTRA ? 1 : 0);
        pairIndex++;
        if (n === 0) continue;
        let billable = 0;
        let mbMs = 0;
        for (let i = 0; i < n; i++) {
          const rec = makeRecord(clientId, f, monthFrom + Math.floor(rand() * monthMs));
          if (rec.billable) {
            billable++;
            mbMs += rec.billedMs * rec.memoryMb;
          }
          yield rec;
        }
        if (month !== MONTH) continue;
        expected.calls += n;
        expected.billableCalls += billable;
        // Each client line is billed in whole cents, rounded half-up once (decision 14).
        const exact = BigInt(billable) * BigInt(f.price.perCallMicros) * MB_MS_PER_GB_SECOND + BigInt(mbMs) * BigInt(f.price.perGbSecondMicros);
        expected.revenueMicros += divRoundHalfUp(exact, MB_MS_PER_GB_SECOND * MICROS_PER_CENT) * MICROS_PER_CENT;
        expected.lines += 1;
      }
    }
  }
}

// ---- measurement helpers ------------------------------------------------------------------------

const t0 = performance.now();
const elapsedS = () => (performance.now() - t0) / 1000;
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtS = (s: number) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(s < 10 ? 2 : 1)} s`);
const fmtMb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const fmtEur = (micros: number | bigint) => {
  const v = BigInt(micros);
  return `${(v / 1_000_000n).toLocaleString('en-US')}.${pad(Number(v % 1_000_000n), 6)} EUR`;
};
const err = (line: string) => process.stderr.write(`${line}\n`);

let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
/** peak RSS of this process so far (the kernel's high-water mark), in bytes */
const maxRssNow = () => Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
const peakRssAfter: Record<string, number> = {};
const rssTimer = setInterval(sampleRss, 500);
rssTimer.unref();

/** The store child (dynalite) is another process: its CPU and memory come from /proc. */
function storeChildPids(): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // our child running the store (tsx also starts an esbuild service child: not that one)
      if (Number(fields[1]) === process.pid && fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('store-process')) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
interface ProcFigures {
  cpuS: number;
  rssBytes: number;
  peakRssBytes: number;
}
function procFigures(pid: number): ProcFigures | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], [12] are utime, stime (fields 14 and 15 of proc(5)), in clock ticks (100 Hz on Linux)
    const cpuS = (Number(fields[11]) + Number(fields[12])) / 100;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { cpuS, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  } catch {
    return undefined;
  }
}
function ownCpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

/** The project's DynamoUsageLog, unchanged, with the time spent in each step counted. */
class TimedUsageLog implements UsageLog {
  readonly t = {
    commit: { calls: 0, ms: 0, sampledItemChars: 0, sampled: 0 },
    apply: { calls: 0, ms: 0, batches: 0, records: 0, maxUnit: 0, pairRuns: 0 },
    settle: { calls: 0, ms: 0 },
  };
  constructor(private readonly inner: DynamoUsageLog) {}
  async commit(batch: UsageBatch): Promise<void> {
    // one batch in 50: the size of the item a commit writes (the batch as JSON)
    if (this.t.commit.calls % 50 === 0) {
      this.t.commit.sampledItemChars += JSON.stringify(batch).length;
      this.t.commit.sampled++;
    }
    const s = performance.now();
    try {
      await this.inner.commit(batch);
    } finally {
      this.t.commit.calls++;
      this.t.commit.ms += performance.now() - s;
    }
  }
  async apply(batches: UsageBatch[]): Promise<void> {
    const s = performance.now();
    try {
      await this.inner.apply(batches);
    } finally {
      const a = this.t.apply;
      a.calls++;
      a.ms += performance.now() - s;
      a.batches += batches.length;
      a.maxUnit = Math.max(a.maxUnit, batches.length);
      // runs of one (client, feature) in the unit: about the aggregate updates it made
      let prevClient = '';
      let prevFeature = '';
      for (const b of batches) {
        a.records += b.records.length;
        for (const r of b.records) {
          if (r.featureId !== prevFeature || r.clientId !== prevClient) a.pairRuns++;
          prevClient = r.clientId;
          prevFeature = r.featureId;
        }
      }
    }
  }
  async settle(batches: UsageBatch[]): Promise<void> {
    const s = performance.now();
    try {
      await this.inner.settle(batches);
    } finally {
      this.t.settle.calls++;
      this.t.settle.ms += performance.now() - s;
    }
  }
  committed(): Promise<UsageBatch[]> {
    return this.inner.committed();
  }
}

/** Wraps every method of an object so that the time its promises take is summed per method. */
function timed<T extends object>(target: T, into: Record<string, { calls: number; ms: number }>): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const v = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      return async (...a: unknown[]) => {
        const s = performance.now();
        try {
          return await (v as (...x: unknown[]) => Promise<unknown>).apply(obj, a);
        } finally {
          const slot = (into[prop] ??= { calls: 0, ms: 0 });
          slot.calls++;
          slot.ms += performance.now() - s;
        }
      };
    },
  });
}
type Timings = Record<string, { calls: number; ms: number }>;
const round = (ms: number) => Math.round(ms);
const roundTimings = (t: Timings) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { calls: v.calls, ms: round(v.ms) }]));

// ---- the run ------------------------------------------------------------------------------------

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faascape-bench-'));
const store = new StoreProcess(dataDir);
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  // StoreProcess unrefs its child, so nothing else may be keeping the event loop alive while we
  // wait for the child's exit: without this timer node would leave the top-level await unsettled
  // (exit code 13) before the data dir is removed.
  const keepAlive = setInterval(() => {}, 1_000);
  try {
    await store.close();
  } catch (e) {
    err(`could not stop the store: ${String(e)}`);
  } finally {
    clearInterval(keepAlive);
  }
  if (args.keep) err(`data dir kept: ${dataDir}`);
  else fs.rmSync(dataDir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    err(`\n${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  err(`faascape statements bench: ${fmtInt(CALLS)} calls, ${fmtInt(CLIENTS)} clients × ${fmtInt(FEATURES)} features, month ${MONTHS > 1 ? `${SEEDED_MONTHS.join(', ')} (each)` : MONTH}`);
  err(`data dir ${dataDir}; load average at start ${loadStart.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);

  await store.start();
  const storePid = storeChildPids()[0];
  if (!storePid) err('could not find the store process in /proc: its CPU and memory will not be reported');
  const dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
  const db = documentClient(dynamo);
  const tables = tableNames(LOCAL_TABLE_PREFIX);
  await ensureTables(dynamo, tables);

  const usageLog = new DynamoUsageLog(db, tables);
  const timedLog = new TimedUsageLog(usageLog);
  const logger = jsonLogger();
  const meter = new Meter(timedLog, new FileSpool(path.join(dataDir, 'spool')), { logger, ...meterOptions });
  // The meter's effective settings (its defaults are private constants): for the record only.
  const internals = meter as unknown as { maxBatch: number; maxUnit: number; maxInflight: number };
  const effective = { maxBatchRecords: internals.maxBatch, maxApplyUnit: internals.maxUnit, maxInflightCommits: internals.maxInflight };
  const MAX_PENDING = intArg('max-pending-batches', args['max-pending-batches'], 4 * effective.maxApplyUnit);
  await meter.recover();

  err(
    `meter: maxBatchRecords ${effective.maxBatchRecords}, maxApplyUnit ${effective.maxApplyUnit}, maxInflightCommits ${effective.maxInflightCommits}` +
      ` (${Object.keys(meterOptions).length ? `set: ${JSON.stringify(meterOptions)}` : 'meter defaults'}); feeding window ${fmtInt(WINDOW)} records in chunks of ${fmtInt(CHUNK)}, pausing above ${MAX_PENDING} unapplied batches`,
  );
  err(`order: pair by pair (client-major), ${PER_PAIR}${EXTRA ? `–${PER_PAIR + 1}` : ''} calls per (client, feature) pair, startedAt uniform over ${MONTHS > 1 ? 'each month, month by month' : MONTH}`);

  // -- seed --------------------------------------------------------------------------------------
  const ownCpu0 = ownCpuS();
  const storeCpu0 = storePid ? (procFigures(storePid)?.cpuS ?? 0) : 0;
  const seedStart = performance.now();
  const gen = calls();
  let fed = 0;
  let durable = 0;
  let inFlight = 0;
  let applierPauses = 0;
  let applierPausedMs = 0;
  const chunks: Promise<void>[] = [];
  const step = Math.max(1, Math.ceil(TOTAL_CALLS / 20));
  let nextReport = step;
  const progress = () => {
    sampleRss();
    const s = (performance.now() - seedStart) / 1000;
    const rate = durable / s;
    const st = meter.stats();
    err(
      `  ${((100 * durable) / TOTAL_CALLS).toFixed(0).padStart(3)}%  ${fmtInt(durable).padStart(12)} durable  ${fmtInt(rate).padStart(7)} rec/s  elapsed ${fmtS(s)}  ETA ${fmtS((TOTAL_CALLS - durable) / Math.max(rate, 1e-9))}` +
        `  (applied ${fmtInt(st.batchesApplied)}/${fmtInt(st.batchesCommitted)} batches, unapplied ${st.pendingBatches}, spooled ${st.batchesSpooled}, rss ${fmtMb(process.memoryUsage().rss)})`,
    );
  };

  for (;;) {
    // Bound memory: the applier may not fall more than MAX_PENDING batches behind.
    if (meter.stats().pendingBatches > MAX_PENDING) {
      applierPauses++;
      const p = performance.now();
      while (meter.stats().pendingBatches > MAX_PENDING) await sleep(2);
      applierPausedMs += performance.now() - p;
    }
    while (inFlight >= WINDOW) await chunks.shift();
    const recs: UsageRecord[] = [];
    for (let i = 0; i < CHUNK; i++) {
      const n = gen.next();
      if (n.done) break;
      recs.push(n.value);
    }
    if (recs.length === 0) break;
    fed += recs.length;
    inFlight += recs.length;
    chunks.push(
      Promise.all(recs.map((r) => meter.record(r))).then(() => {
        inFlight -= recs.length;
        durable += recs.length;
        while (durable >= nextReport) {
          nextReport += step;
          progress();
        }
      }),
    );
  }
  await Promise.all(chunks);
  const durableS = (performance.now() - seedStart) / 1000;
  err(`  all ${fmtInt(fed)} records durable after ${fmtS(durableS)}; waiting for the applier (${meter.stats().pendingBatches} batches)…`);
  const settledOk = await meter.settled(60 * 60_000);
  const seedS = (performance.now() - seedStart) / 1000;
  const seedOwnCpu = ownCpuS() - ownCpu0;
  const seedStoreCpu = storePid ? (procFigures(storePid)?.cpuS ?? 0) - storeCpu0 : NaN;
  const meterStats = meter.stats();
  await meter.close(1_000);
  sampleRss();
  peakRssAfter.seeding = maxRssNow();
  err(`  settled: ${settledOk} after ${fmtS(seedS)}`);
  if (!settledOk) throw new Error('the meter did not settle within 60 minutes');

  // -- preview and close -------------------------------------------------------------------------
  const afterMonthEnd = monthStart(nextMonth(MONTH)) + 3 * 3600_000;
  const clockBase = performance.now();
  // An advancing clock from 03:00 UTC on the 1st of the next month, so the job's own timings read true.
  const clock = () => afterMonthEnd + Math.round(performance.now() - clockBase);
  const ioTimings: Timings = {};
  let lastAggregates: UsageAggregate[] = [];
  const usageForJob: StatementsDeps['usage'] = {
    monthAggregates: async (m) => {
      const a = await usageLog.monthAggregates(m);
      if (m === MONTH) lastAggregates = a;
      return a;
    },
    hasUsage: (m) => usageLog.hasUsage(m),
    firstUsageMonth: () => usageLog.firstUsageMonth(),
    monthCalls: (m) => usageLog.monthCalls(m),
  };
  const job = new StatementsJob({
    usage: timed(usageForJob, ioTimings),
    store: timed(new StatementStore(db, tables), ioTimings),
    policy: DEFAULT_POLICY,
    clock,
    progress: (l) => err(`  statements: ${l}`),
  });

  const phase = async <T>(name: string, fn: () => Promise<T>) => {
    for (const k of Object.keys(ioTimings)) delete ioTimings[k];
    const cpu = ownCpuS();
    const storeCpu = storePid ? (procFigures(storePid)?.cpuS ?? 0) : 0;
    const s = performance.now();
    const value = await fn();
    const ms = performance.now() - s;
    sampleRss();
    peakRssAfter[name] = maxRssNow();
    const io = roundTimings(ioTimings);
    const ioMs = Object.values(ioTimings).reduce((n, t) => n + t.ms, 0);
    return {
      value,
      figures: {
        ms: round(ms),
        storeIoMs: round(ioMs),
        otherMs: round(ms - ioMs),
        benchCpuMs: round((ownCpuS() - cpu) * 1000),
        storeCpuMs: storePid ? round(((procFigures(storePid)?.cpuS ?? 0) - storeCpu) * 1000) : null,
        io,
      },
      name,
    };
  };

  // Earlier months first, oldest first, as the scheduler would have closed them.
  const earlierCloses: { month: string; ms: number; storeIoMs: number; otherMs: number; io: Record<string, { calls: number; ms: number }> }[] = [];
  for (const m of SEEDED_MONTHS.slice(0, -1)) {
    err(`close ${m} (an earlier month)…`);
    const c = await phase(`close ${m}`, () => job.close(m));
    err(`  close ${m}: ${fmtS(c.figures.ms / 1000)} (${c.value.outcome})`);
    earlierCloses.push({ month: m, ms: c.figures.ms, storeIoMs: c.figures.storeIoMs, otherMs: c.figures.otherMs, io: c.figures.io });
  }

  err(`preview ${MONTH}…`);
  const preview = await phase('preview', () => job.preview(MONTH));
  err(`  preview: ${fmtS(preview.figures.ms / 1000)}`);
  err(`close ${MONTH}…`);
  const close1 = await phase('close', () => job.close(MONTH));
  err(`  close: ${fmtS(close1.figures.ms / 1000)} (${close1.value.outcome})`);
  const close2 = await phase('close again', () => job.close(MONTH));
  err(`  close again: ${fmtS(close2.figures.ms / 1000)} (${close2.value.outcome})`);

  // The pure part of close, re-run in isolation on the same aggregates: where CPU time goes.
  const pure: Record<string, number> = {};
  {
    let s = performance.now();
    const st = computeStatement({ month: MONTH, status: 'final', policy: DEFAULT_POLICY, aggregates: lastAggregates, late: [], carriedIn: new Map() });
    pure.computeStatementMs = round(performance.now() - s);
    s = performance.now();
    const body = canonicalJson(st);
    pure.canonicalJsonMs = round(performance.now() - s);
    s = performance.now();
    createHash('sha256').update(body).digest('hex');
    pure.sha256Ms = round(performance.now() - s);
    s = performance.now();
    JSON.stringify({ regular: lastAggregates, adjusted: {} });
    pure.basisStringifyMs = round(performance.now() - s);
    s = performance.now();
    JSON.parse(close1.value.json);
    pure.statementParseMs = round(performance.now() - s);
  }
  peakRssAfter['pure re-run'] = maxRssNow();

  // -- checks and figures ------------------------------------------------------------------------
  const statement = close1.value.statement;
  const lines = statement.clients.reduce((n, c) => n + c.lines.length, 0);
  const stmtCalls = statement.clients.reduce((n, c) => n + c.lines.reduce((m, l) => m + l.calls, 0), 0);
  const stmtBillable = statement.clients.reduce((n, c) => n + c.lines.reduce((m, l) => m + l.billableCalls, 0), 0);
  const checks = {
    settled: settledOk,
    noSpool: meterStats.batchesSpooled === 0 && meterStats.applyFailures === 0,
    aggregateLines: lastAggregates.length === expected.lines,
    statementCalls: stmtCalls === expected.calls && stmtCalls === CALLS,
    noLateUsage: statement.adjustments.length === 0,
    billableCalls: stmtBillable === expected.billableCalls,
    revenue: BigInt(statement.totals.revenueMicros) === expected.revenueMicros,
    previewMatchesClose: canonicalJson({ ...preview.value, status: 'final' }) === canonicalJson((({ sha256: _s, ...rest }) => rest)(statement)),
    secondCloseReturnsStored: close2.value.outcome === 'already_closed' && close2.value.json === close1.value.json,
  };
  const storeProc = storePid ? procFigures(storePid) : undefined;
  const storeBytes = dirBytes(dataDir);
  const jsonBytes = Buffer.byteLength(close1.value.json);
  const basisBytes = Buffer.byteLength(JSON.stringify({ regular: lastAggregates, adjusted: {} }));
  const ownPeak = maxRssNow();
  const t = timedLog.t;

  const results = {
    bench: 'statements',
    at: new Date().toISOString(),
    command: `npx tsx bench/statements.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memoryBytes: os.totalmem(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverageAtStart: loadStart,
      loadAverageAtEnd: os.loadavg(),
    },
    workload: {
      month: MONTH,
      months: SEEDED_MONTHS,
      calls: CALLS,
      callsAllMonths: TOTAL_CALLS,
      clients: CLIENTS,
      features: FEATURES,
      developers: DEVELOPERS,
      developersAuthoring: new Set(features.flatMap((f) => f.authors.map((a) => a.id))).size,
      pairs: PAIRS,
      callsPerPair: EXTRA ? `${PER_PAIR}-${PER_PAIR + 1}` : PER_PAIR,
      order: 'pair by pair (client-major): each (client, feature) pair’s calls consecutive, startedAt uniform over the month',
      seed: SEED,
    },
    meter: { ...effective, setByBench: meterOptions, window: WINDOW, chunk: CHUNK, maxPendingBatches: MAX_PENDING, stats: meterStats },
    seeding: {
      seconds: Number(seedS.toFixed(2)),
      recordsPerSecond: Math.round(TOTAL_CALLS / seedS),
      durableSeconds: Number(durableS.toFixed(2)),
      durableRecordsPerSecond: Math.round(TOTAL_CALLS / durableS),
      applierDrainSeconds: Number((seedS - durableS).toFixed(2)),
      feedingPausedForApplier: { times: applierPauses, ms: round(applierPausedMs) },
      benchProcessCpuSeconds: Number(seedOwnCpu.toFixed(1)),
      storeProcessCpuSeconds: Number(seedStoreCpu.toFixed(1)),
      usageLog: {
        commit: {
          calls: t.commit.calls,
          ms: round(t.commit.ms),
          avgMs: Number((t.commit.ms / Math.max(1, t.commit.calls)).toFixed(2)),
          avgItemChars: Math.round(t.commit.sampledItemChars / Math.max(1, t.commit.sampled)),
        },
        apply: {
          calls: t.apply.calls,
          ms: round(t.apply.ms),
          avgMs: Number((t.apply.ms / Math.max(1, t.apply.calls)).toFixed(2)),
          batchesPerUnitAvg: Number((t.apply.batches / Math.max(1, t.apply.calls)).toFixed(1)),
          batchesPerUnitMax: t.apply.maxUnit,
          recordsPerUnitAvg: Math.round(t.apply.records / Math.max(1, t.apply.calls)),
          aggregateUpdatesApprox: t.apply.pairRuns,
        },
        settle: { calls: t.settle.calls, ms: round(t.settle.ms) },
      },
    },
    aggregateLines: lastAggregates.length,
    earlierCloses,
    preview: preview.figures,
    close: close1.figures,
    closeAgain: { ...close2.figures, outcome: close2.value.outcome },
    closePureCpuRerun: pure,
    statement: {
      clients: statement.clients.length,
      clientLines: lines,
      developers: statement.developers.length,
      revenueMicros: statement.totals.revenueMicros,
      payoutMicros: statement.totals.payoutMicros,
      platformMicros: statement.totals.platformMicros,
      payableMicros: statement.totals.payableMicros,
      carriedOutMicros: statement.totals.carriedOutMicros,
      jsonBytes,
      basisJsonBytes: basisBytes,
      sha256: statement.sha256,
    },
    memory: {
      benchPeakRssBytes: ownPeak,
      benchPeakRssBytesAfter: peakRssAfter,
      storePeakRssBytes: storeProc?.peakRssBytes ?? null,
      storeCpuSecondsTotal: storeProc?.cpuS ?? null,
      storeOnDiskBytes: storeBytes,
    },
    checks,
    totalSeconds: Number(elapsedS().toFixed(1)),
  };

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `statements-${results.at.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

  const ok = Object.values(checks).every(Boolean);
  const target = close1.figures.ms <= 30_000;
  const out = [
    `Faascape statements benchmark (${results.at})`,
    `machine   ${results.machine.cores} cores (${results.machine.cpu}), ${fmtMb(os.totalmem())} RAM, node ${process.version}, load average ${loadStart.map((l) => l.toFixed(2)).join('/')} at start, ${os.loadavg().map((l) => l.toFixed(2)).join('/')} at end`,
    `workload  ${fmtInt(CALLS)} calls in ${MONTHS > 1 ? `each of ${SEEDED_MONTHS.join(', ')}` : MONTH}, ${fmtInt(CLIENTS)} clients × ${fmtInt(FEATURES)} features (${fmtInt(PAIRS)} pairs, ${results.workload.callsPerPair} calls each), ${results.workload.developersAuthoring} of ${DEVELOPERS} developers authoring`,
    `          order: pair by pair — each (client, feature) pair's calls arrive together, the locality of one client's traffic; a batch covers few pairs`,
    `meter     maxBatchRecords ${effective.maxBatchRecords}, maxApplyUnit ${effective.maxApplyUnit}, maxInflightCommits ${effective.maxInflightCommits} (${Object.keys(meterOptions).length ? 'set by flags' : 'meter defaults'}); ${fmtInt(WINDOW)} records in flight at most, feeding paused above ${MAX_PENDING} unapplied batches`,
    `seeding   ${fmtS(seedS)} = ${fmtInt(results.seeding.recordsPerSecond)} records/s through meter.record() to settled aggregates${MONTHS > 1 ? ` (${fmtInt(TOTAL_CALLS)} records, ${MONTHS} months)` : ''}`,
    `          (all durable after ${fmtS(durableS)} = ${fmtInt(results.seeding.durableRecordsPerSecond)} rec/s; applier drained in ${fmtS(seedS - durableS)}; feeding paused ${results.seeding.feedingPausedForApplier.times}× / ${fmtS(applierPausedMs / 1000)} for the applier)`,
    `          ${fmtInt(meterStats.batchesCommitted)} batches committed (avg ${(TOTAL_CALLS / Math.max(1, meterStats.batchesCommitted)).toFixed(0)} records, ~${(results.seeding.usageLog.commit.avgItemChars / 1024).toFixed(0)} KiB per item), ${fmtInt(t.apply.calls)} apply units (avg ${results.seeding.usageLog.apply.batchesPerUnitAvg} batches, max ${t.apply.maxUnit}), spooled ${meterStats.batchesSpooled}, apply failures ${meterStats.applyFailures}`,
    `          usage log time: commit ${fmtS(t.commit.ms / 1000)} over ${fmtInt(t.commit.calls)} calls (avg ${results.seeding.usageLog.commit.avgMs} ms, ${effective.maxInflightCommits} overlap), apply ${fmtS(t.apply.ms / 1000)} (avg ${results.seeding.usageLog.apply.avgMs} ms/unit), settle ${fmtS(t.settle.ms / 1000)}`,
    `          CPU: bench process ${seedOwnCpu.toFixed(0)} s, store process ${Number.isFinite(seedStoreCpu) ? seedStoreCpu.toFixed(0) : '?'} s`,
    `aggregate ${fmtInt(lastAggregates.length)} usage lines in ${MONTH} (expected ${fmtInt(expected.lines)})`,
    ...earlierCloses.map(
      (c) => `close ${c.month} (earlier month) ${fmtS(c.ms / 1000)}  (store ${fmtS(c.storeIoMs / 1000)}: ${Object.entries(c.io).map(([k, v]) => `${k} ${v.calls}× ${fmtS(v.ms / 1000)}`).join(', ')})`,
    ),
    `preview   ${fmtS(preview.figures.ms / 1000)}  (store reads ${fmtS(preview.figures.storeIoMs / 1000)}, in-process ${fmtS(preview.figures.otherMs / 1000)})`,
    `          ${Object.entries(preview.figures.io).map(([k, v]) => `${k} ${v.calls}× ${fmtS(v.ms / 1000)}`).join(', ')}`,
    `close     ${fmtS(close1.figures.ms / 1000)}  (store reads+writes ${fmtS(close1.figures.storeIoMs / 1000)}, in-process ${fmtS(close1.figures.otherMs / 1000)})  target ≤ 30 s: ${target ? 'MET' : 'MISSED'}`,
    `          ${Object.entries(close1.figures.io).map(([k, v]) => `${k} ${v.calls}× ${fmtS(v.ms / 1000)}`).join(', ')}`,
    `          pure steps re-run alone: computeStatement ${pure.computeStatementMs} ms, canonicalJson ${pure.canonicalJsonMs} ms, sha256 ${pure.sha256Ms} ms, basis JSON.stringify ${pure.basisStringifyMs} ms`,
    `close #2  ${fmtS(close2.figures.ms / 1000)}  outcome ${close2.value.outcome} (stored statement returned${checks.secondCloseReturnsStored ? ', byte-identical' : ', NOT identical'})`,
    `totals    revenue ${fmtEur(statement.totals.revenueMicros)}, developers' payout ${fmtEur(statement.totals.payoutMicros)}, platform ${fmtEur(statement.totals.platformMicros)}`,
    `          payable ${fmtEur(statement.totals.payableMicros)}, carried out ${fmtEur(statement.totals.carriedOutMicros)}; ${statement.clients.length} clients, ${lines} client lines, ${statement.developers.length} developers`,
    `statement JSON ${(jsonBytes / 1048576).toFixed(1)} MiB (${fmtInt(jsonBytes)} bytes), basis ${(basisBytes / 1048576).toFixed(1)} MiB, sha256 ${statement.sha256.slice(0, 16)}…`,
    `memory    bench peak RSS ${fmtMb(results.memory.benchPeakRssBytes)} (${Object.entries(peakRssAfter).map(([k, v]) => `${fmtMb(v)} after ${k}`).join(', ')}), store process peak RSS ${storeProc ? fmtMb(storeProc.peakRssBytes) : '?'}, store on disk ${fmtMb(storeBytes)}`,
    `checks    ${Object.entries(checks).map(([k, v]) => `${k} ${v ? 'ok' : 'FAILED'}`).join(', ')}`,
    `total     ${fmtS(elapsedS())}; figures written to ${path.relative(process.cwd(), file) || file}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  dynamo.destroy();
  if (!ok) process.exitCode = 1;
}

try {
  await main();
} catch (e) {
  err(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
} finally {
  clearInterval(rssTimer);
  await cleanup();
}
