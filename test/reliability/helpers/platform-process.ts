/**
 * The platform as a real child process: `node runtime/local/bin.mjs`, exactly what `npm start`
 * runs, on a free loopback port, a temp data dir and the reliability features. Every process
 * is started `detached` (its own process group, which its store child and esbuild service join)
 * so that a test can always kill the whole group, whatever state it left it in.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { OPERATOR_STATUS_PATH, OPERATOR_TOKEN_HEADER, operatorToken } from '../../../runtime/local/operator.ts';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const RELIABILITY_FUNCTIONS = fileURLToPath(new URL('../functions', import.meta.url));
const PLATFORM_BIN = join(REPO, 'runtime/local/bin.mjs');
const CLI_BIN = join(REPO, 'runtime/cli/bin.mjs');

/** Every process group this test file started; `killAll` ends those still alive. */
const groups = new Set<number>();
const tempDirs = new Set<string>();

export function tempDir(prefix = 'faascape-rel-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

export function alive(pid: number): boolean {
  return !gone(pid);
}

/** SIGKILLs every process group still alive and removes the temp dirs. For afterAll/afterEach. */
export async function killAll(): Promise<void> {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const pgid of groups) {
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
    groups.delete(pgid);
  }
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/** A process is gone once it has no live thread left (a zombie leader may outlive its threads). */
function gone(pid: number): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return true;
  }
  return /^State:\s+[ZX]/m.test(status) && Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1) <= 1;
}

function groupAlive(pgid: number): boolean {
  const r = spawnSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).some((pid) => !gone(Number(pid)));
}

// Last resort, if the worker dies without running its hooks.
process.once('exit', () => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface HealthBody {
  status: string;
  features: number;
  meter: { writerId: string; recordsCommitted: number; batchesCommitted: number; batchesSpooled: number; batchesApplied: number; pendingBatches: number; applyFailures: number };
}

export interface PlatformProcess {
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** stdout + stderr of the platform so far (for figures and post-mortems) */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  health(): Promise<HealthBody>;
  /** the embedded store's child process (not the esbuild service, which is a child too) */
  storePid(): number | undefined;
  rssKb(): number;
  /** SIGTERM and wait: the platform flushes its meter and stops its store */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9 of the platform process only (not its group) */
  kill9(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  functionsDir?: string;
  port?: number;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export async function startPlatformProcess(opts: StartOptions): Promise<PlatformProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, [PLATFORM_BIN], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      TMPDIR: tmpdir(),
      PORT: String(port),
      HOST: '127.0.0.1',
      FAASCAPE_DATA_DIR: opts.dataDir,
      FAASCAPE_FUNCTIONS_DIR: opts.functionsDir ?? RELIABILITY_FUNCTIONS,
      // The meter under crashes and load is what is measured here: no rebuilds or type checks
      // of the fixtures competing for the two cores (the dev loop has its own tests).
      FAASCAPE_WATCH: '0',
      ...opts.env,
    },
  });
  const pid = child.pid as number;
  groups.add(pid);
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    // Keep the head (start lines) and the tail (the latest warnings) only.
    if (out.length > 400_000) out = `${out.slice(0, 20_000)}\n[...]\n${out.slice(-200_000)}`;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;

  const p: PlatformProcess = {
    pid,
    port,
    url,
    dataDir: opts.dataDir,
    child,
    output: () => out,
    exited,
    health: async () => {
      const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(5_000) });
      if (res.status !== 200) throw new Error(`health ${res.status}`);
      const { status } = (await res.json()) as { status: string };
      // The counters are the operator's: the same token file `faascape status` reads.
      const op = await fetch(`${url}${OPERATOR_STATUS_PATH}`, { headers: { [OPERATOR_TOKEN_HEADER]: operatorToken(opts.dataDir) }, signal: AbortSignal.timeout(5_000) });
      if (op.status !== 200) throw new Error(`operator status ${op.status}`);
      const { meter, features } = (await op.json()) as { meter: HealthBody['meter']; features: string[] };
      return { status, features: features.length, meter };
    },
    storePid: () => storeChildOf(pid),
    rssKb: () => rssKb(pid),
    stop: async (timeoutMs = 30_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      await waitGroupGone(pid);
      return r;
    },
    kill9: async () => {
      process.kill(pid, 'SIGKILL');
      await exited;
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new Error(`the platform exited before it was ready:\n${out}`);
    try {
      const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      process.kill(-pid, 'SIGKILL');
      throw new Error(`the platform was not healthy within ${opts.readyTimeoutMs ?? 60_000} ms:\n${out}`);
    }
    await sleep(100);
  }
  return p;
}

/** Waits until no process of the group is left (the store exits after its parent). */
export async function waitGroupGone(pgid: number, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  groups.delete(pgid);
  return true;
}

/** Milliseconds until the process has no live thread left (its sockets and locks released), or -1. */
export async function waitGone(pid: number, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  while (!gone(pid)) {
    if (Date.now() - started > timeoutMs) return -1;
    await sleep(20);
  }
  return Date.now() - started;
}

export function storeChildOf(pid: number): number | undefined {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const child = Number(line);
    try {
      const cmd = readFileSync(`/proc/${child}/cmdline`, 'utf8');
      if (cmd.includes('store-process')) return child;
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}

export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** Waits until the platform's meter has nothing pending (every batch in the aggregates). */
export async function waitMeterIdle(p: PlatformProcess, timeoutMs = 60_000): Promise<HealthBody> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  for (;;) {
    const h = await p.health();
    // Twice in a row: a batch may be forming between two polls.
    quiet = h.meter.pendingBatches === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return h;
    if (Date.now() > deadline) throw new Error(`meter still has ${h.meter.pendingBatches} pending batch(es) after ${timeoutMs} ms`);
    await sleep(200);
  }
}

export function spoolFiles(dataDir: string): string[] {
  const dir = join(dataDir, 'spool');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json'));
}

/** Runs the operator CLI (`node runtime/cli/bin.mjs ...`) against a data dir. */
export function cli(dataDir: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: REPO,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), FAASCAPE_DATA_DIR: dataDir },
    });
    groups.add(child.pid as number);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('exit', (code) => {
      groups.delete(child.pid as number);
      resolve({ code, stdout, stderr });
    });
  });
}
