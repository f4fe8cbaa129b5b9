/**
 * Webhooks to clients (issue #16): what an event is, how it is signed, when a failed delivery is
 * tried again, and which thresholds a usage figure crosses. Pure; the sender and the stores are
 * adapters. Signing follows Stripe's scheme, which clients' libraries already know how to check:
 * one header `Faascape-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookEventType = 'spend.threshold' | 'quota.threshold' | 'invoice.finalized';

export interface WebhookEvent {
  /** stable for one fact: the same threshold of the same month is one event, however often it is noticed */
  id: string;
  type: WebhookEventType;
  /** epoch ms when the fact was noticed */
  created: number;
  clientId: string;
  data: Record<string, unknown>;
}

export const SIGNATURE_HEADER = 'Faascape-Signature';
/** A receiver should refuse signatures older than this (replay protection). */
export const DEFAULT_TOLERANCE_S = 300;

/** The one id of a fact, e.g. eventId('spend.threshold', 'acme', '2026-11', '85'). */
export function eventId(type: WebhookEventType, clientId: string, ...parts: string[]): string {
  return `evt_${createHash('sha256').update([type, clientId, ...parts].join('\u0000')).digest('hex').slice(0, 32)}`;
}

export function signatureHeader(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** What a receiver does: true when the header signs this exact body with this secret, recently enough. */
export function verifySignature(header: string | undefined, body: string, secret: string, nowMs: number, toleranceS = DEFAULT_TOLERANCE_S): boolean {
  if (!header) return false;
  const fields = new Map(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(fields.get('t'));
  const v1 = fields.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceS || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

/**
 * Delays before each retry of a failed delivery (ms after the first attempt): backoff that ends
 * 24 hours after it, as the issue asks; after the last one the delivery is given up (and can be
 * resent by hand from the console).
 */
export const RETRY_AFTER_MS: readonly number[] = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 24 * 3_600_000];

/** When attempt n (1 = the first) failed, when to try next; undefined when it was the last. */
export function nextAttemptAt(firstAttemptAt: number, failedAttempt: number): number | undefined {
  const delay = RETRY_AFTER_MS[failedAttempt - 1];
  return delay === undefined ? undefined : firstAttemptAt + delay;
}

/** The alert levels of quotas and spend caps, in percent. */
export const THRESHOLDS = [85, 100] as const;

/** The thresholds `used` of `limit` has reached (integers only: calls or micros). */
export function thresholdsReached(used: number, limit: number): number[] {
  if (!Number.isSafeInteger(used) || !Number.isSafeInteger(limit) || limit <= 0) return [];
  // used / limit ≥ p / 100, in integers: used × 100 ≥ p × limit.
  return THRESHOLDS.filter((p) => BigInt(used) * 100n >= BigInt(p) * BigInt(limit));
}
