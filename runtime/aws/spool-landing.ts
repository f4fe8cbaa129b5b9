import { canStillWrite, recordKey, windowEndMs, windowOf } from '../../shared/lanes.ts';
import type { LaneRecords, SpooledItem } from '../meter/lane-records.ts';

/** Windows ahead of now that a tombstone names: ≥ the spool queue's visibility timeout (infra/jobs.ts). */
export const LANDING_LEAD_WINDOWS = 3;

export class NotYetError extends Error {
  override readonly name = 'NotYetError';
}

/**
 * Lands a spooled item in the records exactly once, however often SQS delivers it and whether or
 * not the gateway's own write landed after all (a timeout is no proof of failure).
 *
 * The item's first key arbitrates: the drain puts a tombstone there, conditional on the key being
 * free, naming the window it will write the item to. If the gateway's write got there first, the
 * tombstone is refused and the item is already in. Once a tombstone stands, the item is written
 * under the window it names, also conditionally; if that window closed before the write could
 * land (a drain that died in between), the tombstone is moved on — compare-and-set, so one drain
 * wins — once the window is closed, when a strong read of its key proves no write of it landed
 * (no write lands in a closed window: the rule the aggregator relies on).
 */
export async function landSpooled(lanes: LaneRecords, item: SpooledItem, clock: () => number): Promise<'present' | 'written'> {
  const layout = lanes.layout;
  const first = recordKey(item.lane, item.window, item.id);
  // Never the first key's own window: the item and its tombstone need keys of their own. And a
  // few windows ahead: a drain that dies between the tombstone and the write is redelivered after
  // SQS's visibility timeout (3 minutes) and must still find the window open for writes.
  const newWindow = (after: number) => Math.max(windowOf(clock(), layout) + LANDING_LEAD_WINDOWS, after + 1);
  for (let attempt = 0; attempt < 6; attempt++) {
    const at = await lanes.get(first);
    if (at && 'body' in at) return 'present';
    if (!at) {
      await lanes.tomb(first, newWindow(item.window));
      continue;
    }
    const target = recordKey(item.lane, at.movedTo, item.id);
    // Read the clock before the target: a write to a window lands before it closes (the rule the
    // aggregator relies on too), so once closed, a strong read that finds nothing proves nothing
    // will ever be there.
    const closed = clock() >= windowEndMs(at.movedTo, layout) + layout.graceMs;
    if (await lanes.get(target)) return 'present';
    if (canStillWrite(at.movedTo, clock(), layout)) {
      await lanes.put(target, item.body, AbortSignal.timeout(layout.writeDeadlineMs));
      return 'written';
    }
    if (!closed) throw new NotYetError(`window ${at.movedTo} closes within the write deadline; SQS will deliver the item again`);
    await lanes.moveTomb(first, at.movedTo, newWindow(at.movedTo));
  }
  throw new Error(`spooled item ${item.id} could not be landed: its key kept changing`);
}

export function isSpooledItem(v: unknown): v is SpooledItem {
  const i = v as SpooledItem;
  if (typeof i !== 'object' || i === null) return false;
  if (typeof i.id !== 'string' || !Number.isSafeInteger(i.lane) || !Number.isSafeInteger(i.window)) return false;
  const body = i.body as unknown as Record<string, unknown> | null;
  return typeof body === 'object' && body !== null && (typeof body.record === 'object' || Array.isArray(body.rejections));
}
