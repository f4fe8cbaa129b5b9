import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monthStart, nextMonth } from '../../shared/month.ts';
import { borrowUs, rateTake, tokensAvailable, type RateSpec } from '../../shared/limit-lease.ts';
import { isConditionFailure } from '../store/conditional.ts';
import type { TableNames } from '../store/tables.ts';

/**
 * The shared limit items (decision 0013), one conditional UpdateItem per lease:
 * - pk `R#<client>`: the client's rate as a token bucket, `tat` (theoretical arrival time, µs);
 * - pk `M#<client>#<month>`: what the gateways committed of the month: `calls` (admitted or leased)
 *   and `micros` (spending leased: each call's price and its largest compute, settled to the
 *   actual compute when it ends).
 * Each item is a fixed handful of numbers whatever the instances: nothing grows with them.
 */
export interface MonthCommitted {
  calls: number;
  micros: number;
  /** the cap, and the quota, in force when a lease was last refused for it (the console says "reached") */
  capRefused?: number;
  quotaRefused?: number;
}

export type RateGrant = { granted: number; tatUs: number } | { granted: 0; tatUs: number };
export type MonthGrant = { ok: true; calls: number; micros: number; committed: MonthCommitted } | { ok: false; committed: MonthCommitted };

export interface MonthAsk {
  /** calls and micros to lease (0 for a limit the client does not have) */
  calls: number;
  micros: number;
  /** unused parts of an earlier slice given back in the same write (micros may be negative: an overrun) */
  giveCalls: number;
  giveMicros: number;
  /** the smallest slice worth having: one call's reservation */
  minMicros: number;
  quota?: number;
  capMicros?: number;
}

/** The port the gateway's limiter uses; LimitLedger is its DynamoDB adapter. */
export interface LimitStore {
  takeRate(clientId: string, spec: RateSpec, want: number, giveBack: number, nowUs: number, knownTatUs: number | undefined, lookaheadUs?: number): Promise<RateGrant>;
  takeMonth(clientId: string, month: string, ask: MonthAsk): Promise<MonthGrant>;
  monthCommitted(clientId: string, month: string): Promise<MonthCommitted>;
}

const ATTEMPTS = 4;

function committedOf(item: Record<string, unknown> | undefined): MonthCommitted {
  return {
    calls: Number(item?.calls ?? 0),
    micros: Number(item?.micros ?? 0),
    ...(item?.capRefused !== undefined ? { capRefused: Number(item.capRefused) } : {}),
    ...(item?.quotaRefused !== undefined ? { quotaRefused: Number(item.quotaRefused) } : {}),
  };
}
const DAY_S = 86_400;

export const rateKey = (clientId: string) => `R#${clientId}`;
export const monthKey = (clientId: string, month: string) => `M#${clientId}#${month}`;

export class LimitLedger implements LimitStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'limits'>,
  ) {}

  /**
   * Takes `want` tokens (giving back `giveBack`) or none: a refused instance backs off until the
   * bucket holds a whole slice, rather than writing again for what is left (decision 0013). An
   * idle bucket that the instance believed busy (or the reverse) is retried once on the right path.
   */
  async takeRate(clientId: string, spec: RateSpec, want: number, giveBack: number, nowUs: number, knownTatUs: number | undefined, lookaheadUs = 0): Promise<RateGrant> {
    let tat = knownTatUs;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const plan = rateTake(spec, want, giveBack, nowUs, tat, lookaheadUs);
      const expiresAt = Math.floor(nowUs / 1e6) + DAY_S;
      try {
        const res = await this.db.send(
          new UpdateCommand({
            TableName: this.tables.limits,
            Key: { pk: rateKey(clientId) },
            ...(plan.path === 'busy'
              ? {
                  UpdateExpression: 'ADD tat :d SET expiresAt = :e',
                  ConditionExpression: 'tat BETWEEN :lo AND :hi',
                  ExpressionAttributeValues: { ':d': plan.addUs, ':lo': plan.minTatUs, ':hi': plan.maxTatUs, ':e': expiresAt },
                }
              : {
                  UpdateExpression: 'SET tat = :t, expiresAt = :e',
                  ConditionExpression: 'attribute_not_exists(tat) OR tat < :now',
                  ExpressionAttributeValues: { ':t': plan.setTatUs, ':now': plan.nowUs, ':e': expiresAt },
                }),
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return { granted: want, tatUs: Number(res.Attributes?.tat) };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      tat = await this.readNumber(rateKey(clientId), 'tat');
      // Another instance moved the bucket between what this one knew and its write: try again on
      // what it is now, unless it lacks a whole slice (then this instance backs off).
      if (tat !== undefined && tat >= nowUs && tokensAvailable(spec, tat, nowUs, borrowUs(spec, want, lookaheadUs)) + giveBack < want) break;
    }
    if (giveBack > 0 && tat !== undefined && tat >= nowUs) await this.giveRateBack(clientId, spec, giveBack, nowUs);
    return { granted: 0, tatUs: tat ?? nowUs };
  }

  /** Unused tokens back into a bucket that is not full (a full one has no room for them). */
  private async giveRateBack(clientId: string, spec: RateSpec, tokens: number, nowUs: number): Promise<void> {
    const plan = rateTake(spec, 0, tokens, nowUs, nowUs);
    if (plan.path !== 'busy') return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.limits,
          Key: { pk: rateKey(clientId) },
          UpdateExpression: 'ADD tat :d',
          ConditionExpression: 'tat >= :now',
          ExpressionAttributeValues: { ':d': plan.addUs, ':now': nowUs },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async takeMonth(clientId: string, month: string, ask: MonthAsk): Promise<MonthGrant> {
    let calls = ask.calls;
    let micros = ask.micros;
    const expiresAt = Math.floor(monthStart(nextMonth(nextMonth(month))) / 1000) + 31 * DAY_S;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const dc = calls - ask.giveCalls;
      const dm = micros - ask.giveMicros;
      const conditions: string[] = [];
      const values: Record<string, number> = { ':c': dc, ':m': dm, ':e': expiresAt };
      // The month's committed figures after this write stay within the limits: old ≤ limit − delta.
      if (ask.quota !== undefined && calls > 0) {
        conditions.push('(attribute_not_exists(calls) OR calls <= :qc)');
        values[':qc'] = ask.quota - dc;
      }
      if (ask.capMicros !== undefined && micros > 0) {
        conditions.push('(attribute_not_exists(micros) OR micros <= :qm)');
        values[':qm'] = ask.capMicros - dm;
      }
      try {
        const res = await this.db.send(
          new UpdateCommand({
            TableName: this.tables.limits,
            Key: { pk: monthKey(clientId, month) },
            UpdateExpression: 'ADD calls :c, micros :m SET expiresAt = :e',
            ...(conditions.length ? { ConditionExpression: conditions.join(' AND ') } : {}),
            ExpressionAttributeValues: values,
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return { ok: true, calls, micros, committed: committedOf(res.Attributes) };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      const now = await this.monthCommitted(clientId, month);
      const roomCalls = ask.quota === undefined ? calls : ask.quota - now.calls + ask.giveCalls;
      const roomMicros = ask.capMicros === undefined ? micros : ask.capMicros - now.micros + ask.giveMicros;
      const lacksCalls = ask.quota !== undefined && calls > 0 && roomCalls < 1;
      const lacksMicros = ask.capMicros !== undefined && micros > 0 && roomMicros < ask.minMicros;
      if (lacksCalls || lacksMicros) {
        // Nothing more to lease: what the slice did not use still goes back, with a mark of the
        // limit that refused (one write per refusal; instances then refuse on their own a while).
        const marks = { ...(lacksMicros ? { capRefused: ask.capMicros } : {}), ...(lacksCalls ? { quotaRefused: ask.quota } : {}) };
        return { ok: false, committed: await this.refused(clientId, month, ask.giveCalls, ask.giveMicros, marks, expiresAt) };
      }
      calls = Math.max(0, Math.min(calls, roomCalls));
      micros = Math.max(0, Math.min(micros, roomMicros));
    }
    return { ok: false, committed: await this.monthCommitted(clientId, month) };
  }

  async monthCommitted(clientId: string, month: string): Promise<MonthCommitted> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.limits, Key: { pk: monthKey(clientId, month) }, ConsistentRead: true }));
    return committedOf(res.Item);
  }

  private async refused(clientId: string, month: string, giveCalls: number, giveMicros: number, marks: Record<string, number | undefined>, expiresAt: number): Promise<MonthCommitted> {
    const sets = Object.keys(marks).map((k) => `${k} = :${k}`);
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.limits,
        Key: { pk: monthKey(clientId, month) },
        UpdateExpression: `ADD calls :c, micros :m SET ${['expiresAt = :e', ...sets].join(', ')}`,
        ExpressionAttributeValues: { ':c': -giveCalls, ':m': -giveMicros, ':e': expiresAt, ...Object.fromEntries(Object.entries(marks).map(([k, v]) => [`:${k}`, v])) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return committedOf(res.Attributes);
  }

  private async readNumber(pk: string, attr: string): Promise<number | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.limits, Key: { pk }, ConsistentRead: true }));
    const v = res.Item?.[attr];
    return v === undefined ? undefined : Number(v);
  }
}
