import { describe, expect, it } from 'vitest';
import { AccountError, checkLink, checkPassword, commonPasswordForm, normalizeEmail, retryAfterSeconds, signInSource, SIGN_IN_WINDOW_MS } from './accounts.ts';

describe('accounts', () => {
  it('normalizes e-mail addresses and refuses what is not one', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    for (const bad of ['', 'ada', 'ada@', '@example.com', 'a b@example.com', 'ada@example']) expect(() => normalizeEmail(bad)).toThrow(AccountError);
  });

  const none = () => false;

  it('asks for at least 12 characters, counted as characters not bytes', () => {
    expect(() => checkPassword('elevenchars', none)).toThrow(/at least 12/);
    expect(() => checkPassword('twelve chars', none)).not.toThrow();
    expect(() => checkPassword('ééééééééééé', none)).toThrow(/at least 12/);
    expect(() => checkPassword('x'.repeat(257), none)).toThrow(/at most/);
  });

  it('refuses a password on the common list, compared without case, spaces around or compatibility forms', () => {
    const seen: string[] = [];
    const list = (p: string) => (seen.push(p), p === 'password1234');
    expect(() => checkPassword('PassWord1234', list)).toThrow(/one of the most common passwords/);
    expect(() => checkPassword(' password1234 ', list)).toThrow(AccountError);
    expect(() => checkPassword('ｐａｓｓｗｏｒｄ１２３４', list)).toThrow(AccountError); // full-width: NFKC
    expect(() => checkPassword('password1234 but longer', list)).not.toThrow();
    expect(seen[0]).toBe('password1234');
    expect(commonPasswordForm(' ÉTÉ Été 2024 ')).toBe('été été 2024');
  });

  it('checks the length before the list, so a short password is told it is short', () => {
    expect(() => checkPassword('password', () => true)).toThrow(/at least 12/);
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

describe('whose failed sign-ins count together', () => {
  it('an IPv4 address (mapped or not), an IPv6 /64 however it is written, or "-" when unknown', () => {
    expect(signInSource('203.0.113.7')).toBe('203.0.113.7');
    expect(signInSource('::ffff:203.0.113.7')).toBe('203.0.113.7');
    for (const ip of ['2001:db8:1:2::1', '2001:0db8:0001:0002:0:0:0:5', '2001:DB8:1:2:ffff:ffff:ffff:ffff']) expect(signInSource(ip), ip).toBe('2001:db8:1:2::/64');
    expect(signInSource('2001:db8:1:3::1')).not.toBe(signInSource('2001:db8:1:2::1'));
    expect(signInSource('::1')).toBe('0:0:0:0::/64');
    expect(signInSource(undefined)).toBe('-');
  });
});
