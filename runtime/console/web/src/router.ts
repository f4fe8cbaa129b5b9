/**
 * Hash routes (`#/catalogue/iban-check`), so any static host serves the one index.html and a
 * reload or a shared link lands on the same page without server rewrites.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Role } from '../../api-types.ts';

export type Route =
  | { page: 'catalogue' }
  | { page: 'feature'; slug: string }
  | { page: 'sign-in'; next?: string; ended?: true }
  | { page: 'welcome'; token: string }
  | { page: 'client' }
  | { page: 'client-alerts' }
  | { page: 'developer' }
  | { page: 'finance' }
  | { page: 'finance-month'; month: string }
  | { page: 'requests' }
  | { page: 'request'; id: string }
  | { page: 'discussions' }
  | { page: 'thread'; id: string }
  | { page: 'developers' }
  | { page: 'developer-profile'; id: string }
  | { page: 'not-found'; path: string };

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/** "#/finance/2026-03" → { page: 'finance-month', month: '2026-03' }. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  const parts = path.split('/').filter(Boolean).map(decode);
  if (parts.some((p) => p === undefined)) return { page: 'not-found', path };
  const [first, second, ...rest] = parts as string[];
  if (rest.length) return { page: 'not-found', path };
  switch (first) {
    case undefined:
      return { page: 'catalogue' };
    case 'catalogue':
      return second ? { page: 'feature', slug: second } : { page: 'catalogue' };
    case 'sign-in': {
      if (second) return { page: 'not-found', path };
      const next = query.get('next');
      // `ended`: a call answered 401 while signed in, the session ended (expired or signed out elsewhere).
      const ended = query.get('ended') === '1' ? { ended: true as const } : {};
      // Only a path inside this app: the parameter must not become a way to send people elsewhere.
      return next && /^\/[\w\-/.]*$/.test(next) ? { page: 'sign-in', next, ...ended } : { page: 'sign-in', ...ended };
    }
    case 'welcome':
      return second ? { page: 'welcome', token: second } : { page: 'not-found', path };
    case 'client':
      if (second === 'alerts') return { page: 'client-alerts' };
      return second ? { page: 'not-found', path } : { page: first };
    case 'developer':
      return second ? { page: 'not-found', path } : { page: first };
    case 'finance':
      return second ? { page: 'finance-month', month: second } : { page: 'finance' };
    case 'requests':
      return second ? { page: 'request', id: second } : { page: 'requests' };
    case 'discussions':
      return second ? { page: 'not-found', path } : { page: 'discussions' };
    case 'threads':
      return second ? { page: 'thread', id: second } : { page: 'discussions' };
    case 'developers':
      return second ? { page: 'developer-profile', id: second } : { page: 'developers' };
    default:
      return { page: 'not-found', path };
  }
}

/** The role a page is for; undefined for public pages. */
export function roleOf(route: Route): Role | undefined {
  switch (route.page) {
    case 'client':
    case 'developer':
    case 'finance':
      return route.page;
    case 'finance-month':
      return 'finance';
    case 'client-alerts':
      return 'client';
    default:
      return undefined;
  }
}

export function homeOf(role: Role): string {
  return `#/${role}`;
}

/** A feature's catalogue page. */
export function featureHref(slug: string): string {
  return `#/catalogue/${encodeURIComponent(slug)}`;
}

/** The client's alerts and webhooks, a page of its own linked from its home. */
export const CLIENT_ALERTS_HREF = '#/client/alerts';

export const requestHref = (id: string) => `#/requests/${encodeURIComponent(id)}`;
export const threadHref = (id: string) => `#/threads/${encodeURIComponent(id)}`;
export const developerHref = (id: string) => `#/developers/${encodeURIComponent(id)}`;

/** Sign in, then come back to this page; `ended`: say that the session ended. */
export function signInHref(hash: string, ended = false): string {
  return `#/sign-in?next=${encodeURIComponent(pathOf(hash))}${ended ? '&ended=1' : ''}`;
}

/** The hash path of a route, for `next` after sign-in. */
export function pathOf(hash: string): string {
  return hash.replace(/^#/, '').split('?')[0] || '/';
}

export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}

export function useRoute(): { route: Route; hash: string } {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return { route: parseHash(hash), hash };
}
