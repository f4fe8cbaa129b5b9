import { escapeControlChars, JSON_RAW_CONTROLS, LAYOUT_CHARS } from '../../shared/control-chars.ts';


/**
 * Text that someone else wrote (a client, a developer, a feature's manifest, a feature), shown in
 * a multi-line body (a request's description, a post): line feeds and tabs kept, every other
 * control character as `\xNN` (escapeControlChars), bidi controls and line separators as `\uNNNN`.
 * Nothing in it reaches the operator's terminal as an escape sequence, a carriage return or a
 * cursor move, so it cannot rewrite what the CLI printed before it (a payout total, a table line).
 */
export function safeBlock(text: string): string {
  return escapeControlChars(text).replace(LAYOUT_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The same for a value shown on one line (a name, a title, a note, a table cell): line feeds and
 * tabs too as `\x0a`, `\x09`, so that it cannot start a line of its own that looks like the CLI's.
 */
export function safe(text: string): string {
  return safeBlock(text).replace(/[\n\t]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Plain text tables for people; --json prints the data itself for tools. Every cell is shown
 * with `safe`: tables list names, titles and notes that clients and developers wrote.
 */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined || r[c] === null ? '' : safe(String(r[c])))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${terminalSafeJson(JSON.stringify(value, null, 2))}\n`);
}

/**
 * JSON as JSON.stringify writes it, with the characters it leaves raw that a terminal may act on
 * (DEL, the C1 controls: U+009B alone is a CSI; bidi controls and line separators) written as
 * `\uNNNN`: the same JSON for a parser, nothing for a terminal. The stored statement JSON is printed
 * as stored instead: its bytes are what its sha256 names.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(JSON_RAW_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
