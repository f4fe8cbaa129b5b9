import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canStillWrite, lastClosedWindow, LANE_LAYOUT, laneOf, laneRanges, recordKey, windowEndMs, windowOf, windowOfSk } from './lanes.ts';

const layout = LANE_LAYOUT;
const windowArb = fc.integer({ min: 0, max: 60_000_000 });
const idArb = fc.stringMatching(/^[0-9a-z-]{1,36}$/);

describe('lanes and windows', () => {
  it('spreads random ids over every lane, evenly enough that no partition takes much more than its share', () => {
    const counts = new Array<number>(layout.lanes).fill(0);
    for (let i = 0; i < 64_000; i++) counts[laneOf(crypto.randomUUID(), layout.lanes)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(1_600);
    expect(Math.max(...counts)).toBeLessThan(2_400);
  });

  it('selects exactly the records of windows after < w ≤ upTo of every lane, whatever the span and its day boundaries', () => {
    fc.assert(
      fc.property(windowArb, fc.integer({ min: -3, max: 4_000 }), windowArb.map((w) => w % 5_000), idArb, fc.nat(layout.lanes - 1), (after, span, offset, id, lane) => {
        const upTo = after + span;
        const w = after - 2 + (offset % (span + 4));
        const key = recordKey(lane, Math.max(0, w), id);
        const inRange = laneRanges(after, upTo, layout).some((r) => r.pk === key.pk && r.skFrom <= key.sk && key.sk <= r.skTo);
        const wanted = Math.max(0, w) > after && Math.max(0, w) <= upTo;
        expect(inRange).toBe(wanted);
        expect(windowOfSk(key.sk)).toBe(Math.max(0, w));
      }),
    );
  });

  it('closes a window only once every write that could start inside it has landed or given up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1e12, max: 2e12 }), (now) => {
        const closed = lastClosedWindow(now, layout);
        // The newest closed window: its end plus the grace has passed, the next one's has not.
        expect(windowEndMs(closed, layout) + layout.graceMs).toBeLessThanOrEqual(now);
        expect(windowEndMs(closed + 1, layout) + layout.graceMs).toBeGreaterThan(now);
        // A write that starts in the current window is still allowed to; nothing is, in a closed one.
        expect(canStillWrite(windowOf(now, layout), now, layout)).toBe(true);
        expect(canStillWrite(closed, now, layout)).toBe(false);
      }),
    );
    expect(layout.writeDeadlineMs * 4).toBeLessThan(layout.graceMs);
  });
});
