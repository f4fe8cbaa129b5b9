import type { TestCallLedger } from '../limits/limit-ledger.ts';

/** The largest lease of an account's test calls one gateway instance takes at once. */
export const MAX_TEST_LEASE = 32;

/**
 * An account's daily allowance of test calls as one gateway instance holds it. It belongs to the
 * account (a client, or a developer's `~dev~<id>`), not to a key: every test key of the account
 * shares it, so revoking a used-up key and making a new one gives no more free calls. Calls are
 * taken from the `limits` table in leases that double (1, 2, 4 … 32) while the account keeps calling this instance,
 * so steady test traffic costs one write per 32 calls, not one per call: the hot path writes once,
 * the record (invariant 8). The day's count is of calls leased, so the allowance is never passed
 * however many instances serve the account; what an instance leased and did not use is lost with it
 * (a container that ends), so at worst free calls run out a little early, never money. An
 * account calling an instance once takes a lease of 1 and wastes nothing.
 */
export class TestAllowance {
  private readonly held = new Map<string, { day: string; left: number; counted: number; next: number }>();

  constructor(
    private readonly ledger: TestCallLedger,
    private readonly perDay: number,
    private readonly maxAccounts = 50_000,
  ) {}

  /** One test call of `accountId` on `day`: ok, and the day's calls used as far as this instance knows (for RateLimit). */
  async take(accountId: string, day: string): Promise<{ ok: boolean; used: number }> {
    let held = this.held.get(accountId);
    if (!held || held.day !== day) {
      // A flood of accounts must not grow memory without bound; a lost entry only costs a write.
      if (this.held.size >= this.maxAccounts) this.held.clear();
      held = { day, left: 0, counted: 0, next: 1 };
      this.held.set(accountId, held);
    }
    if (held.left === 0) {
      const lease = await this.ledger.takeTestCalls(accountId, day, this.perDay, held.next);
      if (lease.granted === 0) return { ok: false, used: this.perDay };
      held.left += lease.granted;
      held.counted = Math.max(held.counted, lease.used);
      held.next = Math.min(held.next * 2, MAX_TEST_LEASE);
    }
    held.left -= 1;
    return { ok: true, used: held.counted - held.left };
  }
}
