import { describe, expect, it } from 'vitest';
import { dayOf } from './day-stats.ts';
import { secondsToNextDay, TEST_CALLS_PER_DAY, testCallsPerDay, testPolicy } from './test-calls.ts';
import { generateKey, parseKey } from '../runtime/keys/api-key.ts';

const at = (iso: string) => Date.parse(iso);

describe('a test key’s day', () => {
  it('is the UTC day, and renews at the next UTC midnight', () => {
    expect(dayOf(at('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31');
    expect(dayOf(at('2027-01-01T00:00:00.000Z'))).toBe('2027-01-01');
    expect(secondsToNextDay(at('2026-12-06T12:00:00.000Z'))).toBe(43_200);
    expect(secondsToNextDay(at('2026-12-06T23:59:59.500Z'))).toBe(1);
    expect(secondsToNextDay(at('2026-12-06T00:00:00.000Z'))).toBe(86_400);
  });

  it('says what is left in the RateLimit fields, never below zero', () => {
    expect(testPolicy(3, 1, at('2026-12-06T12:00:00Z'))).toEqual({ name: 'test-day', quota: 3, windowS: 86_400, remaining: 2, resetS: 43_200 });
    expect(testPolicy(3, 5, at('2026-12-06T12:00:00Z')).remaining).toBe(0);
  });

  it('has a limit from the environment, a positive whole number, else the default', () => {
    expect(testCallsPerDay(undefined)).toBe(TEST_CALLS_PER_DAY);
    expect(testCallsPerDay('25')).toBe(25);
    for (const bad of ['0', '-1', '2.5', 'many']) expect(() => testCallsPerDay(bad)).toThrow(/FAASCAPE_TEST_CALLS_PER_DAY/);
  });
});

describe('test keys', () => {
  it('read fsk_test_<id>_<secret> and parse back as test; live keys as live', () => {
    const test = generateKey({ test: true });
    const live = generateKey();
    expect(test.apiKey.startsWith('fsk_test_')).toBe(true);
    expect(parseKey(test.apiKey)).toMatchObject({ keyId: test.keyId, test: true });
    expect(parseKey(live.apiKey)).toMatchObject({ keyId: live.keyId, test: false });
    expect(parseKey(live.apiKey.replace('fsk_', 'fsk_live_'))).toBeUndefined();
  });
});
