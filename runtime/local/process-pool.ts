import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FeatureSpec } from '../../shared/manifest.ts';
import type { InvokeOutcome, InvokeRequest, Invoker } from '../gateway/invoker.ts';
import type { Logger } from '../logger.ts';

const HOST_ENTRY = fileURLToPath(new URL('./feature-host.mjs', import.meta.url));

interface Job {
  invocationId: string;
  event: APIGatewayProxyEventV2;
  resolve: (o: InvokeOutcome) => void;
}

interface Slot {
  child: ChildProcess;
  tmpDir: string;
  ready: Promise<void>;
  job?: Job & { started: number; timer: NodeJS.Timeout };
  dead: boolean;
}

interface HostMessage {
  ready?: boolean;
  error?: { name: string; message: string } | string;
  id?: string;
  ok?: boolean;
  result?: unknown;
}

export interface PoolStats {
  coldStarts: number;
  lastColdStartMs: number;
  timeouts: number;
  crashes: number;
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
  ];
}

/**
 * The processes of one feature: at most `concurrency` of them, each running one invocation at a
 * time, kept warm between calls. A timeout or crash kills only the process that had it.
 */
class FeatureProcesses {
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly queue: Job[] = [];

  constructor(
    private readonly spec: FeatureSpec,
    private readonly modulePath: string,
    private readonly stats: PoolStats,
    private readonly logger: Logger,
  ) {}

  invoke(job: Job): void {
    const slot = this.idle.pop();
    if (slot) this.dispatch(slot, job);
    else if (this.slots.size < this.spec.concurrency) this.dispatch(this.spawn(), job);
    else this.queue.push(job);
  }

  async close(): Promise<void> {
    await Promise.all([...this.slots].map((s) => this.kill(s)));
  }

  private spawn(): Slot {
    const { slug, manifest } = this.spec;
    const started = performance.now();
    // Private per process, 0700 (mkdtemp), removed when the process ends: Lambda's /tmp.
    const tmpDir = mkdtempSync(join(tmpdir(), `faascape-${slug}-`));
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
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
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
          if (!m.ready) return reject(new Error(typeof m.error === 'string' ? m.error : 'the feature failed to load'));
          this.stats.coldStarts += 1;
          this.stats.lastColdStartMs = performance.now() - started;
          resolve();
        };
        child.on('message', onMessage);
        child.once('error', reject);
        child.once('exit', (code, signal) => reject(new Error(`feature process exited (${signal ?? `code ${code}`}) during start`)));
      }),
    };
    slot.ready.catch(() => {});
    child.on('message', (m: HostMessage) => {
      if (m.id === undefined || !slot.job || slot.job.invocationId !== m.id) return;
      const job = slot.job;
      const durationMs = performance.now() - job.started;
      this.finish(slot);
      if (m.ok) job.resolve({ kind: 'returned', result: m.result, durationMs });
      else {
        const error = typeof m.error === 'object' ? m.error : undefined;
        this.logger.warn('feature threw', { feature: slug, invocationId: job.invocationId, error: `${error?.name}: ${error?.message}` });
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
    return slot;
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.ready.then(
      () => {
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
    const next = this.queue.shift();
    if (next) this.dispatch(slot, next);
    else this.idle.push(slot);
  }

  private timedOut(slot: Slot): void {
    const job = slot.job;
    if (!job) return;
    slot.job = undefined;
    this.stats.timeouts += 1;
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
      job.resolve({ kind: 'error', message: e.message, durationMs: performance.now() - job.started });
    }
  }

  private remove(slot: Slot): void {
    slot.dead = true;
    this.slots.delete(slot);
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    // A queued call may now get a fresh process in the freed place.
    const next = this.queue.shift();
    if (next) this.invoke(next);
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

/** The local Invoker: each feature instance is its own sandboxed OS process, with real timeouts and heap limits. */
export class ProcessPool implements Invoker {
  private readonly features = new Map<string, FeatureProcesses>();
  readonly stats: PoolStats = { coldStarts: 0, lastColdStartMs: 0, timeouts: 0, crashes: 0 };

  constructor(modules: Map<string, { spec: FeatureSpec; modulePath: string }>, logger: Logger) {
    for (const [slug, m] of modules) this.features.set(slug, new FeatureProcesses(m.spec, m.modulePath, this.stats, logger));
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
