/**
 * Client limits shared by every gateway instance (decision 0013): each instance leases a slice of
 * a client's rate, monthly quota and spending budget from one shared item per limit, with a
 * conditional update, and serves calls from its slice. This module is the arithmetic of it, pure:
 * the token bucket held as a theoretical arrival time (GCRA), how big a slice to ask for, and the
 * RateLimit headers. runtime/limits/ does the I/O.
 */

/** A client's rate as a token bucket: `rps` tokens per second, at most `burst` held. */
export interface RateSpec {
  rps: number;
  burst: number;
}

/**
 * Microseconds between two tokens, rounded up: the bucket never refills faster than configured.
 * Integer, so the shared item holds integers only.
 */
export function emissionIntervalUs(rps: number): number {
  if (!(rps > 0)) throw new RangeError(`rps must be > 0, got ${rps}`);
  return Math.ceil(1e6 / rps);
}

export function rateSpecOf(rps: number, burst: number | undefined): RateSpec {
  return { rps, burst: Math.max(1, Math.floor(burst ?? rps)) };
}

/**
 * Tokens in the shared bucket at `nowUs` when its theoretical arrival time is `tatUs` (absent: a
 * full bucket). `lookaheadUs` lets a lease take tokens that arrive within that time (decision 0013):
 * an instance leases a slice for its next seconds. A bucket full for less than a burst's time keeps
 * that idle time as credit (so instances need not guess whether it is full: one conditional ADD
 * serves both); full for longer, it restarts from now. Over any span Δ the instances therefore
 * serve at most 2 × burst + rps × (Δ + lookahead): at most 10 % over the rate in a minute with
 * burst = rps and a 4 s lookahead.
 */
export function tokensAvailable(spec: RateSpec, tatUs: number | undefined, nowUs: number, lookaheadUs = 0): number {
  const t = emissionIntervalUs(spec.rps);
  const idle = tatUs === undefined || tatUs < nowUs - spec.burst * t;
  const base = idle ? nowUs : tatUs;
  return Math.max(0, Math.floor((nowUs + spec.burst * t + lookaheadUs - base) / t));
}

/** Seconds until the bucket holds one token again (Retry-After), at least 1. */
export function rateRetryAfterS(spec: RateSpec, tatUs: number, nowUs: number): number {
  const t = emissionIntervalUs(spec.rps);
  const at = tatUs - (spec.burst - 1) * t;
  return Math.max(1, Math.ceil((at - nowUs) / 1e6));
}

/**
 * The conditional update that takes `take` tokens and gives back `giveBack` unused ones, as the
 * store must apply it. `busy`: the bucket is not full (tat ≥ now), so tat moves by the difference
 * and the condition keeps tat within the burst; `idle`: the bucket is full (tat < now or absent), so
 * tat restarts from now (returned tokens cannot overfill a full bucket).
 */
export type RateTake =
  | { path: 'busy'; addUs: number; minTatUs: number; maxTatUs: number }
  | { path: 'idle'; setTatUs: number; idleBeforeUs: number };

export function rateTake(spec: RateSpec, take: number, giveBack: number, nowUs: number, knownTatUs: number | undefined, lookaheadUs = 0): RateTake {
  const t = emissionIntervalUs(spec.rps);
  const idleBeforeUs = nowUs - spec.burst * t;
  if (knownTatUs === undefined || knownTatUs < idleBeforeUs) return { path: 'idle', setTatUs: nowUs + take * t, idleBeforeUs };
  // new tat = tat + (take − giveBack)·t ≤ now + burst·t + lookahead
  return { path: 'busy', addUs: (take - giveBack) * t, minTatUs: idleBeforeUs, maxTatUs: nowUs + (spec.burst - take + giveBack) * t + borrowUs(take, lookaheadUs) };
}

/**
 * How far ahead a slice of `take` tokens may reach: a slice of one (a client calling slowly, or a
 * single process) never borrows, so it keeps the exact burst; a larger slice may reach
 * `lookaheadUs` ahead, which is what lets many instances each hold a few seconds of the rate.
 */
export function borrowUs(take: number, lookaheadUs: number): number {
  return take > 1 ? Math.max(0, lookaheadUs) : 0;
}

/**
 * Calls per second an instance sees for one client, as an exponentially weighted moving average
 * over `halfLifeMs` (the requests it was asked to serve, admitted or not): it sizes the next slice.
 */
export class DemandRate {
  private rate = 0;
  private at: number | undefined;
  constructor(private readonly halfLifeMs = 2_000) {}

  hit(nowMs: number): void {
    this.decay(nowMs);
    this.rate += Math.LN2 / (this.halfLifeMs / 1000);
  }

  perSecond(nowMs: number): number {
    this.decay(nowMs);
    return this.rate;
  }

  private decay(nowMs: number): void {
    if (this.at !== undefined && nowMs > this.at) this.rate *= 2 ** (-(nowMs - this.at) / this.halfLifeMs);
    this.at = Math.max(this.at ?? nowMs, nowMs);
  }
}

/**
 * How many units to lease: enough for `horizonS` seconds of this instance's demand, at least one,
 * at most `max`, and at most 1/`spread` of what is left in the shared budget (when known), so that
 * near the end of a quota the slices shrink to one call and no instance sits on what another needs.
 */
export function sliceSize(demandPerS: number, horizonS: number, opts: { max: number; remaining?: number; spread?: number }): number {
  let n = Math.ceil(demandPerS * horizonS);
  if (opts.remaining !== undefined) n = Math.min(n, Math.floor(opts.remaining / (opts.spread ?? 8)));
  return Math.max(1, Math.min(n, Math.max(1, opts.max)));
}

/**
 * The RateLimit-Policy and RateLimit fields (IETF httpapi draft "RateLimit header fields for
 * HTTP", -08 onwards: `"name";q=quota;w=window` and `"name";r=remaining;t=reset`). Remaining
 * figures are what this instance knows: hints, as the draft says, never a promise.
 */
export interface PolicyState {
  name: 'rate' | 'month' | 'test-day';
  quota: number;
  windowS: number;
  remaining: number;
  resetS: number;
}

export function rateLimitHeaders(policies: PolicyState[]): Record<string, string> {
  if (!policies.length) return {};
  const int = (x: number) => Math.max(0, Math.floor(x));
  return {
    'ratelimit-policy': policies.map((p) => `"${p.name}";q=${int(p.quota)};w=${Math.max(1, Math.ceil(p.windowS))}`).join(', '),
    ratelimit: policies.map((p) => `"${p.name}";r=${int(p.remaining)};t=${int(Math.ceil(p.resetS))}`).join(', '),
  };
}
