/**
 * Floor benchmark (issue #18): what ratio to a bare node:http server is reachable on this machine
 * at all once every call crosses a process boundary (isolation) and is made durable before its
 * answer (group commit), with none of the platform's logic (no key check, limits, routing, meter
 * bookkeeping, applier).
 *
 *   npx tsx bench/floor.ts                           # 3 rounds × 5 s per variant, 64 connections
 *   npx tsx bench/floor.ts --rounds 1 --duration 2   # a smoke run
 *   npx tsx bench/floor.ts --only bare,ipc,fsync     # some variants (bare is always run: the ratios need it)
 *
 * Every variant is the platform's own node:http front (createHttpServer: same toEvent, same
 * response writing, as bench/gateway.ts's bare side) answering GET with the echo feature's result
 * (the handler bench/gateway.ts writes, compiled once to plain JavaScript):
 *
 *   bare       the handler called inline
 *   ipc        the event sent to ONE feature process, pipelined (many calls in flight, matched by id)
 *   ipc4       the same, 4 processes round-robin, pipelined
 *   ipc4-1     4 processes, one call in flight each, the rest queued (the platform pool's mode)
 *   ipc+fsync  ipc, and each answer waits for its ~400-byte record line to be written and fsynced
 *              to a file (group commit: one write+fsync in flight, lines arriving meanwhile form
 *              the next batch)
 *   ipc+store  ipc, and each answer waits for its record to be in the embedded store (group commit:
 *              one PutItem of an item holding the batch's records in flight: DynamoUsageLog.commit,
 *              what the platform's meter does), the store in its own process as the platform runs it
 *   ipc4-1+fsync, ipc4-1+store
 *              the same two commits behind the platform pool's mode (4 processes, one call each):
 *              isolation and durability as the platform has them, with none of its logic
 *
 * A feature process is runtime/local/feature-host.mjs, forked as runtime/local/process-pool.ts
 * forks it: Node's permission model (sandboxArgs), advanced serialisation, Lambda-like environment.
 * Each variant's server (and its processes, store, temp files) is started in this process, warmed
 * up, loaded by a separate autocannon process (bench/lib/load.ts), then stopped: one at a time.
 * Rounds alternate the variant order (forward, then reversed).
 *
 * Results: stdout (progress on stderr) and bench/results/floor-<ISO date>.json.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { stop as stopEsbuild, transform } from 'esbuild';
import { StoreProcess } from '../runtime/local/embedded-store.ts';
import { createHttpServer, toEvent } from '../runtime/local/http-server.ts';
import { sandboxArgs } from '../runtime/local/process-pool.ts';
import { DynamoUsageLog } from '../runtime/meter/dynamo-usage-log.ts';
import { documentClient, localDynamoClient } from '../runtime/store/dynamo-client.ts';
import { ensureTables } from '../runtime/store/ensure-tables.ts';
import { LOCAL_TABLE_PREFIX, tableNames } from '../runtime/store/tables.ts';
import type { UsageRecord } from '../shared/usage.ts';
import { benchArgs } from './lib/args.ts';
import { benchExit } from './lib/exit.ts';
import { f, median, out, pad, progress } from './lib/report.ts';
import { runLoad, stopRunningLoads, type LoadResult } from './lib/load.ts';
import { findChildPid, machineCpu, otherCpuSince, processCpuMs, rssBytes, sampleMachine, snapshotCpu } from './lib/proc.ts';

// ---- options ------------------------------------------------------------------------------------

const VARIANT_IDS = ['bare', 'ipc', 'ipc4', 'ipc4-1', 'ipc+fsync', 'ipc+store', 'ipc4-1+fsync', 'ipc4-1+store'] as const;
type VariantId = (typeof VARIANT_IDS)[number];

const USAGE = `usage: npx tsx bench/floor.ts [options]
  --rounds N        rounds, the variant order alternating forward then reversed (default 3)
  --duration S      seconds of measured load per variant per round (default 5)
  --warmup S        seconds of unmeasured load after each variant starts (default 1, 0 = none)
  --connections N   concurrent connections of the load generator (default 64)
  --only LIST       comma list of variants among ${VARIANT_IDS.join(', ')} (default: all; bare is always run)
  --results-dir DIR where the JSON goes (default bench/results)
  --help`;

const { args, num } = benchArgs(USAGE, ['rounds', 'duration', 'warmup', 'connections', 'only', 'results-dir']);
const ROUNDS = Math.floor(num('rounds', args.rounds, 3, 1));
const DURATION_S = num('duration', args.duration, 5, 1);
const WARMUP_S = num('warmup', args.warmup, 1, 0);
const CONNECTIONS = Math.floor(num('connections', args.connections, 64, 1));

function parseOnly(text: string | undefined): VariantId[] {
  if (text === undefined) return [...VARIANT_IDS];
  const asked = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = asked.filter((s) => !(VARIANT_IDS as readonly string[]).includes(s));
  if (unknown.length || asked.length === 0) {
    process.stderr.write(`--only: unknown variant(s) ${unknown.join(', ') || '(none given)'}\n${USAGE}\n`);
    process.exit(2);
  }
  // bare first (the reference of every ratio), then the others in their canonical order
  return VARIANT_IDS.filter((v) => v === 'bare' || asked.includes(v));
}
const VARIANTS = parseOnly(args.only);

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.resolve(args['results-dir'] ?? path.join(REPO, 'bench', 'results'));
const COMMAND = ['npx tsx bench/floor.ts', ...process.argv.slice(2)].join(' ');
const HOST_ENTRY = fileURLToPath(new URL('../runtime/local/feature-host.mjs', import.meta.url));

const TARGET_RATIO = 0.25;
/** a run during which other processes used more than this (% of one core) is flagged as disturbed */
const OTHERS_LIMIT_PCT = 10;
const FEATURE = 'echo';
const REQUEST_PATH = `/v1/features/${FEATURE}?msg=hello`;
/** the same header the gateway bench sends (no variant checks it: the request bytes are the same) */
const HEADERS = { 'x-api-key': 'fsk_bench_floor_not_checked_by_any_variant' };
const MEMORY_MB = 128;
const TIMEOUT_MS = 3000;
/** the platform meter's default batch cap (runtime/meter/meter.ts maxBatchRecords) */
const MAX_BATCH_RECORDS = 400;

// ---- small helpers ------------------------------------------------------------------------------

/** The file system type of a directory (fsync on tmpfs would be free). */
function fsType(dir: string): string {
  try {
    return execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

// ---- the echo feature -------------------------------------------------------------------------

/**
 * The feature bench/gateway.ts measures (its ECHO_SOURCE, copied: that script runs on import).
 * Compiled once to plain JavaScript, which both the bare server (inline) and the feature
 * processes (feature-host.mjs imports it, no loader) run.
 */
const ECHO_SOURCE = `// Benchmark feature (written by bench/gateway.ts): the smallest useful answer, no I/O.
export const handler = async (event: { rawPath: string; queryStringParameters?: Record<string, string>; requestContext: { http: { method: string } } }) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ok: true, method: event.requestContext.http.method, path: event.rawPath, query: event.queryStringParameters ?? {} }),
});
`;

/** Whether bench/gateway.ts still measures this very handler (a drift would make the two incomparable). */
function sameEchoAsGatewayBench(): boolean {
  try {
    const text = readFileSync(path.join(REPO, 'bench', 'gateway.ts'), 'utf8');
    return text.includes(`const ECHO_SOURCE = \`${ECHO_SOURCE}\`;`);
  } catch {
    return false;
  }
}

type Result = APIGatewayProxyStructuredResultV2;
type Handler = (event: APIGatewayProxyEventV2) => Promise<Result>;

/** A usage record as the gateway makes one per call (shared/usage.ts), ~400 bytes of JSON. */
function usageRecord(result: Result, startedAt: number, durationMs: number): UsageRecord {
  return {
    invocationId: randomUUID(),
    clientId: 'c_benchpseudonym0000000',
    keyId: 'k_benchfloor00000000000',
    featureId: FEATURE,
    featureVersion: '1.0.0',
    startedAt,
    durationMs,
    billedMs: Math.max(1, Math.ceil(durationMs)),
    memoryMb: MEMORY_MB,
    requestBytes: 0,
    responseBytes: typeof result.body === 'string' ? Buffer.byteLength(result.body) : 0,
    status: result.statusCode ?? 200,
    outcome: 'ok',
    price: { perCallMicros: 100, perGbSecondMicros: 0, currency: 'EUR' },
    authors: [{ id: 'bench-author-0001', weight: 1 }],
    billable: true,
  };
}

// ---- cleanup ------------------------------------------------------------------------------------

const tempDirs: string[] = [];
/** every process this bench forked (feature processes), killed by pid on the way out */
const children = new Set<ChildProcess>();
let active: Running | undefined;
const exit = benchExit(async () => {
  stopRunningLoads();
  const a = active;
  active = undefined;
  if (a) await a.stop().catch((e: unknown) => process.stderr.write(`stop failed: ${String(e)}\n`));
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
}, tempDirs);

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

function removeTempDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  const i = tempDirs.indexOf(d);
  if (i >= 0) tempDirs.splice(i, 1);
}

// ---- feature processes over IPC ---------------------------------------------------------------

interface HostReply {
  ready?: boolean;
  error?: unknown;
  id?: string;
  ok?: boolean;
  result?: unknown;
}

interface Job {
  id: string;
  event: APIGatewayProxyEventV2;
  resolve: (r: Result) => void;
  reject: (e: Error) => void;
}

interface Host {
  proc: ChildProcess;
  pid: number;
  tmpDir: string;
  inFlight: Map<string, Job>;
}

/** One feature process, started as the platform's pool starts it; resolves once the module is loaded. */
async function startHost(modulePath: string): Promise<Host> {
  const tmpDir = tempDir('floor-bench-host-');
  const proc = fork(HOST_ENTRY, [pathToFileURL(modulePath).href, FEATURE, String(MEMORY_MB), '1.0.0'], {
    execPath: process.execPath,
    execArgv: sandboxArgs(modulePath, tmpDir, MEMORY_MB),
    env: {
      NODE_ENV: 'production',
      TZ: 'UTC',
      LANG: 'en_US.UTF-8',
      TMPDIR: tmpDir,
      AWS_LAMBDA_FUNCTION_NAME: FEATURE,
      AWS_LAMBDA_FUNCTION_VERSION: '1.0.0',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MEMORY_MB),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  children.add(proc);
  let stderr = '';
  proc.stdout?.resume();
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: HostReply) => {
      if (m.ready === undefined) return;
      proc.off('message', onMessage);
      if (m.ready) resolve();
      else reject(new Error(`the feature failed to load: ${String(m.error)}`));
    };
    proc.on('message', onMessage);
    proc.once('error', reject);
    proc.once('exit', (code, signal) => reject(new Error(`feature process exited (${signal ?? `code ${code}`}) during start: ${stderr.slice(0, 500)}`)));
  });
  return { proc, pid: proc.pid as number, tmpDir, inFlight: new Map() };
}

async function stopHost(h: Host): Promise<void> {
  const { proc } = h;
  if (proc.exitCode === null && proc.signalCode === null) {
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }
  children.delete(proc);
  removeTempDir(h.tmpDir);
}

/**
 * Calls to feature processes over their IPC channels: `pipelined` sends each call at once to the
 * next process round-robin (any number in flight per process); otherwise each process has one call
 * at a time and the rest wait in a queue, as runtime/local/process-pool.ts does.
 */
class IpcDispatch {
  private seq = 0;
  private rr = 0;
  private readonly idle: Host[];
  private readonly queue: Job[] = [];

  constructor(
    private readonly hosts: Host[],
    private readonly pipelined: boolean,
  ) {
    this.idle = [...hosts];
    for (const h of hosts) {
      h.proc.on('message', (m: HostReply) => this.reply(h, m));
      h.proc.once('exit', (code, signal) => {
        const e = new Error(`feature process ${h.pid} exited (${signal ?? `code ${code}`})`);
        for (const j of h.inFlight.values()) j.reject(e);
        h.inFlight.clear();
      });
    }
  }

  call = (event: APIGatewayProxyEventV2): Promise<Result> =>
    new Promise<Result>((resolve, reject) => {
      const job: Job = { id: `f${++this.seq}`, event, resolve, reject };
      if (this.pipelined) this.send(this.hosts[this.rr++ % this.hosts.length] as Host, job);
      else {
        const h = this.idle.pop();
        if (h) this.send(h, job);
        else this.queue.push(job);
      }
    });

  private send(h: Host, job: Job): void {
    h.inFlight.set(job.id, job);
    try {
      h.proc.send({ id: job.id, event: job.event, timeoutMs: TIMEOUT_MS });
    } catch (e) {
      h.inFlight.delete(job.id);
      job.reject(e as Error);
    }
  }

  private reply(h: Host, m: HostReply): void {
    if (m.id === undefined) return; // log lines, crash reports: none from the echo feature
    const job = h.inFlight.get(m.id);
    if (!job) return;
    h.inFlight.delete(m.id);
    if (!this.pipelined) {
      const next = this.queue.shift();
      if (next) this.send(h, next);
      else this.idle.push(h);
    }
    if (m.ok) job.resolve(m.result as Result);
    else job.reject(new Error(`the feature threw: ${JSON.stringify(m.error)}`));
  }
}

// ---- group commit -----------------------------------------------------------------------------

interface Waiter {
  record: UsageRecord;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The meter's group commit (runtime/meter/meter.ts record/scheduleFlush/flush) with nothing else:
 * records gather until the next turn of the event loop (setImmediate); one commit in flight; what
 * arrives meanwhile forms the next batch (at most MAX_BATCH_RECORDS); each caller resolves once its
 * batch is committed.
 */
class GroupCommit {
  private pending: Waiter[] = [];
  private inflight = 0;
  private scheduled = false;
  readonly stats = { batches: 0, records: 0, failures: 0, commitMs: [] as number[] };

  constructor(
    private readonly commit: (records: UsageRecord[]) => Promise<void>,
    private readonly maxInflight = 1,
  ) {}

  add(record: UsageRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length > 0 && this.inflight < this.maxInflight) {
      const waiters = this.pending.splice(0, MAX_BATCH_RECORDS);
      this.inflight += 1;
      const t0 = performance.now();
      this.commit(waiters.map((w) => w.record)).then(
        () => {
          this.stats.batches += 1;
          this.stats.records += waiters.length;
          this.stats.commitMs.push(performance.now() - t0);
          this.done();
          for (const w of waiters) w.resolve();
        },
        (e: unknown) => {
          this.stats.failures += 1;
          this.done();
          for (const w of waiters) w.reject(e);
        },
      );
    }
  }

  private done(): void {
    this.inflight -= 1;
    if (this.pending.length > 0) this.schedule();
  }
}

/** Each batch: its records as JSON lines appended to one file, then fsync, one batch at a time. */
function fileCommit(fh: FileHandle, lineBytes: number[]): (records: UsageRecord[]) => Promise<void> {
  return async (records) => {
    const text = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const buf = Buffer.from(text);
    lineBytes.push(buf.length / records.length);
    let off = 0;
    while (off < buf.length) off += (await fh.write(buf, off)).bytesWritten;
    await fh.sync();
  };
}

// ---- the variants ------------------------------------------------------------------------------

interface Running {
  url: string;
  featurePids: number[];
  storePid?: number;
  commit?: GroupCommit;
  /** bytes per record line of the fsync variant (averaged per batch) */
  lineBytes?: number[];
  handlerErrors: () => number;
  stop(): Promise<void>;
}

function listen(handle: Handler, onError: (e: unknown) => void): Promise<Server> {
  const server = createHttpServer((event) => handle(event), onError);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function closeServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}

async function startVariant(id: VariantId, modulePath: string, inline: Handler): Promise<Running> {
  let errors = 0;
  let firstError = '';
  const onError = (e: unknown) => {
    errors += 1;
    if (!firstError) {
      firstError = e instanceof Error ? e.message : String(e);
      progress(`${id}: handler error (first of this run): ${firstError}`);
    }
  };
  const hosts: Host[] = [];
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    if (id === 'bare') {
      const server = await listen((event) => inline(event), onError);
      stops.push(() => closeServer(server));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, featurePids: [], handlerErrors: () => errors, stop: stopAll };
    }

    const n = id.startsWith('ipc4') ? 4 : 1;
    stops.push(() => Promise.all(hosts.map(stopHost)).then(() => {}));
    hosts.push(...(await Promise.all(Array.from({ length: n }, () => startHost(modulePath)))));
    const ipc = new IpcDispatch(hosts, !id.startsWith('ipc4-1'));

    let handle: Handler = ipc.call;
    let commit: GroupCommit | undefined;
    let storePid: number | undefined;
    let lineBytes: number[] | undefined;
    const metered = (c: GroupCommit): Handler => async (event) => {
      const startedAt = Date.now();
      const t0 = performance.now();
      const result = await ipc.call(event);
      await c.add(usageRecord(result, startedAt, performance.now() - t0));
      return result;
    };

    if (id.endsWith('+fsync')) {
      const dir = tempDir('floor-bench-fsync-');
      stops.push(async () => removeTempDir(dir));
      const fh = await open(path.join(dir, 'records.jsonl'), 'a', 0o600);
      stops.push(() => fh.close());
      lineBytes = [];
      commit = new GroupCommit(fileCommit(fh, lineBytes));
      handle = metered(commit);
    } else if (id.endsWith('+store')) {
      // As startPlatform starts it: the store in its child process, the SDK signing with its credential.
      const dataDir = tempDir('floor-bench-store-');
      stops.push(async () => removeTempDir(dataDir));
      const store = new StoreProcess(dataDir);
      stops.push(async () => {
        // StoreProcess unrefs its child: hold the event loop while it exits.
        const keepAlive = setInterval(() => {}, 1000);
        try {
          await store.close();
        } finally {
          clearInterval(keepAlive);
        }
      });
      await store.start();
      storePid = findChildPid(process.pid, 'store-process');
      // The gateway meter's client (platform.ts): gives up after 1.5 s.
      const dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential, requestTimeoutMs: 1_500 });
      stops.push(async () => dynamo.destroy());
      const tables = tableNames(LOCAL_TABLE_PREFIX);
      await ensureTables(dynamo, tables);
      const usageLog = new DynamoUsageLog(documentClient(dynamo), tables);
      let seq = 0;
      commit = new GroupCommit((records) => usageLog.commit({ writerId: 'floor', seq: ++seq, records, rejections: [] }));
      handle = metered(commit);
    }

    const server = await listen(handle, onError);
    stops.push(() => closeServer(server));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      featurePids: hosts.map((h) => h.pid),
      ...(storePid !== undefined ? { storePid } : {}),
      ...(commit ? { commit } : {}),
      ...(lineBytes ? { lineBytes } : {}),
      handlerErrors: () => errors,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll().catch(() => {});
    throw e;
  }
}

// ---- measured runs ----------------------------------------------------------------------------

interface RunFigures {
  variant: VariantId;
  round: number;
  load: LoadResult;
  reqPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** this process (HTTP server, IPC, group commit): user+system CPU over the load, per request */
  processCpuUsPerReq: number;
  /** the feature processes together */
  featuresCpuUsPerReq: number;
  /** the embedded store's process (the +store variants only) */
  storeCpuUsPerReq: number | null;
  totalCpuUsPerReq: number;
  /** the most this process, the feature processes and the store held together while loaded */
  peakRss: { totalMb: number; processMb: number; featuresMb: number; storeMb: number; featureProcesses: number };
  machineBusyPct: number;
  /** CPU used meanwhile by processes that are not this bench, its children or its load generator, % of one core */
  othersCpuPct: number;
  handlerErrors: number;
  commit?: { batches: number; records: number; avgBatchRecords: number; commitsPerReq: number; commitMsMean: number; commitMsP50: number; commitMsP99: number; failures: number; lineBytes?: number };
}

async function measure(variant: VariantId, round: number, r: Running): Promise<RunFigures> {
  const c0 = r.commit ? { batches: r.commit.stats.batches, records: r.commit.stats.records, failures: r.commit.stats.failures, n: r.commit.stats.commitMs.length } : undefined;
  const lines0 = r.lineBytes?.length ?? 0;
  const errors0 = r.handlerErrors();
  const cpuOf = (pid: number | undefined) => {
    const c = pid === undefined ? undefined : processCpuMs(pid);
    return c ? c.userMs + c.systemMs : Number.NaN;
  };
  const others0 = snapshotCpu();
  const features0 = r.featurePids.map(cpuOf);
  const store0 = cpuOf(r.storePid);
  const m0 = machineCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const peakRss = { totalMb: 0, processMb: 0, featuresMb: 0, storeMb: 0, featureProcesses: r.featurePids.length };
  const sampleRss = () => {
    const processMb = rssBytes(process.pid) / 2 ** 20;
    const featuresMb = r.featurePids.reduce((s, pid) => s + rssBytes(pid), 0) / 2 ** 20;
    const storeMb = r.storePid !== undefined ? rssBytes(r.storePid) / 2 ** 20 : 0;
    if (processMb + featuresMb + storeMb > peakRss.totalMb) Object.assign(peakRss, { totalMb: processMb + featuresMb + storeMb, processMb, featuresMb, storeMb });
  };
  sampleRss();
  const rssTimer = setInterval(sampleRss, 250);
  const load = await runLoad({ url: `${r.url}${REQUEST_PATH}`, connections: CONNECTIONS, durationS: DURATION_S, headers: HEADERS }).finally(() => clearInterval(rssTimer));
  const cpu = process.cpuUsage(cpu0);
  const elapsedMs = performance.now() - t0;
  const m1 = machineCpu();
  const featuresMs = r.featurePids.reduce((s, pid, i) => s + (cpuOf(pid) - (features0[i] as number)), 0);
  const storeMs = cpuOf(r.storePid) - store0;
  const othersCpuPct = (100 * otherCpuSince(others0, [process.pid, ...r.featurePids, r.storePid])) / elapsedMs;
  const requests = Math.max(1, load.requestsTotal);
  const processCpuUsPerReq = (cpu.user + cpu.system) / requests;
  const featuresCpuUsPerReq = (featuresMs * 1000) / requests;
  const storeCpuUsPerReq = r.storePid !== undefined && Number.isFinite(storeMs) ? (storeMs * 1000) / requests : null;
  let commit: RunFigures['commit'];
  if (r.commit && c0) {
    const s = r.commit.stats;
    const batches = s.batches - c0.batches;
    const records = s.records - c0.records;
    const ms = s.commitMs.slice(c0.n).sort((a, b) => a - b);
    const lines = r.lineBytes?.slice(lines0) ?? [];
    commit = {
      batches,
      records,
      avgBatchRecords: batches ? records / batches : 0,
      commitsPerReq: batches / requests,
      commitMsMean: ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : Number.NaN,
      commitMsP50: ms.length ? (ms[Math.floor(ms.length / 2)] as number) : Number.NaN,
      commitMsP99: ms.length ? (ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.99) - 1)] as number) : Number.NaN,
      failures: s.failures - c0.failures,
      ...(lines.length ? { lineBytes: lines.reduce((a, b) => a + b, 0) / lines.length } : {}),
    };
  }
  return {
    variant,
    round,
    load,
    reqPerSec: load['2xx'] / load.durationS,
    p50Ms: load.latencyMs.p50,
    p99Ms: load.latencyMs.p99,
    processCpuUsPerReq,
    featuresCpuUsPerReq,
    storeCpuUsPerReq,
    totalCpuUsPerReq: processCpuUsPerReq + featuresCpuUsPerReq + (storeCpuUsPerReq ?? 0),
    peakRss,
    machineBusyPct: m1.total > m0.total ? (100 * (m1.busy - m0.busy)) / (m1.total - m0.total) : Number.NaN,
    othersCpuPct,
    handlerErrors: r.handlerErrors() - errors0,
    ...(commit ? { commit } : {}),
  };
}

function runLine(r: RunFigures): string {
  const errs = r.load.non2xx + r.load.errors + r.load.timeouts;
  return (
    `  round ${r.round} ${pad(r.variant, 12)} ${pad(f(r.reqPerSec), 7, true)} req/s  p50 ${pad(f(r.p50Ms, 2), 6, true)}  p99 ${pad(f(r.p99Ms, 2), 6, true)} ms` +
    `  cpu µs/req: this ${pad(f(r.processCpuUsPerReq), 3, true)}` +
    (r.variant !== 'bare' ? ` + features ${f(r.featuresCpuUsPerReq)}` : '') +
    (r.storeCpuUsPerReq !== null ? ` + store ${f(r.storeCpuUsPerReq)}` : '') +
    `  rss ${f(r.peakRss.totalMb)} MB` +
    (r.commit ? `  batch ≈ ${f(r.commit.avgBatchRecords, 1)} rec, commit ${f(r.commit.commitMsMean, 2)} ms mean / ${f(r.commit.commitMsP99, 2)} p99` : '') +
    `  load gen ${f((100 * r.load.cpuMs) / (r.load.durationS * 1000))} %  machine ${f(r.machineBusyPct)} % busy` +
    (r.othersCpuPct >= OTHERS_LIMIT_PCT ? `  OTHER PROCESSES ${f(r.othersCpuPct)} % of a core` : '') +
    (errs ? `  NON-2XX/ERRORS ${errs}` : '')
  );
}

// ---- main -------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = new Date();
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemGb: Math.round(os.totalmem() / 2 ** 30),
  };
  const loadAvgAtStart = os.loadavg();
  const before = await sampleMachine(1000);
  progress(`machine: ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}; load average ${loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}; ${f(before.busyPct)} % busy over 1 s before start`);
  for (const b of before.busyProcesses) progress(`  WARNING: busy meanwhile: pid ${b.pid} ${b.cpuPct} % of a core: ${b.cmd}`);
  const quiet = before.busyPct < 15;
  const tmpFs = fsType(os.tmpdir());
  if (tmpFs === 'tmpfs' || tmpFs === 'ramfs') progress(`WARNING: ${os.tmpdir()} is ${tmpFs}: the fsync variant's fsync costs nothing there`);
  const sameEcho = sameEchoAsGatewayBench();
  if (!sameEcho) progress('WARNING: bench/gateway.ts no longer has this echo source: its ratio and this one measure different handlers');

  // The echo feature compiled once; the bare side imports the same file the feature processes load.
  const fnDir = tempDir('floor-bench-fn-');
  const modulePath = path.join(fnDir, FEATURE, 'index.mjs');
  mkdirSync(path.dirname(modulePath));
  writeFileSync(modulePath, (await transform(ECHO_SOURCE, { loader: 'ts', format: 'esm', target: 'node22' })).code);
  // esbuild's service process is not needed any more (nor counted in anyone's RSS or CPU)
  await stopEsbuild();
  const { handler } = (await import(pathToFileURL(modulePath).href)) as { handler: Handler };
  const fakeReq = { url: REQUEST_PATH, method: 'GET', httpVersion: '1.1', rawHeaders: ['host', '127.0.0.1', ...Object.entries(HEADERS).flat()], socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
  const expected = await handler(toEvent(fakeReq, undefined, 0));
  const recordBytes = Buffer.byteLength(JSON.stringify(usageRecord(expected, Date.now(), 0.123456789)));
  progress(`variants: ${VARIANTS.join(', ')}; a record is ${recordBytes} bytes of JSON; temp files on ${tmpFs} (${os.tmpdir()})`);

  const runs: RunFigures[] = [];
  out(`\n## Floor: ${CONNECTIONS} connections, ${ROUNDS} round(s) × ${DURATION_S} s per variant (+ ${WARMUP_S} s warm-up after each start)${quiet ? '' : `  (MACHINE NOT QUIET AT START: ${f(before.busyPct)} % busy)`}`);
  for (let round = 1; round <= ROUNDS; round += 1) {
    const order = round % 2 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      if (exit.interrupted()) throw new Error('interrupted');
      progress(`round ${round}: ${variant}: starting`);
      const tStart = performance.now();
      const r = await startVariant(variant, modulePath, handler);
      active = r;
      try {
        const startMs = performance.now() - tStart;
        const res = await fetch(`${r.url}${REQUEST_PATH}`, { headers: HEADERS });
        const body = await res.text();
        if (res.status !== 200 || body !== expected.body) throw new Error(`${variant} answers ${res.status} ${body}, not ${expected.body}`);
        if (WARMUP_S > 0) {
          progress(`round ${round}: ${variant}: started in ${f(startMs)} ms; warm-up ${WARMUP_S} s`);
          await runLoad({ url: `${r.url}${REQUEST_PATH}`, connections: CONNECTIONS, durationS: WARMUP_S, headers: HEADERS });
        }
        progress(`round ${round}: ${variant}: ${DURATION_S} s × ${CONNECTIONS} connections`);
        const figures = await measure(variant, round, r);
        runs.push(figures);
        out(runLine(figures));
      } finally {
        active = undefined;
        await r.stop();
      }
      await sleep(300);
    }
  }

  // ---- summary ----
  const of = (v: VariantId) => runs.filter((r) => r.variant === v);
  const med = (v: VariantId, pick: (r: RunFigures) => number | null | undefined) => median(of(v).map((r) => pick(r) ?? Number.NaN));
  const bareOf = (round: number) => runs.find((r) => r.variant === 'bare' && r.round === round);
  const summary = VARIANTS.map((v) => {
    const perRoundRatio = of(v).map((r) => r.reqPerSec / (bareOf(r.round)?.reqPerSec ?? Number.NaN));
    const peak = of(v).reduce((a, b) => (b.peakRss.totalMb > a.peakRss.totalMb ? b : a));
    return {
      variant: v,
      reqPerSec: med(v, (r) => r.reqPerSec),
      perRoundRatio,
      ratioMedianOfRounds: median(perRoundRatio),
      ratioOfMedians: med(v, (r) => r.reqPerSec) / med('bare', (r) => r.reqPerSec),
      p50Ms: med(v, (r) => r.p50Ms),
      p99Ms: med(v, (r) => r.p99Ms),
      processCpuUsPerReq: med(v, (r) => r.processCpuUsPerReq),
      featuresCpuUsPerReq: v === 'bare' ? null : med(v, (r) => r.featuresCpuUsPerReq),
      storeCpuUsPerReq: v.endsWith('+store') ? med(v, (r) => r.storeCpuUsPerReq) : null,
      totalCpuUsPerReq: med(v, (r) => r.totalCpuUsPerReq),
      peakRss: peak.peakRss,
      avgBatchRecords: v.includes('+') ? med(v, (r) => r.commit?.avgBatchRecords) : null,
      commitMsMean: v.includes('+') ? med(v, (r) => r.commit?.commitMsMean) : null,
      machineBusyPct: med(v, (r) => r.machineBusyPct),
      errors: of(v).reduce((s, r) => s + r.load.non2xx + r.load.errors + r.load.timeouts, 0),
    };
  });
  const disturbed = runs.filter((r) => r.othersCpuPct >= OTHERS_LIMIT_PCT);

  out(`\n## Medians of ${ROUNDS} round(s); ratio = req/s ÷ bare's req/s in the same round, then the median of those`);
  const cols = [
    ['variant', 13, false],
    ['req/s', 8, true],
    ['× bare', 7, true],
    ['per round', 22, true],
    ['p50 ms', 7, true],
    ['p99 ms', 7, true],
    ['cpu this', 9, true],
    ['features', 9, true],
    ['store', 6, true],
    ['total', 6, true],
    ['RSS MB (this+features+store)', 30, true],
    ['batch', 6, true],
    ['commit ms', 10, true],
  ] as const;
  out(`  ${cols.map(([h, w, right]) => pad(h, w, right)).join(' ')}`);
  for (const s of summary) {
    const cells = [
      s.variant,
      f(s.reqPerSec),
      f(s.ratioMedianOfRounds, 3),
      s.perRoundRatio.map((x) => f(x, 3)).join(', '),
      f(s.p50Ms, 2),
      f(s.p99Ms, 2),
      f(s.processCpuUsPerReq),
      s.featuresCpuUsPerReq === null ? '-' : f(s.featuresCpuUsPerReq),
      s.storeCpuUsPerReq === null ? '-' : f(s.storeCpuUsPerReq),
      f(s.totalCpuUsPerReq),
      `${f(s.peakRss.totalMb)} (${f(s.peakRss.processMb)}+${f(s.peakRss.featuresMb)}+${f(s.peakRss.storeMb)})`,
      s.avgBatchRecords === null ? '-' : f(s.avgBatchRecords, 1),
      s.commitMsMean === null ? '-' : f(s.commitMsMean, 2),
    ];
    out(`  ${cells.map((c, i) => pad(c, cols[i]?.[1] ?? 0, cols[i]?.[2] ?? false)).join(' ')}${s.errors ? `  NON-2XX/ERRORS ${s.errors}` : ''}`);
  }
  out('  (CPU in µs per request: this process / the feature processes together / the store process / all; RSS: peak of all the variant\'s processes together while loaded; batch: records per group commit; commit: mean ms per commit)');
  for (const s of summary) {
    if (s.variant !== 'bare') out(`  ${pad(s.variant, 10)} × ${f(s.ratioMedianOfRounds, 3)} of bare (ratio of the medians ${f(s.ratioOfMedians, 3)}): ${s.ratioMedianOfRounds >= TARGET_RATIO ? 'at or above' : 'BELOW'} the ${TARGET_RATIO} target`);
  }
  out(`  machine at start: load average ${loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}, ${f(before.busyPct)} % busy over 1 s${before.busyProcesses.length ? `; busy: ${before.busyProcesses.map((b) => `pid ${b.pid} ${b.cpuPct} % (${b.cmd.slice(0, 60)})`).join('; ')}` : ''}`);
  out(
    disturbed.length
      ? `  WARNING: other processes used ≥ ${OTHERS_LIMIT_PCT} % of a core during ${disturbed.length} measured run(s) (${disturbed.map((r) => `${r.variant} r${r.round} ${f(r.othersCpuPct)} %`).join(', ')}): those figures are depressed`
      : `  no other process used ≥ ${OTHERS_LIMIT_PCT} % of a core during the measured runs (max ${f(Math.max(0, ...runs.map((r) => r.othersCpuPct)))} %)`,
  );

  // ---- results file ----
  const finished = new Date();
  const results = {
    bench: 'floor',
    command: COMMAND,
    date: started.toISOString(),
    durationS: (finished.getTime() - started.getTime()) / 1000,
    machine,
    loadAverageAtStart: loadAvgAtStart,
    machineBeforeStart: before,
    quietAtStart: quiet,
    tmpDir: { path: os.tmpdir(), fsType: tmpFs },
    disturbedRuns: disturbed.map((r) => ({ variant: r.variant, round: r.round, othersCpuPct: r.othersCpuPct })),
    options: { rounds: ROUNDS, durationS: DURATION_S, warmupS: WARMUP_S, connections: CONNECTIONS, variants: VARIANTS, maxBatchRecords: MAX_BATCH_RECORDS },
    feature: { source: ECHO_SOURCE, sameAsGatewayBench: sameEcho, response: expected.body, requestPath: REQUEST_PATH, recordBytes },
    target: { ratio: TARGET_RATIO },
    summary,
    runs,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `floor-${started.toISOString().replaceAll(':', '-').replace('.', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  out(`\nresults: ${path.relative(REPO, file)}`);
  return summary.some((s) => s.errors > 0) ? 1 : 0;
}

const code = await exit.run('floor', main);
process.exit(exit.interrupted() ? 130 : code);
