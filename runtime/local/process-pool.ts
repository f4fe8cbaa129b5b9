import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FeatureSpec } from '../../shared/manifest.ts';
import type { InvokeOutcome, InvokeRequest, Invoker } from '../gateway/invoker.ts';
import type { Logger } from '../logger.ts';
import type { FeatureLogEntry, FeatureLogSink } from './feature-logs.ts';
import { processUsage } from './process-usage.ts';

const HOST_ENTRY = fileURLToPath(new URL('./feature-host.mjs', import.meta.url));

interface Job {
  invocationId: string;
  event: APIGatewayProxyEventV2;
  resolve: (o: InvokeOutcome) => void;
}

/**
 * How long calls may keep waiting for the busy processes of their feature before another process
 * starts. Lambda starts an environment for every concurrent call at once; here each process costs
 * ≈ 55 MB, and a fast feature's one process serves thousands of calls a second, so another starts
 * only when calls keep waiting (a cold start takes ≈ 40 ms: waiting 20 ms first costs a call at
 * most that, and spares the machine processes that would sit idle). Time spent waiting for a
 * process that is still starting does not count: that one will serve them.
 */
export const SPAWN_AFTER_MS = 20;

/**
 * The watch over a feature's processes (Linux), every WATCH_MS: a process whose resident memory
 * passes its `memoryMb` plus MEMORY_SLACK_MB (the Node runtime around the heap) is stopped, as
 * Lambda stops a function past its memory: `--max-old-space-size` caps only the JavaScript heap,
 * not Buffers. A process that keeps computing after its answer (more than IDLE_CPU_MS of CPU while
 * idle) is stopped too: Lambda freezes a function between calls, so background work never runs
 * unbilled there either.
 */
export const WATCH_MS = 500;
export const MEMORY_SLACK_MB = 128;
export const IDLE_CPU_MS = 1_000;

/**
 * A feature's private /tmp is not capped as it is in Lambda (512 MB), and walking every dir on every
 * tick would cost: instead, once the temp dir's file system runs low (less than 1 GiB or 5 % free),
 * the watch measures each process's /tmp (`du`, off the event loop) and stops those over 512 MB,
 * before the disk that holds the data dir, the spool and the store fills up.
 */
export interface DiskWatch {
  tmpLimitBytes: number;
  /** the temp file system counts as low below this much free space (or 5 % of it) */
  lowFreeBytes: number;
}
export const DISK_WATCH: DiskWatch = { tmpLimitBytes: 512 * 1024 * 1024, lowFreeBytes: 1024 * 1024 * 1024 };

/** Whether the temp file system is low on space; read at most once a WATCH_MS for all features. */
const lowSpaceSeen = new WeakMap<DiskWatch, { at: number; low: boolean }>();
function tmpSpaceLow(disk: DiskWatch): boolean {
  const now = performance.now();
  const seen = lowSpaceSeen.get(disk);
  if (seen && now - seen.at < WATCH_MS) return seen.low;
  let low = false;
  try {
    const fs = statfsSync(tmpdir());
    const free = fs.bavail * fs.bsize;
    low = free < disk.lowFreeBytes || free < fs.blocks * fs.bsize * 0.05;
  } catch {
    // no statfs here: nothing to watch
  }
  lowSpaceSeen.set(disk, { at: now, low });
  return low;
}

/** Calls that may wait for a feature's busy processes; the next is refused (a 502, never billed). */
export const MAX_QUEUED_CALLS = 256;

interface Slot {
  child: ChildProcess;
  tmpDir: string;
  ready: Promise<void>;
  job?: Job & { started: number; timer: NodeJS.Timeout };
  /** a call waits for this process to be ready */
  reserved?: boolean;
  /** spawned and not ready yet */
  starting?: boolean;
  dead: boolean;
  /** its CPU time when the watch first saw it idle since its last call (ms; Linux only) */
  idleCpuMs?: number;
  /** its /tmp is being measured */
  measuring?: boolean;
}

interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

interface HostMessage {
  ready?: boolean;
  error?: ErrorInfo | string;
  stack?: string;
  id?: string;
  ok?: boolean;
  result?: unknown;
  log?: { level: FeatureLogEntry['level']; invocationId?: string; message: string };
  crash?: ErrorInfo & { invocationId?: string };
}

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

export interface PoolStats {
  coldStarts: number;
  lastColdStartMs: number;
  timeouts: number;
  crashes: number;
  /** calls refused because MAX_QUEUED_CALLS were waiting */
  refused: number;
  /** processes stopped by the watch: memory beyond their setting, or work after their answer */
  stopped: number;
}

/**
 * How a feature process is started: Node's permission model lets it read only the host script and
 * its own bundle and write only its private tmp dir (Lambda's /tmp); no child processes, workers,
 * native addons or WASI (none of --allow-child-process, --allow-worker, --allow-addons,
 * --allow-wasi). Its heap is its memory setting. The environment is Lambda's, nothing of ours.
 */
export function sandboxArgs(modulePath: string, tmpDir: string, memoryMb: number): string[] {
  return [
    '--permission',
    `--allow-fs-read=${HOST_ENTRY}`,
    `--allow-fs-read=${dirname(modulePath)}/`,
    `--allow-fs-read=${tmpDir}/`,
    `--allow-fs-write=${tmpDir}/`,
    `--max-old-space-size=${memoryMb}`,
    '--enable-source-maps',
  ];
}

/**
 * The processes of one feature: at most `concurrency` of them, each running one invocation at a
 * time, kept warm between calls; a process beyond the first starts only for a call that waited
 * `spawnAfterMs` for one. A timeout or crash kills only the process that had it.
 */
class FeatureProcesses {
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly queue: Job[] = [];
  private spawnTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  /** since when calls have waited, every process busy or starting (undefined: none waits) */
  private waitingSince: number | undefined;
  /** replaced or removed: finishes what it has, takes nothing new, then ends */
  private retiring = false;
  private onRetired: (() => void) | undefined;

  constructor(
    private readonly spec: FeatureSpec,
    private readonly modulePath: string,
    private readonly stats: PoolStats,
    private readonly logger: Logger,
    private readonly logs: FeatureLogSink | undefined,
    private readonly spawnAfterMs: number,
    private readonly disk: DiskWatch,
  ) {}

  /** The developer's log of this feature (the platform's own log gets only the fact). */
  private devLog(level: FeatureLogEntry['level'], message: string, invocationId?: string, stack?: string): void {
    this.logs?.write({ time: new Date().toISOString(), feature: this.spec.slug, ...(invocationId ? { invocationId } : {}), level, message, ...(stack ? { stack } : {}) });
  }

  invoke(job: Job): void {
    const slot = this.idle.pop();
    if (slot) return this.dispatch(slot, job);
    // The first process starts at once; more only for calls that wait (SPAWN_AFTER_MS).
    if (this.slots.size === 0) return this.dispatch(this.spawn(), job);
    // Lambda queues no synchronous call: past its concurrency it throttles. Here calls wait, but
    // not without bound: each holds its request (up to 6 MB) in the platform's memory.
    if (this.queue.length >= MAX_QUEUED_CALLS) {
      this.stats.refused += 1;
      return job.resolve({ kind: 'error', message: `${this.spec.slug} has ${MAX_QUEUED_CALLS} calls waiting already`, durationMs: 0 });
    }
    if (this.queue.length === 0) this.waitingSince = performance.now();
    this.queue.push(job);
    this.spawnIfWaiting();
  }

  /** The oldest queued call; the wait is over when none is left. */
  private takeQueued(): Job | undefined {
    const next = this.queue.shift();
    if (this.queue.length === 0) this.waitingSince = undefined;
    return next;
  }

  /**
   * Starts one more process, up to the feature's concurrency, once calls have waited
   * `spawnAfterMs` with every process busy; none while one is starting (it will take the queue).
   */
  private spawnIfWaiting(): void {
    if (this.spawnTimer || this.retiring || this.waitingSince === undefined || this.slots.size >= this.spec.concurrency) return;
    for (const s of this.slots) if (s.starting) return;
    const waited = performance.now() - this.waitingSince;
    if (waited >= this.spawnAfterMs) {
      const oldest = this.takeQueued() as Job;
      return this.dispatch(this.spawn(), oldest);
    }
    this.spawnTimer = setTimeout(() => {
      this.spawnTimer = undefined;
      this.spawnIfWaiting();
    }, Math.ceil(this.spawnAfterMs - waited));
    this.spawnTimer.unref();
  }

  async close(): Promise<void> {
    clearTimeout(this.spawnTimer);
    this.spawnTimer = undefined;
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    await Promise.all([...this.slots].map((s) => this.kill(s)));
  }

  /** Calls in flight and queued finish on this code; then its processes end and `done` runs. */
  retire(done: () => void): void {
    this.retiring = true;
    this.onRetired = done;
    for (const slot of [...this.idle]) void this.kill(slot);
    this.retireIfDone();
  }

  private retireIfDone(): void {
    if (!this.retiring || this.queue.length > 0 || [...this.slots].some((s) => s.job || s.reserved)) return;
    const done = this.onRetired;
    this.onRetired = undefined;
    void this.close().then(() => done?.());
  }

  private spawn(): Slot {
    const { slug, manifest } = this.spec;
    const started = performance.now();
    // Private per process, 0700 (mkdtemp), removed when the process ends: Lambda's /tmp. Named
    // after this platform's pid, so that the dirs of a platform that was killed can be swept.
    const tmpDir = mkdtempSync(join(tmpdir(), `${TMP_PREFIX}${process.pid}-${slug}-`));
    const child = fork(HOST_ENTRY, [pathToFileURL(this.modulePath).href, slug, String(manifest.memoryMb), manifest.version], {
      execPath: process.execPath,
      // Explicit, so nothing of the platform's own flags (its TypeScript loader) is inherited.
      execArgv: sandboxArgs(this.modulePath, tmpDir, manifest.memoryMb),
      env: {
        NODE_ENV: 'production',
        TZ: 'UTC',
        LANG: 'en_US.UTF-8',
        TMPDIR: tmpDir,
        AWS_LAMBDA_FUNCTION_NAME: slug,
        AWS_LAMBDA_FUNCTION_VERSION: manifest.version,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(manifest.memoryMb),
      },
      // Piped, never inherited: a feature writing raw bytes to fd 1 or 2 (fake platform lines,
      // terminal escapes) reaches the operator only as labelled, escaped lines of its own log.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const slot: Slot = {
      child,
      tmpDir,
      dead: false,
      ready: new Promise<void>((resolve, reject) => {
        const onMessage = (m: HostMessage) => {
          if (m.ready === undefined) return;
          child.off('message', onMessage);
          if (!m.ready) {
            const why = typeof m.error === 'string' ? m.error : 'the feature failed to load';
            this.devLog('error', `failed to load: ${why}`, undefined, m.stack);
            return reject(new Error(why));
          }
          this.stats.coldStarts += 1;
          this.stats.lastColdStartMs = performance.now() - started;
          resolve();
        };
        child.on('message', onMessage);
        child.once('error', reject);
        child.once('exit', (code, signal) => reject(new Error(`feature process exited (${signal ?? `code ${code}`}) during start`)));
      }),
    };
    slot.starting = true;
    // Once it is ready (or failed to start), calls still queued wait afresh before another starts.
    const startSettled = () => {
      slot.starting = false;
      if (this.waitingSince === undefined) return;
      this.waitingSince = performance.now();
      queueMicrotask(() => this.spawnIfWaiting());
    };
    slot.ready.then(startSettled, startSettled);
    eachLine(child.stdout, (line) => this.devLog('info', line, slot.job?.invocationId));
    eachLine(child.stderr, (line) => this.devLog('error', line, slot.job?.invocationId));
    child.on('message', (m: HostMessage) => {
      if (m.log) {
        const level = LEVELS.has(m.log.level) ? m.log.level : 'info';
        // The id comes from the host; it is trusted only if it is the call this process runs.
        this.devLog(level, String(m.log.message), m.log.invocationId === slot.job?.invocationId ? m.log.invocationId : undefined);
        return;
      }
      if (m.crash) {
        const invocationId = slot.job?.invocationId;
        this.devLog('error', `uncaught ${m.crash.name}: ${m.crash.message}`, invocationId, m.crash.stack);
        return;
      }
      if (m.id === undefined || !slot.job || slot.job.invocationId !== m.id) return;
      const job = slot.job;
      const durationMs = performance.now() - job.started;
      // An answer after the deadline is a timeout, as in Lambda, even when the timer could not fire
      // first (the platform was busy, e.g. reading a huge message): a call never bills past its timeout.
      if (durationMs > this.spec.manifest.timeoutMs) return this.timedOut(slot);
      this.finish(slot);
      if (m.ok) job.resolve({ kind: 'returned', result: m.result, durationMs });
      else {
        const error = typeof m.error === 'object' ? m.error : undefined;
        // The platform's own log gets a bounded line; the developer's log has the whole (bounded) entry.
        this.logger.warn('feature threw', { feature: slug, invocationId: job.invocationId, error: `${error?.name}: ${error?.message}`.slice(0, 500) });
        this.devLog('error', `${error?.name ?? 'Error'}: ${error?.message ?? 'error'}`, job.invocationId, error?.stack);
        job.resolve({ kind: 'error', message: error?.message ?? 'error', durationMs });
      }
    });
    child.on('error', (e) => this.crashed(slot, e));
    child.on('exit', (code, signal) => {
      rmSync(tmpDir, { recursive: true, force: true });
      // An out-of-memory abort or a process.exit() inside the feature: the call in flight fails.
      this.crashed(slot, new Error(`feature process exited (${signal ?? `code ${code}`})`));
    });
    this.slots.add(slot);
    this.watchTimer ??= setInterval(() => this.watch(), WATCH_MS).unref();
    return slot;
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.reserved = true;
    slot.ready.then(
      () => {
        slot.reserved = false;
        if (slot.dead) return this.invoke(job);
        const timeoutMs = this.spec.manifest.timeoutMs;
        const started = performance.now();
        const timer = setTimeout(() => this.timedOut(slot), timeoutMs);
        slot.job = { ...job, started, timer };
        try {
          slot.child.send({ id: job.invocationId, event: job.event, timeoutMs });
        } catch (e) {
          this.crashed(slot, e as Error);
        }
      },
      (e: unknown) => {
        slot.reserved = false;
        // The module failed to load (syntax error, missing handler): this call fails, the next one retries.
        this.logger.warn('feature failed to start', { feature: this.spec.slug, error: String(e) });
        void this.kill(slot);
        job.resolve({ kind: 'error', message: 'feature failed to start', durationMs: 0 });
      },
    );
  }

  private finish(slot: Slot): void {
    if (slot.job) clearTimeout(slot.job.timer);
    slot.job = undefined;
    const next = this.takeQueued();
    if (next) this.dispatch(slot, next);
    else if (this.retiring) void this.kill(slot).then(() => this.retireIfDone());
    else {
      // The watch reads its CPU time at its next look (not here: no /proc read on the hot path).
      slot.idleCpuMs = undefined;
      this.idle.push(slot);
    }
  }

  /** The watch (see WATCH_MS): memory beyond the setting, or CPU spent while idle, stops a process. */
  private watch(): void {
    const limitBytes = (this.spec.manifest.memoryMb + MEMORY_SLACK_MB) * 1024 * 1024;
    const measureTmp = tmpSpaceLow(this.disk);
    for (const slot of this.slots) {
      if (slot.dead || slot.starting || slot.child.pid === undefined) continue;
      if (measureTmp && !slot.measuring) this.measureTmp(slot);
      const usage = processUsage(slot.child.pid);
      if (!usage) continue;
      if (usage.rssBytes > limitBytes) {
        this.stop(slot, `used ${Math.round(usage.rssBytes / 1048576)} MB, more than its ${this.spec.manifest.memoryMb} MB (memoryMb) allow; the process was stopped`);
      } else if (!slot.job && !slot.reserved) {
        if (slot.idleCpuMs === undefined) slot.idleCpuMs = usage.cpuMs;
        else if (usage.cpuMs - slot.idleCpuMs > IDLE_CPU_MS) {
          this.stop(slot, `kept computing after its answer (${Math.round(usage.cpuMs - slot.idleCpuMs)} ms of CPU between calls); the process was stopped, as Lambda freezes a function between calls`);
        }
      }
    }
  }

  /** Stops the process if its /tmp holds more than the limit (`du`: the platform's process, not the feature's). */
  private measureTmp(slot: Slot): void {
    slot.measuring = true;
    execFile('du', ['-sk', slot.tmpDir], { timeout: 10_000 }, (err, stdout) => {
      slot.measuring = false;
      const kb = Number(/^(\d+)/.exec(String(stdout))?.[1] ?? NaN);
      if (slot.dead || !Number.isFinite(kb)) return;
      if (kb * 1024 > this.disk.tmpLimitBytes) this.stop(slot, `holds ${Math.round(kb / 1024)} MB in its /tmp, more than the ${Math.round(this.disk.tmpLimitBytes / 1048576)} MB allowed, while the disk is nearly full; the process was stopped`);
      else if (err && (err as { killed?: boolean }).killed) this.logger.warn('feature /tmp not measured', { feature: this.spec.slug });
    });
  }

  private stop(slot: Slot, why: string): void {
    const job = slot.job;
    this.stats.stopped += 1;
    this.logger.warn('feature process stopped', { feature: this.spec.slug, reason: why.slice(0, 200) });
    this.devLog('error', why, job?.invocationId);
    if (job) {
      slot.job = undefined;
      clearTimeout(job.timer);
      this.stats.crashes += 1;
      job.resolve({ kind: 'error', message: why, durationMs: performance.now() - job.started });
    }
    void this.kill(slot);
  }

  private timedOut(slot: Slot): void {
    const job = slot.job;
    if (!job) return;
    slot.job = undefined;
    // Its timer, when an answer past the deadline came first.
    clearTimeout(job.timer);
    this.stats.timeouts += 1;
    this.devLog('error', `timed out after ${this.spec.manifest.timeoutMs} ms; the process was stopped`, job.invocationId);
    void this.kill(slot);
    // A timed-out call lasted its whole timeout, as Lambda bills it (timers may fire a hair early).
    job.resolve({ kind: 'timeout', durationMs: Math.max(performance.now() - job.started, this.spec.manifest.timeoutMs) });
  }

  private crashed(slot: Slot, e: Error): void {
    if (slot.dead) return;
    const job = slot.job;
    slot.job = undefined;
    this.remove(slot);
    if (slot.child.exitCode === null && slot.child.signalCode === null) slot.child.kill('SIGKILL');
    if (job) {
      clearTimeout(job.timer);
      this.stats.crashes += 1;
      this.logger.warn('feature crashed', { feature: this.spec.slug, invocationId: job.invocationId, error: e.message });
      this.devLog('error', `crashed: ${e.message}`, job.invocationId);
      job.resolve({ kind: 'error', message: e.message, durationMs: performance.now() - job.started });
    }
  }

  private remove(slot: Slot): void {
    slot.dead = true;
    this.slots.delete(slot);
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    // A queued call may now get a fresh process in the freed place: at once when no process is
    // left to serve it, else once it has waited as any call does.
    if (this.queue.length === 0) return this.retireIfDone();
    if (this.slots.size === 0) {
      const next = this.takeQueued() as Job;
      this.dispatch(this.spawn(), next);
    } else this.spawnIfWaiting();
  }

  private async kill(slot: Slot): Promise<void> {
    this.remove(slot);
    const { child } = slot;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // No grace: a feature that timed out or is being replaced gets no chance to run on.
      child.kill('SIGKILL');
    });
  }
}

const TMP_PREFIX = 'faascape-';
const TMP_DIR = /^faascape-(\d+)-[a-z0-9-]+-[A-Za-z0-9]{6}$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the feature tmp dirs left by platforms that died without cleaning up (killed, crashed):
 * only those whose platform pid is no longer running, so that another platform's live features
 * keep theirs. Returns how many were removed.
 */
export function sweepStaleTmpDirs(root = tmpdir()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return 0;
  }
  for (const name of names) {
    const pid = Number(TMP_DIR.exec(name)?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(join(root, name), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

/** The local Invoker: each feature instance is its own sandboxed OS process, with real timeouts and heap limits. */
export class ProcessPool implements Invoker {
  private readonly features = new Map<string, FeatureProcesses>();
  readonly stats: PoolStats = { coldStarts: 0, lastColdStartMs: 0, timeouts: 0, crashes: 0, refused: 0, stopped: 0 };

  constructor(
    modules: Map<string, { spec: FeatureSpec; modulePath: string }>,
    private readonly logger: Logger,
    private readonly logs?: FeatureLogSink,
    /** how long a call waits for a busy process before another starts (SPAWN_AFTER_MS; tests pick their own) */
    private readonly spawnAfterMs = SPAWN_AFTER_MS,
    /** when and how far a feature's /tmp is watched (DISK_WATCH; tests pick their own) */
    private readonly disk: DiskWatch = DISK_WATCH,
  ) {
    sweepStaleTmpDirs();
    for (const [slug, m] of modules) this.features.set(slug, new FeatureProcesses(m.spec, m.modulePath, this.stats, logger, logs, spawnAfterMs, disk));
  }

  /**
   * Swaps in a new build of a feature (or a new feature): new calls run the new code at once,
   * calls in flight finish on the old one, whose processes then end and `retired` runs.
   */
  set(slug: string, feature: { spec: FeatureSpec; modulePath: string }, retired: () => void = () => {}): void {
    const old = this.features.get(slug);
    this.features.set(slug, new FeatureProcesses(feature.spec, feature.modulePath, this.stats, this.logger, this.logs, this.spawnAfterMs, this.disk));
    if (old) old.retire(retired);
    else retired();
  }

  /** Removes a feature: calls in flight finish, then its processes end and `retired` runs. */
  delete(slug: string, retired: () => void = () => {}): void {
    const old = this.features.get(slug);
    this.features.delete(slug);
    if (old) old.retire(retired);
    else retired();
  }

  invoke(request: InvokeRequest): Promise<InvokeOutcome> {
    const processes = this.features.get(request.feature.slug);
    if (!processes) return Promise.resolve({ kind: 'error', message: 'feature not loaded', durationMs: 0 });
    return new Promise((resolve) => processes.invoke({ invocationId: request.invocationId, event: request.event, resolve }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.features.values()].map((f) => f.close()));
  }
}

/** A line longer than this is passed on in pieces: a feature writing without newlines must not grow the platform's memory. */
const MAX_RAW_LINE = 8 * 1024;

/** Calls `onLine` for each line a stream carries (the rest of an unterminated line at its end too). */
function eachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  stream.setEncoding('utf8');
  let pending = '';
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
    while (pending.length > MAX_RAW_LINE) {
      onLine(pending.slice(0, MAX_RAW_LINE));
      pending = pending.slice(MAX_RAW_LINE);
    }
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
  });
}
