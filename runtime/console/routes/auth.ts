import { AccountError, checkPassword, normalizeEmail, retryAfterSeconds, signInSource, type Account } from '../../../shared/accounts.ts';
import { SESSION_TTL_MS, type Session } from '../account-store.ts';
import { isCommonPassword } from '../common-passwords.ts';
import type { SessionInfo, SignInLinkInfo } from '../api-types.ts';
import type { ConsoleDeps } from '../deps.ts';
import type { Route } from '../handler.ts';
import { consoleErrors, isHttps, json, jsonBody, sessionCookie, stringField, type Event } from '../http.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../passwords.ts';

function info(s: Session): SessionInfo {
  return {
    email: s.email,
    role: s.role,
    ...(s.clientId ? { clientId: s.clientId } : {}),
    ...(s.developerId ? { developerId: s.developerId } : {}),
    csrfToken: s.csrfToken,
  };
}

export function authRoutes(deps: ConsoleDeps): Route[] {
  const startSession = async (event: Event, account: Account) => {
    const { sessionId, session } = await deps.accounts.createSession(account);
    return json(200, info(session), { cookies: [sessionCookie(sessionId, Math.floor(SESSION_TTL_MS / 1000), isHttps(event))] });
  };

  return [
    {
      method: 'GET',
      path: /^\/session$/,
      access: 'signed-in',
      handle: async ({ session }) => json(200, info(session as Session)),
    },
    {
      method: 'POST',
      path: /^\/auth\/sign-in$/,
      access: 'public',
      csrf: false,
      handle: async ({ event, now }) => {
        const body = jsonBody(event);
        let email: string;
        try {
          email = normalizeEmail(stringField(body, 'email', 254));
        } catch (e) {
          if (e instanceof AccountError) throw consoleErrors.badCredentials();
          throw e;
        }
        const password = stringField(body, 'password', 1_024);
        // A failed-attempt slot is taken BEFORE the password is checked (one conditional write per
        // account): parallel guesses cannot check more passwords than the limit.
        const attempt = await deps.accounts.reserveSignInAttempt(email, signInSource(event.requestContext?.http?.sourceIp));
        if (!attempt) throw consoleErrors.tooManyAttempts(retryAfterSeconds(now));
        const account = await deps.accounts.get(email);
        const ok = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
        if (!account || !account.passwordHash || !ok) {
          // The slot stays taken: it is this failure.
          deps.logger.warn('console sign-in failed', { reason: account ? 'password' : 'unknown account' });
          throw consoleErrors.badCredentials();
        }
        await deps.accounts.releaseSignInAttempt(attempt);
        // Said only to whoever knows the password: a wrong one gets the answer above, disabled or not.
        if (account.disabledAt !== undefined) throw consoleErrors.accountDisabled();
        return startSession(event, account);
      },
    },
    {
      // Read-only: the welcome page names the account and says at once when the link is used or
      // expired. It consumes nothing; an unknown token learns only "invalid".
      method: 'GET',
      path: /^\/auth\/link\/([^/]+)$/,
      access: 'public',
      handle: async ({ params }) => {
        const token = params[0] ?? '';
        const email = token.length <= 200 ? await deps.accounts.peekSignInToken(token) : undefined;
        if (!email) throw consoleErrors.invalidLink();
        const body: SignInLinkInfo = { email };
        return json(200, body);
      },
    },
    {
      method: 'POST',
      path: /^\/auth\/redeem$/,
      access: 'public',
      csrf: false,
      handle: async ({ event }) => {
        const body = jsonBody(event);
        const token = stringField(body, 'token', 200);
        const password = stringField(body, 'password', 1_024);
        try {
          checkPassword(password, isCommonPassword);
        } catch (e) {
          if (e instanceof AccountError) throw consoleErrors.badRequest(`${e.message[0]?.toUpperCase()}${e.message.slice(1)}.`);
          throw e;
        }
        // Hash first: the link is consumed only when everything else is ready.
        const passwordHash = await hashPassword(password);
        const email = await deps.accounts.redeemSignInToken(token);
        const account = email ? await deps.accounts.get(email) : undefined;
        if (!account || account.disabledAt !== undefined) throw consoleErrors.invalidLink();
        await deps.accounts.setPasswordHash(account.email, passwordHash);
        // A new password (a reset link) ends the sessions opened with the old one.
        await deps.accounts.endSessions(account.email);
        return startSession(event, account);
      },
    },
    {
      method: 'POST',
      path: /^\/auth\/sign-out$/,
      access: 'signed-in',
      handle: async ({ event, sessionId }) => {
        if (sessionId) await deps.accounts.deleteSession(sessionId);
        return { statusCode: 204, headers: { 'cache-control': 'no-store' }, cookies: [sessionCookie('', 0, isHttps(event))] };
      },
    },
  ];
}
