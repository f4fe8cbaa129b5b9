import { describe, expect, it } from 'vitest';
import { AccountError, checkLink, checkPassword, normalizeEmail, retryAfterSeconds, SIGN_IN_WINDOW_MS } from './accounts.ts';

describe('accounts', () => {
  it('normalizes e-mail addresses and refuses what is not one', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    for (const bad of ['', 'ada', 'ada@', '@example.com', 'a b@example.com', 'ada@example']) expect(() => normalizeEmail(bad)).toThrow(AccountError);
  });

  it('asks for at least 12 characters, counted as characters not bytes', () => {
    expect(() => checkPassword('elevenchars')).toThrow(/at least 12/);
    expect(() => checkPassword('twelve chars')).not.toThrow();
    expect(() => checkPassword('ééééééééééé')).toThrow(/at least 12/);
    expect(() => checkPassword('x'.repeat(257))).toThrow(/at most/);
  });

  it('links each role to exactly what it needs', () => {
    expect(checkLink('client', { clientId: 'acme' })).toEqual({ clientId: 'acme' });
    expect(checkLink('developer', { developerId: 'alice' })).toEqual({ developerId: 'alice' });
    expect(checkLink('finance', {})).toEqual({});
    expect(() => checkLink('client', {})).toThrow(/--client/);
    expect(() => checkLink('developer', { developerId: 'a', clientId: 'b' })).toThrow(AccountError);
    expect(() => checkLink('finance', { clientId: 'acme' })).toThrow(AccountError);
  });

  it('tells how long until the sign-in window ends', () => {
    expect(retryAfterSeconds(0)).toBe(SIGN_IN_WINDOW_MS / 1000);
    expect(retryAfterSeconds(SIGN_IN_WINDOW_MS - 1)).toBe(1);
  });
});
