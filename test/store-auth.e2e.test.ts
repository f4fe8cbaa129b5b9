/**
 * Invariant 6, locally: a feature can reach the embedded store over loopback (Node's permission
 * model does not cover the network), so the store itself refuses every request not signed with
 * the installation's store credential, which lives in a data dir only the platform's user can read.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StoreProcess, storePath } from '../runtime/local/embedded-store.ts';
import { localDynamoClient } from '../runtime/store/dynamo-client.ts';
import { ensureTables } from '../runtime/store/ensure-tables.ts';
import { LOCAL_TABLE_PREFIX, tableNames } from '../runtime/store/tables.ts';

const tables = tableNames(LOCAL_TABLE_PREFIX);
let root: string;
let dataDir: string;
let store: StoreProcess;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'faascape-storeauth-e2e-'));
  dataDir = join(root, 'data');
  // A data dir that already exists with the usual umask's bits: the platform tightens it.
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o755);
  store = new StoreProcess(dataDir);
  await store.start();
  dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
  await ensureTables(dynamo, tables);
  await dynamo.send(new PutItemCommand({ TableName: tables.keys, Item: { keyId: { S: 'k-secret' }, clientId: { S: 'acme' }, hash: { S: 'h' } } }));
});
afterAll(async () => {
  dynamo?.destroy();
  await store?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const guessed = (credentials: { accessKeyId: string; secretAccessKey: string }) => new DynamoDBClient({ endpoint: store.endpoint, region: 'local', credentials, maxAttempts: 1 });

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status?: number }> {
  const e = (await p.then(() => undefined, (err: unknown) => err)) as { name: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (!e) throw new Error('the store answered a request it should have refused');
  return { name: e.name, status: e.$metadata?.httpStatusCode };
}

/** A raw HTTP POST, as a feature scanning loopback would send it. */
function raw(method: string, headers: Record<string, string | number>, body: string | Buffer = ''): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${store.endpoint}/`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const amzDate = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
const scan = JSON.stringify({ TableName: tables.keys });

describe('the embedded store authenticates every request', () => {
  it('serves the platform: the real AWS SDK with the store credential lists, writes and reads', async () => {
    const listed = await dynamo.send(new ListTablesCommand({}));
    expect(listed.TableNames).toContain(tables.keys);
    await dynamo.send(new PutItemCommand({ TableName: tables.keys, Item: { keyId: { S: 'k2' }, clientId: { S: 'globex' }, hash: { S: 'h2' } } }));
    const got = await dynamo.send(new GetItemCommand({ TableName: tables.keys, Key: { keyId: { S: 'k2' } } }));
    expect(got.Item?.clientId?.S).toBe('globex');
  });

  it('refuses the SDK with a guessed credential', async () => {
    // 'local'/'local': what the platform's own client used before the store checked signatures
    const local = guessed({ accessKeyId: 'local', secretAccessKey: 'local' });
    expect(await errorOf(local.send(new ScanCommand({ TableName: tables.keys })))).toEqual({ name: 'UnrecognizedClientException', status: 400 });
    expect(await errorOf(local.send(new ListTablesCommand({})))).toEqual({ name: 'UnrecognizedClientException', status: 400 });
    local.destroy();
    // knowing the access key id (it is sent in the clear) is not enough
    const idOnly = guessed({ accessKeyId: store.credential.accessKeyId, secretAccessKey: 'f'.repeat(64) });
    expect(await errorOf(idOnly.send(new ScanCommand({ TableName: tables.keys })))).toEqual({ name: 'InvalidSignatureException', status: 400 });
    expect(await errorOf(idOnly.send(new PutItemCommand({ TableName: tables.keys, Item: { keyId: { S: 'planted' }, clientId: { S: 'x' }, hash: { S: 'x' } } })))).toEqual({ name: 'InvalidSignatureException', status: 400 });
    idOnly.destroy();
    const planted = await dynamo.send(new GetItemCommand({ TableName: tables.keys, Key: { keyId: { S: 'planted' } } }));
    expect(planted.Item).toBeUndefined();
  });

  it('refuses raw unsigned requests, and ones that only look signed (all dynalite checked), answering no items', async () => {
    const unsigned = await raw('POST', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan' }, scan);
    expect(unsigned.status).toBe(400);
    expect(unsigned.type).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(unsigned.text)).toEqual({ __type: 'com.amazon.coral.service#UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    expect(unsigned.text).not.toContain('k-secret');

    const date = amzDate();
    for (const accessKeyId of ['local', store.credential.accessKeyId]) {
      const looksSigned = await raw('POST', {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.Scan',
        'x-amz-date': date,
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date.slice(0, 8)}/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      }, scan);
      expect(looksSigned.status).toBe(400);
      expect(JSON.parse(looksSigned.text).__type).toMatch(/#(UnrecognizedClientException|InvalidSignatureException)$/);
      expect(looksSigned.text).not.toContain('k-secret');
    }

    // dynalite's unauthenticated GET "healthy" answer is refused too
    const get = await raw('GET', {});
    expect(get.status).toBe(400);
    expect(get.text).not.toContain('healthy');
  });

  it('answers an oversized body 413, as dynalite does, whether its length is declared or not', async () => {
    const date = amzDate();
    const big = Buffer.alloc(17 * 1024 * 1024, 0x20);
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.PutItem',
      'x-amz-date': date,
      authorization: `AWS4-HMAC-SHA256 Credential=${store.credential.accessKeyId}/${date.slice(0, 8)}/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    };
    // refused from content-length, before any of the body is read
    expect((await raw('POST', { ...headers, 'content-length': big.length }, big)).status).toBe(413);
    // chunked: refused once 16 MiB have arrived, the rest read and dropped
    expect((await raw('POST', { ...headers, 'transfer-encoding': 'chunked' }, big)).status).toBe(413);
    // and the store still serves
    expect((await dynamo.send(new GetItemCommand({ TableName: tables.keys, Key: { keyId: { S: 'k-secret' } } }))).Item?.clientId?.S).toBe('acme');
  });

  it('keeps the credential to the platform: 0700 data dir, 0600 file, owner-only store files, not in store.json or the store process', async () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'store-credential')).mode & 0o777).toBe(0o600);
    const secret = store.credential.secretAccessKey;
    expect(readFileSync(join(dataDir, 'store-credential'), 'utf8')).toBe(secret);
    const locator = readFileSync(join(dataDir, 'store.json'), 'utf8');
    expect(locator).not.toContain(secret);
    expect(JSON.parse(locator)).toEqual({ endpoint: store.endpoint, pid: process.pid });
    // LevelDB's files are written by the store process under umask 077
    const files = readdirSync(storePath(dataDir), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(statSync(join(f.parentPath, f.name)).mode & 0o077, f.name).toBe(0);
    // argv and environment of the store process are readable by other processes of the user
    const pid = (store as unknown as { child: { pid: number } }).child.pid;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(secret);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(secret);
  });

  it('the CLI (openStore) signs with the same credential, with the platform running and after it stopped', async () => {
    const running = await openStore(dataDir);
    expect(running.endpoint).toBe(store.endpoint);
    expect(running.credential).toEqual(store.credential);
    const viaRunning = localDynamoClient({ endpoint: running.endpoint, credential: running.credential, maxAttempts: 1 });
    expect((await viaRunning.send(new GetItemCommand({ TableName: tables.keys, Key: { keyId: { S: 'k-secret' } } }))).Item?.clientId?.S).toBe('acme');
    viaRunning.destroy();
    await running.close();

    await store.stop();
    const inProcess = await openStore(dataDir);
    try {
      expect(inProcess.endpoint).not.toBe(store.endpoint);
      const cli = localDynamoClient({ endpoint: inProcess.endpoint, credential: inProcess.credential, maxAttempts: 1 });
      expect((await cli.send(new GetItemCommand({ TableName: tables.keys, Key: { keyId: { S: 'k-secret' } } }))).Item?.clientId?.S).toBe('acme');
      cli.destroy();
      const local = new DynamoDBClient({ endpoint: inProcess.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
      expect(await errorOf(local.send(new ScanCommand({ TableName: tables.keys })))).toEqual({ name: 'UnrecognizedClientException', status: 400 });
      local.destroy();
    } finally {
      await inProcess.close();
    }
    // and the platform's store comes back on the same port with the same credential
    await store.start();
    expect((await dynamo.send(new GetItemCommand({ TableName: tables.keys, Key: { keyId: { S: 'k-secret' } } }))).Item?.clientId?.S).toBe('acme');
  });
});
