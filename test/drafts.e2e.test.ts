/**
 * Drafts (issues 15 and 16): a feature whose manifest says `"status": "draft"` is served only to
 * its own authors' test keys. It is in no catalogue, no API description and no discussion, and
 * anyone else (a client's live or test key, another developer's test key) gets 404 as if it did
 * not exist; its authors' calls are metered as tests, never billed.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../shared/month.ts';
import { developerClientId } from '../runtime/keys/client-store.ts';
import { signUp } from './helpers/console.ts';
import { copyFixtures, editManifest, errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let functionsDir: string;
let t: TestPlatform;

beforeAll(async () => {
  functionsDir = copyFixtures();
  cpSync(join(functionsDir, 'echo'), join(functionsDir, 'secret-draft'), { recursive: true });
  // echo's authors are alice and bob: the draft is alice's alone.
  editManifest(functionsDir, 'secret-draft', { name: 'Secret draft', status: 'draft', authors: [{ id: 'alice', weight: 1 }] });
  t = await startTestPlatform({ functionsDir });
}, 120_000);
afterAll(async () => {
  await t?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('a draft', () => {
  it('is in no catalogue and no API description', async () => {
    const slugs = ((await (await fetch(`${t.url}/v1/features`)).json()) as { features: { slug: string }[] }).features.map((f) => f.slug);
    expect(slugs).toContain('echo');
    expect(slugs).not.toContain('secret-draft');
    const openapi = JSON.stringify(await (await fetch(`${t.url}/v1/openapi.json`)).json());
    expect(openapi).not.toContain('secret-draft');
    const console = ((await (await fetch(`${t.url}/console/api/catalogue`)).json()) as { features: { slug: string }[] }).features.map((f) => f.slug);
    expect(console).not.toContain('secret-draft');
    expect((await fetch(`${t.url}/console/api/catalogue/secret-draft`)).status).toBe(404);
    expect((await fetch(`${t.url}/console/api/catalogue/echo`)).status).toBe(200);
  });

  it("answers 404 to a client's live and test keys and to another developer's test key, as if it did not exist", async () => {
    const live = await t.clients.createKey('acme');
    const test = await t.clients.createKey('acme', { test: true });
    const bob = await t.clients.createDeveloperTestKey('bob');
    for (const key of [live.apiKey, test.apiKey, bob.apiKey]) {
      expect(await errorOf(await t.call(key, '/v1/features/secret-draft'))).toEqual(await errorOf(await t.call(key, '/v1/features/no-such-feature')).then((e) => ({ ...e, message: e.message.replace('no-such-feature', 'secret-draft') })));
    }
    expect((await t.call(live.apiKey, '/v1/features/echo')).status).toBe(200);
  });

  it("answers its author's test key, metered as a test and never billed; the author's key also tries published features", async () => {
    const alice = await t.clients.createDeveloperTestKey('alice');
    expect(alice.apiKey).toMatch(/^fsk_test_/);
    const res = await t.call(alice.apiKey, '/v1/features/secret-draft?x=1');
    expect(res.status).toBe(200);
    expect((await t.call(alice.apiKey, '/v1/features/echo')).status).toBe(200);
    await t.platform.meter.settled();
    const records = await t.usage.records(monthOf(Date.now()), developerClientId('alice'), 'secret-draft');
    expect(records.map((r) => [r.invocationId, r.test, r.billable, r.keyId])).toEqual([[res.headers.get('faascape-invocation-id'), true, false, alice.keyId]]);
  });

  it('shows on its author’s developer page as a draft, where the author makes and revokes test keys of their own', async () => {
    const alice = await signUp(t, 'alice@dev.example', 'developer', { developerId: 'alice' });
    const overview = (await (await alice.fetch('/developer/overview')).json()) as { features: { slug: string; draft?: true }[] };
    expect(overview.features.find((f) => f.slug === 'secret-draft')?.draft).toBe(true);
    expect(overview.features.find((f) => f.slug === 'echo')?.draft).toBeUndefined();

    const created = await alice.fetch('/developer/keys', { method: 'POST', body: {} });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { keyId: string; apiKey: string; test: true };
    expect((await t.call(key.apiKey, '/v1/features/secret-draft')).status).toBe(200);
    const list = (await (await alice.fetch('/developer/keys')).json()) as { keys: { keyId: string; test?: true }[] };
    expect(list.keys.map((k) => k.keyId)).toContain(key.keyId);
    expect(list.keys.every((k) => k.test)).toBe(true);

    // Bob cannot revoke alice's key; alice can, and it stops.
    const bob = await signUp(t, 'bob@dev.example', 'developer', { developerId: 'bob' });
    expect((await bob.fetch(`/developer/keys/${key.keyId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await alice.fetch(`/developer/keys/${key.keyId}`, { method: 'DELETE' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 600));
    expect((await errorOf(await t.call(key.apiKey, '/v1/features/secret-draft'))).code).toBe('invalid_api_key');
  });
});
