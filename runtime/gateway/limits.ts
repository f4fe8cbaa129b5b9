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
