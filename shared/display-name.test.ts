import { describe, expect, it } from 'vitest';
import { MAX_DISPLAY_NAME_CHARS, parseDisplayName } from './display-name.ts';

describe('parseDisplayName', () => {
  it('trims; null or blank means anonymous', () => {
    expect(parseDisplayName('  Acme Logistics ')).toBe('Acme Logistics');
    expect(parseDisplayName(null)).toBeNull();
    expect(parseDisplayName('   ')).toBeNull();
    expect(parseDisplayName('')).toBeNull();
  });

  it('counts characters, not UTF-16 units: 40 emoji fit, 41 characters do not', () => {
    expect(parseDisplayName('🚚'.repeat(MAX_DISPLAY_NAME_CHARS))).toBe('🚚'.repeat(MAX_DISPLAY_NAME_CHARS));
    expect(() => parseDisplayName('x'.repeat(MAX_DISPLAY_NAME_CHARS + 1))).toThrow(/at most 40/);
  });

  it('refuses control characters, line breaks, bidi overrides, e-mail addresses and non-strings', () => {
    for (const bad of ['Acme\nCorp', 'Acme\u0007', 'Acme\u2028Corp', 'evil\u202Egnp.exe', 'buyer@acme.example', 'write to me at x@y.io', 42, {}, undefined]) {
      expect(() => parseDisplayName(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ kind: 'invalid_request' }));
    }
    // An @ alone is not an address.
    expect(parseDisplayName('@acme')).toBe('@acme');
  });
});
