import { windowOfSk } from '../../shared/lanes.ts';
import { monthOf } from '../../shared/month.ts';
import { priceKey } from '../../shared/price.ts';
import { authorsKey, type UsageRecord } from '../../shared/usage.ts';

/** A record item the store holds in a lane, as the ledger saw it written. */
interface StoredRecord {
  /** pk \0 sk of the lane item */
  key: string;
  window: number;
  /** the `U#` usage item it is counted in */
  item: string;
}

/**
 * Ground truth for "lost" and "double counted", from what the store really did (every request
 * the store APPLIED, whether or not its answer then reached the caller):
 * - (a) every lane PutItem of a record: invocation id → its lane key, window and aggregate item
 *   (tombstones and `R-` rejection items are counted apart);
 * - (b) every aggregator claim (UpdateItem of the state item setting `plan`): the window range
 *   (after, to] it applies, and every advance (`applied` = to, plan removed);
 * - (c) every aggregate UpdateItem of a `U#` item with `w_agg = :seq`: (item, seq) and the calls it added.
 * A stored record in window w counts once for each applied update of its aggregate item whose seq
 * is the `to` of the claimed range holding w. Exactly once = exactly one such application.
 */
export class Ledger {
  /** invocation id → the record items stored for it (normally exactly one) */
  private readonly stored = new Map<string, StoredRecord[]>();
  /** claimed ranges: after → to (a takeover claims the very same range again) */
  private readonly ranges = new Map<number, number>();
  private sortedRanges: [number, number][] | undefined;
  /** item \0 writer#seq → applied updates of it (1 unless a condition let a re-apply through) and the calls they added (their `:calls`) */
  private readonly applied = new Map<string, { n: number; calls: number }>();
  readonly stats = {
    recordPuts: 0,
    tombstonePuts: 0,
    rejectionPuts: 0,
    /** lane puts whose body the ledger could not read */
    unreadablePuts: 0,
    claims: 0,
    advances: 0,
    /** two claims from the same `after` to different `to`s: the ranges would overlap */
    inconsistentClaims: 0,
    aggregateUpdates: 0,
    /** applied updates of one (item, seq) seen twice: the condition let a re-apply through */
    repeatedUpdates: 0,
    /** applied aggregate updates from another writer than the aggregator's `agg` */
    foreignWriterUpdates: 0,
  };

  static aggregateItem(clientId: string, sk: string): string {
    return `${clientId}\u0000${sk}`;
  }

  /** The `usage` item a record is counted in: the key DynamoUsageLog.addAggregate writes. */
  static recordItem(r: UsageRecord): string {
    return Ledger.aggregateItem(r.clientId, `U#${monthOf(r.startedAt)}#${r.featureId}#${priceKey(r.price)}#${authorsKey(r.authors)}`);
  }

  /** (a) a lane PutItem the store applied. */
  lanePut(pk: string, sk: string, item: { b?: string; movedTo?: number }): void {
    if (item.movedTo !== undefined) {
      this.stats.tombstonePuts++;
      return;
    }
    let body: { record?: UsageRecord; rejections?: unknown[] };
    try {
      body = JSON.parse(item.b ?? '') as typeof body;
    } catch {
      this.stats.unreadablePuts++;
      return;
    }
    if (body.record) {
      this.stats.recordPuts++;
      const r: StoredRecord = { key: `${pk}\u0000${sk}`, window: windowOfSk(sk), item: Ledger.recordItem(body.record) };
      const list = this.stored.get(body.record.invocationId);
      if (list) list.push(r);
      else this.stored.set(body.record.invocationId, [r]);
    } else if (body.rejections) this.stats.rejectionPuts++;
    else this.stats.unreadablePuts++;
  }

  /** (b) a claim the store applied: windows after < w ≤ to. */
  claim(after: number, to: number): void {
    this.stats.claims++;
    const known = this.ranges.get(after);
    if (known !== undefined && known !== to) this.stats.inconsistentClaims++;
    this.ranges.set(after, Math.max(known ?? to, to));
    this.sortedRanges = undefined;
  }

  advance(): void {
    this.stats.advances++;
  }

  /** (c) an aggregate update the store applied. */
  effect(pk: string, sk: string, writerId: string, seq: number, calls: number): void {
    this.stats.aggregateUpdates++;
    if (writerId !== 'agg') this.stats.foreignWriterUpdates++;
    const key = `${Ledger.aggregateItem(pk, sk)}\u0000${writerId}#${seq}`;
    const known = this.applied.get(key);
    if (known) {
      this.stats.repeatedUpdates++;
      known.n++;
      known.calls += calls;
    } else this.applied.set(key, { n: 1, calls });
  }

  /** The `to` of the claimed range holding window w, if any. */
  private seqOf(w: number): number | undefined {
    this.sortedRanges ??= [...this.ranges.entries()].sort((a, b) => a[0] - b[0]);
    const r = this.sortedRanges;
    let lo = 0;
    let hi = r.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [after, to] = r[mid] as [number, number];
      if (w <= after) hi = mid - 1;
      else if (w > to) lo = mid + 1;
      else return to;
    }
    return undefined;
  }

  private countsOf(r: StoredRecord): number {
    const seq = this.seqOf(r.window);
    return seq === undefined ? 0 : (this.applied.get(`${r.item}\u0000agg#${seq}`)?.n ?? 0);
  }

  /** How many times an invocation's record was added to its aggregate (undefined: never stored). */
  timesCounted(invocationId: string): number | undefined {
    const list = this.stored.get(invocationId);
    if (!list) return undefined;
    let n = 0;
    for (const r of list) n += this.countsOf(r);
    return n;
  }

  /** Every invocation id with a record stored in a lane. */
  invocations(): IterableIterator<string> {
    return this.stored.keys();
  }

  /** invocation id → its stored lane keys (pk \0 sk), to compare with the store. */
  storedKeys(): Map<string, string[]> {
    return new Map([...this.stored.entries()].map(([id, list]) => [id, list.map((r) => r.key)]));
  }

  /** Records stored in a window no claim covered (never aggregated). */
  recordsOutsideClaims(): number {
    let n = 0;
    for (const list of this.stored.values()) for (const r of list) if (this.seqOf(r.window) === undefined) n++;
    return n;
  }

  /**
   * Calls the applied updates added to each aggregate item, as the ledger expects them (the
   * stored records of each applied range), to compare with the stored counters; and the applied
   * updates whose `:calls` differ from the records the ledger saw stored in their range (a record
   * that landed in a window after the aggregator had read it).
   */
  callsPerItem(): { perItem: Map<string, number>; incrementMismatches: number; samples: { item: string; seq: string; stored: number; added: number; updates: number }[] } {
    const expected = new Map<string, number>(); // item \0 agg#seq → stored records
    for (const list of this.stored.values()) {
      for (const r of list) {
        const seq = this.seqOf(r.window);
        if (seq === undefined) continue;
        const k = `${r.item}\u0000agg#${seq}`;
        expected.set(k, (expected.get(k) ?? 0) + 1);
      }
    }
    const perItem = new Map<string, number>();
    let incrementMismatches = 0;
    const samples: { item: string; seq: string; stored: number; added: number; updates: number }[] = [];
    for (const [key, { n, calls }] of this.applied) {
      const cut = key.lastIndexOf('\u0000');
      const item = key.slice(0, cut);
      const stored = expected.get(key) ?? 0;
      if (stored * n !== calls) {
        incrementMismatches++;
        if (samples.length < 5) samples.push({ item: item.replace('\u0000', ' '), seq: key.slice(cut + 1), stored, added: calls, updates: n });
      }
      perItem.set(item, (perItem.get(item) ?? 0) + stored * n);
    }
    return { perItem, incrementMismatches, samples };
  }

  /** The claimed ranges, in order, for the output. */
  claimedRanges(): { count: number; first?: [number, number]; last?: [number, number] } {
    this.sortedRanges ??= [...this.ranges.entries()].sort((a, b) => a[0] - b[0]);
    return { count: this.sortedRanges.length, first: this.sortedRanges[0], last: this.sortedRanges.at(-1) };
  }
}
