import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { laneOf, laneRanges, recordKey, windowOf, windowOfSk, type LaneLayout, type LaneRange, type RecordKey } from '../../shared/lanes.ts';
import type { RejectionCount, UsageRecord } from '../../shared/usage.ts';
import { monthOf, monthStart, nextMonth } from '../../shared/month.ts';
import { conditional } from '../store/conditional.ts';
import { forEachQueryPage } from '../store/paging.ts';
import { runLimited } from '../store/run-limited.ts';
import type { TableNames } from '../store/tables.ts';

/**
 * What one lane item carries: a call's record, or a gateway container's tally of rejections
 * (never billed, written in the background). A `movedTo` item is a tombstone left by the spool
 * drain at a record's first key (see `SpooledItem`).
 */
export type LaneBody = { record: UsageRecord } | { rejections: RejectionCount[] };

/** An item the gateway could not write, as it travels through the spool: its body and first key. */
export interface SpooledItem {
  id: string;
  lane: number;
  window: number;
  body: LaneBody;
}

/** Raw records are kept for traceability well past the yearly audit of a closed month. */
const RECORD_RETENTION_S = 400 * 24 * 3600;
const STATE_KEY = { pk: 'agg', sk: 'state' };
/** `plan` is one of DynamoDB's reserved words: every state attribute goes through a name. */
const STATE_NAMES = { '#applied': 'applied', '#plan': 'plan' };

export interface AggregatorState {
  /** every window ≤ this one is in the aggregates */
  applied: number;
  /** a run in progress or interrupted: it applies windows applied < w ≤ plan.to, and only those */
  plan?: { to: number; owner: string; leaseUntil: number };
}

/** The records table's lanes and the aggregator's state item: I/O only, no decisions. */
export class LaneRecords {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    readonly layout: LaneLayout,
  ) {}

  keyOf(id: string, nowMs: number): { lane: number; window: number; key: RecordKey } {
    const lane = laneOf(id, this.layout.lanes);
    const window = windowOf(nowMs, this.layout);
    return { lane, window, key: recordKey(lane, window, id) };
  }

  /**
   * Writes an item once: a retry of the same write (or a spool replay racing it) is refused by
   * the condition and counts as done. Resolves 'exists' when the key was already taken.
   */
  async put(key: RecordKey, body: LaneBody, abortSignal?: AbortSignal): Promise<'written' | 'exists'> {
    const put = new PutCommand({
      TableName: this.tables.records,
      Item: { ...key, b: JSON.stringify(body), expiresAt: Math.floor(Date.now() / 1000) + RECORD_RETENTION_S },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    return (await conditional(this.db.send(put, { abortSignal }))) ? 'written' : 'exists';
  }

  /** The item at a key, read strongly: undefined, a body, or a tombstone's new window. */
  async get(key: RecordKey): Promise<{ body: LaneBody } | { movedTo: number } | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.records, Key: key, ConsistentRead: true }));
    if (!res.Item) return undefined;
    if (typeof res.Item.movedTo === 'number') return { movedTo: res.Item.movedTo };
    return { body: JSON.parse(String(res.Item.b)) as LaneBody };
  }

  /** Leaves a tombstone at a key nobody wrote: the original write can no longer land there. */
  tomb(key: RecordKey, movedTo: number): Promise<boolean> {
    return conditional(
      this.db.send(
        new PutCommand({
          TableName: this.tables.records,
          Item: { ...key, movedTo, expiresAt: Math.floor(Date.now() / 1000) + RECORD_RETENTION_S },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /** Moves a tombstone on from a window already aggregated; false if another drain did first. */
  moveTomb(key: RecordKey, from: number, to: number): Promise<boolean> {
    return conditional(
      this.db.send(
        new UpdateCommand({
          TableName: this.tables.records,
          Key: key,
          UpdateExpression: 'SET movedTo = :to',
          ConditionExpression: 'movedTo = :from',
          ExpressionAttributeValues: { ':from': from, ':to': to },
        }),
      ),
    );
  }

  ranges(after: number, upTo: number): LaneRange[] {
    return laneRanges(after, upTo, this.layout);
  }

  /**
   * Every item of one lane range, a page at a time (tombstones left out; unreadable items apart),
   * so that a reader never holds more than a page of records.
   */
  async readPages(range: LaneRange, onPage: (page: { bodies: { window: number; body: LaneBody }[]; unreadable: Record<string, unknown>[] }) => void): Promise<void> {
    await forEachQueryPage(
      this.db,
      {
        TableName: this.tables.records,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': range.pk, ':from': range.skFrom, ':to': range.skTo },
        ConsistentRead: true,
      },
      (items) => {
        const bodies: { window: number; body: LaneBody }[] = [];
        const unreadable: Record<string, unknown>[] = [];
        for (const item of items) {
          if (item.movedTo !== undefined) continue;
          try {
            const body = JSON.parse(String(item.b)) as LaneBody;
            if (!('record' in body) && !('rejections' in body)) throw new TypeError('neither a record nor rejections');
            bodies.push({ window: windowOfSk(String(item.sk)), body });
          } catch {
            unreadable.push(item);
          }
        }
        onPage({ bodies, unreadable });
      },
    );
  }

  /**
   * The records behind one (month, client, feature): every lane over the month's windows, and a
   * day past its end for calls that ended after midnight. An audit read (one Query per lane and
   * day), never on a request's path.
   */
  async recordsOf(month: string, clientId: string, featureId: string): Promise<UsageRecord[]> {
    const start = monthStart(month);
    const end = monthStart(nextMonth(month)) + 86_400_000;
    const out: UsageRecord[] = [];
    await runLimited(
      this.ranges(windowOf(start, this.layout) - 1, windowOf(end, this.layout)).map((range) => async () => {
        await this.readPages(range, ({ bodies }) => {
          for (const { body } of bodies) {
            if ('record' in body && body.record.clientId === clientId && body.record.featureId === featureId && monthOf(body.record.startedAt) === month) out.push(body.record);
          }
        });
      }),
      8,
    );
    return out.sort((a, b) => a.startedAt - b.startedAt || (a.invocationId < b.invocationId ? -1 : 1));
  }

  async state(): Promise<AggregatorState | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.records, Key: STATE_KEY, ConsistentRead: true }));
    if (!res.Item) return undefined;
    const plan = res.Item.plan as AggregatorState['plan'];
    return { applied: Number(res.Item.applied), ...(plan ? { plan } : {}) };
  }

  /**
   * Claims a run. `expected` is the state read before; the write succeeds only if nobody changed
   * it since (another aggregator started, finished or took over in between).
   */
  claim(expected: AggregatorState | undefined, initialApplied: number, plan: NonNullable<AggregatorState['plan']>): Promise<boolean> {
    const applied = expected?.applied ?? initialApplied;
    const condition = !expected
      ? 'attribute_not_exists(pk)'
      : expected.plan
        ? '#applied = :a AND #plan.#owner = :owner AND #plan.#lease = :lease'
        : '#applied = :a AND attribute_not_exists(#plan)';
    const values: Record<string, unknown> = { ':a': applied, ':plan': plan };
    if (expected?.plan) {
      values[':owner'] = expected.plan.owner;
      values[':lease'] = expected.plan.leaseUntil;
    }
    return conditional(
      this.db.send(
        new UpdateCommand({
          TableName: this.tables.records,
          Key: STATE_KEY,
          UpdateExpression: 'SET #applied = :a, #plan = :plan',
          ConditionExpression: condition,
          ExpressionAttributeNames: { ...STATE_NAMES, ...(expected?.plan ? { '#owner': 'owner', '#lease': 'leaseUntil' } : {}) },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /** Ends a claimed run: its windows are in the aggregates. */
  advance(plan: NonNullable<AggregatorState['plan']>): Promise<boolean> {
    return conditional(
      this.db.send(
        new UpdateCommand({
          TableName: this.tables.records,
          Key: STATE_KEY,
          UpdateExpression: 'SET #applied = :to REMOVE #plan',
          ConditionExpression: '#plan.#owner = :owner AND #plan.#to = :to',
          ExpressionAttributeNames: { ...STATE_NAMES, '#owner': 'owner', '#to': 'to' },
          ExpressionAttributeValues: { ':owner': plan.owner, ':to': plan.to },
        }),
      ),
    );
  }
}
