/**
 * What a feature wrote, shown as text: control characters (terminal escape sequences, carriage
 * returns, NUL, C1 controls) as `\xNN`; line feeds and tabs kept. Pure: the terminal
 * (runtime/local/feature-logs.ts) and the console's pages use it alike.
 */
export function escapeControlChars(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Not control characters, but as bad in one line of text: bidi embeddings, overrides and
 * isolates reorder what follows; line and paragraph separators break the line.
 */
const LAYOUT = '\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
export const LAYOUT_CHARS = new RegExp(`[${LAYOUT}]`, 'g');

/** What a one-line name (a display name, a feature's name) must not hold: control characters and LAYOUT_CHARS. */
export const UNPRINTABLE = new RegExp(`[\\p{Cc}${LAYOUT}]`, 'u');

/** What JSON.stringify leaves raw that a terminal may act on: DEL, the C1 controls (U+009B alone is a CSI), and LAYOUT_CHARS. */
export const JSON_RAW_CONTROLS = new RegExp(`[\\u007f-\\u009f${LAYOUT}]`, 'g');
