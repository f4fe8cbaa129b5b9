/**
 * What a feature wrote, shown as text: control characters (terminal escape sequences, carriage
 * returns, NUL, C1 controls) as `\xNN`; line feeds and tabs kept. Pure: the terminal
 * (runtime/local/feature-logs.ts) and the console's pages use it alike.
 */
export function escapeControlChars(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
