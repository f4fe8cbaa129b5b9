import { describe, expect, it } from 'vitest';
import { asHttpApiEvent, parseHeaderPair, parseQueryPair, sampleEvent } from './sample-event.ts';

describe('sampleEvent', () => {
  it('is a call of /v1/features/<slug> as the gateway passes it, with a pseudonym for the caller', () => {
    const e = sampleEvent({ slug: 'hello', requestId: 'inv-1', now: Date.UTC(2026, 0, 2) });
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: 'ANY /v1/features/{slug}',
      rawPath: '/v1/features/hello',
      rawQueryString: '',
      pathParameters: { slug: 'hello' },
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/v1/features/hello' }, requestId: 'inv-1', routeKey: 'ANY /v1/features/{slug}', timeEpoch: Date.UTC(2026, 0, 2), time: 'Fri, 02 Jan 2026 00:00:00 GMT' },
    });
    expect(e.body).toBeUndefined();
    expect(e.queryStringParameters).toBeUndefined();
    expect(e.requestContext.authorizer.lambda.clientId).toMatch(/^c_[A-Za-z0-9_-]{22}$/);
    // Stable per (client, feature), different across either.
    expect(sampleEvent({ slug: 'hello' }).requestContext.authorizer.lambda.clientId).toBe(e.requestContext.authorizer.lambda.clientId);
    expect(sampleEvent({ slug: 'other' }).requestContext.authorizer.lambda.clientId).not.toBe(e.requestContext.authorizer.lambda.clientId);
    expect(sampleEvent({ slug: 'hello', client: 'globex' }).requestContext.authorizer.lambda.clientId).not.toBe(e.requestContext.authorizer.lambda.clientId);
  });

  it('puts a sub-path in the proxy parameter, raw in rawPath and decoded in http.path', () => {
    const e = sampleEvent({ slug: 'files', path: '/a b/%C3%A9' });
    expect(e.rawPath).toBe('/v1/features/files/a%20b/%C3%A9');
    expect(e.requestContext.http.path).toBe('/v1/features/files/a b/é');
    expect(e.pathParameters).toEqual({ slug: 'files', proxy: 'a%20b/%C3%A9' });
    expect(e.routeKey).toBe('ANY /v1/features/{slug}/{proxy+}');
  });

  it('joins repeated query parameters and headers with commas, and lowercases header names', () => {
    const e = sampleEvent({ query: [['q', '1'], ['q', '2'], ['empty', '']], headers: [['X-Trace', 'a'], ['x-trace', 'b']] });
    expect(e.rawQueryString).toBe('q=1&q=2&empty=');
    expect(e.queryStringParameters).toEqual({ q: '1,2', empty: '' });
    expect(e.headers['x-trace']).toBe('a,b');
  });

  it('defaults a body to POST and application/json, with its length', () => {
    const e = sampleEvent({ body: '{"name":"Ada"}' });
    expect(e.requestContext.http.method).toBe('POST');
    expect(e.headers).toMatchObject({ 'content-type': 'application/json', 'content-length': '14' });
    expect(sampleEvent({ body: 'x', headers: { 'Content-Type': 'text/plain' } }).headers['content-type']).toBe('text/plain');
  });

  it('refuses what the gateway never passes on: credentials, cookies, its own headers', () => {
    for (const h of ['Authorization', 'x-api-key', 'cookie', 'x-csrf-token', 'faascape-body-bytes']) {
      expect(() => sampleEvent({ headers: { [h]: 'x' } })).toThrow(/never receives/);
    }
  });
});

describe('the CLI pairs', () => {
  it('splits name=value at the first = and name:value at the first :', () => {
    expect(parseQueryPair('a=b=c')).toEqual(['a', 'b=c']);
    expect(parseQueryPair('flag')).toEqual(['flag', '']);
    expect(() => parseQueryPair('=x')).toThrow(/name=value/);
    expect(parseHeaderPair('x-url: http://a:1')).toEqual(['x-url', 'http://a:1']);
    expect(() => parseHeaderPair('no colon')).toThrow(/name:value/);
  });
});

describe('asHttpApiEvent', () => {
  it('takes what sampleEvent makes, and names what is missing otherwise', () => {
    const e = sampleEvent();
    expect(asHttpApiEvent(JSON.parse(JSON.stringify(e)), 'e.json')).toEqual(e);
    expect(() => asHttpApiEvent([], 'e.json')).toThrow(/e\.json: not an HTTP API v2 event \(expected a JSON object/);
    expect(() => asHttpApiEvent({ version: '1.0', body: {} }, 'e.json')).toThrow(/version must be "2\.0"; rawPath must be a string; requestContext\.http\.method must be a string; body must be a string/);
  });
});
