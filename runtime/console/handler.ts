import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { timingSafeEqual } from 'node:crypto';
import type { Role } from '../../shared/accounts.ts';
import { errorAnswer, errors } from '../gateway/errors.ts';
import { describeError } from '../logger.ts';
import type { AccountStore, Session } from './account-store.ts';
import { CONSOLE_API_PREFIX } from './api-types.ts';
import { authRoutes } from './routes/auth.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { clientRoutes } from './routes/client.ts';
import { developerRoutes } from './routes/developer.ts';
import { financeRoutes } from './routes/finance.ts';
import { communityRoutes } from './routes/community.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { bodyBytes, consoleErrors, CONSOLE_MAX_BODY_BYTES, cookieValue, isFromAnotherSite, isJsonRequest, SESSION_COOKIE, type Event, type Result } from './http.ts';
import type { ConsoleDeps } from './deps.ts';

export type { ConsoleDeps } from './deps.ts';

/** Who may call a route: anyone, any signed-in account, or one role only. */
export type Access = 'public' | 'signed-in' | Role;

export interface RouteRequest {
  event: Event;
  /** the path's captured groups, URL-decoded */
  params: string[];
  session?: Session;
  sessionId?: string;
  now: number;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** matched against the path after CONSOLE_API_PREFIX */
  path: RegExp;
  access: Access;
  /**
   * State-changing routes check the CSRF token unless they create the session themselves
   * (`csrf: false`: sign-in, redeem). Those have no token to check, so instead they take only a
   * JSON body and no request another site made (login CSRF: a cross-site HTML form can send
   * only form or text bodies; Fetch Metadata names the site that sent the request).
   */
  csrf?: boolean;
  /**
   * The route stores statement items (closing a month, approving a payout run). In AWS such a
   * route is served by the finance close Lambda, the only console role allowed to (see
   * infra/console.ts FINANCE_WRITE_ROUTES, whose test holds the two lists together); locally the
   * one console API serves every route, with the same code and the same checks.
   */
  writesStatements?: boolean;
  handle(req: RouteRequest): Promise<Result>;
}

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The signed-in account behind a request, if any. */
async function sessionOf(event: Event, accounts: AccountStore): Promise<{ session: Session; sessionId: string } | undefined> {
  const sessionId = cookieValue(event, SESSION_COOKIE);
  if (!sessionId || sessionId.length > 200) return undefined;
  const session = await accounts.getSession(sessionId);
  return session ? { session, sessionId } : undefined;
}

/** Every route of the console API (built without touching `deps`: routes read them when they run). */
export function consoleRoutes(deps: ConsoleDeps): Route[] {
  return [...authRoutes(deps), ...catalogueRoutes(deps), ...clientRoutes(deps), ...webhookRoutes(deps), ...developerRoutes(deps), ...financeRoutes(deps), ...communityRoutes(deps)];
}

/**
 * The console API: one middy handler for the local platform and the console Lambda. Each route
 * names who may call it; the role check, the session and the CSRF check happen here, before any
 * route runs, so a route cannot forget them.
 */
export function createConsoleApi(deps: ConsoleDeps) {
  const clock = deps.clock ?? Date.now;
  const routes = consoleRoutes(deps);

  const errorsToJson: MiddlewareObj<Event, Result, Error, Context> = {
    name: 'consoleErrors',
    onError: (request) => {
      request.response = errorAnswer(request.error, {
        headers: { 'cache-control': 'no-store' },
        onUnexpected: (e) => deps.logger.error('unhandled console error', { error: describeError(e), path: request.event.rawPath }),
      });
    },
  };

  return middy<Event, Result, Error, Context>()
    .use(errorsToJson)
    .handler(async (event) => {
      const method = event.requestContext.http.method.toUpperCase();
      const path = event.rawPath.slice(CONSOLE_API_PREFIX.length) || '/';
      const matching = routes.filter((r) => r.path.test(path));
      if (matching.length === 0) throw consoleErrors.notFound(`No console route for ${event.rawPath}.`);
      const route = matching.find((r) => r.method === method);
      if (!route) throw errors.methodNotAllowed([...new Set(matching.map((r) => r.method))].join(', '));
      let params: string[];
      try {
        params = (route.path.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p ?? ''));
      } catch {
        throw consoleErrors.badRequest('Malformed escape in the path.');
      }
      // Before anything reads it: no route takes more (community posts are the largest).
      if (method !== 'GET' && bodyBytes(event) > CONSOLE_MAX_BODY_BYTES) throw consoleErrors.payloadTooLarge();
      const req: RouteRequest = { event, params, now: clock() };
      const signedIn = await sessionOf(event, deps.accounts);
      if (signedIn) Object.assign(req, signedIn);
      if (route.access !== 'public') {
        if (!req.session) throw consoleErrors.notSignedIn();
        if (route.access !== 'signed-in' && req.session.role !== route.access) throw consoleErrors.forbidden(route.access);
        // Money moves on finance's word: its role is read again from the account, not only from the
        // session item (a session item is easier to forge than an account: the console writes many).
        if (route.access === 'finance') {
          const account = await deps.accounts.get(req.session.email);
          if (!account || account.role !== 'finance' || account.disabledAt !== undefined) throw consoleErrors.forbidden(route.access);
        }
      }
      if (method !== 'GET' && route.csrf !== false) {
        if (!req.session || !sameToken(event.headers?.['x-csrf-token'], req.session.csrfToken)) throw consoleErrors.csrf();
      }
      if (method !== 'GET' && route.csrf === false) {
        if (isFromAnotherSite(event)) throw consoleErrors.crossSite();
        if (!isJsonRequest(event)) throw consoleErrors.notJson();
      }
      return route.handle(req);
    });
}
