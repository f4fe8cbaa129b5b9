/**
 * Where a call's usage record lives in AWS, and when the aggregator may read it (decision 0010).
 *
 * Each record is written once, on the gateway's hot path, to the records table under
 * pk `L<lane>#<part>` and sk `<window>#<invocationId>`: lane = hash(invocation id) mod `lanes`,
 * so that any one partition key takes 1/lanes of the platform's writes; window = the write's
 * minute, so that the aggregator can read a closed span of time with one Query per lane and part;
 * part = a day's worth of windows, so that no item collection grows for ever.
 *
 * A window is closed once its end plus `graceMs` has passed. Every write to a window starts
 * inside it and gives up after `writeDeadlineMs`, far less than the grace: a closed window
 * receives no more records, and the aggregator can fold it once and for all.
 */
export interface LaneLayout {
  lanes: number;
  windowMs: number;
  graceMs: number;
  /** a record write (the SDK's retries included) is abandoned after this long */
  writeDeadlineMs: number;
}

/**
 * The write deadline fits the gateway's margin around a feature call (GATEWAY_MARGIN_MS, 2 s):
 * DynamoDB answers in milliseconds and the SDK's retries of a throttle take a few hundred; past
 * that the record goes to the spool instead of holding the client's response.
 */
export const LANE_LAYOUT: LaneLayout = { lanes: 32, windowMs: 60_000, graceMs: 120_000, writeDeadlineMs: 1_500 };

const WINDOW_DIGITS = 10;
const WINDOWS_PER_PART = 1440;

/** FNV-1a over the id's UTF-16 code units: stable, cheap, and even enough for random ids. */
export function laneOf(id: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % lanes;
}

export function windowOf(ms: number, layout: LaneLayout): number {
  return Math.floor(ms / layout.windowMs);
}

export function windowEndMs(window: number, layout: LaneLayout): number {
  return (window + 1) * layout.windowMs;
}

/** The last window no write can reach any more at `nowMs`. */
export function lastClosedWindow(nowMs: number, layout: LaneLayout): number {
  return Math.floor((nowMs - layout.graceMs) / layout.windowMs) - 1;
}

/** Whether a write to `window` that starts at `nowMs` is sure to land before the window closes. */
export function canStillWrite(window: number, nowMs: number, layout: LaneLayout): boolean {
  return nowMs + layout.writeDeadlineMs < windowEndMs(window, layout) + layout.graceMs;
}

export interface RecordKey {
  pk: string;
  sk: string;
}

function partOf(window: number): number {
  return Math.floor(window / WINDOWS_PER_PART);
}

function windowSk(window: number): string {
  if (!Number.isSafeInteger(window) || window < 0) throw new RangeError(`not a window: ${window}`);
  return String(window).padStart(WINDOW_DIGITS, '0');
}

export function recordKey(lane: number, window: number, id: string): RecordKey {
  return { pk: `L${lane}#${partOf(window)}`, sk: `${windowSk(window)}#${id}` };
}

/** The window a record sort key belongs to. */
export function windowOfSk(sk: string): number {
  return Number(sk.slice(0, WINDOW_DIGITS));
}

/** One Query per (lane, part): the sort-key range of windows `after` < w ≤ `upTo`. */
export interface LaneRange {
  lane: number;
  pk: string;
  skFrom: string;
  skTo: string;
}

export function laneRanges(after: number, upTo: number, layout: LaneLayout): LaneRange[] {
  const out: LaneRange[] = [];
  if (upTo <= after) return out;
  const first = after + 1;
  for (let part = partOf(first); part <= partOf(upTo); part++) {
    const from = Math.max(first, part * WINDOWS_PER_PART);
    const to = Math.min(upTo, (part + 1) * WINDOWS_PER_PART - 1);
    // '#' < every character of an id, '~' > them: the range holds exactly windows from..to.
    for (let lane = 0; lane < layout.lanes; lane++) {
      out.push({ lane, pk: `L${lane}#${part}`, skFrom: `${windowSk(from)}#`, skTo: `${windowSk(to)}#~` });
    }
  }
  return out;
}
