/**
 * Gateway benchmark: what the Faascape gateway (key → limits → worker-isolated invoke → durable
 * metering) costs over a bare node:http server running the same feature handler inline.
 *
 *   npx tsx bench/gateway.ts                         # 3 rounds × 10 s per side, 64 connections
 *   npx tsx bench/gateway.ts --rounds 1 --duration 2 # a smoke run
 *
 * A/B: the local platform (startPlatform, embedded store in its child process, echo feature in
 * worker threads, group-commit meter) against createHttpServer (the platform's own node:http
 * front: same toEvent, same response writing) calling the echo handler module inline, with no
 * gateway, isolation or metering. Both run in this process, one loaded at a time; the load comes
 * from a separate process (bench/lib/load-client.mjs: autocannon, every 2xx response time kept
 * at full resolution). Rounds alternate A/B then B/A. Then: worker-pool dispatch overhead, cold
 * starts, the meter's records/s, CPU per request, and a CPU profile of the gateway under load.
 *
 * Results: stdout (progress on stderr) and bench/results/gateway-<ISO date>.json.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ClientStore } from '../runtime/keys/client-store.ts';
import { createHttpServer, toEvent } from '../runtime/local/http-server.ts';
import { startPlatform, type Platform } from '../runtime/local/platform.ts';
import { ProcessPool } from '../runtime/local/process-pool.ts';
import { silentLogger } from '../runtime/logger.ts';
import { DynamoUsageLog } from '../runtime/meter/dynamo-usage-log.ts';
import type { MeterStats } from '../runtime/meter/meter.ts';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import type { FeatureSpec } from '../shared/manifest.ts';
import { monthOf } from '../shared/month.ts';
import { DEFAULT_POLICY } from '../shared/statement.ts';
import { canonicalAuthors, type UsageRecord } from '../shared/usage.ts';
import { runLoad, stopRunningLoads, type LoadResult } from './lib/load.ts';
import { childPids, findChildPid, machineCpu, otherCpuSince, otherProcesses, processCpuMs, rssBytes, sampleMachine, snapshotCpu } from './lib/proc.ts';
import { profile, summarise, type ProfileSummary } from './lib/profile.ts';
import { benchArgs } from './lib/args.ts';
import { benchExit } from './lib/exit.ts';
import { f, median, out, pad, progress } from './lib/report.ts';

// ---- options ------------------------------------------------------------------------------------

const USAGE = `usage: npx tsx bench/gateway.ts [options]
  --rounds N             A/B rounds, alternating A/B then B/A (default 3)
  --duration S           seconds of load per side per round (default 10)
  --connections N        concurrent connections of the load generator (default 64)
  --warmup S             seconds of unmeasured load on each side first (default 3, 0 = none)
  --profile-duration S   seconds of the extra metered round under the CPU profiler (default: --duration, 0 = skip)
  --dispatch-calls N     worker-pool calls with 64 in flight (default 20000; sequential: a quarter)
  --cold-starts N        fresh worker pools spawned to time a cold start (default 5)
  --meter-records N      synthetic usage records for the meter's records/s (default 100000, 0 = skip)
  --meter-window N       records recorded but not yet durable, at most (default 1024)
  --meter-inflight N     the platform meter's commits in flight at once (default: the meter's own)
  --apply-delay-ms N     how long the platform meter lets durable batches gather before applying them (default: the meter's own)
  --latency-connections N  then one run per side with N connections (default 1: one call at a time, no queueing), for the latency the gateway itself adds; 0 = skip
  --aggregation-duration S  then interleaved traffic for the aggregation (bench/aggregation.ts), S seconds (default 60, 0 = skip)
  --aggregation-clients N   its clients (default 1000)
  --aggregation-features N  its features, one process each (default 200)
  --results-dir DIR      where the JSON goes (default bench/results)
  --profile-out FILE     also write the raw V8 profile (.cpuprofile, opens in Chrome DevTools)
  --help`;

const { args, num } = benchArgs(USAGE, ['rounds', 'duration', 'connections', 'warmup', 'profile-duration', 'dispatch-calls', 'cold-starts', 'meter-records', 'meter-window', 'meter-inflight', 'apply-delay-ms', 'latency-connections', 'aggregation-duration', 'aggregation-clients', 'aggregation-features', 'results-dir', 'profile-out']);

const ROUNDS = Math.floor(num('rounds', args.rounds, 3, 1));
const DURATION_S = num('duration', args.duration, 10, 1);
const CONNECTIONS = Math.floor(num('connections', args.connections, 64, 1));
const WARMUP_S = num('warmup', args.warmup, 3, 0);
const PROFILE_S = num('profile-duration', args['profile-duration'], DURATION_S, 0);
const DISPATCH_CALLS = Math.floor(num('dispatch-calls', args['dispatch-calls'], 20_000, 64));
const COLD_STARTS = Math.floor(num('cold-starts', args['cold-starts'], 5, 0));
const METER_RECORDS = Math.floor(num('meter-records', args['meter-records'], 100_000, 0));
const METER_WINDOW = Math.floor(num('meter-window', args['meter-window'], 1024, 1));
const METER_INFLIGHT = args['meter-inflight'] === undefined ? undefined : Math.floor(num('meter-inflight', args['meter-inflight'], 2, 1));
const APPLY_DELAY_MS = args['apply-delay-ms'] === undefined ? undefined : num('apply-delay-ms', args['apply-delay-ms'], 0, 0);
const METER_OPTIONS = { ...(METER_INFLIGHT !== undefined ? { maxInflightCommits: METER_INFLIGHT } : {}), ...(APPLY_DELAY_MS !== undefined ? { applyDelayMs: APPLY_DELAY_MS } : {}) };
const LATENCY_CONNECTIONS = Math.floor(num('latency-connections', args['latency-connections'], 1, 0));
const AGGREGATION_S = num('aggregation-duration', args['aggregation-duration'], 60, 0);
const AGGREGATION_CLIENTS = Math.floor(num('aggregation-clients', args['aggregation-clients'], 1000, 1));
const AGGREGATION_FEATURES = Math.floor(num('aggregation-features', args['aggregation-features'], 200, 1));
const REPO = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.resolve(args['results-dir'] ?? path.join(REPO, 'bench', 'results'));
const COMMAND = ['npx tsx bench/gateway.ts', ...process.argv.slice(2)].join(' ');

const TARGET_RATIO = 0.25;
const TARGET_ADDED_P99_MS = 5;
/** a run during which other processes used more than this (% of one core) is flagged as disturbed */
const OTHERS_LIMIT_PCT = 10;
const FEATURE = 'echo';
const CLIENT_ID = 'bench-gateway';
const METER_CLIENT_ID = 'bench-meter-synthetic';
const REQUEST_PATH = `/v1/features/${FEATURE}?msg=hello`;
/** how a feature process's command line can be told (runtime/local/process-pool.ts forks it) */
const FEATURE_HOST = 'feature-host.mjs';
const TARGET_RSS_MB = 300;

// ---- small helpers ------------------------------------------------------------------------------

// ---- the echo feature -------------------------------------------------------------------------

const ECHO_MANIFEST = {
  name: 'Echo',
  description: 'Benchmark feature: answers a small JSON, no I/O.',
  version: '1.0.0',
  authors: [{ id: 'bench', weight: 1 }],
  price: { perCall: '0.0001', perGbSecond: '0', currency: 'EUR' },
  memoryMb: 128,
  timeoutMs: 3000,
  tags: ['bench'],
};

const ECHO_SOURCE = `// Benchmark feature (written by bench/gateway.ts): the smallest useful answer, no I/O.
export const handler = async (event: { rawPath: string; queryStringParameters?: Record<string, string>; requestContext: { http: { method: string } } }) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ok: true, method: event.requestContext.http.method, path: event.rawPath, query: event.queryStringParameters ?? {} }),
});
`;

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** An event like the ones the gateway hands to features (credentials stripped, authorizer set). */
function featureLikeEvent(): APIGatewayProxyEventV2 {
  const req = {
    url: REQUEST_PATH,
    method: 'GET',
    httpVersion: '1.1',
    rawHeaders: ['host', '127.0.0.1:3000', 'user-agent', 'bench', 'accept', '*/*'],
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
  const event = toEvent(req, undefined, 0);
  return {
    ...event,
    routeKey: 'ANY /v1/features/{slug}',
    pathParameters: { slug: FEATURE },
    requestContext: { ...event.requestContext, authorizer: { lambda: { clientId: 'c_benchpseudonym0000000' } } } as APIGatewayProxyEventV2['requestContext'],
  };
}

// ---- cleanup ------------------------------------------------------------------------------------

const tempDirs: string[] = [];
let platform: Platform | undefined;
let bare: Server | undefined;
async function cleanupSteps(): Promise<void> {
  stopRunningLoads();
  if (bare) {
    const s = bare;
    bare = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
  if (platform) {
    const p = platform;
    platform = undefined;
    await p.stop().catch((e: unknown) => process.stderr.write(`platform stop failed: ${String(e)}\n`));
  }
}

const exit = benchExit(cleanupSteps, tempDirs);

// ---- measured runs ----------------------------------------------------------------------------

type Side = 'metered' | 'bare';

interface RunFigures {
  side: Side;
  /** 0 = warm-up, -1 = profiled round, -2 = latency run (few connections) */
  round: number;
  /** connections of a latency run (the others use --connections) */
  connections?: number;
  load: LoadResult;
  reqPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** this (platform) process: user+system CPU, all threads (gateway, feature workers, libuv) */
  processCpuUsPerReq: number;
  storeCpuUsPerReq: number | null;
  /** the feature's sandboxed processes (children of this one running feature-host.mjs) */
  featureCpuUsPerReq: number;
  /** the most the platform's processes held together while loaded: this process (gateway, and the idle bare server), the store, the feature processes */
  peakRss: { totalMb: number; platformMb: number; storeMb: number; featuresMb: number; featureProcesses: number; platformHeapTotalMb: number; platformExternalMb: number };
  machineBusyPct: number;
  /** HTTP requests this process made to the store (DynamoDB API calls by the SDK) per request served */
  storeCallsPerReq: number;
  /** CPU used meanwhile by processes that are not this bench (nor its store or load generator), in % of one core */
  othersCpuPct: number;
  meter?: { recordsCommitted: number; batchesCommitted: number; avgBatchRecords: number; pendingBatchesAtEnd: number; drainMs: number };
}

let storePid: number | undefined;
/** every HTTP request this process makes goes to the store (the SDK); the load comes from outside */
let storeCalls = 0;
const onClientRequest = () => {
  storeCalls += 1;
};

async function settleFully(p: Platform, maxMs = 600_000): Promise<number> {
  const t0 = performance.now();
  while (!(await p.meter.settled(30_000))) {
    if (performance.now() - t0 > maxMs) throw new Error(`the meter did not settle within ${maxMs} ms: ${JSON.stringify(p.meter.stats())}`);
  }
  return performance.now() - t0;
}

async function measure(side: Side, round: number, url: string, apiKey: string, durationS: number, connections = CONNECTIONS): Promise<RunFigures> {
  const p = platform as Platform;
  const cpu0 = process.cpuUsage();
  const store0 = storePid !== undefined ? processCpuMs(storePid) : undefined;
  const m0 = machineCpu();
  const meter0: MeterStats = p.meter.stats();
  const others0 = snapshotCpu();
  const storeCalls0 = storeCalls;
  const features0 = childPids(process.pid, FEATURE_HOST);
  const t0 = performance.now();
  const peakRss = { totalMb: 0, platformMb: 0, storeMb: 0, featuresMb: 0, featureProcesses: 0, platformHeapTotalMb: 0, platformExternalMb: 0 };
  const sampleRss = () => {
    const fp = childPids(process.pid, FEATURE_HOST);
    const platformMb = rssBytes(process.pid) / 2 ** 20;
    const storeMb = storePid !== undefined ? rssBytes(storePid) / 2 ** 20 : 0;
    // esbuild's service, when the platform keeps it, is one of its processes too
    const featuresMb = [...fp, ...childPids(process.pid, 'esbuild')].reduce((s, pid) => s + rssBytes(pid), 0) / 2 ** 20;
    if (platformMb + storeMb + featuresMb > peakRss.totalMb) {
      // what of this process's RSS is V8's heap (young and old generations) and buffers outside it
      const mem = process.memoryUsage();
      Object.assign(peakRss, { totalMb: platformMb + storeMb + featuresMb, platformMb, storeMb, featuresMb, featureProcesses: fp.length, platformHeapTotalMb: mem.heapTotal / 2 ** 20, platformExternalMb: mem.external / 2 ** 20 });
    }
  };
  const rssTimer = setInterval(sampleRss, 250);
  const load = await runLoad({ url: `${url}${REQUEST_PATH}`, connections, durationS, headers: { 'x-api-key': apiKey } }).finally(() => clearInterval(rssTimer));
  const featurePids = [...new Set([...features0, ...childPids(process.pid, FEATURE_HOST)])];
  const featureCpuMs = featurePids.reduce((sum, pid) => {
    const c = processCpuMs(pid);
    return c ? sum + c.userMs + c.systemMs - (others0.get(pid) ?? 0) : sum;
  }, 0);
  let meter: RunFigures['meter'];
  if (side === 'metered') {
    // The applier's work belongs to these requests: wait until they are all in the aggregates.
    const pendingBatchesAtEnd = p.meter.stats().pendingBatches;
    const drainMs = await settleFully(p);
    const meter1 = p.meter.stats();
    const records = meter1.recordsCommitted - meter0.recordsCommitted;
    const batches = meter1.batchesCommitted - meter0.batchesCommitted;
    meter = { recordsCommitted: records, batchesCommitted: batches, avgBatchRecords: batches ? records / batches : 0, pendingBatchesAtEnd, drainMs };
  }
  const cpu = process.cpuUsage(cpu0);
  const store1 = storePid !== undefined ? processCpuMs(storePid) : undefined;
  const m1 = machineCpu();
  const othersCpuPct = (100 * otherCpuSince(others0, [process.pid, storePid, ...featurePids])) / (performance.now() - t0);
  const requests = Math.max(1, load.requestsTotal);
  return {
    side,
    round,
    ...(connections !== CONNECTIONS ? { connections } : {}),
    load,
    reqPerSec: load['2xx'] / load.durationS,
    p50Ms: load.latencyMs.p50,
    p99Ms: load.latencyMs.p99,
    processCpuUsPerReq: (cpu.user + cpu.system) / requests,
    storeCpuUsPerReq: store0 && store1 ? ((store1.userMs + store1.systemMs - store0.userMs - store0.systemMs) * 1000) / requests : null,
    featureCpuUsPerReq: (featureCpuMs * 1000) / requests,
    peakRss,
    machineBusyPct: m1.total > m0.total ? (100 * (m1.busy - m0.busy)) / (m1.total - m0.total) : Number.NaN,
    othersCpuPct,
    storeCallsPerReq: (storeCalls - storeCalls0) / requests,
    ...(meter ? { meter } : {}),
  };
}

function runLine(r: RunFigures): string {
  const tag = r.round === 0 ? 'warm-up' : r.connections ? `${r.connections} conn` : r.round < 0 ? 'profiled' : `round ${r.round}`;
  const extra = r.meter ? `  ${f(r.storeCallsPerReq, 2)} store calls/req, batch≈${f(r.meter.avgBatchRecords, 1)} rec, backlog at end ${r.meter.pendingBatchesAtEnd} batches, drained in ${f(r.meter.drainMs)} ms` : '';
  const errs = r.load.non2xx + r.load.errors + r.load.timeouts;
  return (
    `  ${pad(tag, 9)} ${pad(r.side, 8)} ${pad(f(r.reqPerSec), 8, true)} req/s  p50 ${pad(f(r.p50Ms, 2), 7, true)} ms  p99 ${pad(f(r.p99Ms, 2), 7, true)} ms` +
    `  cpu ${pad(f(r.processCpuUsPerReq), 4, true)} µs/req` +
    (r.storeCpuUsPerReq !== null && r.side === 'metered' ? ` + store ${f(r.storeCpuUsPerReq)} + features ${f(r.featureCpuUsPerReq)} µs/req` : '') +
    (r.side === 'metered' ? `  rss ${f(r.peakRss.totalMb)} MB (${f(r.peakRss.platformMb)} + store ${f(r.peakRss.storeMb)} + ${r.peakRss.featureProcesses} features ${f(r.peakRss.featuresMb)})` : '') +
    `  load gen ${f((100 * r.load.cpuMs) / (r.load.durationS * 1000))} % of a core  machine ${f(r.machineBusyPct)} % busy` +
    (r.othersCpuPct >= OTHERS_LIMIT_PCT ? `  OTHER PROCESSES ${f(r.othersCpuPct)} % of a core` : '') +
    (errs ? `  NON-2XX/ERRORS ${errs}` : '') +
    extra
  );
}

// ---- inside the gateway -----------------------------------------------------------------------

async function dispatchOverhead(p: Platform, handler: Handler) {
  const spec = (p.features.get(FEATURE) as { spec: FeatureSpec }).spec;
  const event = featureLikeEvent();
  let failures = 0;
  let id = 0;
  const invoke = async () => {
    const o = await p.pool.invoke({ feature: spec, invocationId: `bench-${++id}`, event });
    if (o.kind !== 'returned') failures += 1;
  };
  // warm every worker of the feature first
  await Promise.all(Array.from({ length: 256 }, invoke));

  const seqCalls = Math.max(100, Math.floor(DISPATCH_CALLS / 4));
  let t0 = performance.now();
  for (let i = 0; i < seqCalls; i += 1) await handler(event);
  const inlineUs = ((performance.now() - t0) * 1000) / seqCalls;

  let cpu0 = process.cpuUsage();
  t0 = performance.now();
  for (let i = 0; i < seqCalls; i += 1) await invoke();
  const seqUs = ((performance.now() - t0) * 1000) / seqCalls;
  let cpu = process.cpuUsage(cpu0);
  const seqCpuUs = (cpu.user + cpu.system) / seqCalls;

  const inFlight = 64;
  let next = 0;
  cpu0 = process.cpuUsage();
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < DISPATCH_CALLS) {
        next += 1;
        await invoke();
      }
    }),
  );
  const parUs = ((performance.now() - t0) * 1000) / DISPATCH_CALLS;
  cpu = process.cpuUsage(cpu0);
  const parCpuUs = (cpu.user + cpu.system) / DISPATCH_CALLS;
  return { concurrency: spec.concurrency, inlineHandlerUs: inlineUs, sequential: { calls: seqCalls, usPerCall: seqUs, cpuUsPerCall: seqCpuUs }, inFlight64: { calls: DISPATCH_CALLS, usPerCall: parUs, callsPerSec: 1e6 / parUs, cpuUsPerCall: parCpuUs }, failures };
}

async function coldStarts(p: Platform) {
  const spec = (p.features.get(FEATURE) as { spec: FeatureSpec }).spec;
  const event = featureLikeEvent();
  const runs: { firstCallMs: number; workerReadyMs: number }[] = [];
  for (let i = 0; i < COLD_STARTS; i += 1) {
    const pool = new ProcessPool(p.features, silentLogger);
    try {
      const t0 = performance.now();
      const o = await pool.invoke({ feature: spec, invocationId: `cold-${i}`, event });
      const firstCallMs = performance.now() - t0;
      if (o.kind !== 'returned') throw new Error(`cold start call failed: ${JSON.stringify(o)}`);
      runs.push({ firstCallMs, workerReadyMs: pool.stats.lastColdStartMs });
    } finally {
      await pool.close();
    }
  }
  return { runs, medianFirstCallMs: median(runs.map((r) => r.firstCallMs)), medianWorkerReadyMs: median(runs.map((r) => r.workerReadyMs)) };
}

async function meterThroughput(p: Platform, usage: DynamoUsageLog) {
  const spec = (p.features.get(FEATURE) as { spec: FeatureSpec }).spec;
  const authors = canonicalAuthors(spec.manifest.authors);
  const months = new Set<string>([monthOf(Date.now())]);
  const record = (i: number): UsageRecord => ({
    invocationId: randomUUID(),
    clientId: METER_CLIENT_ID,
    keyId: 'bench-key',
    featureId: FEATURE,
    featureVersion: spec.manifest.version,
    startedAt: Date.now(),
    durationMs: 0.25,
    billedMs: 1,
    memoryMb: spec.manifest.memoryMb,
    requestBytes: 0,
    responseBytes: 64 + (i % 7),
    status: 200,
    outcome: 'ok',
    price: spec.price,
    authors,
    billable: true,
  });
  const meter0 = p.meter.stats();
  const cpu0 = process.cpuUsage();
  const store0 = storePid !== undefined ? processCpuMs(storePid) : undefined;
  const storeCalls0 = storeCalls;
  const t0 = performance.now();
  let issued = 0;
  let done = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (issued - done < METER_WINDOW && issued < METER_RECORDS) {
        issued += 1;
        void p.meter.record(record(issued)).then(() => {
          done += 1;
          if (done === METER_RECORDS) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const durableMs = performance.now() - t0;
  await settleFully(p);
  const settledMs = performance.now() - t0;
  months.add(monthOf(Date.now()));
  const cpu = process.cpuUsage(cpu0);
  const store1 = storePid !== undefined ? processCpuMs(storePid) : undefined;
  const meter1 = p.meter.stats();
  let aggregated = 0;
  for (const m of months) for (const a of await usage.clientAggregates(METER_CLIENT_ID, m)) aggregated += a.calls;
  const batches = meter1.batchesCommitted - meter0.batchesCommitted;
  return {
    records: METER_RECORDS,
    window: METER_WINDOW,
    durableMs,
    settledMs,
    durablePerSec: METER_RECORDS / (durableMs / 1000),
    settledPerSec: METER_RECORDS / (settledMs / 1000),
    batchesCommitted: batches,
    avgBatchRecords: batches ? (meter1.recordsCommitted - meter0.recordsCommitted) / batches : 0,
    batchesApplied: meter1.batchesApplied - meter0.batchesApplied,
    storeCalls: storeCalls - storeCalls0,
    processCpuUsPerRecord: (cpu.user + cpu.system) / METER_RECORDS,
    storeCpuUsPerRecord: store0 && store1 ? ((store1.userMs + store1.systemMs - store0.userMs - store0.systemMs) * 1000) / METER_RECORDS : null,
    aggregatedCalls: aggregated,
    exact: aggregated === METER_RECORDS,
  };
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
  const others = otherProcesses(['bench/statements']);
  const loadAvgAtStart = os.loadavg();
  const before = await sampleMachine(1000);
  if (others.length) progress(`WARNING: bench/statements is running (pid ${others.map((o) => o.pid).join(', ')}): figures will be depressed`);
  progress(`machine: ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}; load average ${loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}; ${f(before.busyPct)} % busy over 1 s before start`);
  for (const b of before.busyProcesses) progress(`  WARNING: busy meanwhile: pid ${b.pid} ${b.cpuPct} % of a core: ${b.cmd}`);
  const quiet = others.length === 0 && before.busyPct < 15;

  // The echo feature, alone in its functions dir.
  const functionsDir = mkdtempSync(path.join(os.tmpdir(), 'faascape-bench-fn-'));
  tempDirs.push(functionsDir);
  mkdirSync(path.join(functionsDir, FEATURE));
  writeFileSync(path.join(functionsDir, FEATURE, 'feature.json'), `${JSON.stringify(ECHO_MANIFEST, null, 2)}\n`);
  const echoFile = path.join(functionsDir, FEATURE, 'index.ts');
  writeFileSync(echoFile, ECHO_SOURCE);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faascape-bench-gw-'));
  tempDirs.push(dataDir);

  // Server-side count of requests the platform received on the invoke path (for the metering check).
  // Which server a request hit is looked up once per server (address() is a getsockname syscall).
  let platformPort = -1;
  let invokeRequestsReceived = 0;
  const isPlatformServer = new WeakMap<Server, boolean>();
  const onRequest = (msg: unknown) => {
    const { request, server } = msg as { request: IncomingMessage; server: Server };
    let isPlatform = isPlatformServer.get(server);
    if (isPlatform === undefined) {
      isPlatform = (server.address() as AddressInfo | null)?.port === platformPort;
      isPlatformServer.set(server, isPlatform);
    }
    if (isPlatform && request.url?.startsWith(`/v1/features/${FEATURE}`)) invokeRequestsReceived += 1;
  };
  subscribe('http.server.request.start', onRequest);
  subscribe('http.client.request.start', onClientRequest);

  try {
    // A: the platform.
    const tStart = performance.now();
    platform = await startPlatform(
      { port: 0, host: '127.0.0.1', dataDir, functionsDir, policy: DEFAULT_POLICY, scheduleCloses: false },
      { logger: silentLogger, meter: METER_OPTIONS },
    );
    const platformStartMs = performance.now() - tStart;
    const p = platform;
    platformPort = p.port;
    if (p.problems.length || !p.features.has(FEATURE)) throw new Error(`echo feature not loaded: ${p.problems.map((e) => e.message).join('; ')}`);
    storePid = findChildPid(process.pid, 'store-process');
    progress(`platform on ${p.url} in ${f(platformStartMs)} ms; store process pid ${storePid ?? 'not found (store CPU not reported)'}`);
    const db = documentClient(p.dynamo);
    const clients = new ClientStore(db, p.tables);
    const usage = new DynamoUsageLog(db, p.tables);
    const { apiKey } = await clients.createKey(CLIENT_ID);
    const months = new Set<string>([monthOf(Date.now())]);

    // B: the bare server, same handler module imported directly, same node:http front.
    const { handler } = (await import(pathToFileURL(echoFile).href)) as { handler: Handler };
    bare = createHttpServer((event) => handler(event), (e) => process.stderr.write(`bare server error: ${String(e)}\n`));
    await new Promise<void>((resolve, reject) => {
      (bare as Server).once('error', reject);
      (bare as Server).listen(0, '127.0.0.1', () => resolve());
    });
    const bareUrl = `http://127.0.0.1:${((bare as Server).address() as AddressInfo).port}`;

    // First call: the feature's cold start inside the platform, and a sanity check of both sides.
    let t0 = performance.now();
    const first = await fetch(`${p.url}${REQUEST_PATH}`, { headers: { 'x-api-key': apiKey } });
    const firstBody = await first.text();
    const firstCallMs = performance.now() - t0;
    const firstColdStartMs = p.pool.stats.lastColdStartMs;
    if (first.status !== 200) throw new Error(`first metered call: ${first.status} ${firstBody}`);
    const bareRes = await fetch(`${bareUrl}${REQUEST_PATH}`, { headers: { 'x-api-key': apiKey } });
    const bareBody = await bareRes.text();
    if (bareRes.status !== 200 || bareBody !== firstBody) throw new Error(`bare and metered answers differ: ${bareBody} vs ${firstBody}`);
    let metered2xx = 1;
    let meteredResponses = 1;
    let meteredRuns = 0;
    progress(`first metered call ${f(firstCallMs, 1)} ms (worker cold start ${f(firstColdStartMs, 1)} ms); both sides answer ${firstBody}`);

    const runs: RunFigures[] = [];
    const urlOf = (side: Side) => (side === 'metered' ? p.url : bareUrl);
    /** Keeps a run: its line, and what a metered one answered (checked against the aggregates at the end). */
    const keep = (r: RunFigures) => {
      if (r.side === 'metered') {
        metered2xx += r.load['2xx'];
        meteredResponses += r.load.requestsTotal;
        meteredRuns += 1;
      }
      runs.push(r);
      out(runLine(r));
      return r;
    };
    const doRun = async (side: Side, round: number, durationS: number) => {
      progress(`${round === 0 ? 'warm-up' : round < 0 ? 'profiled round' : `round ${round}`}: ${side}, ${durationS} s × ${CONNECTIONS} connections`);
      const r = keep(await measure(side, round, urlOf(side), apiKey, durationS));
      await sleep(300);
      return r;
    };

    out(`\n## Gateway A/B: ${CONNECTIONS} connections, ${ROUNDS} round(s) × ${DURATION_S} s per side${quiet ? '' : `  (MACHINE NOT QUIET AT START: ${f(before.busyPct)} % busy)`}`);
    if (WARMUP_S > 0) {
      await doRun('metered', 0, WARMUP_S);
      await doRun('bare', 0, WARMUP_S);
    }
    for (let round = 1; round <= ROUNDS; round += 1) {
      const order: Side[] = round % 2 ? ['metered', 'bare'] : ['bare', 'metered'];
      for (const side of order) await doRun(side, round, DURATION_S);
    }

    // The extra metered round under the CPU profiler.
    let profileSummary: ProfileSummary | undefined;
    let profiledRun: RunFigures | undefined;
    if (PROFILE_S > 0) {
      const interval = 1000;
      progress(`profiled round: metered, ${PROFILE_S} s, V8 sampling every ${interval} µs (main thread only)`);
      const { result, profile: prof } = await profile(() => measure('metered', -1, p.url, apiKey, PROFILE_S), interval);
      profiledRun = keep(result);
      profileSummary = summarise(prof, REPO, interval, 30);
      if (args['profile-out']) writeFileSync(path.resolve(args['profile-out']), JSON.stringify(prof));
    }

    // The latency the gateway itself adds, without queueing: one run per side with few connections
    // (default one: each call sent when the last one is answered).
    let latencyRun: { connections: number; metered: RunFigures; bare: RunFigures } | undefined;
    if (LATENCY_CONNECTIONS > 0) {
      out(`\n## Latency without queueing: ${LATENCY_CONNECTIONS} connection(s), ${DURATION_S} s per side`);
      const runsBySide: Partial<Record<Side, RunFigures>> = {};
      for (const side of ['metered', 'bare'] as const) {
        progress(`latency: ${side}, ${LATENCY_CONNECTIONS} connection(s) for ${DURATION_S} s`);
        runsBySide[side] = keep(await measure(side, -2, urlOf(side), apiKey, DURATION_S, LATENCY_CONNECTIONS));
        await sleep(300);
      }
      latencyRun = { connections: LATENCY_CONNECTIONS, metered: runsBySide.metered as RunFigures, bare: runsBySide.bare as RunFigures };
    }

    // Every metered call durably metered?
    await settleFully(p);
    months.add(monthOf(Date.now()));
    let aggregatedCalls = 0;
    let aggregatedBillable = 0;
    for (const m of months) {
      for (const a of await usage.clientAggregates(CLIENT_ID, m)) {
        aggregatedCalls += a.calls;
        aggregatedBillable += a.billableCalls;
      }
    }
    const maxInFlightLost = CONNECTIONS * meteredRuns;
    const metering = {
      autocannon2xx: metered2xx,
      autocannonResponses: meteredResponses,
      serverReceived: invokeRequestsReceived,
      aggregatedCalls,
      aggregatedBillable,
      /** requests the server got but whose answer the load generator never read (it closes its sockets when time is up) */
      inFlightAtStop: aggregatedCalls - metered2xx,
      ok: aggregatedCalls === invokeRequestsReceived && aggregatedCalls >= metered2xx && aggregatedCalls - metered2xx <= maxInFlightLost && aggregatedBillable === aggregatedCalls,
    };

    // Inside the gateway.
    progress('worker-pool dispatch overhead');
    const dispatch = await dispatchOverhead(p, handler);
    progress('cold starts of fresh worker pools');
    const cold = COLD_STARTS > 0 ? await coldStarts(p) : undefined;
    let meterBench: Awaited<ReturnType<typeof meterThroughput>> | undefined;
    if (METER_RECORDS > 0) {
      progress(`meter: ${f(METER_RECORDS)} synthetic records, ${METER_WINDOW} in flight at most`);
      meterBench = await meterThroughput(p, usage);
    }

    // ---- summary ----
    const measured = runs.filter((r) => r.round > 0);
    const side = (s: Side) => measured.filter((r) => r.side === s);
    const med = (s: Side, pick: (r: RunFigures) => number | null) => median(side(s).map((r) => pick(r) ?? Number.NaN));
    const summary = {
      metered: { reqPerSec: med('metered', (r) => r.reqPerSec), p50Ms: med('metered', (r) => r.p50Ms), p99Ms: med('metered', (r) => r.p99Ms), processCpuUsPerReq: med('metered', (r) => r.processCpuUsPerReq), storeCpuUsPerReq: med('metered', (r) => r.storeCpuUsPerReq), featureCpuUsPerReq: med('metered', (r) => r.featureCpuUsPerReq), peakRssMb: Math.max(...side('metered').map((r) => r.peakRss.totalMb)), storeCallsPerReq: med('metered', (r) => r.storeCallsPerReq), avgBatchRecords: med('metered', (r) => r.meter?.avgBatchRecords ?? null), machineBusyPct: med('metered', (r) => r.machineBusyPct) },
      bare: { reqPerSec: med('bare', (r) => r.reqPerSec), p50Ms: med('bare', (r) => r.p50Ms), p99Ms: med('bare', (r) => r.p99Ms), processCpuUsPerReq: med('bare', (r) => r.processCpuUsPerReq), machineBusyPct: med('bare', (r) => r.machineBusyPct) },
      ratio: 0,
      addedP50Ms: 0,
      addedP99Ms: 0,
      perRoundRatio: [] as number[],
    };
    summary.ratio = summary.metered.reqPerSec / summary.bare.reqPerSec;
    summary.addedP50Ms = summary.metered.p50Ms - summary.bare.p50Ms;
    summary.addedP99Ms = summary.metered.p99Ms - summary.bare.p99Ms;
    for (let round = 1; round <= ROUNDS; round += 1) {
      const m = measured.find((r) => r.round === round && r.side === 'metered');
      const b = measured.find((r) => r.round === round && r.side === 'bare');
      if (m && b) summary.perRoundRatio.push(m.reqPerSec / b.reqPerSec);
    }
    const disturbed = runs.filter((r) => r.round !== 0 && r.othersCpuPct >= OTHERS_LIMIT_PCT);
    const ratioPass = summary.ratio >= TARGET_RATIO;
    const rssPass = summary.metered.peakRssMb <= TARGET_RSS_MB;
    const peakRun = side('metered').reduce((a, b) => (b.peakRss.totalMb > a.peakRss.totalMb ? b : a));
    const p99Pass = summary.addedP99Ms <= TARGET_ADDED_P99_MS;
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

    out(`\n## Medians of ${ROUNDS} round(s)`);
    out(`  ${pad('', 28)} ${pad('bare', 12, true)} ${pad('metered', 12, true)}`);
    out(`  ${pad('req/s', 28)} ${pad(f(summary.bare.reqPerSec), 12, true)} ${pad(f(summary.metered.reqPerSec), 12, true)}`);
    out(`  ${pad('p50 latency (ms)', 28)} ${pad(f(summary.bare.p50Ms, 2), 12, true)} ${pad(f(summary.metered.p50Ms, 2), 12, true)}`);
    out(`  ${pad('p99 latency (ms)', 28)} ${pad(f(summary.bare.p99Ms, 2), 12, true)} ${pad(f(summary.metered.p99Ms, 2), 12, true)}`);
    out(`  ${pad('CPU/request, this process', 28)} ${pad(`${f(summary.bare.processCpuUsPerReq)} µs`, 12, true)} ${pad(`${f(summary.metered.processCpuUsPerReq)} µs`, 12, true)}`);
    out(`  ${pad('CPU/request, store process', 28)} ${pad('-', 12, true)} ${pad(storePid !== undefined ? `${f(summary.metered.storeCpuUsPerReq)} µs` : 'n/a', 12, true)}`);
    out(`  ${pad('CPU/request, feature procs', 28)} ${pad('-', 12, true)} ${pad(`${f(summary.metered.featureCpuUsPerReq)} µs`, 12, true)}`);
    out(`  peak RSS of the platform's processes under load: ${f(summary.metered.peakRssMb)} MB (this process ${f(peakRun.peakRss.platformMb)}, of which V8 heap ${f(peakRun.peakRss.platformHeapTotalMb)} and external ${f(peakRun.peakRss.platformExternalMb)}; store ${f(peakRun.peakRss.storeMb)}, ${peakRun.peakRss.featureProcesses} feature processes ${f(peakRun.peakRss.featuresMb)})   target ≤ ${TARGET_RSS_MB} MB  ${rssPass ? 'PASS' : 'MISS'}`);
    out(`  ratio metered ÷ bare req/s: ${f(summary.ratio, 3)}  (per round: ${summary.perRoundRatio.map((x) => f(x, 3)).join(', ')}; their median ${f(median(summary.perRoundRatio), 3)}, less sensitive to another process loading one round)   target ≥ ${TARGET_RATIO}  ${verdict(ratioPass)}`);
    out(`  added p99 (metered − bare): ${f(summary.addedP99Ms, 2)} ms   target ≤ ${TARGET_ADDED_P99_MS} ms  ${verdict(p99Pass)}`);
    out(`  added p50 (metered − bare): ${f(summary.addedP50Ms, 2)} ms`);
    if (latencyRun) {
      const { metered: m, bare: b } = latencyRun;
      out(`  with ${latencyRun.connections} connection(s), no queueing: metered p50 ${f(m.p50Ms, 2)} / p99 ${f(m.p99Ms, 2)} ms (${f(m.reqPerSec)} req/s), bare p50 ${f(b.p50Ms, 2)} / p99 ${f(b.p99Ms, 2)} ms (${f(b.reqPerSec)} req/s): added p50 ${f((m.p50Ms ?? Number.NaN) - (b.p50Ms ?? Number.NaN), 2)} ms, added p99 ${f((m.p99Ms ?? Number.NaN) - (b.p99Ms ?? Number.NaN), 2)} ms`);
    }
    out(
      disturbed.length
        ? `  WARNING: other processes used ≥ ${OTHERS_LIMIT_PCT} % of a core during ${disturbed.length} measured run(s) (max ${f(Math.max(...disturbed.map((r) => r.othersCpuPct)))} %): figures are depressed`
        : `  no other process used ≥ ${OTHERS_LIMIT_PCT} % of a core during the measured runs (max ${f(Math.max(0, ...runs.filter((r) => r.round !== 0).map((r) => r.othersCpuPct)))} %)`,
    );

    out('\n## Metering check (all metered runs: first call, warm-up, rounds, profiled round)');
    out(`  2xx reported by the load generator: ${f(metering.autocannon2xx)}  (responses ${f(metering.autocannonResponses)})`);
    out(`  invoke requests the platform received: ${f(metering.serverReceived)}`);
    out(`  calls in the client's aggregates after settled(): ${f(metering.aggregatedCalls)} (billable ${f(metering.aggregatedBillable)})`);
    out(`  difference aggregates − 2xx: ${f(metering.inFlightAtStop)} = requests still in flight when the load generator closed its sockets (≤ ${CONNECTIONS} per run, ${meteredRuns} runs)`);
    out(`  ${metering.ok ? 'PASS: every call the platform received is in the aggregates exactly once' : 'FAIL: aggregates do not match what the platform received'}`);

    out('\n## Inside the gateway');
    out(`  echo handler called inline: ${f(dispatch.inlineHandlerUs, 2)} µs/call`);
    out(`  worker pool, sequential: ${f(dispatch.sequential.usPerCall, 1)} µs/call (CPU ${f(dispatch.sequential.cpuUsPerCall, 1)} µs/call, all threads), ${f(dispatch.sequential.calls)} calls`);
    out(`  worker pool, 64 in flight: ${f(dispatch.inFlight64.usPerCall, 1)} µs/call = ${f(dispatch.inFlight64.callsPerSec)} calls/s (CPU ${f(dispatch.inFlight64.cpuUsPerCall, 1)} µs/call), ${f(dispatch.inFlight64.calls)} calls, feature concurrency ${dispatch.concurrency}${dispatch.failures ? `, ${dispatch.failures} FAILED` : ''}`);
    out(`  cold start: first platform call ${f(firstCallMs, 1)} ms, worker spawn→ready ${f(firstColdStartMs, 1)} ms (pool.stats.lastColdStartMs)`);
    if (cold) out(`  cold start, ${cold.runs.length} fresh pools: first call ${f(cold.medianFirstCallMs, 1)} ms, worker ready ${f(cold.medianWorkerReadyMs, 1)} ms (medians; each: ${cold.runs.map((r) => f(r.firstCallMs, 1)).join(', ')} ms)`);
    if (meterBench) {
      out(
        `  meter (group commit): ${f(meterBench.records)} records, window ${meterBench.window}: durable ${f(meterBench.durablePerSec)} records/s (${f(meterBench.durableMs)} ms), ` +
          `in the aggregates ${f(meterBench.settledPerSec)} records/s (${f(meterBench.settledMs)} ms); ${f(meterBench.batchesCommitted)} batches ≈ ${f(meterBench.avgBatchRecords)} records each, ${f(meterBench.storeCalls)} store calls`,
      );
      out(`    CPU ${f(meterBench.processCpuUsPerRecord, 1)} µs/record here + ${f(meterBench.storeCpuUsPerRecord, 1)} µs/record in the store; aggregates count ${f(meterBench.aggregatedCalls)} ${meterBench.exact ? '(exact)' : '(MISMATCH)'}`);
    }
    out(`  store calls (DynamoDB API requests by the SDK) per metered request: ${f(summary.metered.storeCallsPerReq, 3)}; group-commit batch ≈ ${f(summary.metered.avgBatchRecords, 1)} records (medians of the rounds)`);
    out(`  CPU per metered request: ${f(summary.metered.processCpuUsPerReq)} µs in the platform process (gateway thread + feature workers + libuv), ${storePid !== undefined ? `${f(summary.metered.storeCpuUsPerReq)} µs in the store process` : 'store process not found'}; bare: ${f(summary.bare.processCpuUsPerReq)} µs`);

    if (profileSummary && profiledRun) {
      out(`\n## CPU profile of the gateway under load (main thread, ${PROFILE_S} s metered, ${f(profiledRun.reqPerSec)} req/s while profiled)`);
      out(`  ${f(profileSummary.samples)} samples, ${f(profileSummary.totalMs)} ms; idle ${f(profileSummary.idlePct, 1)} %. Feature workers and the store process are not in this profile.`);
      out('  top 10 by self time:');
      for (const e of profileSummary.top.slice(0, 10)) {
        out(`  ${pad(`${f(e.selfPct, 1)} %`, 7, true)} ${pad(`${f(e.selfMs)} ms`, 9, true)}  ${e.functionName}  ${e.location}`);
        for (const c of e.calledFrom ?? []) out(`  ${pad('', 18)}    ${pad(`${f(c.pct)} %`, 5, true)} from ${c.caller}`);
      }
      out('  by area:');
      for (const a of profileSummary.byArea.slice(0, 12)) out(`  ${pad(`${f(a.selfPct, 1)} %`, 7, true)}  ${a.area}`);
    }

    // ---- results file ----
    const finished = new Date();
    const results = {
      bench: 'gateway',
      command: COMMAND,
      date: started.toISOString(),
      durationS: (finished.getTime() - started.getTime()) / 1000,
      machine,
      loadAverageAtStart: loadAvgAtStart,
      otherBenchmarksRunning: others,
      machineBeforeStart: before,
      quietAtStart: quiet,
      disturbedRuns: disturbed.map((r) => ({ side: r.side, round: r.round, othersCpuPct: r.othersCpuPct })),
      latency: latencyRun ? { connections: latencyRun.connections, metered: { p50Ms: latencyRun.metered.p50Ms, p99Ms: latencyRun.metered.p99Ms, reqPerSec: latencyRun.metered.reqPerSec }, bare: { p50Ms: latencyRun.bare.p50Ms, p99Ms: latencyRun.bare.p99Ms, reqPerSec: latencyRun.bare.reqPerSec } } : null,
      options: { latencyConnections: LATENCY_CONNECTIONS, rounds: ROUNDS, durationS: DURATION_S, connections: CONNECTIONS, warmupS: WARMUP_S, profileS: PROFILE_S, dispatchCalls: DISPATCH_CALLS, coldStarts: COLD_STARTS, meterRecords: METER_RECORDS, meterWindow: METER_WINDOW, meterInflight: METER_INFLIGHT ?? null, applyDelayMs: APPLY_DELAY_MS ?? null },
      feature: { manifest: ECHO_MANIFEST, source: ECHO_SOURCE, response: firstBody, requestPath: REQUEST_PATH },
      platformStartMs,
      storePid: storePid ?? null,
      targets: { ratio: TARGET_RATIO, addedP99Ms: TARGET_ADDED_P99_MS, peakRssMb: TARGET_RSS_MB },
      summary: { ...summary, ratioVerdict: verdict(ratioPass), addedP99Verdict: verdict(p99Pass) },
      runs,
      metering,
      inside: { dispatch, coldStart: { firstCallMs, workerReadyMs: firstColdStartMs, freshPools: cold ?? null }, meter: meterBench ?? null },
      profile: profileSummary ?? null,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `gateway-${started.toISOString().replaceAll(':', '-').replace('.', '-')}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

    // ---- markdown for docs/benchmarks.md ----
    const md: string[] = [];
    md.push(`### Gateway: metered vs bare (${started.toISOString().slice(0, 10)})`);
    md.push('');
    md.push(`\`${COMMAND}\` — ${machine.cpus} × ${machine.cpuModel}, ${machine.os}, Node ${machine.node}; ${CONNECTIONS} connections from a separate autocannon process, ${ROUNDS} × ${DURATION_S} s per side, alternating, medians.${quiet && !disturbed.length ? '' : ` **Other processes were using the CPU (${quiet ? '' : `${f(before.busyPct)} % busy at start; `}${disturbed.length} measured run(s) disturbed): figures are depressed.**`}`);
    md.push('');
    md.push('| | bare node:http, echo inline | Faascape gateway, metered | metered vs bare | target | |');
    md.push('|---|---:|---:|---:|---:|---|');
    md.push(`| req/s | ${f(summary.bare.reqPerSec)} | ${f(summary.metered.reqPerSec)} | × ${f(summary.ratio, 3)} | ≥ ${TARGET_RATIO} | ${verdict(ratioPass)} |`);
    md.push(`| p50 latency | ${f(summary.bare.p50Ms, 2)} ms | ${f(summary.metered.p50Ms, 2)} ms | + ${f(summary.addedP50Ms, 2)} ms | | |`);
    md.push(`| p99 latency | ${f(summary.bare.p99Ms, 2)} ms | ${f(summary.metered.p99Ms, 2)} ms | + ${f(summary.addedP99Ms, 2)} ms | ≤ ${TARGET_ADDED_P99_MS} ms | ${verdict(p99Pass)} |`);
    if (latencyRun) md.push(`| p50 / p99 with ${latencyRun.connections} connection(s) | ${f(latencyRun.bare.p50Ms, 2)} / ${f(latencyRun.bare.p99Ms, 2)} ms | ${f(latencyRun.metered.p50Ms, 2)} / ${f(latencyRun.metered.p99Ms, 2)} ms | + ${f((latencyRun.metered.p50Ms ?? Number.NaN) - (latencyRun.bare.p50Ms ?? Number.NaN), 2)} / + ${f((latencyRun.metered.p99Ms ?? Number.NaN) - (latencyRun.bare.p99Ms ?? Number.NaN), 2)} ms | | |`);
    md.push(`| CPU per request | ${f(summary.bare.processCpuUsPerReq)} µs | ${f(summary.metered.processCpuUsPerReq)} µs + ${storePid !== undefined ? `${f(summary.metered.storeCpuUsPerReq)} µs store` : 'store n/a'} | | | |`);
    md.push(`| CPU per request, feature processes | | ${f(summary.metered.featureCpuUsPerReq)} µs | | | |`);
    md.push(`| peak RSS, all platform processes | | ${f(summary.metered.peakRssMb)} MB (${f(peakRun.peakRss.platformMb)} gateway + ${f(peakRun.peakRss.storeMb)} store + ${f(peakRun.peakRss.featuresMb)} in ${peakRun.peakRss.featureProcesses} feature processes) | | ≤ ${TARGET_RSS_MB} MB | ${rssPass ? 'PASS' : 'MISS'} |`);
    md.push(`| metered calls durable | | ${f(metering.aggregatedCalls)} in aggregates, ${f(metering.autocannon2xx)} 2xx seen, ${f(metering.serverReceived)} received | | equal | ${metering.ok ? 'PASS' : 'FAIL'} |`);
    md.push('');
    md.push('| inside the gateway | |');
    md.push('|---|---:|');
    md.push(`| worker-pool dispatch, sequential | ${f(dispatch.sequential.usPerCall, 1)} µs/call (handler inline: ${f(dispatch.inlineHandlerUs, 2)} µs) |`);
    md.push(`| worker-pool dispatch, 64 in flight | ${f(dispatch.inFlight64.usPerCall, 1)} µs/call (${f(dispatch.inFlight64.callsPerSec)} calls/s, ${dispatch.concurrency} workers) |`);
    md.push(`| cold start (worker spawn → ready / first call) | ${f(cold?.medianWorkerReadyMs ?? firstColdStartMs, 1)} ms / ${f(cold?.medianFirstCallMs ?? firstCallMs, 1)} ms |`);
    if (meterBench) md.push(`| metering, group commit (${f(meterBench.records)} records) | ${f(meterBench.durablePerSec)} records/s durable, ${f(meterBench.settledPerSec)} records/s in the aggregates |`);
    md.push(`| store calls per metered request (group-commit batch) | ${f(summary.metered.storeCallsPerReq, 3)} (≈ ${f(summary.metered.avgBatchRecords, 1)} records per batch) |`);
    md.push(`| CPU per metered request | ${f(summary.metered.processCpuUsPerReq)} µs platform process, ${storePid !== undefined ? `${f(summary.metered.storeCpuUsPerReq)} µs store process` : 'store n/a'} |`);
    if (profileSummary) {
      md.push('');
      md.push(`Top 10 functions by self time, gateway main thread under load (${PROFILE_S} s metered; idle ${f(profileSummary.idlePct, 1)} %):`);
      md.push('');
      md.push('| self | function | where |');
      md.push('|---:|---|---|');
      for (const e of profileSummary.top.slice(0, 10)) md.push(`| ${f(e.selfPct, 1)} % | \`${e.functionName}\` | ${e.location ? `\`${e.location}\`` : ''} |`);
    }
    out('\n## For docs/benchmarks.md\n');
    out(md.join('\n'));
    out(`\nresults: ${path.relative(REPO, file)}`);
    return metering.ok && (!meterBench || meterBench.exact) && dispatch.failures === 0 ? 0 : 1;
  } finally {
    unsubscribe('http.server.request.start', onRequest);
    unsubscribe('http.client.request.start', onClientRequest);
  }
}

let code = await exit.run('gateway', main);

/**
 * Aggregation under interleaved live traffic (bench/aggregation.ts), in a process of its own: a
 * fresh platform with its own features, after this one is stopped, so neither run's memory or
 * backlog weighs on the other.
 */
if (AGGREGATION_S > 0 && !exit.interrupted()) {
  const script = fileURLToPath(new URL('./aggregation.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [...process.execArgv, script, '--duration', String(AGGREGATION_S), '--clients', String(AGGREGATION_CLIENTS), '--features', String(AGGREGATION_FEATURES), '--connections', String(CONNECTIONS), '--results-dir', RESULTS_DIR,
      ...(METER_INFLIGHT !== undefined ? ['--meter-inflight', String(METER_INFLIGHT)] : []),
      ...(APPLY_DELAY_MS !== undefined ? ['--apply-delay-ms', String(APPLY_DELAY_MS)] : [])],
    { stdio: 'inherit' },
  );
  const forward = () => child.kill('SIGTERM');
  process.once('SIGINT', forward).once('SIGTERM', forward);
  const aggregationCode = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  if (aggregationCode !== 0) code = 1;
}
process.exit(code);
