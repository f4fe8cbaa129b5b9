import type { TestCallLedger } from '../limits/limit-ledger.ts';

/** The largest lease of a test key's calls one gateway instance takes at once. */
export const MAX_TEST_LEASE = 32;

/**
 * A test key's daily allowance as one gateway instance holds it. Calls are taken from the
 * `limits` table in leases that double (1, 2, 4 … 32) while the key keeps calling this instance,
 * so steady test traffic costs one write per 32 calls, not one per call: the hot path writes once,
 * the record (invariant 8). The day's count is of calls leased, so the allowance is never passed
 * however many instances serve the key; what an instance leased and did not use is lost with it
 * (a container that ends), so at worst a developer's free calls run out a little early, never
 * money. A key calling an instance once takes a lease of 1 and wastes nothing.
 */
export class TestAllowance {
  private readonly held = new Map<string, { day: string; left: number; counted: number; next: number }>();

  constructor(
    private readonly ledger: TestCallLedger,
    private readonly perDay: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** One call of `keyId` on `day`: ok, and the day's calls used as far as this instance knows (for RateLimit). */
  async take(keyId: string, day: string): Promise<{ ok: boolean; used: number }> {
    let held = this.held.get(keyId);
    if (!held || held.day !== day) {
      // A flood of keys must not grow memory without bound; a lost entry only costs a write.
      if (this.held.size >= this.maxKeys) this.held.clear();
      held = { day, left: 0, counted: 0, next: 1 };
      this.held.set(keyId, held);
    }
    if (held.left === 0) {
      const lease = await this.ledger.takeTestCalls(keyId, day, this.perDay, held.next);
      if (lease.granted === 0) return { ok: false, used: this.perDay };
      held.left += lease.granted;
      held.counted = Math.max(held.counted, lease.used);
      held.next = Math.min(held.next * 2, MAX_TEST_LEASE);
    }
    held.left -= 1;
    return { ok: true, used: held.counted - held.left };
  }
}
