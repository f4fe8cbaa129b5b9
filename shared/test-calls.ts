/**
 * Test keys (`fsk_test_…`): a client tries features, and a developer its own, without paying.
 * Their calls are real and metered, never billed, and the account's test keys share one allowance
 * per UTC day instead of the client's rate, quota and spend cap: trying must not eat what
 * production needs, and a new key must not bring new free calls.
 */
import { DAY_MS } from './lifecycle.ts';
import type { PolicyState } from './limit-lease.ts';

/** Test calls an account (a client, or a developer) may make per UTC day with all its test keys (`FAASCAPE_TEST_CALLS_PER_DAY` changes it). */
export const TEST_CALLS_PER_DAY = 1_000;

/** Seconds until the allowance renews (the next UTC midnight), at least 1. */
export function secondsToNextDay(ms: number): number {
  return Math.max(1, Math.ceil((DAY_MS - (((ms % DAY_MS) + DAY_MS) % DAY_MS)) / 1000));
}

/** The RateLimit policy a test call's answer carries: its day's allowance and what is left of it. */
export function testPolicy(limit: number, used: number, ms: number): PolicyState {
  return { name: 'test-day', quota: limit, windowS: 86_400, remaining: Math.max(0, limit - used), resetS: secondsToNextDay(ms) };
}

/** A positive whole number of calls per day from the environment, or the default. */
export function testCallsPerDay(raw: string | undefined): number {
  if (raw === undefined || raw === '') return TEST_CALLS_PER_DAY;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new RangeError(`FAASCAPE_TEST_CALLS_PER_DAY must be a positive whole number, got "${raw}"`);
  return Number(raw);
}
