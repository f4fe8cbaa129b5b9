import { monthOf } from '../../shared/month.ts';
import { priceKey } from '../../shared/price.ts';
import { authorsKey, type UsageBatch } from '../../shared/usage.ts';

/**
 * Ground truth for "lost" and "double counted", from what the store really did:
 * - every batch the platform formed, seen where it is first written (the commit PutItem of the
 *   `pending` item, or the SQS message of a re-keyed batch), with its records;
 * - every usage aggregate update the store APPLIED (a successful conditional UpdateItem on a `U#`
 *   item: the store answered 200, whether or not the answer then reached the caller), as
 *   (item, writer, seq).
 * A record counts once in the aggregates for each batch holding it whose (writer, seq) was
 * applied to the record's own aggregate item. Exactly once = exactly one such application.
 */
export class Ledger {
  /** invocation id → its aggregate item and the batches (writer#seq) that carried it */
  private readonly carried = new Map<string, { item: string; batches: string[] }>();
  /** writer#seq → calls it adds per aggregate item */
  private readonly batchItems = new Map<string, Map<string, number>>();
  /** item \0 writer#seq of every applied aggregate update */
  private readonly applied = new Set<string>();
  batchesSeen = 0;

  static aggregateItem(clientId: string, sk: string): string {
    return `${clientId}\u0000${sk}`;
  }

  /** The `usage` item a record is counted in: the key DynamoUsageLog.addAggregate writes. */
  static recordItem(r: UsageBatch['records'][number]): string {
    return Ledger.aggregateItem(r.clientId, `U#${monthOf(r.startedAt)}#${r.featureId}#${priceKey(r.price)}#${authorsKey(r.authors)}`);
  }

  batch(batch: UsageBatch): void {
    const id = `${batch.writerId}#${batch.seq}`;
    if (this.batchItems.has(id)) return;
    this.batchesSeen++;
    const perItem = new Map<string, number>();
    for (const r of batch.records) {
      const item = Ledger.recordItem(r);
      perItem.set(item, (perItem.get(item) ?? 0) + 1);
      const c = this.carried.get(r.invocationId);
      if (c) c.batches.push(id);
      else this.carried.set(r.invocationId, { item, batches: [id] });
    }
    this.batchItems.set(id, perItem);
  }

  effect(pk: string, sk: string, writerId: string, seq: number): void {
    this.applied.add(`${Ledger.aggregateItem(pk, sk)}\u0000${writerId}#${seq}`);
  }

  /** How many times an invocation's record was added to its aggregate (undefined: never in a batch). */
  timesCounted(invocationId: string): number | undefined {
    const c = this.carried.get(invocationId);
    if (!c) return undefined;
    let n = 0;
    for (const b of c.batches) if (this.applied.has(`${c.item}\u0000${b}`)) n++;
    return n;
  }

  /** Every invocation id the platform put in a batch. */
  invocations(): IterableIterator<string> {
    return this.carried.keys();
  }

  /** Calls the applied updates added to each aggregate item, to compare with the stored counters. */
  callsPerItem(): Map<string, number> {
    const out = new Map<string, number>();
    for (const key of this.applied) {
      const cut = key.lastIndexOf('\u0000');
      const item = key.slice(0, cut);
      const n = this.batchItems.get(key.slice(cut + 1))?.get(item) ?? 0;
      out.set(item, (out.get(item) ?? 0) + n);
    }
    return out;
  }
}
