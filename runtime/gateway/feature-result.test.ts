import { validateHeaderName, validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretResult } from './feature-result.ts';

describe("a feature's answer", () => {
  it('never carries a header node:http would refuse to write: any such header makes the answer invalid', () => {
    // Names and values from the whole of UTF-16, biased to the characters that matter (CR, LF, NUL, space, ':' and Latin-1).
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('\r', '\n', '\0', ' ', ':', '\t', 'é', '€', 'a', '-'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })), maxLength: 8 });
    fc.assert(
      fc.property(fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean())), (headers) => {
        const answer = interpretResult({ statusCode: 200, headers, body: 'x' });
        if (!answer) return;
        for (const [name, value] of Object.entries(answer.headers)) {
          expect(() => validateHeaderName(name)).not.toThrow();
          expect(() => validateHeaderValue(name, value)).not.toThrow();
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps the headers HTTP can carry, Latin-1 values included', () => {
    expect(interpretResult({ statusCode: 201, headers: { 'X-Count': 3, 'x-ok': true, 'x-name': 'café' }, body: '' })?.headers).toEqual({ 'x-count': '3', 'x-ok': 'true', 'x-name': 'café' });
    expect(interpretResult({ statusCode: 200, headers: { 'x-a': 'a\r\nset-cookie: pwn=1' }, body: '' })).toBeUndefined();
    expect(interpretResult({ statusCode: 200, headers: { 'bad name': 'x' }, body: '' })).toBeUndefined();
    expect(interpretResult({ statusCode: 200, headers: { 'x-euro': '€' }, body: '' })).toBeUndefined();
  });

  it('never carries a header that reaches beyond the answer on the console origin', () => {
    const headers = { 'Clear-Site-Data': '"*"', 'Strict-Transport-Security': 'max-age=0', NEL: '{}', 'Report-To': '{}', 'Reporting-Endpoints': 'a="https://x.example"', 'Set-Cookie': 's=1', Location: '/next', 'x-kept': '1' };
    expect(interpretResult({ statusCode: 302, headers, body: '' })?.headers).toEqual({ location: '/next', 'x-kept': '1' });
  });
});

