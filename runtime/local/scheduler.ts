import type { Logger } from '../logger.ts';
import { CLOSE_GRACE_MS, type StatementsJob } from '../statements/statements-job.ts';

/** The next 1st-of-the-month 02:00 UTC strictly after `now`. */
export function nextCloseAt(now: number): number {
  const d = new Date(now);
  const thisMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) + CLOSE_GRACE_MS;
  return thisMonth > now ? thisMonth : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) + CLOSE_GRACE_MS;
}

/** setTimeout cannot wait longer than ~24.8 days; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The local platform's monthly close: at start it closes any ended month that was missed, then
 * closes the previous month on the 1st at 02:00 UTC. Failures are logged and retried next time.
 */
export class MonthlyScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly job: StatementsJob,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.runNow();
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private runNow(): void {
    this.running = (async () => {
      try {
        const closed = await this.job.closeEndedMonths();
        for (const r of closed) this.logger.info('month closed', { month: r.month, outcome: r.outcome, sha256: r.statement.sha256 });
      } catch (e) {
        this.logger.error('monthly close failed; it will be retried at the next start or schedule', { error: e instanceof Error ? e.message : String(e) });
      }
    })();
  }

  private arm(): void {
    if (this.stopped) return;
    const wait = nextCloseAt(this.clock()) - this.clock();
    this.timer = setTimeout(
      () => {
        if (wait <= MAX_TIMER_MS) this.runNow();
        this.arm();
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    this.timer.unref();
  }
}
