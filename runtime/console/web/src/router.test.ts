import { describe, expect, it } from 'vitest';
import { parseHash, roleOf, signInHref } from './router.ts';

describe('hash routes', () => {
  it('maps every page', () => {
    expect(parseHash('')).toEqual({ page: 'catalogue' });
    expect(parseHash('#/')).toEqual({ page: 'catalogue' });
    expect(parseHash('#/catalogue')).toEqual({ page: 'catalogue' });
    expect(parseHash('#/catalogue/iban-check')).toEqual({ page: 'feature', slug: 'iban-check' });
    expect(parseHash('#/sign-in')).toEqual({ page: 'sign-in' });
    expect(parseHash('#/welcome/abc%2Bdef')).toEqual({ page: 'welcome', token: 'abc+def' });
    expect(parseHash('#/client')).toEqual({ page: 'client' });
    expect(parseHash('#/client/alerts')).toEqual({ page: 'client-alerts' });
    expect(parseHash('#/client/other')).toEqual({ page: 'not-found', path: '/client/other' });
    expect(parseHash('#/developer')).toEqual({ page: 'developer' });
    expect(parseHash('#/finance')).toEqual({ page: 'finance' });
    expect(parseHash('#/finance/2026-03')).toEqual({ page: 'finance-month', month: '2026-03' });
    expect(parseHash('#/requests')).toEqual({ page: 'requests' });
    expect(parseHash('#/requests/01abc')).toEqual({ page: 'request', id: '01abc' });
    expect(parseHash('#/discussions')).toEqual({ page: 'discussions' });
    expect(parseHash('#/threads/01abc')).toEqual({ page: 'thread', id: '01abc' });
    expect(parseHash('#/developers')).toEqual({ page: 'developers' });
    expect(parseHash('#/developers/alice')).toEqual({ page: 'developer-profile', id: 'alice' });
    expect(parseHash('#/developer')).toEqual({ page: 'developer' });
    expect(parseHash('#/nope')).toEqual({ page: 'not-found', path: '/nope' });
    expect(parseHash('#/catalogue/a/b')).toEqual({ page: 'not-found', path: '/catalogue/a/b' });
    expect(parseHash('#/welcome/%E0%A4%A')).toEqual({ page: 'not-found', path: '/welcome/%E0%A4%A' });
  });

  it('keeps a `next` after sign-in only when it is a path of this app', () => {
    expect(parseHash('#/sign-in?next=%2Ffinance%2F2026-03')).toEqual({ page: 'sign-in', next: '/finance/2026-03' });
    expect(parseHash('#/sign-in?next=https%3A%2F%2Fevil.example')).toEqual({ page: 'sign-in' });
    expect(parseHash('#/sign-in?next=%2F%2Fevil.example')).toEqual({ page: 'sign-in', next: '//evil.example' });
  });

  it('a session that ended sends to sign-in saying so, and back to the page after', () => {
    expect(signInHref('#/client')).toBe('#/sign-in?next=%2Fclient');
    expect(signInHref('#/client', true)).toBe('#/sign-in?next=%2Fclient&ended=1');
    expect(parseHash(signInHref('#/finance/2026-03', true))).toEqual({ page: 'sign-in', next: '/finance/2026-03', ended: true });
    expect(parseHash(signInHref('#/requests/01abc?x=1', true))).toEqual({ page: 'sign-in', next: '/requests/01abc', ended: true });
    expect(parseHash('#/sign-in?ended=1')).toEqual({ page: 'sign-in', ended: true });
    expect(parseHash('#/sign-in?ended=yes')).toEqual({ page: 'sign-in' });
  });

  it('names the role of each private page', () => {
    expect(roleOf({ page: 'finance-month', month: '2026-03' })).toBe('finance');
    expect(roleOf({ page: 'client' })).toBe('client');
    expect(roleOf({ page: 'client-alerts' })).toBe('client');
    expect(roleOf({ page: 'catalogue' })).toBeUndefined();
  });
});
