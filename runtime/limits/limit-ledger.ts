import { setTimeout as sleep } from 'node:timers/promises';
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
 * - pk `T#<account>#<day>`: the test calls an account (a client, or a developer's `~dev~<id>`) made
 *   that UTC day with all its test keys (written in leases of up to 32 calls: an account's test
 *   calls are capped at a thousand or so a day, so this is never a hot key).
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

/**
 * An account's test calls of a day (all its test keys together): up to `wanted` more calls, as many as stay within `max`, with the day's count
 * after them; `granted` 0 when the day is used up.
 */
export interface TestCallLedger {
  takeTestCalls(accountId: string, day: string, max: number, wanted: number): Promise<{ granted: number; used: number }>;
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
export const testDayKey = (accountId: string, day: string) => `T#${accountId}#${day}`;

/**
 * Errors after which DynamoDB surely did not apply a write (throttled, refused before it ran). After
 * any other (a timeout, a reset, a 500) it may have been applied.
 */
const NOT_APPLIED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'ValidationException', 'ResourceNotFoundException', 'AccessDeniedException']);

/** A write that gave something back failed with an unknown outcome: it is taken as applied (see LimitLedger). */
export class LimitWriteUnknownError extends Error {
  override readonly name = 'LimitWriteUnknownError';
}

/** Conditional writes refused this many times in a row by other instances' writes: the caller answers 503. */
export class LimitContentionError extends Error {
  override readonly name = 'LimitContentionError';
}

const WRITE_ATTEMPTS = 3;

/**
 * The limits table. Its DynamoDB client must not retry on its own (`maxAttempts: 1`): a slice
 * given back is an `ADD` of a negative amount, which a retry after a lost answer would apply twice,
 * handing out more than the limit (checked at first use). This class retries itself, knowing what
 * each write holds: a write that only takes is sent again after any error (applied twice, it only
 * holds more back: calls stranded, never a limit passed); a write that gives back is sent again only
 * after an error that proves it was not applied, and otherwise fails with LimitWriteUnknownError,
 * which callers treat as applied (what was given back is not kept again).
 */
export class LimitLedger implements LimitStore, TestCallLedger {
  private checked: Promise<void> | undefined;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'limits'>,
  ) {}

  private async update(command: UpdateCommand, givesBack: boolean): Promise<Record<string, unknown> | undefined> {
    this.checked ??= (async () => {
      const attempts = await this.db.config.maxAttempts();
      if (attempts > 1) throw new Error(`LimitLedger needs a DynamoDB client with maxAttempts 1 (it has ${attempts}): a retried give-back would be applied twice`);
    })();
    await this.checked;
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.db.send(command)).Attributes;
      } catch (e) {
        if (isConditionFailure(e)) throw e;
        const surelyNotApplied = NOT_APPLIED.has((e as { name?: string }).name ?? '');
        if (givesBack && !surelyNotApplied) throw new LimitWriteUnknownError('a limit write that gave back failed with an unknown outcome', { cause: e });
        if (attempt >= WRITE_ATTEMPTS) throw e;
        await sleep(Math.random() * 20 * 2 ** attempt);
      }
    }
  }

  /**
   * Takes `want` tokens (giving back `giveBack`) or none: a refused instance backs off until the
   * bucket holds a whole slice, rather than writing again for what is left (decision 0013). A
   * bucket that moved between what the instance knew and its write is tried again as it now is.
   */
  async takeRate(clientId: string, spec: RateSpec, want: number, giveBack: number, nowUs: number, knownTatUs: number | undefined, lookaheadUs = 0): Promise<RateGrant> {
    let tat = knownTatUs;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const plan = rateTake(spec, want, giveBack, nowUs, tat, lookaheadUs);
      const expiresAt = Math.floor(nowUs / 1e6) + DAY_S;
      try {
        const attributes = await this.update(
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
                  ConditionExpression: 'attribute_not_exists(tat) OR tat < :idle',
                  ExpressionAttributeValues: { ':t': plan.setTatUs, ':idle': plan.idleBeforeUs, ':e': expiresAt },
                }),
            ReturnValues: 'UPDATED_NEW',
          }),
          plan.path === 'busy' && plan.addUs < 0,
        );
        return { granted: want, tatUs: Number(attributes?.tat) };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      tat = await this.readNumber(rateKey(clientId), 'tat');
      // Not enough for a whole slice, even with what this instance gives back: it backs off.
      if (tokensAvailable(spec, tat, nowUs, borrowUs(want, lookaheadUs)) + giveBack < want) break;
    }
    if (giveBack > 0 && tat !== undefined) await this.giveRateBack(clientId, spec, giveBack, nowUs);
    return { granted: 0, tatUs: tat ?? nowUs };
  }

  /** Unused tokens back into a bucket that is not idle (an idle one has no room for them). */
  private async giveRateBack(clientId: string, spec: RateSpec, tokens: number, nowUs: number): Promise<void> {
    const plan = rateTake(spec, 0, tokens, nowUs, nowUs);
    if (plan.path !== 'busy') return;
    try {
      await this.update(
        new UpdateCommand({
          TableName: this.tables.limits,
          Key: { pk: rateKey(clientId) },
          UpdateExpression: 'ADD tat :d',
          ConditionExpression: 'tat >= :idle',
          ExpressionAttributeValues: { ':d': plan.addUs, ':idle': plan.minTatUs },
        }),
        true,
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
        const attributes = await this.update(
          new UpdateCommand({
            TableName: this.tables.limits,
            Key: { pk: monthKey(clientId, month) },
            UpdateExpression: 'ADD calls :c, micros :m SET expiresAt = :e',
            ...(conditions.length ? { ConditionExpression: conditions.join(' AND ') } : {}),
            ExpressionAttributeValues: values,
            ReturnValues: 'UPDATED_NEW',
          }),
          dc < 0 || dm < 0,
        );
        return { ok: true, calls, micros, committed: committedOf(attributes) };
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
    throw new LimitContentionError(`the month item of ${clientId} was moved by other instances ${ATTEMPTS} times in a row`);
  }

  /**
   * One conditional ADD of up to `wanted` calls; when the day has less room, what is left (read
   * again, as other instances take theirs). A write whose outcome is unknown is retried
   * (update()): at worst calls count twice against a free allowance, never against money.
   */
  async takeTestCalls(accountId: string, day: string, max: number, wanted: number): Promise<{ granted: number; used: number }> {
    const pk = testDayKey(accountId, day);
    const expiresAt = Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 2 * DAY_S;
    let n = Math.min(wanted, max);
    for (let attempt = 0; attempt < ATTEMPTS && n > 0; attempt++) {
      try {
        const attributes = await this.update(
          new UpdateCommand({
            TableName: this.tables.limits,
            Key: { pk },
            UpdateExpression: 'ADD calls :n SET expiresAt = :e',
            ConditionExpression: 'attribute_not_exists(calls) OR calls <= :room',
            ExpressionAttributeValues: { ':n': n, ':room': max - n, ':e': expiresAt },
            ReturnValues: 'UPDATED_NEW',
          }),
          false,
        );
        return { granted: n, used: Number(attributes?.calls ?? n) };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        n = Math.min(n, max - ((await this.readNumber(pk, 'calls')) ?? 0));
      }
    }
    return { granted: 0, used: max };
  }

  async monthCommitted(clientId: string, month: string): Promise<MonthCommitted> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.limits, Key: { pk: monthKey(clientId, month) }, ConsistentRead: true }));
    return committedOf(res.Item);
  }

  private async refused(clientId: string, month: string, giveCalls: number, giveMicros: number, marks: Record<string, number | undefined>, expiresAt: number): Promise<MonthCommitted> {
    const sets = Object.keys(marks).map((k) => `${k} = :${k}`);
    const attributes = await this.update(
      new UpdateCommand({
        TableName: this.tables.limits,
        Key: { pk: monthKey(clientId, month) },
        UpdateExpression: `ADD calls :c, micros :m SET ${['expiresAt = :e', ...sets].join(', ')}`,
        ExpressionAttributeValues: { ':c': -giveCalls, ':m': -giveMicros, ':e': expiresAt, ...Object.fromEntries(Object.entries(marks).map(([k, v]) => [`:${k}`, v])) },
        ReturnValues: 'ALL_NEW',
      }),
      giveCalls > 0 || giveMicros > 0,
    );
    return committedOf(attributes);
  }

  private async readNumber(pk: string, attr: string): Promise<number | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.limits, Key: { pk }, ConsistentRead: true }));
    const v = res.Item?.[attr];
    return v === undefined ? undefined : Number(v);
  }
}
