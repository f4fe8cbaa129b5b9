/**
 * What one manifest can put into the store's items is bounded: a usage line's sort key (and the
 * byMonth index's `line`) within DynamoDB's 1,024 bytes, and a local batch (one item) within its
 * 400 KB. A review found that 20 authors with long ids made every call of the feature fail to
 * aggregate, and the applier, retrying that batch, stopped aggregation for every client.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_BYTES } from '../runtime/meter/meter.ts';
import { developerClientId } from '../runtime/keys/client-store.ts';
import { MAX_AUTHORS, MAX_VERSION_CHARS, manifestSchema } from './manifest.ts';
import { featureDayPk, usageSk } from './usage-plan.ts';
import { lineKey, MAX_BATCH_REJECTIONS, recordBytesBound, type UsageRecord } from './usage.ts';

const ITEM_BYTES = 400 * 1024;
const SORT_KEY_BYTES = 1024;
const id63 = (c: string, i = 0) => `${String(i).padStart(2, '0')}${c.repeat(61)}`;
const LONGEST_SLUG = `a${'b'.repeat(46)}c`;
const LONGEST_CLIENT = developerClientId(id63('d'));
const authors = (n: number) => Array.from({ length: n }, (_, i) => ({ id: id63('a', i), weight: 1000 }));
const MAX_PRICE = { perCallMicros: 999_999_999_999_999_999, perGbSecondMicros: 999_999_999_999_999_999, currency: 'EUR' as const, freeCallsPerMonth: 1_000_000_000 };

function manifest(over: Record<string, unknown>) {
  return manifestSchema.safeParse({ name: 'n', description: 'd', version: '1.0.0', authors: [{ id: 'a', weight: 1 }], price: { perCall: '0.001', perGbSecond: '0', currency: 'EUR' }, memoryMb: 128, timeoutMs: 1000, ...over });
}

describe('what a manifest can put into the store', () => {
  it('takes at most MAX_AUTHORS authors and a version of MAX_VERSION_CHARS', () => {
    expect(manifest({ authors: authors(MAX_AUTHORS) }).success).toBe(true);
    expect(manifest({ authors: authors(MAX_AUTHORS + 1) }).success).toBe(false);
    const longest = `1.0.0-${'v'.repeat(MAX_VERSION_CHARS - 6)}`;
    expect(manifest({ version: longest }).success).toBe(true);
    expect(manifest({ version: `${longest}v` }).success).toBe(false);
  });

  it("keeps the longest line's keys within DynamoDB's 1,024 bytes", () => {
    const line = { month: '2026-12', clientId: LONGEST_CLIENT, featureId: LONGEST_SLUG, price: MAX_PRICE, authors: authors(MAX_AUTHORS), test: true as const };
    for (const key of [usageSk(line), lineKey(line), `D#2026-12-31#${LONGEST_SLUG}`, featureDayPk(LONGEST_SLUG)]) expect(Buffer.byteLength(key), key.slice(0, 40)).toBeLessThanOrEqual(SORT_KEY_BYTES);
  });

  it('bounds every record from above (recordBytesBound), and a batch of them with its rejections fits one item', () => {
    const ascii = (max: number, min = 1) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.~+'), minLength: min, maxLength: max });
    const record = fc.record<UsageRecord>({
      invocationId: fc.uuid(),
      clientId: ascii(68),
      keyId: ascii(12, 12),
      featureId: ascii(48),
      featureVersion: ascii(MAX_VERSION_CHARS, 5),
      startedAt: fc.integer({ min: 0, max: 8.64e15 }),
      durationMs: fc.double({ min: 0, max: 1e9, noNaN: true }),
      billedMs: fc.integer({ min: 1, max: 1e9 }),
      memoryMb: fc.integer({ min: 128, max: 10240 }),
      requestBytes: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      responseBytes: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      status: fc.integer({ min: 100, max: 599 }),
      outcome: fc.constantFrom('ok', 'feature_error', 'timeout'),
      price: fc.record({ perCallMicros: fc.maxSafeNat(), perGbSecondMicros: fc.maxSafeNat(), currency: fc.constant('EUR' as const), freeCallsPerMonth: fc.integer({ min: 0, max: 1_000_000_000 }) }),
      authors: fc.array(fc.record({ id: ascii(63), weight: fc.integer({ min: 1, max: 1000 }) }), { minLength: 1, maxLength: MAX_AUTHORS }),
      billable: fc.boolean(),
      test: fc.constant(true as const),
    });
    fc.assert(
      fc.property(record, (r) => {
        expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThanOrEqual(recordBytesBound(r));
      }),
      { numRuns: 2_000 },
    );
    // What the meter may put in one item: MAX_BATCH_BYTES of records, MAX_BATCH_REJECTIONS of the longest counts, its own fields.
    const rejection = JSON.stringify({ clientId: LONGEST_CLIENT, month: '2026-12', code: 'x'.repeat(40), count: Number.MAX_SAFE_INTEGER });
    expect(MAX_BATCH_BYTES + MAX_BATCH_REJECTIONS * (Buffer.byteLength(rejection) + 1) + 1_000).toBeLessThan(ITEM_BYTES);
  });
});
