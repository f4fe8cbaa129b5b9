import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { safe, safeBlock, table, terminalSafeJson } from './format.ts';

// Every character that acts on a terminal instead of being shown: C0 (line feed and tab only in
// a block), DEL, C1 (0x9b is a CSI on its own), bidi controls, line and paragraph separators.
const ACTING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('text others wrote, shown on the operator terminal', () => {
  it('one line: every control character as \\xNN, line feeds and tabs included', () => {
    expect(safe('a\x1b[2A\x1b[2Kb\rc\nd\te\x00\x7f\x9b2J')).toBe('a\\x1b[2A\\x1b[2Kb\\x0dc\\x0ad\\x09e\\x00\\x7f\\x9b2J');
    expect(safe('Zoë Müller, 12 rue Mercière')).toBe('Zoë Müller, 12 rue Mercière');
  });

  it('bidi controls and line separators as \\uNNNN: they reorder or break what follows', () => {
    expect(safe('abc\u202edcba\u2066x\u2069\u2028y')).toBe('abc\\u202edcba\\u2066x\\u2069\\u2028y');
  });

  it('a block keeps its line feeds and tabs, and escapes everything else', () => {
    expect(safeBlock('# Title\n\tcode\r\nmore\x1b]0;owned\x07')).toBe('# Title\n\tcode\\x0d\nmore\\x1b]0;owned\\x07');
  });

  it('nothing that acts on a terminal is left, whatever the input', () => {
    const all = Array.from({ length: 0x2070 }, (_, i) => String.fromCharCode(i)).join('');
    expect(safe(all)).not.toMatch(ACTING);
    expect(safeBlock(all).replace(/[\n\t]/g, '')).not.toMatch(ACTING);
  });

  it('a table escapes its cells and aligns them on what is shown', () => {
    expect(table([{ who: 'ada', note: 'ok\x1b[2K' }, { who: 'bob\r', note: 'x' }], ['who', 'note'])).toBe(
      ['who      note', '-------  ---------', 'ada      ok\\x1b[2K', 'bob\\x0d  x'].join('\n'),
    );
  });

  it('as JSON (--json): the same value for a parser, and nothing that acts on a terminal', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: fc.oneof(fc.constantFrom('\x1b', '\x7f', '\x9b', '\u202e', '\u2028', '\r'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })) }), (value, text) => {
        const json = terminalSafeJson(JSON.stringify({ value, text }, null, 2));
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify({ value, text })));
        expect(json.replace(/\n/g, '')).not.toMatch(ACTING);
      }),
      { numRuns: 500 },
    );
  });
});

