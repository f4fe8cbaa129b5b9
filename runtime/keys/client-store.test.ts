/**
 * Keys carry their client's limits (decision 16), so the gateway reads one item per call: every
 * live key's copy must equal the client's limits once a change has returned, whatever runs beside
 * it (keys created, revoked, other changes), and the client's list of live keys stays bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessOf, Authenticator } from '../gateway/access.ts';
import { startDynalite, type RunningDynalite } from '../local/dynalite-server.ts';
import { storeCredential } from '../local/store-credential.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { tableNames, type TableNames } from '../store/tables.ts';
import { generateKey } from './api-key.ts';
import { ClientStore, MAX_LIVE_KEYS, type ClientLimits } from './client-store.ts';

let dir: string;
let store: RunningDynalite;
let client: DynamoDBClient;
let db: DynamoDBDocumentClient;
let prefixes = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-clients-'));
  const credential = storeCredential(dir);
  store = await startDynalite(join(dir, 'store'), { credential });
  client = localDynamoClient({ endpoint: `http://127.0.0.1:${store.port}`, credential });
  db = documentClient(client);
});

afterAll(async () => {
  client?.destroy();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function fresh(wrap?: (db: DynamoDBDocumentClient) => DynamoDBDocumentClient): Promise<{ clients: ClientStore; tables: TableNames }> {
  const tables = tableNames(`faascape-cs${++prefixes}-`);
  await ensureTables(client, tables);
  return { clients: new ClientStore(wrap ? wrap(db) : db, tables), tables };
}

/** The key's item as stored: its copy of the client's limits and the revision it holds. */
async function stored(tables: TableNames, keyId: string): Promise<Record<string, unknown> | undefined> {
  return (await db.send(new GetCommand({ TableName: tables.keys, Key: { keyId }, ConsistentRead: true }))).Item;
}

async function clientItem(tables: TableNames, clientId: string): Promise<Record<string, unknown> | undefined> {
  return (await db.send(new GetCommand({ TableName: tables.clients, Key: { clientId }, ConsistentRead: true }))).Item;
}

describe("keys carry their client's limits", () => {
  it('a new key carries the limits it was created under; set-limits and the spend cap reach every live key, not a revoked one', async () => {
    const { clients, tables } = await fresh();
    await clients.setLimits('acme', { rps: 5 });
    const one = await clients.createKey('acme');
    expect(await clients.getKey(one.keyId)).toMatchObject({ clientId: 'acme', limits: { rps: 5 }, limitsRev: 1 });
    const two = await clients.createKey('acme');
    const gone = await clients.createKey('acme');
    await clients.revokeKey(gone.keyId);

    const limits: ClientLimits = { rps: 10, burst: 20, monthlyQuota: 1_000 };
    const returned = await clients.setLimits('acme', limits);
    // Callers see the client, not the bookkeeping that keeps the copies in step.
    expect(returned).toEqual({ clientId: 'acme', createdAt: expect.any(Number), limits });
    expect(await clients.getClient('acme')).toEqual(returned);
    for (const k of [one, two]) expect(await clients.getKey(k.keyId)).toMatchObject({ limits, limitsRev: 2 });
    expect(await clients.getKey(gone.keyId)).toMatchObject({ revokedAt: expect.any(Number), limits: { rps: 5 }, limitsRev: 1 });

    await clients.setSpendCap('acme', 150_000);
    for (const k of [one, two]) expect(await clients.getKey(k.keyId)).toMatchObject({ limits: { ...limits, monthlySpendCapMicros: 150_000 }, limitsRev: 3 });
    await clients.setSpendCap('acme', null);
    for (const k of [one, two]) expect((await clients.getKey(k.keyId))?.limits).toEqual(limits);
    // The client lists its live keys only.
    expect([...((await clientItem(tables, 'acme'))?.keyIds as Set<string>)].sort()).toEqual([one.keyId, two.keyId].sort());
  });

  it('the gateway gets the limits with the key: no read of the client', async () => {
    const { clients } = await fresh();
    const { apiKey } = await clients.createKey('one-read');
    await clients.setLimits('one-read', { monthlyQuota: 7 });
    let clientReads = 0;
    const access = accessOf({ getKey: (id) => clients.getKey(id), getClient: (id) => (clientReads++, clients.getClient(id)) });
    const caller = await new Authenticator(access, 0).authenticate(apiKey, Date.now());
    expect(caller.limits).toEqual({ monthlyQuota: 7 });
    expect(clientReads).toBe(0);
  });

  it('a key made before keys carried the limits has no copy: the gateway reads the client, as before', async () => {
    const { clients, tables } = await fresh();
    await clients.setLimits('legacy', { rps: 3 });
    const key = generateKey();
    await db.send(new PutCommand({ TableName: tables.keys, Item: { keyId: key.keyId, clientId: 'legacy', secretHash: key.secretHash, createdAt: 1 } }));
    const caller = await new Authenticator(accessOf(clients), 0).authenticate(key.apiKey, Date.now());
    expect(caller).toEqual({ clientId: 'legacy', keyId: key.keyId });
    expect(await accessOf(clients).getLimits('legacy')).toEqual({ rps: 3 });
    // A change does not trip on it either.
    await clients.setLimits('legacy', { rps: 4 });
    expect(await accessOf(clients).getLimits('legacy')).toEqual({ rps: 4 });
  });

  it('a change committed while a key is being created (listed, not yet written) still reaches it', async () => {
    let other: ClientStore | undefined;
    let injected = false;
    // Between the client listing the key and the key's PutItem, another process changes the limits.
    const { clients, tables } = await fresh((inner) => {
      const wrapped = Object.create(inner) as DynamoDBDocumentClient;
      wrapped.send = (async (command: { input: { TableName?: string } }, ...rest: unknown[]) => {
        if (!injected && command instanceof PutCommand && command.input.TableName === tables.keys) {
          injected = true;
          await other?.setLimits('racer', { monthlySpendCapMicros: 1 });
        }
        return (inner.send as (...a: unknown[]) => Promise<unknown>)(command, ...rest);
      }) as DynamoDBDocumentClient['send'];
      return wrapped;
    });
    other = new ClientStore(db, tables);
    await other.setLimits('racer', { rps: 100 });
    const { keyId } = await clients.createKey('racer');
    expect(injected).toBe(true);
    expect(await stored(tables, keyId)).toMatchObject({ limits: { monthlySpendCapMicros: 1 }, limitsRev: 2 });
  });

  it('keys created and limits changed at once, many times over: every live copy ends equal to the client', async () => {
    const { clients, tables } = await fresh();
    const made: string[] = [];
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      ops.push(clients.createKey('busy').then((k) => made.push(k.keyId)));
      ops.push(clients.setLimits('busy', { rps: i + 1, monthlyQuota: 100 * (i + 1) }));
      if (i % 4 === 3) ops.push(clients.setSpendCap('busy', 1_000 * i));
    }
    await Promise.all(ops);
    const final = await clientItem(tables, 'busy');
    expect(made).toHaveLength(12);
    for (const keyId of made) {
      const item = await stored(tables, keyId);
      expect(item?.limitsRev).toBe(final?.limitsRev);
      expect(item?.limits).toEqual(final?.limits);
    }
  });

  it(`lists at most ${MAX_LIVE_KEYS} live keys per client: the next is refused until one is revoked`, async () => {
    const { clients } = await fresh();
    const keys: string[] = [];
    for (let i = 0; i < MAX_LIVE_KEYS; i += 10) keys.push(...(await Promise.all(Array.from({ length: 10 }, () => clients.createKey('many')))).map((k) => k.keyId));
    await expect(clients.createKey('many')).rejects.toMatchObject({ kind: 'conflict', code: 'too_many_keys' });
    await clients.revokeKey(keys[0] as string);
    await expect(clients.createKey('many')).resolves.toMatchObject({ clientId: 'many' });
  });
});
