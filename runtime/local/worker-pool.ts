import { performance } from 'node:perf_hooks';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FeatureSpec } from '../../shared/manifest.ts';
import type { InvokeOutcome, InvokeRequest, Invoker } from '../gateway/invoker.ts';
import type { Logger } from '../logger.ts';

const WORKER_ENTRY = fileURLToPath(new URL('./feature-worker.mjs', import.meta.url));

interface Job {
  invocationId: string;
  event: APIGatewayProxyEventV2;
  resolve: (o: InvokeOutcome) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  job?: Job & { started: number; timer: NodeJS.Timeout };
  dead: boolean;
}

export interface PoolStats {
  coldStarts: number;
  lastColdStartMs: number;
  timeouts: number;
  crashes: number;
}

/**
 * The workers of one feature: at most `concurrency` of them, each running one invocation at a
 * time, kept warm between calls. A timeout or crash kills only the worker that had it.
 */
class FeatureWorkers {
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
    const worker = new Worker(WORKER_ENTRY, {
      workerData: { modulePath: pathToFileURL(this.modulePath).href, functionName: slug, memoryMb: manifest.memoryMb, version: manifest.version },
      // The feature's memory setting is its heap limit, as Lambda's memory setting bounds a function.
      resourceLimits: { maxOldGenerationSizeMb: manifest.memoryMb },
      // Features see a Lambda-like environment and none of the platform's own settings or secrets.
      env: {
        NODE_ENV: 'production',
        TZ: 'UTC',
        AWS_LAMBDA_FUNCTION_NAME: slug,
        AWS_LAMBDA_FUNCTION_VERSION: manifest.version,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(manifest.memoryMb),
      },
    });
    const slot: Slot = {
      worker,
      dead: false,
      ready: new Promise<void>((resolve, reject) => {
        const onMessage = (m: { ready?: boolean }) => {
          if (!m.ready) return;
          worker.off('message', onMessage);
          this.stats.coldStarts += 1;
          this.stats.lastColdStartMs = performance.now() - started;
          resolve();
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        worker.once('exit', () => reject(new Error('worker exited during start')));
      }),
    };
    slot.ready.catch(() => {});
    worker.on('message', (m: { id?: string; ok?: boolean; result?: unknown; error?: { name: string; message: string } }) => {
      if (m.id === undefined || !slot.job || slot.job.invocationId !== m.id) return;
      const job = slot.job;
      const durationMs = performance.now() - job.started;
      this.finish(slot);
      if (m.ok) job.resolve({ kind: 'returned', result: m.result, durationMs });
      else {
        this.logger.warn('feature threw', { feature: slug, invocationId: job.invocationId, error: `${m.error?.name}: ${m.error?.message}` });
        job.resolve({ kind: 'error', message: m.error?.message ?? 'error', durationMs });
      }
    });
    worker.on('error', (e) => this.crashed(slot, e));
    worker.on('exit', (code) => this.crashed(slot, new Error(`worker exited with code ${code}`)));
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
        slot.worker.postMessage({ id: job.invocationId, event: job.event, timeoutMs });
      },
      (e: unknown) => {
        // The module failed to load (syntax error, missing handler): this call fails, the next one retries.
        this.logger.warn('feature failed to start', { feature: this.spec.slug, error: String(e) });
        this.remove(slot);
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
    // A queued call may now get a fresh worker in the freed place.
    const next = this.queue.shift();
    if (next) this.invoke(next);
  }

  private async kill(slot: Slot): Promise<void> {
    this.remove(slot);
    await slot.worker.terminate();
  }
}

/** The local Invoker: features run in isolated worker threads with real timeouts and heap limits. */
export class WorkerPool implements Invoker {
  private readonly features = new Map<string, FeatureWorkers>();
  readonly stats: PoolStats = { coldStarts: 0, lastColdStartMs: 0, timeouts: 0, crashes: 0 };

  constructor(
    modules: Map<string, { spec: FeatureSpec; modulePath: string }>,
    logger: Logger,
  ) {
    for (const [slug, m] of modules) this.features.set(slug, new FeatureWorkers(m.spec, m.modulePath, this.stats, logger));
  }

  invoke(request: InvokeRequest): Promise<InvokeOutcome> {
    const workers = this.features.get(request.feature.slug);
    if (!workers) return Promise.resolve({ kind: 'error', message: 'feature not loaded', durationMs: 0 });
    return new Promise((resolve) => workers.invoke({ invocationId: request.invocationId, event: request.event, resolve }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.features.values()].map((f) => f.close()));
  }
}
