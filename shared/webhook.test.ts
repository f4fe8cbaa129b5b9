import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventId, nextAttemptAt, RETRY_AFTER_MS, signatureHeader, thresholdsReached, verifySignature } from './webhook.ts';

const NOW = Date.parse('2026-12-06T10:00:00Z');

describe('webhook signatures', () => {
  it('sign the timestamp and the exact body with HMAC-SHA256, as a receiver recomputes it', () => {
    const body = '{"id":"evt_1","type":"spend.threshold"}';
    const header = signatureHeader('whsec_test', body, NOW);
    const t = Math.floor(NOW / 1000);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', 'whsec_test').update(`${t}.${body}`).digest('hex')}`);
    expect(verifySignature(header, body, 'whsec_test', NOW + 1000)).toBe(true);
  });

  it('refuse another body, another secret, an old timestamp, and garbage', () => {
    const body = '{"a":1}';
    const header = signatureHeader('s1', body, NOW);
    expect(verifySignature(header, '{"a":2}', 's1', NOW)).toBe(false);
    expect(verifySignature(header, body, 's2', NOW)).toBe(false);
    expect(verifySignature(header, body, 's1', NOW + 301_000)).toBe(false);
    expect(verifySignature(undefined, body, 's1', NOW)).toBe(false);
    expect(verifySignature('t=1,v1=zz', body, 's1', NOW)).toBe(false);
    fc.assert(fc.property(fc.string(), fc.string({ minLength: 1 }), (b, secret) => verifySignature(signatureHeader(secret, b, NOW), b, secret, NOW)));
  });
});

describe('event ids, retries and thresholds', () => {
  it('one fact has one id; another month, threshold or client another', () => {
    const a = eventId('spend.threshold', 'acme', '2026-11', '85');
    expect(eventId('spend.threshold', 'acme', '2026-11', '85')).toBe(a);
    expect(new Set([a, eventId('spend.threshold', 'acme', '2026-12', '85'), eventId('spend.threshold', 'acme', '2026-11', '100'), eventId('spend.threshold', 'globex', '2026-11', '85'), eventId('quota.threshold', 'acme', '2026-11', '85')]).size).toBe(5);
    expect(a).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('retries with growing delays for 24 hours, then gives up', () => {
    const at = RETRY_AFTER_MS.map((_, i) => nextAttemptAt(NOW, i + 1) as number);
    for (let i = 1; i < at.length; i++) expect(at[i] as number).toBeGreaterThan(at[i - 1] as number);
    expect(at.at(-1)).toBe(NOW + 24 * 3_600_000);
    expect(nextAttemptAt(NOW, RETRY_AFTER_MS.length + 1)).toBeUndefined();
  });

  it('thresholds are exact in integers: 85 % of 1,000,000 micros is reached at 850,000, not 849,999', () => {
    expect(thresholdsReached(849_999, 1_000_000)).toEqual([]);
    expect(thresholdsReached(850_000, 1_000_000)).toEqual([85]);
    expect(thresholdsReached(1_000_000, 1_000_000)).toEqual([85, 100]);
    expect(thresholdsReached(5, 0)).toEqual([]);
    fc.assert(fc.property(fc.nat(1e9), fc.integer({ min: 1, max: 1e9 }), (used, limit) => thresholdsReached(used, limit).every((p) => used * 100 >= p * limit)));
  });
});
