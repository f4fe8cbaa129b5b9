/**
 * Aggregation under interleaved live traffic (issue #18): `--clients` clients × `--features`
 * features, calls through the gateway of a local platform, each to a random (client, feature) pair,
 * so that almost every call is a usage line of its own. Prints, every second of the run, the calls
 * answered (= records durable), the records the applier put in the aggregates and the backlog
 * (records durable but not yet in the aggregates); then the time the backlog takes to drain, its
 * maximum, and whether the aggregates hold every call exactly once.
 *
 *   npx tsx bench/aggregation.ts                  # 1,000 clients × 200 features, 60 s, 64 connections
 *   npx tsx bench/aggregation.ts --duration 10    # a shorter run
 *
 * `npm run bench` runs it after the gateway A/B (bench/gateway.ts --aggregation-duration).
 * Each feature is the echo feature of bench/gateway.ts under its own slug, so each runs in its own
 * sandboxed processes (concurrency 1 here, to bound memory: one process per feature).
 * Results: stdout (progress on stderr) and bench/results/aggregation-<ISO date>.json.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ClientStore } from '../runtime/keys/client-store.ts';
import { startPlatform, type Platform } from '../runtime/local/platform.ts';
import { silentLogger } from '../runtime/logger.ts';
import { DynamoUsageLog } from '../runtime/meter/dynamo-usage-log.ts';
import { runLimited } from '../runtime/store/run-limited.ts';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import { monthOf } from '../shared/month.ts';
import { DEFAULT_POLICY } from '../shared/statement.ts';
import { runLoad, stopRunningLoads } from './lib/load.ts';
import { childPids, findChildPid, processCpuMs, rssBytes } from './lib/proc.ts';
import { benchArgs } from './lib/args.ts';
import { benchExit } from './lib/exit.ts';
import { out, progress } from './lib/report.ts';

const USAGE = `usage: npx tsx bench/aggregation.ts [options]
  --clients N         clients, one API key each (default 1000)
  --features N        features, each its own sandboxed process (default 200)
  --duration S        seconds of load (default 60)
  --connections N     concurrent connections (default 64)
  --meter-inflight N  the meter's commits in flight (default: the meter's own)
  --apply-delay-ms N  how long durable batches gather before the applier takes them (default: the meter's own)
  --drain-timeout S   how long to wait for the backlog to drain after the load (default 300)
  --results-dir DIR   where the JSON goes (default bench/results)
  --help`;

const { args, num } = benchArgs(USAGE, ['clients', 'features', 'duration', 'connections', 'drain-timeout', 'meter-inflight', 'apply-delay-ms', 'results-dir']);
const CLIENTS = Math.floor(num('clients', args.clients, 1000, 1));
const FEATURES = Math.floor(num('features', args.features, 200, 1));
const DURATION_S = num('duration', args.duration, 60, 1);
const CONNECTIONS = Math.floor(num('connections', args.connections, 64, 1));
const DRAIN_TIMEOUT_S = num('drain-timeout', args['drain-timeout'], 300, 1);
const METER_OPTIONS = {
  ...(args['meter-inflight'] !== undefined ? { maxInflightCommits: Math.floor(num('meter-inflight', args['meter-inflight'], 1, 1)) } : {}),
  ...(args['apply-delay-ms'] !== undefined ? { applyDelayMs: num('apply-delay-ms', args['apply-delay-ms'], 0, 0) } : {}),
};
const REPO = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.resolve(args['results-dir'] ?? path.join(REPO, 'bench', 'results'));
const COMMAND = ['npx tsx bench/aggregation.ts', ...process.argv.slice(2)].join(' ');
const TARGET_RECORDS_PER_S = 10_000;

const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');

const MANIFEST = (i: number) => ({
  name: `Echo ${i}`,
  description: 'Benchmark feature: answers a small JSON, no I/O.',
  version: '1.0.0',
  authors: [{ id: `bench-dev-${i % 50}`, weight: 1 }],
  price: { perCall: '0.0001', perGbSecond: '0', currency: 'EUR' },
  memoryMb: 128,
  timeoutMs: 3000,
  concurrency: 1,
  tags: ['bench'],
});
const SOURCE = `export const handler = async (event: { rawPath: string }) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ok: true, path: event.rawPath }),
});
`;
const slug = (i: number) => `echo-${String(i).padStart(3, '0')}`;

const tempDirs: string[] = [];
let platform: Platform | undefined;
const exit = benchExit(async () => {
  stopRunningLoads();
  const p = platform;
  platform = undefined;
  await p?.stop().catch((e: unknown) => process.stderr.write(`platform stop failed: ${String(e)}\n`));
}, tempDirs);

interface Second {
  t: number;
  /** records handed to the meter in this second (each an answered call, durable before its answer) */
  recorded: number;
  applied: number;
  backlog: number;
  pendingBatches: number;
  rssMb: number;
}

async function main(): Promise<number> {
  const started = new Date();
  const loadAvgAtStart = os.loadavg();
  const functionsDir = mkdtempSync(path.join(os.tmpdir(), 'faascape-bench-aggfn-'));
  tempDirs.push(functionsDir);
  for (let i = 0; i < FEATURES; i += 1) {
    mkdirSync(path.join(functionsDir, slug(i)));
    writeFileSync(path.join(functionsDir, slug(i), 'feature.json'), `${JSON.stringify(MANIFEST(i), null, 2)}\n`);
    writeFileSync(path.join(functionsDir, slug(i), 'index.ts'), SOURCE);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faascape-bench-agg-'));
  tempDirs.push(dataDir);
  progress(`starting the platform with ${FEATURES} features; load average ${loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  const t0 = performance.now();
  platform = await startPlatform({ port: 0, host: '127.0.0.1', dataDir, functionsDir, policy: DEFAULT_POLICY, scheduleCloses: false }, { logger: silentLogger, meter: METER_OPTIONS });
  const p = platform;
  if (p.problems.length || p.features.size !== FEATURES) throw new Error(`features not loaded: ${p.problems.map((e) => e.message).join('; ')}`);
  progress(`platform on ${p.url} in ${f(performance.now() - t0)} ms`);
  const storePid = findChildPid(process.pid, 'store-process');
  const db = documentClient(p.dynamo);
  const clients = new ClientStore(db, p.tables);
  const usage = new DynamoUsageLog(db, p.tables);

  progress(`creating ${CLIENTS} clients with a key each`);
  const keys: string[] = new Array(CLIENTS);
  await runLimited(
    Array.from({ length: CLIENTS }, (_, i) => async () => {
      keys[i] = (await clients.createKey(`bench-agg-${String(i).padStart(4, '0')}`)).apiKey;
    }),
    16,
  );
  const paths = Array.from({ length: FEATURES }, (_, i) => `/v1/features/${slug(i)}`);
  const pairsFile = path.join(dataDir, 'pairs.json');
  writeFileSync(pairsFile, JSON.stringify({ keys, paths }));

  // Warm every feature (its cold start) before the timed run; these calls are metered too.
  progress(`warming ${FEATURES} features (one process each)`);
  const tw = performance.now();
  let warm = 0;
  await runLimited(
    paths.map((u, i) => async () => {
      const r = await fetch(`${p.url}${u}`, { headers: { 'x-api-key': keys[i % CLIENTS] as string } });
      await r.text();
      if (r.status !== 200) throw new Error(`warm-up call to ${u}: ${r.status}`);
      warm += 1;
    }),
    4,
  );
  progress(`${warm} features warm in ${f(performance.now() - tw)} ms`);
  await p.meter.settled(60_000);

  const rss = () => (rssBytes(process.pid) + (storePid ? rssBytes(storePid) : 0) + [...childPids(process.pid, 'feature-host.mjs'), ...childPids(process.pid, 'esbuild')].reduce((s, pid) => s + rssBytes(pid), 0)) / 2 ** 20;
  const cpu = () => {
    const own = process.cpuUsage();
    const store = storePid ? processCpuMs(storePid) : undefined;
    const features = childPids(process.pid, 'feature-host.mjs').reduce((s, pid) => {
      const c = processCpuMs(pid);
      return c ? s + c.userMs + c.systemMs : s;
    }, 0);
    return { platformMs: (own.user + own.system) / 1000, storeMs: store ? store.userMs + store.systemMs : 0, featuresMs: features };
  };

  const s0 = p.meter.stats();
  const recorded0 = s0.recordsApplied + s0.backlogRecords;
  const seconds: Second[] = [];
  let last = { recorded: recorded0, applied: s0.recordsApplied };
  const tick = (t: number) => {
    const s = p.meter.stats();
    const recorded = s.recordsApplied + s.backlogRecords;
    const sec: Second = { t, recorded: recorded - last.recorded, applied: s.recordsApplied - last.applied, backlog: s.backlogRecords, pendingBatches: s.pendingBatches, rssMb: rss() };
    last = { recorded, applied: s.recordsApplied };
    seconds.push(sec);
    out(`  ${String(t).padStart(4)} s  answered ${f(sec.recorded).padStart(6)}/s  aggregated ${f(sec.applied).padStart(6)}/s  backlog ${f(sec.backlog).padStart(7)} records (${sec.pendingBatches} batches)  rss ${f(sec.rssMb)} MB`);
  };

  out(`\n## Interleaved traffic: ${f(CLIENTS)} clients × ${f(FEATURES)} features, ${CONNECTIONS} connections, ${DURATION_S} s (each call a random pair)`);
  const cpu0 = cpu();
  const tLoad = performance.now();
  let n = 0;
  const timer = setInterval(() => tick(++n), 1000);
  const load = await runLoad({ url: p.url, connections: CONNECTIONS, durationS: DURATION_S, pairsFile }).finally(() => clearInterval(timer));
  const loadMs = performance.now() - tLoad;
  const cpu1 = cpu();
  const endStats = p.meter.stats();
  const backlogAtEnd = endStats.backlogRecords;
  out(`  load over: ${f(load['2xx'])} answers 2xx, ${f(load.non2xx + load.errors + load.timeouts)} other; backlog ${f(backlogAtEnd)} records; draining…`);

  // Drain: the backlog every second until it is empty.
  const tDrain = performance.now();
  let drained = false;
  const drainTimer = setInterval(() => tick(++n), 1000);
  try {
    drained = await p.meter.settled(DRAIN_TIMEOUT_S * 1000);
  } finally {
    clearInterval(drainTimer);
  }
  const drainMs = performance.now() - tDrain;
  // Calls the load generator abandoned when it closed its sockets may still be finishing in the
  // gateway (and be recorded after the drain): wait until no record arrives for half a second.
  for (let seen = -1; drained; ) {
    const s = p.meter.stats();
    const n = s.recordsApplied + s.backlogRecords;
    if (n === seen && s.backlogRecords === 0) break;
    seen = n;
    await new Promise((r) => setTimeout(r, 500));
    drained = await p.meter.settled(DRAIN_TIMEOUT_S * 1000);
  }
  const final = p.meter.stats();

  // Exactly once: every record durable is in the aggregates once.
  const recordedTotal = final.recordsApplied + final.backlogRecords - recorded0;
  const appliedDuring = final.recordsApplied - s0.recordsApplied;
  let aggregated = 0;
  for (const m of new Set([monthOf(started.getTime()), monthOf(Date.now())])) for (const a of await usage.monthAggregates(m)) aggregated += a.calls;
  // nothing may have been applied while the aggregates were read
  const expectedAggregated = p.meter.stats().recordsApplied === final.recordsApplied ? final.recordsApplied : Number.NaN;
  const lines = (await usage.monthAggregates(monthOf(Date.now()))).length;

  const liveSeconds = seconds.slice(0, Math.floor(loadMs / 1000));
  const maxBacklog = Math.max(0, ...seconds.map((s) => s.backlog));
  const offeredPerS = (recordedTotal * 1000) / loadMs;
  const appliedLivePerS = ((endStats.recordsApplied - s0.recordsApplied) * 1000) / loadMs;
  const aggregationPerS = (appliedDuring * 1000) / (loadMs + drainMs);
  // Bounded: over the second half of the run the backlog did not keep growing.
  const half = liveSeconds.slice(Math.floor(liveSeconds.length / 2));
  const growthPerS = half.length > 1 ? ((half.at(-1) as Second).backlog - (half[0] as Second).backlog) / (half.length - 1) : 0;
  const bounded = drained && growthPerS <= Math.max(50, 0.02 * offeredPerS);
  const keepsUp = appliedLivePerS >= 0.98 * offeredPerS;
  const cpuSpent = { platformMs: cpu1.platformMs - cpu0.platformMs, storeMs: cpu1.storeMs - cpu0.storeMs, featuresMs: cpu1.featuresMs - cpu0.featuresMs };

  out(`\n## Aggregation of interleaved live traffic`);
  out(`  calls answered (records durable): ${f(recordedTotal)} in ${f(loadMs / 1000, 1)} s = ${f(offeredPerS)} records/s offered; ${f(lines)} usage lines this month`);
  out(`  aggregated while the load ran: ${f(appliedLivePerS)} records/s; with the drain: ${f(appliedDuring)} records in ${f((loadMs + drainMs) / 1000, 1)} s = ${f(aggregationPerS)} records/s`);
  out(`  backlog: max ${f(maxBacklog)} records, ${f(backlogAtEnd)} when the load stopped, growing ${f(growthPerS)} records/s over the second half; drained ${drained ? `in ${f(drainMs / 1000, 1)} s` : `NOT within ${DRAIN_TIMEOUT_S} s`}`);
  out(`  keeps up with the offered load: ${keepsUp ? 'YES' : 'NO'}; backlog bounded: ${bounded ? 'YES' : 'NO'}; aggregation ≥ ${f(TARGET_RECORDS_PER_S)} records/s: ${aggregationPerS >= TARGET_RECORDS_PER_S ? 'PASS' : 'MISS'}`);
  out(`  CPU during the load, per call answered: platform ${f((cpuSpent.platformMs * 1000) / Math.max(1, recordedTotal))} µs, store ${f((cpuSpent.storeMs * 1000) / Math.max(1, recordedTotal))} µs, features ${f((cpuSpent.featuresMs * 1000) / Math.max(1, recordedTotal))} µs; peak RSS of the platform's processes ${f(Math.max(0, ...seconds.map((s) => s.rssMb)))} MB (${FEATURES} feature processes)`);
  out(`  exactly once: ${f(aggregated)} calls in the aggregates = ${f(expectedAggregated)} records applied (warm-up included): ${aggregated === expectedAggregated && drained ? 'PASS' : 'FAIL'}`);
  out(`  p50 ${f(load.latencyMs.p50 ?? Number.NaN, 2)} ms, p99 ${f(load.latencyMs.p99 ?? Number.NaN, 2)} ms; load average at start ${loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const results = {
    bench: 'aggregation',
    command: COMMAND,
    date: started.toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverageAtStart: loadAvgAtStart,
    loadAverageAtEnd: os.loadavg(),
    options: { clients: CLIENTS, features: FEATURES, durationS: DURATION_S, connections: CONNECTIONS, meter: METER_OPTIONS },
    load: { ...load },
    seconds,
    summary: { recordedTotal, loadMs, offeredPerS, appliedLivePerS, aggregationPerS, maxBacklog, backlogAtEnd, growthPerS, drained, drainMs, bounded, keepsUp, lines, aggregated, expectedAggregated, cpuSpent, target: TARGET_RECORDS_PER_S },
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `aggregation-${started.toISOString().replaceAll(':', '-').replace('.', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  out(`\nresults: ${path.relative(REPO, file)}`);
  return aggregated === expectedAggregated && drained ? 0 : 1;
}

const code = await exit.run('aggregation', main);
process.exit(code);
