import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import { parseKey } from '../runtime/keys/api-key.ts';
import { errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(() => t.stop());

describe('API keys', () => {
  it('stores only a hash of the secret, never the key', async () => {
    const { apiKey, keyId } = await t.clients.createKey('hashed');
    const secret = parseKey(apiKey)?.secret as string;
    expect(secret.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    const scan = await documentClient(t.platform.dynamo).send(new ScanCommand({ TableName: t.platform.tables.keys }));
    const item = scan.Items?.find((i) => i.keyId === keyId);
    expect(item).toBeDefined();
    const stored = JSON.stringify(scan.Items);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(apiKey);
    expect(item?.secretHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stops a revoked key within a second', async () => {
    const { apiKey, keyId } = await t.clients.createKey('revoked');
    expect((await t.call(apiKey, '/v1/features/echo')).status).toBe(200);
    await t.clients.revokeKey(keyId);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 2_000) {
      status = (await t.call(apiKey, '/v1/features/echo')).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect(await errorOf(await t.call(apiKey, '/v1/features/echo'))).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('keeps other keys of the client working after one is revoked', async () => {
    const one = await t.clients.createKey('two-keys');
    const two = await t.clients.createKey('two-keys');
    await t.clients.revokeKey(one.keyId);
    await new Promise((r) => setTimeout(r, 600));
    expect((await t.call(two.apiKey, '/v1/features/echo')).status).toBe(200);
    expect((await t.clients.listKeys('two-keys')).map((k) => [k.keyId, k.revokedAt !== undefined]).sort()).toEqual(
      [
        [one.keyId, true],
        [two.keyId, false],
      ].sort(),
    );
  });
});
