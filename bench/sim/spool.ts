/**
 * The SQS spool in memory, and the drain Lambda fed from it as the SQS event source would
 * (infra/jobs.ts: batches of 10, ReportBatchItemFailures, visibility timeout 180 s, dead-letter
 * queue after 10 receives). Each message is a `SpooledItem` (runtime/meter/lane-records.ts): a
 * lane item the gateway could not write, with its first key. Time is simulated seconds.
 *
 * Faults: a delivered message may come again after it was processed (at-least-once delivery); a
 * drain run may die mid-batch (its module instance is dropped after k of its DynamoDB calls:
 * reads, a tombstone, a put), and then the whole batch comes back after the visibility timeout,
 * bisected into two batches.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { idle, newActor, newInvocation, scope, type Actor } from './instrument.ts';
import type { Sequence } from './rng.ts';

export const VISIBILITY_TIMEOUT_S = 180;
export const MAX_RECEIVE_COUNT = 10;
export const DRAIN_BATCH_SIZE = 10;

interface Message {
  id: string;
  body: string;
  receiveCount: number;
}

interface Unit {
  messages: Message[];
  visibleAt: number;
}

export class SpoolQueue {
  private units: Unit[] = [];
  private nextId = 1;
  readonly deadLetters: Message[] = [];
  readonly stats = { sent: 0, receiveRequests: 0, deleteRequests: 0, delivered: 0, redelivered: 0, duplicates: 0, bisected: 0, deadLettered: 0 };

  constructor(private readonly clock: () => number) {}

  send(body: string): void {
    this.stats.sent++;
    this.units.push({ messages: [{ id: `msg-${this.nextId++}`, body, receiveCount: 0 }], visibleAt: this.clock() });
  }

  get depth(): number {
    return this.units.reduce((n, u) => n + u.messages.length, 0);
  }

  nextVisibleAt(): number | undefined {
    let t: number | undefined;
    for (const u of this.units) if (t === undefined || u.visibleAt < t) t = u.visibleAt;
    return t;
  }

  /** Up to `max` visible messages; units (a bisected half) are delivered whole. */
  receive(max = DRAIN_BATCH_SIZE): Message[] {
    const now = this.clock();
    const out: Message[] = [];
    for (let i = 0; i < this.units.length && out.length < max; ) {
      const u = this.units[i] as Unit;
      if (u.visibleAt <= now && out.length + u.messages.length <= max) {
        this.units.splice(i, 1);
        for (const m of u.messages) {
          if (m.receiveCount >= MAX_RECEIVE_COUNT) {
            this.deadLetters.push(m);
            this.stats.deadLettered++;
            continue;
          }
          if (m.receiveCount > 0) this.stats.redelivered++;
          m.receiveCount++;
          out.push(m);
        }
      } else i++;
    }
    if (out.length) {
      this.stats.receiveRequests++;
      this.stats.delivered += out.length;
    }
    return out;
  }

  /** Failed messages: visible again after the visibility timeout. */
  retryLater(messages: Message[]): void {
    for (const m of messages) this.units.push({ messages: [m], visibleAt: this.clock() + VISIBILITY_TIMEOUT_S });
  }

  /** A batch whose run died: back after the visibility timeout, in two halves. */
  bisect(messages: Message[]): void {
    const half = Math.ceil(messages.length / 2);
    this.stats.bisected++;
    for (const part of [messages.slice(0, half), messages.slice(half)]) if (part.length) this.units.push({ messages: part, visibleAt: this.clock() + VISIBILITY_TIMEOUT_S });
  }

  /** At-least-once: a processed message delivered again a little later. */
  duplicate(m: Message): void {
    this.stats.duplicates++;
    this.units.push({ messages: [{ ...m }], visibleAt: this.clock() + 1 });
  }

  deleted(): void {
    this.stats.deleteRequests++;
  }
}

type DrainHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

const DRAIN_MODULE = new URL('../../runtime/aws/spool-drain-lambda.ts', import.meta.url).href;

/** The real spool-drain Lambda module, one instance per drain container. */
export class Drain {
  private handler: DrainHandler | undefined;
  private actor: Actor | undefined;
  private generation = 0;
  readonly stats = { invocations: 0, crashes: 0, containers: 0, applied: 0, reportedFailures: 0, sequentialRoundTrips: 0 };

  constructor(
    private readonly queue: SpoolQueue,
    private readonly draws: Sequence,
    private readonly faults: { crashRate: number; duplicateRate: number } | undefined,
    private readonly clock: () => number,
  ) {}

  /**
   * After the traffic the drain's containers are built from the code the module's `handler`
   * builds, with the simulated run's clock injected (the module reads the real one): see run.ts.
   */
  private factory: (() => DrainHandler) | undefined;

  /** From now on, containers come from `factory`; the current one is retired at once. */
  useFactory(factory: () => DrainHandler): void {
    this.factory = factory;
    for (const c of this.actor?.clients ?? []) c.destroy();
    this.handler = undefined;
    this.actor = undefined;
  }

  private async container(): Promise<{ handler: DrainHandler; actor: Actor }> {
    if (!this.handler || !this.actor) {
      this.generation++;
      this.stats.containers++;
      this.actor = newActor(`drain-${this.generation}`, 'drain');
      this.handler = this.factory ? this.factory() : ((await import(`${DRAIN_MODULE}?drain=${this.generation}`)) as { handler: DrainHandler }).handler;
    }
    return { handler: this.handler, actor: this.actor };
  }

  /** Delivers one batch, if any is visible; false when nothing was. */
  async runOnce(): Promise<boolean> {
    const messages = this.queue.receive();
    if (!messages.length) return false;
    const { handler, actor } = await this.container();
    const inv = newInvocation(++this.stats.invocations, this.clock());
    // Landing a message takes 1 (already there) to 5 calls (read, tombstone, read, read, put):
    // the run dies after k of its DynamoDB calls, reads included, k in 1..n (sure to be reached).
    // The first delivery of a faulted run always dies, so every faulted run, however short, shows a
    // redelivered batch landing exactly once.
    if (this.faults && (this.stats.invocations === 1 || this.draws.next() < this.faults.crashRate)) {
      inv.killAfterWrites = 1 + this.draws.int(messages.length);
      inv.killCounts = 'any';
    }
    const event: SQSEvent = {
      Records: messages.map((m) => ({
        messageId: m.id,
        receiptHandle: `rh-${m.id}-${m.receiveCount}`,
        body: m.body,
        attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: '0', SenderId: 'gateway', ApproximateFirstReceiveTimestamp: '0' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:spool',
        awsRegion: 'us-east-1',
      })),
    };
    const killed = new Promise<'killed'>((resolve) => {
      actor.onKilled = () => resolve('killed');
    });
    let outcome: SQSBatchResponse | 'killed' | 'threw';
    try {
      outcome = await Promise.race([scope.run({ actor, inv }, () => handler(event)), killed]);
    } catch {
      outcome = 'threw';
    }
    if (outcome === 'killed' || outcome === 'threw') {
      // The run died (or its Lambda failed as a whole): nothing is deleted, the batch returns.
      this.stats.crashes++;
      this.queue.bisect(messages);
      if (outcome === 'killed') {
        await idle(actor);
        for (const c of actor.clients) c.destroy();
        this.handler = undefined;
        this.actor = undefined;
      }
      return true;
    }
    this.stats.sequentialRoundTrips += inv.anyDepth;
    const failed = new Set((outcome.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    this.stats.reportedFailures += failed.size;
    const ok = messages.filter((m) => !failed.has(m.id));
    this.stats.applied += ok.length;
    if (ok.length) this.queue.deleted();
    this.queue.retryLater(messages.filter((m) => failed.has(m.id)));
    if (this.faults) for (const m of ok) if (this.draws.next() < this.faults.duplicateRate) this.queue.duplicate(m);
    return true;
  }

  async close(): Promise<void> {
    if (this.actor) {
      await idle(this.actor);
      for (const c of this.actor.clients) c.destroy();
    }
  }
}
