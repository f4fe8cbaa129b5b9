import { describe, expect, it, vi } from 'vitest';
import { DomainError, type ErrorKind } from '../../shared/errors.ts';
import { AccountError } from '../../shared/accounts.ts';
import { ManifestError } from '../../shared/manifest.ts';
import { MoneyError } from '../../shared/money.ts';
import { CommunityError } from '../community/community-service.ts';
import { AccountExistsError } from '../console/account-store.ts';
import { NotFoundError } from '../keys/client-store.ts';
import { PolicyError } from '../statements/policy.ts';
import { StatementError } from '../statements/statements-job.ts';
import { errorAnswer, errors, PlatformError } from './errors.ts';

function answer(e: unknown, headers?: Record<string, string>) {
  const onUnexpected = vi.fn();
  const res = errorAnswer(e, { onUnexpected, ...(headers ? { headers } : {}) });
  const body = JSON.parse(res.body as string) as { error: { code: string; message: string } };
  return { status: res.statusCode, headers: res.headers, body, onUnexpected };
}

describe('errorAnswer: any thrown value to the HTTP answer', () => {
  it.each<[ErrorKind, number]>([
    ['invalid_request', 400],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
  ])('answers a DomainError of kind %s with %i, the kind as code and its message', (kind, status) => {
    const a = answer(new DomainError(kind, 'said no', { code: 'something_more_specific' }));
    expect(a.status).toBe(status);
    expect(a.body).toEqual({ error: { code: kind, message: 'said no' } });
    expect(a.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(a.onUnexpected).not.toHaveBeenCalled();
  });

  it.each<[string, DomainError, number, string]>([
    ['MoneyError', new MoneyError('"x" is not an amount'), 400, 'invalid_request'],
    ['AccountError', new AccountError('"x" is not an e-mail address'), 400, 'invalid_request'],
    ['ManifestError', new ManifestError('functions/x/feature.json', ['name: required']), 400, 'invalid_request'],
    ['PolicyError', new PolicyError('FAASCAPE_DEVELOPER_SHARE_PERCENT must be 0-100'), 400, 'invalid_request'],
    ['StatementError invalid_month', new StatementError('invalid_month', '"2026-13" is not a month'), 400, 'invalid_request'],
    ['StatementError not_closed', new StatementError('not_closed', '2026-01 is not closed'), 404, 'not_found'],
    ['StatementError month_not_ended', new StatementError('month_not_ended', '2026-01 has not ended yet'), 409, 'conflict'],
    ['StatementError previous_month_open', new StatementError('previous_month_open', 'close 2025-12 first'), 409, 'conflict'],
    ['CommunityError forbidden', new CommunityError('forbidden', 'Only its author can edit a post.'), 403, 'forbidden'],
    ['NotFoundError', new NotFoundError('no key with id "k"'), 404, 'not_found'],
    ['AccountExistsError', new AccountExistsError('an account for a@b.example already exists'), 409, 'conflict'],
  ])('answers a %s by its kind', (_name, e, status, code) => {
    const a = answer(e);
    expect(a.status).toBe(status);
    expect(a.body).toEqual({ error: { code, message: e.message } });
  });

  it('keeps the domain classes and their specific codes for callers that catch them', () => {
    const e = new StatementError('month_not_ended', 'not yet');
    expect(e).toBeInstanceOf(DomainError);
    expect(e).toBeInstanceOf(StatementError);
    expect(e).toMatchObject({ name: 'StatementError', kind: 'conflict', code: 'month_not_ended' });
    expect(new CommunityError('not_found', 'x')).toMatchObject({ kind: 'not_found', code: 'not_found' });
    expect(new NotFoundError('x')).toMatchObject({ name: 'NotFoundError', kind: 'not_found', code: 'not_found' });
  });

  it('passes a PlatformError through as it is, its headers with the extra ones', () => {
    const a = answer(errors.rateLimited(7), { 'cache-control': 'no-store' });
    expect(a.status).toBe(429);
    expect(a.body).toEqual({ error: { code: 'rate_limited', message: 'Too many requests; retry after 7 s.' } });
    expect(a.headers).toEqual({ 'content-type': 'application/json', 'retry-after': '7', 'cache-control': 'no-store' });
    expect(answer(new PlatformError(418, 'teapot', 'Short and stout.')).body).toEqual({ error: { code: 'teapot', message: 'Short and stout.' } });
    expect(a.onUnexpected).not.toHaveBeenCalled();
  });

  it.each<[string, unknown]>([
    ['an Error', new Error('connect ECONNREFUSED 10.0.0.7:8000 secret-detail')],
    ['a RangeError from an invariant', new RangeError('apportionment left 3 unassigned secret-detail')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'secret-detail')")],
    ['a thrown string', 'secret-detail'],
    ['undefined', undefined],
  ])('answers %s with a generic 500, hands it to onUnexpected and tells the client nothing of it', (_name, e) => {
    const a = answer(e, { 'cache-control': 'no-store' });
    expect(a.status).toBe(500);
    expect(a.body).toEqual({ error: { code: 'internal_error', message: 'An internal error occurred.' } });
    expect(JSON.stringify({ headers: a.headers, body: a.body })).not.toContain('secret-detail');
    expect(a.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    expect(a.onUnexpected).toHaveBeenCalledTimes(1);
    expect(a.onUnexpected).toHaveBeenCalledWith(e);
  });
});
