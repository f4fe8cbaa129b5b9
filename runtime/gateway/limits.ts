import type { ClientLimits } from '../keys/client-store.ts';
import type { LimitStore, MonthCommitted } from '../limits/limit-ledger.ts';
import { describeError, type Logger } from '../logger.ts';
import { monthStart, nextMonth } from '../../shared/month.ts';
import {
  borrowUs,
  DemandRate,
  emissionIntervalUs,
  rateLimitHeaders,
  rateRetryAfterS,
  rateSpecOf,
  sliceSize,
  tokensAvailable,
  type PolicyState,
  type RateSpec,
} from '../../shared/limit-lease.ts';
import { errors } from './errors.ts';

/**
 * How long slices last and how much they cover (decision 0013). A slice is sized to this many
 * seconds of the instance's own demand for the client, so a steady client costs one lease write
 * per instance per horizon, whatever its rate; unused parts go back with the next lease.
 */
export const LEASES = {
  rateHorizonS: 4,
  rateLeaseMs: 5_000,
  monthHorizonS: 30,
  monthLeaseMs: 40_000,
  /** a slice is refilled in the background once this share of it is left: most calls never wait */
  refillAt: 0.1,
  maxMonthSlice: 10_000,
  /** backoff of an instance the shared bucket refused: base × 2^refusals in a row, at most max */
  backoffBaseMs: 25,
  maxBackoffMs: 4_000,
  /** the smallest part of a month slice worth a write to give back early */
  minGiveBack: 4,
  /** how long an instance repeats a refusal of the shared item before asking it again (doubling, at most 16 ×) */
  refusalMemoryMs: 1_000,
  /** how often expired slices of clients no longer calling are given back */
  sweepEveryMs: 1_000,
} as const;


/** An admitted call: the RateLimit headers of its answer, and the settlement of its reservation. */
export interface Admission {
  headers: Record<string, string>;
  /** what the call reserved against a spend cap (0: no cap, nothing to settle) */
  reservedMicros: number;
  /** the call's actual price (0 when not billable): the rest of its reservation goes back to the slice */
  settle(actualMicros: number): void;
}

interface RateSlot {
  spec: RateSpec;
  left: number;
  expiresMs: number;
  tatUs?: number;
  /** when tatUs was read */
  seenMs?: number;
  demand: DemandRate;
  fetching?: Promise<void>;
  /** after the shared bucket refused a slice: no new try before this time (backoff with jitter) */
  retryAtMs: number;
  /** refusals in a row: the backoff doubles with each (instances contending for an empty bucket) */
  misses: number;
  /** while the shared bucket cannot be reached: this instance's own bucket at the client's rate */
  outage?: { tokens: number; at: number; triedAt: number };
}

interface MonthSlot {
  month: string;
  calls: number;
  micros: number;
  expiresMs: number;
  committed: MonthCommitted;
  grantedCalls: number;
  grantedMicros: number;
  demand: DemandRate;
  fetching?: Promise<void>;
  /** a refusal by the shared item, repeated here for a while without a write (for these limits) */
  refused?: { untilMs: number; quota?: number; cap?: number; kind: 'quota' | 'cap'; times: number };
}

const NO_SETTLE = () => {};

/**
 * A client's rate, monthly quota and spend cap, enforced by every gateway instance together: each
 * instance serves from slices it leased from the shared items of the limit store (one conditional
 * update per slice), refills them in the background before they run out, and gives back what it
 * did not use. The quota and the cap hold whatever the number of instances: an instance serves no
 * call that its slices do not cover. When the store cannot be reached, a client with a quota or a
 * cap is served from the slices already held and then refused (503); a client with only a rate is
 * served at its rate by each instance on its own (fail open, at most instances × rate).
 */
export class SharedLimits {
  private readonly rates = new Map<string, RateSlot>();
  private readonly months = new Map<string, MonthSlot>();
  private lastSweep = 0;
  private lastOutageLog = 0;

  private readonly sweeper?: NodeJS.Timeout;

  /** With `clock`, expired slices also go back while no call comes (a timer; a frozen Lambda runs it when thawed). */
  constructor(
    private readonly store: LimitStore,
    private readonly logger: Logger,
    clock?: () => number,
    /** told when the store cannot be reached (at most every 10 s): the Lambda emits a metric an alarm watches */
    private readonly onOutage?: (atMs: number) => void,
  ) {
    if (clock) this.sweeper = setInterval(() => this.sweep(clock()), LEASES.sweepEveryMs * 5).unref();
  }

  async admit(clientId: string, limits: ClientLimits, nowMs: number, month: string, reservationMicros: number): Promise<Admission> {
    if (nowMs - this.lastSweep >= LEASES.sweepEveryMs) this.sweep(nowMs);
    const policies: PolicyState[] = [];
    if (limits.rps && limits.rps > 0) policies.push(await this.admitRate(clientId, rateSpecOf(limits.rps, limits.burst), nowMs));
    if (limits.monthlyQuota === undefined && limits.monthlySpendCapMicros === undefined) return { headers: rateLimitHeaders(policies), reservedMicros: 0, settle: NO_SETTLE };
    const { slot, policy } = await this.admitMonth(clientId, month, limits, nowMs, reservationMicros, policies);
    if (policy) policies.push(policy);
    const reserved = limits.monthlySpendCapMicros !== undefined ? reservationMicros : 0;
    return {
      headers: rateLimitHeaders(policies),
      reservedMicros: reserved,
      settle: reserved ? (actual) => void (slot.micros += reserved - actual) : NO_SETTLE,
    };
  }

  /** Gives back every unused slice now (the local platform's stop). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.rates.values(), ...this.months.values()].map((s) => s.fetching));
    await Promise.allSettled(this.giveBackMonths(() => true));
  }

  // ---- rate -----------------------------------------------------------------------------------

  private async admitRate(clientId: string, spec: RateSpec, nowMs: number): Promise<PolicyState> {
    let slot = this.rates.get(clientId);
    if (!slot || slot.spec.rps !== spec.rps || slot.spec.burst !== spec.burst) {
      slot = { spec, left: 0, expiresMs: 0, retryAtMs: 0, misses: 0, demand: slot?.demand ?? new DemandRate(), ...(slot?.tatUs !== undefined ? { tatUs: slot.tatUs } : {}) };
      this.rates.set(clientId, slot);
    }
    const s = slot;
    const nowUs = nowMs * 1000;
    s.demand.hit(nowMs);
    const usable = () => s.left >= 1 && nowMs < s.expiresMs;
    for (let attempts = 0; !usable(); ) {
      if (s.fetching) {
        await s.fetching;
        continue;
      }
      if (attempts++ >= 3) break;
      // In an outage the shared bucket is tried again once a second, not by every call.
      if (s.outage && nowMs - s.outage.triedAt < 1_000) break;
      // The bucket refused the last slice and nothing here goes back to it: refuse without a write
      // until the backoff is over (many instances must not all write for the same few tokens).
      const rest = s.left >= 1;
      if (!rest && !s.outage && nowMs < s.retryAtMs) break;
      await this.leaseRate(clientId, s, nowMs, true);
      if (!usable() && !s.outage && !s.fetching) break;
    }
    if (!usable()) {
      if (s.outage) return this.outageRate(s, nowMs);
      const retryS = Math.max(rateRetryAfterS(spec, s.tatUs ?? nowUs, nowUs), Math.ceil((s.retryAtMs - nowMs) / 1000));
      throw errors.rateLimited(retryS, rateLimitHeaders([ratePolicy(s, nowMs)]));
    }
    s.left -= 1;
    if (!s.fetching && s.left < refillPoint(spec, s.demand.perSecond(nowMs) * LEASES.rateHorizonS)) {
      void this.leaseRate(clientId, s, nowMs, false);
    }
    return ratePolicy(s, nowMs);
  }

  /** One lease write: `blocking` when a call waits for it (an expired slice's rest goes back with it). */
  private async leaseRate(clientId: string, slot: RateSlot, nowMs: number, blocking: boolean): Promise<void> {
    const expired = nowMs >= slot.expiresMs;
    const giveBack = expired ? Math.max(0, Math.floor(slot.left)) : 0;
    const want = sliceSize(slot.demand.perSecond(nowMs), LEASES.rateHorizonS, { max: maxRateSlice(slot.spec) });
    if (expired) slot.left = 0;
    // A bucket that was busy when last seen is taken to be busy still (many instances keep it so):
    // the write goes the busy way, where a stale tat would have sent it the idle way and failed.
    const t = emissionIntervalUs(slot.spec.rps);
    const wasBusy = slot.tatUs !== undefined && slot.seenMs !== undefined && slot.tatUs >= slot.seenMs * 1000 - slot.spec.burst * t;
    const hint = wasBusy ? Math.max(slot.tatUs as number, nowMs * 1000) : slot.tatUs;
    const run = this.store.takeRate(clientId, slot.spec, want, giveBack, nowMs * 1000, hint, LEASES.rateHorizonS * 1e6).then(
      (grant) => {
        delete slot.outage;
        slot.tatUs = grant.tatUs;
        slot.seenMs = nowMs;
        if (grant.granted > 0) {
          slot.left += grant.granted;
          slot.expiresMs = nowMs + LEASES.rateLeaseMs;
          slot.misses = 0;
          return;
        }
        // Refused: wait until the bucket holds a whole slice again, plus a random share of a
        // window that doubles with each refusal in a row, so contending instances spread out.
        slot.misses = Math.min(slot.misses + 1, 10);
        const fullAtMs = (grant.tatUs - (slot.spec.burst - want) * t - borrowUs(want, LEASES.rateHorizonS * 1e6)) / 1000;
        const jitterMs = Math.random() * Math.min(LEASES.maxBackoffMs, LEASES.backoffBaseMs * 2 ** slot.misses);
        slot.retryAtMs = Math.max(nowMs, fullAtMs) + jitterMs;
      },
      (e: unknown) => {
        // What went back is not kept again: the write may have been applied (LimitLedger).
        if (!blocking) return;
        slot.outage = { tokens: slot.outage?.tokens ?? slot.spec.burst, at: slot.outage?.at ?? nowMs, triedAt: nowMs };
        this.logOutage('rate', e, nowMs);
      },
    );
    await inFlight(slot, run);
  }

  private outageRate(slot: RateSlot, nowMs: number): PolicyState {
    const o = slot.outage as NonNullable<RateSlot['outage']>;
    o.tokens = Math.min(slot.spec.burst, o.tokens + ((nowMs - o.at) / 1000) * slot.spec.rps);
    o.at = nowMs;
    const policy: PolicyState = { name: 'rate', quota: slot.spec.burst, windowS: slot.spec.burst / slot.spec.rps, remaining: Math.max(0, o.tokens - 1), resetS: 1 };
    if (o.tokens < 1) throw errors.rateLimited(Math.max(1, Math.ceil((1 - o.tokens) / slot.spec.rps)), rateLimitHeaders([policy]));
    o.tokens -= 1;
    return policy;
  }

  // ---- month: quota and spend cap ------------------------------------------------------------

  private async admitMonth(
    clientId: string,
    month: string,
    limits: ClientLimits,
    nowMs: number,
    reservationMicros: number,
    policies: PolicyState[],
  ): Promise<{ slot: MonthSlot; policy?: PolicyState }> {
    const key = `${clientId}#${month}`;
    let slot = this.months.get(key);
    if (!slot) {
      slot = { month, calls: 0, micros: 0, expiresMs: 0, committed: { calls: 0, micros: 0 }, grantedCalls: 0, grantedMicros: 0, demand: new DemandRate() };
      this.months.set(key, slot);
    }
    slot.demand.hit(nowMs);
    const quota = limits.monthlyQuota;
    const cap = limits.monthlySpendCapMicros;
    const need = cap !== undefined ? reservationMicros : 0;
    const covered = (s: MonthSlot) => nowMs < s.expiresMs && s.calls >= 1 && s.micros >= need;
    const refuse = (kind: 'quota' | 'cap') => {
      const retry = Math.max(1, Math.ceil((monthStart(nextMonth(month)) - nowMs) / 1000));
      const headers = rateLimitHeaders([...policies, ...(quota !== undefined ? [monthPolicy(slot, quota, nowMs)] : [])]);
      return kind === 'quota' ? errors.quotaExceeded(quota ?? 0, retry, headers) : errors.spendCapReached(cap ?? 0, retry, headers);
    };
    const r = slot.refused;
    if (r && nowMs < r.untilMs && r.quota === quota && r.cap === cap && !covered(slot)) throw refuse(r.kind);
    for (let attempts = 0; !covered(slot); ) {
      // Calls that find a lease on its way wait for it, and take no write of their own.
      if (slot.fetching) {
        await slot.fetching;
        continue;
      }
      if (attempts++ >= 3) throw errors.limitsUnavailable();
      const outcome = await this.leaseMonth(clientId, slot, limits, nowMs, need, true);
      if (outcome === 'refused') {
        const kind = quota !== undefined && slot.calls < 1 && slot.committed.calls >= quota ? 'quota' : 'cap';
        // Asked again after 1 s, then 2, 4, … 16 s while it keeps refusing: a client at its limit
        // costs an instance one write per period, not one per request.
        const same = slot.refused && slot.refused.quota === quota && slot.refused.cap === cap;
        const times = same ? Math.min((slot.refused?.times ?? 0) + 1, 5) : 1;
        slot.refused = { untilMs: nowMs + LEASES.refusalMemoryMs * 2 ** (times - 1), kind, times, ...(quota !== undefined ? { quota } : {}), ...(cap !== undefined ? { cap } : {}) };
        throw refuse(kind);
      }
      if (outcome === 'unreachable') throw errors.limitsUnavailable();
    }
    slot.calls -= 1;
    slot.micros -= need;
    const low = slot.calls < slot.grantedCalls * LEASES.refillAt || (cap !== undefined && slot.micros < slot.grantedMicros * LEASES.refillAt);
    if (low && !slot.fetching) void this.leaseMonth(clientId, slot, limits, nowMs, need, false);
    else if (!slot.fetching) this.trim(clientId, slot, nowMs, need);
    return { slot, ...(quota !== undefined ? { policy: monthPolicy(slot, quota, nowMs) } : {}) };
  }

  private async leaseMonth(
    clientId: string,
    slot: MonthSlot,
    limits: ClientLimits,
    nowMs: number,
    need: number,
    blocking: boolean,
  ): Promise<'granted' | 'refused' | 'unreachable'> {
    const expired = nowMs >= slot.expiresMs;
    const giveCalls = expired ? slot.calls : 0;
    const giveMicros = expired ? slot.micros : 0;
    const quota = limits.monthlyQuota;
    const cap = limits.monthlySpendCapMicros;
    // Calls are asked for only when the slice lacks them: a slice short of money alone does not
    // need quota room (at the quota's end it would be refused for it).
    const lacksCalls = expired || slot.calls < 1 || slot.calls < slot.grantedCalls * LEASES.refillAt;
    const calls = !lacksCalls
      ? 0
      : sliceSize(slot.demand.perSecond(nowMs), LEASES.monthHorizonS, {
          max: LEASES.maxMonthSlice,
          ...(quota !== undefined ? { remaining: quota - slot.committed.calls + slot.calls } : {}),
        });
    const micros = cap === undefined ? 0 : Math.max(need, Math.min(Math.max(1, calls) * need, Math.floor((cap - slot.committed.micros + slot.micros) / 8)));
    if (expired) {
      slot.calls = 0;
      slot.micros = 0;
    }
    let result: 'granted' | 'refused' | 'unreachable' = 'unreachable';
    const run = this.store
      .takeMonth(clientId, slot.month, {
        calls,
        micros,
        giveCalls,
        giveMicros,
        minMicros: need,
        ...(quota !== undefined ? { quota } : {}),
        ...(cap !== undefined ? { capMicros: cap } : {}),
      })
      .then(
        (grant) => {
          slot.committed = grant.committed;
          if (!grant.ok) {
            result = 'refused';
            return;
          }
          slot.calls += grant.calls;
          slot.micros += grant.micros;
          slot.grantedCalls = grant.calls;
          slot.grantedMicros = grant.micros;
          slot.expiresMs = nowMs + LEASES.monthLeaseMs;
          result = 'granted';
        },
        (e: unknown) => {
          // What went back is not kept again: the write may have been applied, and keeping it
          // too could hand it out twice. If it was not, those calls stay counted (never passed).
          if (blocking) this.logOutage('month', e, nowMs);
        },
      );
    await inFlight(slot, run);
    return result;
  }

  /** Expired month slices with something left go back in the background; idle rate slots are dropped. */
  private sweep(nowMs: number): void {
    this.lastSweep = nowMs;
    for (const p of this.giveBackMonths((s) => nowMs >= s.expiresMs + LEASES.sweepEveryMs)) {
      p.catch(() => {});
    }
    for (const [k, s] of this.rates) if (!s.fetching && nowMs - s.expiresMs > 60_000) this.rates.delete(k);
  }

  private giveBackMonths(due: (s: MonthSlot) => boolean): Promise<unknown>[] {
    const out: Promise<unknown>[] = [];
    for (const [key, s] of this.months) {
      if (s.fetching || !due(s)) continue;
      if (s.calls === 0 && s.micros === 0) {
        this.months.delete(key);
        continue;
      }
      out.push(this.giveBack(key.slice(0, key.lastIndexOf('#')), s, s.calls, s.micros));
    }
    return out;
  }

  /**
   * A Lambda container that stops being called is frozen, then removed, with its slices: what they
   * hold stays counted until the month ends. So a slice follows its instance's demand down: once
   * it holds more than twice what a new slice for the current demand would, the rest goes back at
   * once, by a write the container sends before it answers (and so before it can be frozen).
   */
  private trim(clientId: string, slot: MonthSlot, nowMs: number, need: number): void {
    const keep = Math.ceil(slot.demand.perSecond(nowMs) * LEASES.monthHorizonS) + 1;
    if (slot.calls <= 2 * keep || slot.calls - keep < LEASES.minGiveBack) return;
    const giveCalls = slot.calls - keep;
    const giveMicros = need > 0 ? Math.max(0, slot.micros - keep * need) : 0;
    void this.giveBack(clientId, slot, giveCalls, giveMicros).catch(() => {});
  }

  /** Gives back part or all of a slice; what went back is not kept again, whatever the outcome (LimitLedger). */
  private giveBack(clientId: string, s: MonthSlot, giveCalls: number, giveMicros: number): Promise<void> {
    s.calls -= giveCalls;
    s.micros -= giveMicros;
    const run = this.store.takeMonth(clientId, s.month, { calls: 0, micros: 0, giveCalls, giveMicros, minMicros: 0 }).then((g) => {
      s.committed = g.committed;
    });
    return inFlight(s, run);
  }

  private logOutage(limit: string, e: unknown, nowMs: number): void {
    if (nowMs - this.lastOutageLog < 10_000) return;
    this.lastOutageLog = nowMs;
    this.logger.warn('limit store unreachable', { limit, error: describeError(e) });
    this.onOutage?.(nowMs);
  }
}

/** Marks a slot's write as in flight (calls that find it wait for it) until it settles. */
function inFlight(slot: { fetching?: Promise<void> }, write: Promise<unknown>): Promise<void> {
  const tracked: Promise<void> = write.then(
    () => {},
    () => {},
  ).finally(() => {
    if (slot.fetching === tracked) delete slot.fetching;
  });
  slot.fetching = tracked;
  return tracked;
}

/** A slice is at most a quarter of what the bucket can lend (its burst and the lookahead): several instances share it. */
function maxRateSlice(spec: RateSpec): number {
  return Math.max(1, Math.floor((spec.burst + spec.rps * LEASES.rateHorizonS) / 4));
}

function refillPoint(spec: RateSpec, horizonDemand: number): number {
  return Math.max(1, Math.min(maxRateSlice(spec), Math.ceil(horizonDemand)) * LEASES.refillAt);
}

function ratePolicy(slot: RateSlot, nowMs: number): PolicyState {
  const nowUs = nowMs * 1000;
  const { spec } = slot;
  const shared = slot.tatUs === undefined ? spec.burst : tokensAvailable(spec, slot.tatUs, nowUs);
  const refillS = slot.tatUs === undefined ? 0 : Math.max(0, (slot.tatUs - nowUs) / 1e6);
  return { name: 'rate', quota: spec.burst, windowS: spec.burst / spec.rps, remaining: Math.min(spec.burst, shared + Math.max(0, slot.left)), resetS: refillS };
}

function monthPolicy(slot: MonthSlot, quota: number, nowMs: number): PolicyState {
  const start = monthStart(slot.month);
  const end = monthStart(nextMonth(slot.month));
  return { name: 'month', quota, windowS: (end - start) / 1000, remaining: quota - slot.committed.calls + Math.max(0, slot.calls), resetS: (end - nowMs) / 1000 };
}
