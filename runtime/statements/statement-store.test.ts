import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeStatement, partyStatement, type Statement } from '../../shared/statement.ts';
import type { UsageAggregate } from '../../shared/usage.ts';
import { StoreProcess } from '../local/embedded-store.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { tableNames } from '../store/tables.ts';
import { StatementStore } from './statement-store.ts';

const agg = (clientId: string, featureId: string, authors: { id: string; weight: number }[], calls: number): UsageAggregate => ({
  month: '2026-09', clientId, featureId, price: { perCallMicros: 2_000, perGbSecondMicros: 0, currency: 'EUR' }, authors,
  calls, billableCalls: calls, errors: 0, timeouts: 0, billedMs: calls, billableMs: calls, billableMbMs: calls * 128, requestBytes: 0, responseBytes: 0,
});

let dir: string;
let store: StoreProcess;
let statements: StatementStore;
let dynamo: ReturnType<typeof localDynamoClient>;
const aggregates = [agg('acme', 'echo', [{ id: 'alice', weight: 2 }, { id: 'bob', weight: 1 }], 300), agg('globex', 'slow', [{ id: 'carol', weight: 1 }], 50)];
const statement = { ...computeStatement({ month: '2026-09', status: 'final', policy: { developerShareBps: 7000, minimumPayoutMicros: 0 }, aggregates, late: [], carriedIn: new Map() }), sha256: 'f'.repeat(64) } as Statement & { sha256: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-statements-'));
  store = new StoreProcess(dir);
  await store.start();
  dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
  const tables = tableNames('t-');
  await ensureTables(dynamo, tables);
  statements = new StatementStore(documentClient(dynamo), tables);
});
afterAll(async () => {
  dynamo.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('StatementStore party parts', () => {
  it('reads a party from its own item, and the same part from the whole for a statement stored without parts', async () => {
    const json = JSON.stringify(statement);
    await statements.putFinal('2026-09', json, statement.sha256, { regular: aggregates, adjusted: {} }, 1, statement);
    // A statement closed before party parts existed: no `statement` given, no party items.
    await statements.putFinal('2026-08', JSON.stringify({ ...statement, month: '2026-08' }), statement.sha256, { regular: aggregates, adjusted: {} }, 2);
    for (const month of ['2026-09', '2026-08']) {
      const whole = (await statements.get(month))!.statement;
      for (const party of [{ client: 'acme' }, { client: 'globex' }, { developer: 'alice' }, { developer: 'carol' }]) {
        expect((await statements.partyOf(month, party))?.statement, `${month} ${JSON.stringify(party)}`).toEqual(partyStatement(whole, party));
      }
      expect(await statements.partyOf(month, { client: 'initech' })).toBeUndefined();
      expect((await statements.summary(month))?.totals).toEqual(whole.totals);
    }
    expect(await statements.partyOf('2026-07', { client: 'acme' })).toBeUndefined();
  });

  it('a party part holds nothing of the other parties', () => {
    const part = partyStatement(statement, { client: 'acme' });
    expect(JSON.stringify(part)).not.toContain('globex');
    expect(part).not.toHaveProperty('totals');
    expect(part.developers).toEqual([]);
    const dev = partyStatement(statement, { developer: 'carol' });
    expect(JSON.stringify(dev.developers)).not.toContain('alice');
    expect(dev.clients).toEqual([]);
  });
});
