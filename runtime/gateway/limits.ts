import type { ClientLimits } from '../keys/client-store.ts';
import { errors } from './errors.ts';

/**
 * Token bucket per client: `burst` tokens, refilled at `rps` per second. Exact within one gateway
 * process, which is the only writer of its buckets.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  take(clientId: string, limits: ClientLimits, now: number): void {
    const rps = limits.rps;
    if (!rps || rps <= 0) return;
    const burst = Math.max(1, limits.burst ?? rps);
    const b = this.buckets.get(clientId) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rps);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(clientId, b);
      throw errors.rateLimited(Math.max(1, Math.ceil((1 - b.tokens) / rps)));
    }
    b.tokens -= 1;
    this.buckets.set(clientId, b);
  }
}

/**
 * Calls per client per month, for quotas. Loaded once per (client, month) from the aggregates,
 * then counted here: every admitted call counts at once, before it runs, so concurrent calls can
 * never overshoot the quota.
 */
export class QuotaCounter {
  private readonly used = new Map<string, Promise<{ n: number }>>();
  constructor(private readonly load: (clientId: string, month: string) => Promise<number>) {}

  async admit(clientId: string, month: string, quota: number | undefined): Promise<void> {
    if (quota === undefined) return;
    const key = `${clientId}#${month}`;
    let entry = this.used.get(key);
    if (!entry) {
      entry = this.load(clientId, month).then(
        (n) => ({ n }),
        (e: unknown) => {
          throw errors.unavailable(e);
        },
      );
      this.used.set(key, entry);
      entry.catch(() => this.used.delete(key));
    }
    const counter = await entry;
    if (counter.n >= quota) throw errors.quotaExceeded(quota);
    counter.n += 1;
  }
}

/**
 * Spending per client per month, for spend caps. Loaded from the aggregates (which price every
 * line exactly as the invoice will) and refreshed every `refreshMs`, so the other gateway
 * processes' calls are seen within that time; between loads this process adds its own calls.
 * A cap can therefore be passed by what other processes served in the last `refreshMs`.
 */
export class SpendCounter {
  private readonly spent = new Map<string, { micros: bigint; loadedAt: number; load: Promise<unknown> }>();
  constructor(
    private readonly load: (clientId: string, month: string) => Promise<bigint>,
    private readonly refreshMs = 5_000,
  ) {}

  async admit(clientId: string, month: string, capMicros: number | undefined, now: number): Promise<void> {
    if (capMicros === undefined) return;
    const key = `${clientId}#${month}`;
    let entry = this.spent.get(key);
    if (!entry || now - entry.loadedAt > this.refreshMs) {
      const fresh = { micros: entry?.micros ?? 0n, loadedAt: now, load: Promise.resolve() as Promise<unknown> };
      fresh.load = this.load(clientId, month).then(
        (micros) => {
          fresh.micros = micros;
        },
        (e: unknown) => {
          this.spent.delete(key);
          throw errors.unavailable(e);
        },
      );
      this.spent.set(key, fresh);
      entry = fresh;
    }
    await entry.load;
    if (entry.micros >= BigInt(capMicros)) throw errors.spendCapReached(capMicros);
  }

  /**
   * A served call's price, counted at once so the next call sees it. Priced only for clients
   * with a cap (tracked here): the others pay nothing for this on the hot path.
   */
  add(clientId: string, month: string, price: () => bigint): void {
    const entry = this.spent.get(`${clientId}#${month}`);
    if (entry) entry.micros += price();
  }
}
