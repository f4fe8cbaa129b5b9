import { describe, expect, it } from 'vitest';
import { curlSnippet, fetchSnippet, requestOf } from './snippets.ts';

const URL = 'https://faascape.example/v1/features/business-days-fr';

describe('request snippets', () => {
  it('appends the example path and query to the invoke URL', () => {
    expect(requestOf(`${URL}/`, { method: 'GET', path: '/between', query: 'from=2026-12-20&to=2027-01-10' })).toEqual({
      method: 'GET',
      url: `${URL}/between?from=2026-12-20&to=2027-01-10`,
      headers: [],
    });
    expect(requestOf(URL, { method: 'post', path: 'x', query: '?a=1' }).url).toBe(`${URL}/x?a=1`);
    expect(requestOf(URL, undefined)).toEqual({ method: 'GET', url: URL, headers: [] });
  });

  it('curl: the key comes from the shell, everything else is single-quoted', () => {
    const r = requestOf(URL, { method: 'POST', path: '', headers: { 'x-api-key': 'leaked?', 'x-note': "it's" }, body: { iban: "FR76 '1'" } });
    const text = curlSnippet(r);
    expect(text).toBe(
      [
        `curl -X POST '${URL}' \\`,
        `  -H "x-api-key: $FAASCAPE_API_KEY" \\`,
        `  -H 'x-note: it'\\''s' \\`,
        `  -H 'content-type: application/json' \\`,
        `  --data '{"iban":"FR76 '\\''1'\\''"}'`,
      ].join('\n'),
    );
    expect(text).not.toContain('leaked');
    expect(curlSnippet(requestOf(URL, { method: 'GET', path: '' }))).toBe(`curl '${URL}' \\\n  -H "x-api-key: $FAASCAPE_API_KEY"`);
  });

  it('fetch: reads the key from the environment and sends the example body as JSON', () => {
    const text = fetchSnippet(requestOf(URL, { method: 'POST', path: '', body: { vat: 'FR 40 303 265 045' } }));
    expect(text).toContain(`fetch("${URL}", {`);
    expect(text).toContain(`"x-api-key": process.env.FAASCAPE_API_KEY,`);
    expect(text).toContain(`"content-type": "application/json",`);
    expect(text).toContain(`body: JSON.stringify({\n    "vat": "FR 40 303 265 045"\n  }),`);
    // The snippet is valid JavaScript (an async module body).
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => unknown;
    expect(() => new AsyncFunction('fetch', 'process', 'console', text)).not.toThrow();
  });
});
