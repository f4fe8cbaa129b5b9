/** Runs bench/lib/load-client.mjs (autocannon) in its own process and returns its figures. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLIENT = fileURLToPath(new URL('./load-client.mjs', import.meta.url));

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  method?: string;
  body?: string;
  /** a JSON file { keys, paths }: each request takes a random path and a random key (interleaved traffic) */
  pairsFile?: string;
}

export interface LoadResult {
  url: string;
  connections: number;
  durationS: number;
  requestsTotal: number;
  requestsSent: number;
  reqPerSecAutocannon: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  resets: number;
  statusCodeStats: Record<string, { count: number }>;
  autocannonLatencyMs: { p50: number; p99: number; max: number; mean: number };
  latencyMs: { count: number; mean: number | null; p50: number | null; p90: number | null; p99: number | null; p999: number | null; max: number | null };
  responses2xxSeen: number;
  /** CPU time of the load generator process over its whole life (start-up included) */
  cpuMs: number;
}

/** Load processes still running, so that cleanup can stop them (by pid) on error or signal. */
export const runningLoads = new Set<ChildProcess>();

export function stopRunningLoads(): void {
  for (const child of runningLoads) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
  runningLoads.clear();
}

export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const env = { ...process.env };
  // The load process is plain node: no tsx loader, no inherited preloads.
  delete env.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [CLIENT, JSON.stringify({ url: opts.url, connections: opts.connections, duration: opts.durationS, headers: opts.headers ?? {}, method: opts.method ?? 'GET', body: opts.body, pairsFile: opts.pairsFile })],
    { stdio: ['ignore', 'pipe', 'inherit'], env },
  );
  runningLoads.add(child);
  let out = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      runningLoads.delete(child);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      runningLoads.delete(child);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line) return reject(new Error(`load client exited with ${signal ?? code}; output: ${out.slice(0, 500)}`));
      try {
        resolve(JSON.parse(line) as LoadResult);
      } catch (e) {
        reject(new Error(`load client printed no JSON: ${line.slice(0, 500)} (${String(e)})`));
      }
    });
  });
}
