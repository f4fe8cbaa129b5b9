import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AccountError, checkPassword, MIN_PASSWORD_LENGTH } from '../../shared/accounts.ts';
import { MAX_MARKDOWN_CHARS } from '../../shared/markdown.ts';
import { PASSWORD } from '../../test/helpers/console.ts';
import list from './common-passwords.json' with { type: 'json' };
import { COMMON_PASSWORDS_AT_MIN_LENGTH, isCommonPassword } from './common-passwords.ts';
import { bodyBytes, CONSOLE_MAX_BODY_BYTES, isFromAnotherSite, isJsonRequest, sessionCookie } from './http.ts';

const event = (headers: Record<string, string>, body?: string, isBase64Encoded = false) => ({ headers, ...(body === undefined ? {} : { body }), isBase64Encoded }) as unknown as APIGatewayProxyEventV2;

describe('the common-password list', () => {
  it('is the published list, not a handful of words', () => {
    expect((list as string[]).length).toBe(49_233);
    expect((list as string[]).slice(0, 4)).toEqual(['123456', 'password', '12345678', 'qwerty']);
    expect(COMMON_PASSWORDS_AT_MIN_LENGTH).toBeGreaterThan(300);
  });

  it('refuses 11 characters, common passwords of 12 and more with a clear message, and takes a good one', () => {
    const check = (p: string) => checkPassword(p, isCommonPassword);
    expect(() => check('a'.repeat(MIN_PASSWORD_LENGTH - 1))).toThrow(/at least 12 characters/);
    for (const common of ['password1234', 'qwertyuiop123', 'QwertyUiop123', '1q2w3e4r5t6y', 'passwordpassword']) {
      expect(() => check(common), common).toThrow(AccountError);
      expect(() => check(common), common).toThrow(/one of the most common passwords/);
    }
    expect(() => check(PASSWORD)).not.toThrow();
    expect(() => check('vellum otter 47 quarry')).not.toThrow();
  });
});

describe('the console body limit', () => {
  it('is above the largest body a route takes: a community post or request of 20,000 three-byte characters', () => {
    const wide = '語'; // 3 bytes in UTF-8, not escaped by JSON.stringify
    const thread = JSON.stringify({ title: wide.repeat(140), markdown: wide.repeat(MAX_MARKDOWN_CHARS), featureSlug: 'f'.repeat(64), review: false });
    const request = JSON.stringify({ title: wide.repeat(140), description: wide.repeat(MAX_MARKDOWN_CHARS), budget: '1000000.00', tags: Array.from({ length: 10 }, () => 't'.repeat(32)) });
    for (const body of [thread, request]) expect(Buffer.byteLength(body)).toBeLessThan(CONSOLE_MAX_BODY_BYTES);
    expect(CONSOLE_MAX_BODY_BYTES).toBeLessThanOrEqual(64 * 1024);
  });

  it('counts the bytes as sent: UTF-8, base64-decoded, or as the local server declared when it cut the body', () => {
    expect(bodyBytes(event({}, 'é'))).toBe(2);
    expect(bodyBytes(event({}, Buffer.alloc(100).toString('base64'), true))).toBe(100);
    expect(bodyBytes(event({ 'faascape-body-bytes': String(7 * 1024 * 1024) }))).toBe(7 * 1024 * 1024);
    expect(bodyBytes(event({ 'faascape-body-bytes': 'nonsense' }, 'abc'))).toBe(3);
  });
});

describe('login CSRF checks', () => {
  it('takes application/json with or without parameters, and nothing a cross-site form can send', () => {
    expect(isJsonRequest(event({ 'content-type': 'application/json' }))).toBe(true);
    expect(isJsonRequest(event({ 'content-type': 'Application/JSON; charset=utf-8' }))).toBe(true);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-patch+json']) {
      expect(isJsonRequest(event({ 'content-type': type })), type).toBe(false);
    }
    expect(isJsonRequest(event({}))).toBe(false); // a no-cors fetch of a Blob sends no type at all
  });

  it('tells a request another site made from one the console (or a non-browser client) made', () => {
    expect(isFromAnotherSite(event({ 'sec-fetch-site': 'cross-site' }))).toBe(true);
    expect(isFromAnotherSite(event({ 'sec-fetch-site': 'same-site' }))).toBe(true);
    expect(isFromAnotherSite(event({ 'sec-fetch-site': 'same-origin' }))).toBe(false);
    expect(isFromAnotherSite(event({ 'sec-fetch-site': 'none' }))).toBe(false);
    expect(isFromAnotherSite(event({}))).toBe(false);
  });
});

describe('the session cookie', () => {
  it('goes to the console API only, and is cleared with the same attributes', () => {
    expect(sessionCookie('abc', 60, false)).toBe('faascape_session=abc; Path=/console/api; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(sessionCookie('', 0, true)).toBe('faascape_session=; Path=/console/api; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
  });
});
