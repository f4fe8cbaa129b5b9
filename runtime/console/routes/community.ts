import type { Community } from '../../community/community-service.ts';
import type { Levels } from '../../community/levels.ts';
import type { Session } from '../account-store.ts';
import type { Route, RouteRequest } from '../handler.ts';
import { consoleErrors, json, jsonBody } from '../http.ts';

const me = (req: RouteRequest) => req.session as Session;

export function communityRoutes(deps: { community: Community; levels: Levels }): Route[] {
  const c = deps.community;
  return [
    // ---- developers and their levels (public) ----
    { method: 'GET', path: /^\/developers$/, access: 'public', handle: async () => json(200, { developers: await deps.levels.all() }) },
    {
      method: 'GET',
      path: /^\/developers\/([a-z0-9][a-z0-9_-]{0,62})$/,
      access: 'public',
      handle: async ({ params }) => json(200, await deps.levels.of(params[0] ?? '')),
    },
    // ---- discussions (read: public; write: signed in) ----
    {
      method: 'GET',
      path: /^\/threads$/,
      access: 'public',
      handle: async ({ event, session }) => {
        const feature = event.queryStringParameters?.feature;
        if (feature === 'all') return json(200, { threads: await c.listAllThreads(session) });
        return json(200, { threads: await c.listThreads(feature && feature !== 'general' ? feature : undefined, session) });
      },
    },
    { method: 'GET', path: /^\/developer\/discussions$/, access: 'developer', handle: async (req) => json(200, await c.myFeatureThreads(me(req))) },
    {
      method: 'POST',
      path: /^\/developer\/discussions\/seen$/,
      access: 'developer',
      handle: async (req) => {
        await c.markVisit(me(req));
        return { statusCode: 204, body: '' };
      },
    },
    { method: 'POST', path: /^\/threads$/, access: 'signed-in', handle: async (req) => json(201, await c.createThread(me(req), jsonBody(req.event))) },
    { method: 'GET', path: /^\/threads\/([^/]+)$/, access: 'public', handle: async ({ params, session }) => json(200, await c.thread(params[0] ?? '', session)) },
    { method: 'POST', path: /^\/threads\/([^/]+)\/posts$/, access: 'signed-in', handle: async (req) => json(201, await c.reply(me(req), req.params[0] ?? '', jsonBody(req.event))) },
    {
      method: 'POST',
      path: /^\/threads\/([^/]+)\/accept$/,
      access: 'signed-in',
      handle: async (req) => {
        const postId = jsonBody(req.event).postId;
        if (typeof postId !== 'string') throw consoleErrors.badRequest('"postId" is required.');
        return json(200, await c.accept(me(req), req.params[0] ?? '', postId));
      },
    },
    { method: 'PUT', path: /^\/posts\/([^/]+)\/([^/]+)$/, access: 'signed-in', handle: async (req) => json(200, await c.edit(me(req), req.params[0] ?? '', req.params[1] ?? '', jsonBody(req.event))) },
    {
      method: 'POST',
      path: /^\/posts\/([^/]+)\/([^/]+)\/hide$/,
      access: 'signed-in',
      handle: async (req) => {
        const hidden = jsonBody(req.event).hidden;
        if (typeof hidden !== 'boolean') throw consoleErrors.badRequest('"hidden" is true or false.');
        return json(200, await c.hide(me(req), req.params[0] ?? '', req.params[1] ?? '', hidden));
      },
    },
    // ---- custom-development requests ----
    {
      method: 'GET',
      path: /^\/requests$/,
      access: 'public',
      handle: async ({ event, session }) => {
        const q = event.queryStringParameters ?? {};
        return json(200, { requests: await c.requests({ ...(q.tag ? { tag: q.tag } : {}), ...(q.status ? { status: q.status } : {}), mine: q.mine === '1' }, session) });
      },
    },
    { method: 'POST', path: /^\/requests$/, access: 'client', handle: async (req) => json(201, await c.createRequest(me(req), jsonBody(req.event))) },
    { method: 'GET', path: /^\/requests\/([^/]+)$/, access: 'public', handle: async ({ params, session }) => json(200, await c.request(params[0] ?? '', session)) },
    { method: 'PUT', path: /^\/requests\/([^/]+)$/, access: 'client', handle: async (req) => json(200, await c.editRequest(me(req), req.params[0] ?? '', jsonBody(req.event))) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/vote$/, access: 'signed-in', handle: async (req) => json(200, await c.vote(me(req), req.params[0] ?? '', true)) },
    { method: 'DELETE', path: /^\/requests\/([^/]+)\/vote$/, access: 'signed-in', handle: async (req) => json(200, await c.vote(me(req), req.params[0] ?? '', false)) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/plan$/, access: 'developer', handle: async (req) => json(200, await c.plan(me(req), req.params[0] ?? '')) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/deliver$/, access: 'developer', handle: async (req) => json(200, await c.deliver(me(req), req.params[0] ?? '', jsonBody(req.event))) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/decline$/, access: 'signed-in', handle: async (req) => json(200, await c.decline(me(req), req.params[0] ?? '', jsonBody(req.event))) },
    { method: 'POST', path: /^\/requests\/([^/]+)\/accept$/, access: 'developer', handle: async (req) => json(200, await c.acceptForDevelopment(me(req), req.params[0] ?? '')) },
  ];
}
