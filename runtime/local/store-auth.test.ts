import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHeaders, verifyRequest, type StoreRequest, type Verdict } from './store-auth.ts';
import { credentialOf, storeCredential, type StoreCredential } from './store-credential.ts';

/**
 * Requests are made by the real AWS SDK (the same client the platform uses) against a loopback
 * server that only records them, so the verifier sees exactly what the store's server sees.
 */
let server: Server;
let endpoint: string;
const seen: StoreRequest[] = [];
let dir: string;
let credential: StoreCredential;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-storeauth-'));
  credential = storeCredential(join(dir, 'data'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(String(req.headers['x-amz-target']).endsWith('ListTables') ? '{"TableNames":[]}' : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** Sends `command` with the real SDK signed by `cred`; returns the request as the server got it. */
async function sdkRequest(cred: StoreCredential, command: 'list' | 'put' | 'get' = 'put'): Promise<StoreRequest> {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: cred, maxAttempts: 1 });
  const before = seen.length;
  try {
    if (command === 'list') await client.send(new ListTablesCommand({}));
    else if (command === 'get') await client.send(new GetItemCommand({ TableName: 'faascape-keys', Key: { pk: { S: 'k1' } } }));
    else await client.send(new PutItemCommand({ TableName: 'faascape-keys', Item: { pk: { S: 'k1' }, owner: { S: 'acme' } } }));
  } finally {
    client.destroy();
  }
  expect(seen.length).toBe(before + 1);
  return seen[seen.length - 1] as StoreRequest;
}

const signedAt = (r: StoreRequest): number => {
  const d = r.headers['x-amz-date'] as string;
  return Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
};
const verify = (r: StoreRequest, now = signedAt(r), cred = credential): Promise<Verdict> => verifyRequest(r, cred, now);
const withHeaders = (r: StoreRequest, headers: IncomingHttpHeaders): StoreRequest => ({ ...r, headers: { ...r.headers, ...headers } });
const refusal = (v: Verdict) => (v.ok ? undefined : { type: v.refusal.type.split('#')[1], message: v.refusal.message, reason: v.refusal.reason });

describe('verifyRequest (SigV4 against the store credential)', () => {
  it('accepts requests the AWS SDK signed with the store credential, and hands on only the signed headers', async () => {
    for (const command of ['list', 'put', 'get'] as const) {
      const req = await sdkRequest(credential, command);
      const v = await verify(req);
      expect(v.ok, JSON.stringify(refusal(v))).toBe(true);
    }
    // A header nobody signed (here a CORS origin dynalite would act on) never reaches the store.
    const req = await sdkRequest(credential);
    const v = await verify(withHeaders(req, { origin: 'http://evil.example', 'x-not-signed': '1' }));
    if (!v.ok) throw new Error(JSON.stringify(v.refusal));
    const signed = (req.headers.authorization as string).match(/SignedHeaders=([^,]+)/)?.[1]?.split(';') ?? [];
    expect(signed).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-target', 'content-type', 'x-amz-content-sha256']));
    expect(Object.keys(v.headers).sort()).toEqual([...signed, 'authorization'].sort());
    expect(v.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
  });

  it('refuses a request signed with the right access key id but another secret', async () => {
    const req = await sdkRequest({ accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) });
    expect(refusal(await verify(req))).toEqual({
      type: 'InvalidSignatureException',
      message: 'The request signature we calculated does not match the signature you provided.',
      reason: 'signature mismatch',
    });
  });

  it('refuses a guessed or foreign credential as an unrecognised client', async () => {
    const expected = { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    expect(refusal(await verify(await sdkRequest({ accessKeyId: 'local', secretAccessKey: 'local' })))).toMatchObject({ ...expected, reason: 'unknown access key id' });
    // another installation's credential: a well-formed id, not ours
    const other = credentialOf('0'.repeat(64));
    expect(refusal(await verify(await sdkRequest(other)))).toMatchObject({ ...expected, reason: 'unknown access key id' });
  });

  it('refuses a tampered body, whether or not x-amz-content-sha256 is changed to match it', async () => {
    const req = await sdkRequest(credential);
    const body = Buffer.from(req.body.toString().replace('acme', 'evil'));
    expect(body.equals(Buffer.from(req.body))).toBe(false);
    expect(refusal(await verify({ ...req, body }))).toMatchObject({ type: 'InvalidSignatureException', reason: 'x-amz-content-sha256 is not the body hash' });
    const rehashed = withHeaders({ ...req, body }, { 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') });
    expect(refusal(await verify(rehashed))).toMatchObject({ type: 'InvalidSignatureException', reason: 'signature mismatch' });
  });

  it('refuses a tampered signed header (the operation), a dropped one, and a changed path', async () => {
    const req = await sdkRequest(credential, 'get');
    expect(refusal(await verify(withHeaders(req, { 'x-amz-target': 'DynamoDB_20120810.Scan' })))).toMatchObject({ type: 'InvalidSignatureException', reason: 'signature mismatch' });
    const { 'x-amz-target': _dropped, ...rest } = req.headers;
    expect(refusal(await verify({ ...req, headers: rest }))).toMatchObject({ type: 'InvalidSignatureException', reason: 'signed header x-amz-target is missing' });
    expect(refusal(await verify({ ...req, url: '/other' }))).toMatchObject({ reason: 'signature mismatch' });
    expect(refusal(await verify({ ...req, method: 'PUT' }))).toMatchObject({ reason: 'signature mismatch' });
  });

  it('refuses a request with no Authorization header, or one that only looks signed', async () => {
    const req = await sdkRequest(credential);
    const { authorization, ...unsigned } = req.headers;
    expect(refusal(await verify({ ...req, headers: unsigned }))).toMatchObject({ type: 'UnrecognizedClientException', reason: 'no AWS4-HMAC-SHA256 Authorization header' });
    // what dynalite alone accepted: any Authorization that starts with AWS4- and names its parts
    const fake = `AWS4-HMAC-SHA256 Credential=${credential.accessKeyId}/${(req.headers['x-amz-date'] as string).slice(0, 8)}/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
    expect(refusal(await verify(withHeaders(req, { authorization: fake })))).toMatchObject({ type: 'InvalidSignatureException', reason: 'signature mismatch' });
    // a signature that leaves out host or the date is refused before any hashing
    const noHost = (authorization as string).replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;x-amz-date');
    expect(refusal(await verify(withHeaders(req, { authorization: noHost })))).toMatchObject({ reason: 'host and x-amz-date must be signed' });
  });

  it('refuses an x-amz-date more than 5 minutes from now, either way (replay window)', async () => {
    const req = await sdkRequest(credential);
    const t = signedAt(req);
    expect((await verify(req, t + 4 * 60_000)).ok).toBe(true);
    expect((await verify(req, t - 4 * 60_000)).ok).toBe(true);
    const stale = refusal(await verify(req, t + 6 * 60_000));
    expect(stale).toMatchObject({ type: 'InvalidSignatureException', reason: 'x-amz-date too old' });
    expect(stale?.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    expect(refusal(await verify(req, t - 6 * 60_000))).toMatchObject({ type: 'InvalidSignatureException', reason: 'x-amz-date in the future' });
    // changing the date to a current one breaks the signature
    const now = t + 60 * 60_000;
    const fresh = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
    const redated = withHeaders(req, { 'x-amz-date': fresh, authorization: (req.headers.authorization as string).replace(/\/\d{8}\//, `/${fresh.slice(0, 8)}/`) });
    expect(refusal(await verify(redated, now))).toMatchObject({ reason: 'signature mismatch' });
  });

  it('checks the credential and the date from the headers alone (before the body is read)', async () => {
    const req = await sdkRequest(credential);
    expect(checkHeaders(req.headers, credential, signedAt(req)).ok).toBe(true);
    expect(checkHeaders({}, credential, signedAt(req))).toMatchObject({ ok: false, refusal: { status: 400 } });
    expect(checkHeaders(req.headers, credential, signedAt(req) + 10 * 60_000).ok).toBe(false);
  });
});

describe('storeCredential', () => {
  it('is created once per data dir: dir 0700 (tightened if looser), file 0600, the same on every read', () => {
    const dataDir = join(dir, 'loose');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const first = storeCredential(dataDir);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'store-credential')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir)).toEqual(['store-credential']);
    expect(first.secretAccessKey).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(dataDir, 'store-credential'), 'utf8')).toBe(first.secretAccessKey);
    expect(first.accessKeyId).toMatch(/^FSC[0-9A-F]{16}$/);
    expect(first.secretAccessKey).not.toContain(first.accessKeyId.slice(3).toLowerCase());
    expect(storeCredential(dataDir)).toEqual(first);
    // another installation, another secret
    expect(storeCredential(join(dir, 'other')).secretAccessKey).not.toBe(first.secretAccessKey);
  });

  it('refuses a credential file that is not one, rather than making up another secret', () => {
    const dataDir = join(dir, 'corrupt');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, 'store-credential'), 'local', { mode: 0o600 });
    expect(() => storeCredential(dataDir)).toThrow(/is not a store credential/);
    expect(readFileSync(join(dataDir, 'store-credential'), 'utf8')).toBe('local');
  });
});
