import { PlatformError } from '../../gateway/errors.ts';
import { CommunityError, type Community } from '../../community/community-service.ts';
import type { Levels } from '../../community/levels.ts';
import type { Session } from '../account-store.ts';
import type { Route, RouteRequest } from '../handler.ts';
import { consoleErrors, json, jsonBody, type Result } from '../http.ts';

const STATUS: Record<CommunityError['code'], number> = { invalid_request: 400, forbidden: 403, not_found: 404, conflict: 409 };

/** The community's rule errors become the console's JSON errors. */
async function answer(status: number, work: () => Promise<unknown>): Promise<Result> {
  try {
    return json(status, await work());
  } catch (e) {
    if (e instanceof CommunityError) throw new PlatformError(STATUS[e.code], e.code, e.message);
    if (e instanceof RangeError) throw consoleErrors.badRequest(e.message);
    throw e;
  }
}

const me = (req: RouteRequest) => req.session as Session;

export function communityRoutes(deps: { community: Community; levels: Levels }): Route[] {
  const c = deps.community;
  return [
    // ---- developers and their levels (public) ----
    { method: 'GET', path: /^\/developers$/, access: 'public', handle: () => answer(200, async () => ({ developers: await deps.levels.all() })) },
    {
      method: 'GET',
      path: /^\/developers\/([a-z0-9][a-z0-9_-]{0,62})$/,
      access: 'public',
      handle: ({ params }) => answer(200, () => deps.levels.of(params[0] ?? '')),
    },
    // ---- discussions (read: public; write: signed in) ----
    {
      method: 'GET',
      path: /^\/threads$/,
      access: 'public',
      handle: ({ event }) => {
        const feature = event.queryStringParameters?.feature;
        return answer(200, async () => ({ threads: await c.listThreads(feature && feature !== 'general' ? feature : undefined) }));
      },
    },
    { method: 'POST', path: /^\/threads$/, access: 'signed-in', handle: (req) => answer(201, () => c.createThread(me(req), jsonBody(req.event))) },
    { method: 'GET', path: /^\/threads\/([^/]+)$/, access: 'public', handle: ({ params, session }) => answer(200, () => c.thread(params[0] ?? '', session)) },
    { method: 'POST', path: /^\/threads\/([^/]+)\/posts$/, access: 'signed-in', handle: (req) => answer(201, () => c.reply(me(req), req.params[0] ?? '', jsonBody(req.event))) },
    {
      method: 'POST',
      path: /^\/threads\/([^/]+)\/accept$/,
      access: 'signed-in',
      handle: (req) => {
        const postId = jsonBody(req.event).postId;
        if (typeof postId !== 'string') throw consoleErrors.badRequest('"postId" is required.');
        return answer(200, () => c.accept(me(req), req.params[0] ?? '', postId));
      },
    },
    { method: 'PUT', path: /^\/posts\/([^/]+)\/([^/]+)$/, access: 'signed-in', handle: (req) => answer(200, () => c.edit(me(req), req.params[0] ?? '', req.params[1] ?? '', jsonBody(req.event))) },
    {
      method: 'POST',
      path: /^\/posts\/([^/]+)\/([^/]+)\/hide$/,
      access: 'signed-in',
      handle: (req) => {
        const hidden = jsonBody(req.event).hidden;
        if (typeof hidden !== 'boolean') throw consoleErrors.badRequest('"hidden" is true or false.');
        return answer(200, () => c.hide(me(req), req.params[0] ?? '', req.params[1] ?? '', hidden));
      },
    },
    // ---- custom-development requests ----
    {
      method: 'GET',
      path: /^\/requests$/,
      access: 'public',
      handle: ({ event, session }) => {
        const q = event.queryStringParameters ?? {};
        return answer(200, async () => ({ requests: await c.requests({ ...(q.tag ? { tag: q.tag } : {}), ...(q.status ? { status: q.status } : {}), mine: q.mine === '1' }, session) }));
      },
    },
    { method: 'POST', path: /^\/requests$/, access: 'client', handle: (req) => answer(201, () => c.createRequest(me(req), jsonBody(req.event))) },
    { method: 'GET', path: /^\/requests\/([^/]+)$/, access: 'public', handle: ({ params, session }) => answer(200, () => c.request(params[0] ?? '', session)) },
    { method: 'PUT', path: /^\/requests\/([^/]+)$/, access: 'client', handle: (req) => answer(200, () => c.editRequest(me(req), req.params[0] ?? '', jsonBody(req.event))) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/vote$/, access: 'signed-in', handle: (req) => answer(200, () => c.vote(me(req), req.params[0] ?? '', true)) },
    { method: 'DELETE', path: /^\/requests\/([^/]+)\/vote$/, access: 'signed-in', handle: (req) => answer(200, () => c.vote(me(req), req.params[0] ?? '', false)) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/plan$/, access: 'developer', handle: (req) => answer(200, () => c.plan(me(req), req.params[0] ?? '')) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/deliver$/, access: 'developer', handle: (req) => answer(200, () => c.deliver(me(req), req.params[0] ?? '', jsonBody(req.event))) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/decline$/, access: 'signed-in', handle: (req) => answer(200, () => c.decline(me(req), req.params[0] ?? '', jsonBody(req.event))) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/accept$/, access: 'developer', handle: (req) => answer(200, () => c.acceptForDevelopment(me(req), req.params[0] ?? '')) },
  ];
}
