/**
 * Memory of the platform as `npm start` runs it: every process of the tree (the platform, its
 * store, the feature processes), sampled under load, without a benchmark harness in the
 * platform's process (bench/gateway.ts measures the platform inside its own process, with the
 * bare server and the harness beside it).
 *
 *   npx tsx bench/rss.ts                        # 64 connections, 20 s, the echo feature
 *   npx tsx bench/rss.ts --platform-node-options=--max-semi-space-size=4
 *
 * Results: stdout (progress on stderr) and bench/results/rss-<ISO date>.json.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './lib/args.ts';
import { progress } from './lib/report.ts';
import { runLoad, stopRunningLoads } from './lib/load.ts';
import { sampleMachine } from './lib/proc.ts';

const USAGE = `usage: npx tsx bench/rss.ts [options]
  --duration S               seconds of load (default 20)
  --connections N            concurrent connections (default 64)
  --concurrency N            the echo feature's processes at most (manifest "concurrency"; default: the platform's)
  --platform-node-options S  NODE_OPTIONS for the platform's process (and its store, which inherits them)
  --results-dir DIR          where the JSON goes (default bench/results)
  --help`;

const { args, num } = benchArgs(USAGE, ['duration', 'connections', 'concurrency', 'platform-node-options', 'results-dir']);
const durationS = num('duration', args.duration, 20, 1);
const connections = num('connections', args.connections, 64, 1);
const concurrency = args.concurrency === undefined ? undefined : num('concurrency', args.concurrency, 4, 1);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_RSS_MB = 300;
const mb = (bytes: number) => Math.round(bytes / 1048576);

// ---- the process tree ---------------------------------------------------------------------------

interface Proc {
  pid: number;
  ppid: number;
  rss: number;
  cmd: string;
}

function table(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const rss = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(d), ppid, rss, cmd });
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

/** `root` and all its descendants, each labelled by what it is in the platform. */
function tree(root: number): (Proc & { role: string })[] {
  const all = table();
  const keep = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!keep.has(p.pid) && keep.has(p.ppid)) (keep.add(p.pid), (grew = true));
  }
  return all
    .filter((p) => keep.has(p.pid))
    .map((p) => ({
      ...p,
      role: p.pid === root ? 'platform' : p.cmd.includes('store-process') ? 'store' : p.cmd.includes('feature-host') ? 'feature' : p.cmd.includes('esbuild') ? 'esbuild' : 'other',
    }));
}

// ---- the platform ---------------------------------------------------------------------------------

const ECHO_SOURCE = `export const handler = async (event: { rawPath: string; requestContext: { http: { method: string } } }) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ok: true, method: event.requestContext.http.method, path: event.rawPath }),
});
`;

const temp: string[] = [];
let platform: ChildProcess | undefined;
function cleanup(): void {
  stopRunningLoads();
  if (platform?.pid && platform.exitCode === null) {
    // The platform stops its store and feature processes itself; kill what is left after that.
    for (const p of tree(platform.pid)) if (p.pid !== platform.pid) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    platform.kill('SIGKILL');
  }
  for (const d of temp) rmSync(d, { recursive: true, force: true });
}
process.on('SIGINT', () => (cleanup(), process.exit(130)));

async function main(): Promise<void> {
  const machine = await sampleMachine(1000);
  progress(`machine ${machine.busyPct.toFixed(0)} % busy before the run${machine.busyProcesses.length ? `: ${machine.busyProcesses.map((p) => `${p.cmd.slice(0, 40)} ${p.cpuPct.toFixed(0)} %`).join(', ')}` : ''}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faascape-bench-rss-'));
  const functionsDir = mkdtempSync(path.join(os.tmpdir(), 'faascape-bench-rss-fn-'));
  temp.push(dataDir, functionsDir);
  mkdirSync(path.join(functionsDir, 'echo'));
  const manifest = { name: 'Echo', description: 'Benchmark feature: a small JSON, no I/O.', version: '1.0.0', authors: [{ id: 'bench', weight: 1 }], price: { perCall: '0.0001', perGbSecond: '0', currency: 'EUR' }, memoryMb: 128, timeoutMs: 3000, ...(concurrency ? { concurrency } : {}) };
  writeFileSync(path.join(functionsDir, 'echo', 'feature.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(functionsDir, 'echo', 'index.ts'), ECHO_SOURCE);
  const env = { ...process.env, PORT: '0', FAASCAPE_DATA_DIR: dataDir, FAASCAPE_FUNCTIONS_DIR: functionsDir, ...(args['platform-node-options'] ? { NODE_OPTIONS: args['platform-node-options'] } : {}) };

  // As `npm start` runs it (npm itself left out: it only waits for its child).
  platform = spawn(process.execPath, [path.join(ROOT, 'runtime/local/bin.mjs'), '--quiet'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const locator = path.join(dataDir, 'platform.json');
  for (let i = 0; !existsSync(locator); i++) {
    if (platform.exitCode !== null || i > 600) throw new Error('the platform did not start');
    await sleep(100);
  }
  const { url } = JSON.parse(readFileSync(locator, 'utf8')) as { url: string };
  const created = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'runtime/cli/bin.mjs'), 'keys', 'create', '--client', 'bench-rss', '--json'], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { apiKey: string };
  progress(`platform ${platform.pid} on ${url}`);
  const pid = platform.pid as number;
  const idle = tree(pid);
  progress(`idle: ${mb(idle.reduce((n, p) => n + p.rss, 0))} MB in ${idle.length} processes`);

  let peak = { total: 0, at: 0, processes: [] as ReturnType<typeof tree> };
  const started = Date.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const t = tree(pid);
      const total = t.reduce((n, p) => n + p.rss, 0);
      if (total > peak.total) peak = { total, at: Date.now() - started, processes: t };
      await sleep(250);
    }
  })();
  const load = await runLoad({ url: `${url}/v1/features/echo`, connections, durationS, headers: { 'x-api-key': created.apiKey } });
  sampling = false;
  await sampler;
  const after = tree(pid);

  const byRole = (ps: ReturnType<typeof tree>) => {
    const out: Record<string, { processes: number; mb: number }> = {};
    for (const p of ps) {
      const r = (out[p.role] ??= { processes: 0, mb: 0 });
      r.processes += 1;
      r.mb += mb(p.rss);
    }
    return out;
  };
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    machineBusyPctBefore: machine.busyPct,
    durationS,
    connections,
    concurrency: concurrency ?? 'default',
    platformNodeOptions: args['platform-node-options'] ?? '',
    reqPerSec: Math.round(load['2xx'] / durationS),
    non2xx: load.non2xx,
    p99Ms: load.latencyMs.p99,
    idleMb: mb(idle.reduce((n, p) => n + p.rss, 0)),
    idleByRole: byRole(idle),
    peakMb: mb(peak.total),
    peakAtS: Math.round(peak.at / 1000),
    peakByRole: byRole(peak.processes),
    afterMb: mb(after.reduce((n, p) => n + p.rss, 0)),
    targetMb: TARGET_RSS_MB,
  };
  const out = (l = '') => process.stdout.write(`${l}\n`);
  out(`RSS of the platform as npm start runs it, ${connections} connections, ${durationS} s (${result.reqPerSec} 2xx/s, p99 ${result.p99Ms} ms, ${load.non2xx} non-2xx)`);
  out(`  idle:  ${result.idleMb} MB  ${JSON.stringify(result.idleByRole)}`);
  out(`  peak:  ${result.peakMb} MB  ${JSON.stringify(result.peakByRole)} at ${result.peakAtS} s`);
  out(`  after: ${result.afterMb} MB`);
  out(`  target ≤ ${TARGET_RSS_MB} MB: ${result.peakMb <= TARGET_RSS_MB ? 'met' : 'missed'}`);
  const dir = args['results-dir'] ?? path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `rss-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  progress(`wrote ${file}`);
}

try {
  await main();
} finally {
  cleanup();
}
