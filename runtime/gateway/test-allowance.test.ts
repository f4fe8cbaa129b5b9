import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreProcess } from '../local/embedded-store.ts';
import { LimitLedger, type TestCallLedger } from '../limits/limit-ledger.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { tableNames } from '../store/tables.ts';
import { MAX_TEST_LEASE, TestAllowance } from './test-allowance.ts';

let dir: string;
let store: StoreProcess;
let dynamo: ReturnType<typeof localDynamoClient>;
let ledger: LimitLedger;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-test-allowance-'));
  store = new StoreProcess(dir);
  await store.start();
  dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential, maxAttempts: 1 });
  const tables = tableNames('ta-');
  await ensureTables(dynamo, tables);
  ledger = new LimitLedger(documentClient(dynamo), tables);
});
afterAll(async () => {
  dynamo.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The ledger, counting its writes. */
function counting(): TestCallLedger & { writes: number } {
  const c = {
    writes: 0,
    takeTestCalls: (...a: Parameters<TestCallLedger['takeTestCalls']>) => {
      c.writes++;
      return ledger.takeTestCalls(...a);
    },
  };
  return c;
}

let keys = 0;
const DAY = '2026-12-06';

describe("a test key's daily allowance", () => {
  it('one instance: exactly the allowance, each answer saying what is left, in leases of at most 32 calls', async () => {
    const key = `k${++keys}`;
    const store = counting();
    const allowance = new TestAllowance(store, 200);
    for (let i = 1; i <= 200; i++) expect(await allowance.take(key, DAY)).toEqual({ ok: true, used: i });
    expect(await allowance.take(key, DAY)).toEqual({ ok: false, used: 200 });
    // Leases 1, 2, 4, 8, 16, 32, 32, 32, 32, then the last 41 − … : far fewer writes than calls.
    expect(store.writes).toBeLessThanOrEqual(6 + Math.ceil((200 - 63) / MAX_TEST_LEASE) + 1);
    // The next day starts afresh.
    expect(await allowance.take(key, '2026-12-07')).toEqual({ ok: true, used: 1 });
  });

  it('any number of instances, calls in any order: never more than the allowance, and a key calling once costs one call of it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(4), { minLength: 1, maxLength: 120 }), async (perDay, n, order) => {
        const key = `k${++keys}`;
        const instances = Array.from({ length: n }, () => new TestAllowance(ledger, perDay));
        // Concurrent calls, each to the instance the order names.
        const results = await Promise.all(order.map((i) => (instances[i % n] as TestAllowance).take(key, DAY)));
        const served = results.filter((r) => r.ok).length;
        expect(served).toBeLessThanOrEqual(perDay);
        // A lone call on a fresh instance of a fresh key leases exactly one call.
        const fresh = `k${++keys}`;
        expect(await new TestAllowance(ledger, perDay).take(fresh, DAY)).toEqual({ ok: true, used: 1 });
        expect(await new TestAllowance(ledger, perDay).take(fresh, DAY)).toEqual({ ok: perDay > 1, used: perDay > 1 ? 2 : perDay });
      }),
      { numRuns: 25 },
    );
  });
});
