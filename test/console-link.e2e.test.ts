/**
 * GET /console/api/auth/link/<token>: the welcome page's look at a sign-in link before the
 * password is chosen. It names the account, says "invalid" for anything else, and never uses the
 * link up: redeeming still works once, after any number of looks.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_LINK_TTL_MS } from '../runtime/console/account-store.ts';
import { accountStore, invite, MovableClock, redeem } from './helpers/console.ts';
import { copyFixtures, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const clock = new MovableClock(Date.now());
let functionsDir: string;
let t: TestPlatform;

const look = (token: string) => fetch(`${t.url}/console/api/auth/link/${encodeURIComponent(token)}`);

async function expectInvalid(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('invalid_link');
  expect(JSON.stringify(body)).not.toContain('@');
}

beforeAll(async () => {
  functionsDir = copyFixtures();
  t = await startTestPlatform({ clock: clock.now, functionsDir });
});
afterAll(async () => {
  await t?.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('GET /auth/link/<token>', () => {
  it('names the account of a live link, uncached, and does not consume it', async () => {
    const token = await invite(t, 'look@example.com', 'finance');
    for (let i = 0; i < 3; i++) {
      const res = await look(token);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ email: 'look@example.com' });
    }
    // Still redeemable, exactly once.
    await redeem(t, token);
    await expectInvalid(await look(token));
  });

  it('an unknown token gets only "invalid"', async () => {
    await expectInvalid(await look('no-such-token'));
    await expectInvalid(await look('x'.repeat(500)));
  });

  it('a link replaced by a newer one is invalid; the newer one is named', async () => {
    const first = await invite(t, 'twice@example.com', 'finance');
    const second = (await accountStore(t).issueSignInToken('twice@example.com')).token;
    await expectInvalid(await look(first));
    expect(await (await look(second)).json()).toEqual({ email: 'twice@example.com' });
  });

  it("a disabled account's link is invalid", async () => {
    const token = await invite(t, 'off@example.com', 'finance');
    await accountStore(t).disable('off@example.com');
    await expectInvalid(await look(token));
  });

  it('an expired link is invalid', async () => {
    const token = await invite(t, 'late@example.com', 'finance');
    expect((await look(token)).status).toBe(200);
    clock.jumpTo(Date.now() + SIGN_IN_LINK_TTL_MS + 60_000);
    await expectInvalid(await look(token));
  });
});
