import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { escapeControlChars } from '../../shared/control-chars.ts';

/** One line a feature wrote, or one the platform wrote about it (a throw, a timeout, a crash). */
export interface FeatureLogEntry {
  /** ISO 8601 */
  time: string;
  feature: string;
  /** absent for lines written outside an invocation (at import, between calls) */
  invocationId?: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** a thrown error's stack trace: for the developer's log only, never in a client's answer */
  stack?: string;
}

export interface FeatureLogSink {
  write(entry: FeatureLogEntry): void;
}

/** One file per feature under `<data dir>/logs/`, rotated at this size (one older file kept). */
export const LOG_ROTATE_BYTES = 5 * 1024 * 1024;
/**
 * The feature decides what a message and a stack hold (a console line, an Error whose `stack` it
 * set to 60 MB): each is cut at this many characters, file and terminal alike, so that one runaway
 * log call or throw cannot fill the disk or the operator's terminal in one go.
 */
export const MAX_MESSAGE_CHARS = 16 * 1024;
export const MAX_STACK_CHARS = 16 * 1024;
/** What ends a cut field, so that a reader sees it was cut. */
export const CUT_MARKER = '… (cut)';

export function logsDir(dataDir: string): string {
  return join(dataDir, 'logs');
}

export function logFile(dataDir: string, slug: string): string {
  return join(logsDir(dataDir), `${slug}.jsonl`);
}

/**
 * Feature logs as JSON lines in the data dir (0700: only the operator reads them; a feature
 * process cannot). Appends are synchronous and small: a log line is written in the order the
 * feature wrote it, and `faascape logs --follow` sees it at once.
 */
export class FileFeatureLogs implements FeatureLogSink {
  constructor(
    private readonly dataDir: string,
    private readonly echo?: (entry: FeatureLogEntry) => void,
  ) {
    mkdirSync(logsDir(dataDir), { recursive: true, mode: 0o700 });
  }

  write(entry: FeatureLogEntry): void {
    const cut = boundEntry(entry);
    const file = logFile(this.dataDir, entry.feature);
    try {
      const line = `${JSON.stringify(cut)}\n`;
      // Rotated before the append, when this line would take the file past LOG_ROTATE_BYTES: the
      // file holds at most LOG_ROTATE_BYTES, or a single line on its own; and as every line is
      // bounded (boundEntry: two fields of at most 16 Ki characters, at most 6 bytes a character
      // in JSON, so under 200 KB), never more than LOG_ROTATE_BYTES plus one bounded line. (The
      // gateway processes append to the same file: two racing past the check add a line more.)
      const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
      if (size > 0 && size + Buffer.byteLength(line) > LOG_ROTATE_BYTES) renameSync(file, `${file}.1`);
      appendFileSync(file, line, { mode: 0o600 });
    } catch {
      // A full disk must not fail the call: the line is still echoed below.
    }
    this.echo?.(cut);
  }
}

/** `text` cut at `max` characters, with CUT_MARKER (and never half a surrogate pair). */
function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}${CUT_MARKER}`;
}

/** A field the type says is a string, whatever it holds: a feature's message can carry anything. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return ''; // an object with no toString
  }
}

/**
 * The entry with every string the feature controls bounded: its message (MAX_MESSAGE_CHARS) and
 * its stack (MAX_STACK_CHARS), each cut with CUT_MARKER. The other fields are the platform's (the
 * slug, the time, the call's id, a level the process pool checked). The same entry, not a copy,
 * when nothing needs cutting.
 */
export function boundEntry(entry: FeatureLogEntry): FeatureLogEntry {
  const message = cutText(asText(entry.message), MAX_MESSAGE_CHARS);
  const stack = entry.stack === undefined || entry.stack === null ? undefined : cutText(asText(entry.stack), MAX_STACK_CHARS);
  if (message === entry.message && stack === entry.stack) return entry;
  const { stack: _stack, ...rest } = entry;
  return { ...rest, message, ...(stack !== undefined ? { stack } : {}) };
}

/**
 * What a feature wrote, safe for a terminal: control characters (escape sequences, carriage
 * returns) shown as `\xNN`, and each line after the first indented, so that nothing a feature
 * writes can start a line that looks like the platform's.
 */
export function escapeControls(text: string): string {
  return escapeControlChars(text).replace(/\n/g, '\n    ');
}

/**
 * The terminal form of a line: `[slug 1a2b3c4d] info  message` (and the stack, indented). Bounded
 * as the file is (boundEntry), whoever calls it: `npm start`, `faascape invoke`, `faascape logs`.
 */
export function formatLogLine(entry: FeatureLogEntry): string {
  const e = boundEntry(entry);
  const id = e.invocationId ? ` ${e.invocationId.slice(0, 8)}` : '';
  const stack = e.stack ? `\n${e.stack.split('\n').map((l) => `    ${escapeControls(l)}`).join('\n')}` : '';
  return `[${e.feature}${id}] ${e.level.padEnd(5)} ${escapeControls(e.message)}${stack}`;
}

export interface LogQuery {
  /** only lines at or after this time (ms) */
  sinceMs?: number;
  invocationId?: string;
}

/** A feature's lines, oldest first, from the rotated file then the current one. */
export function readFeatureLogs(dataDir: string, slug: string, q: LogQuery = {}): FeatureLogEntry[] {
  const file = logFile(dataDir, slug);
  const out: FeatureLogEntry[] = [];
  for (const f of [`${file}.1`, file]) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line) continue;
      let e: FeatureLogEntry;
      try {
        e = JSON.parse(line) as FeatureLogEntry;
      } catch {
        continue; // a line cut by a crash mid-write
      }
      if (typeof e !== 'object' || e === null) continue;
      // Bounded again: a file written before lines were cut may hold a stack of any size.
      if (matches(e, q)) out.push(boundEntry(e));
    }
  }
  return out;
}

export function matches(e: FeatureLogEntry, q: LogQuery): boolean {
  if (q.invocationId && e.invocationId !== q.invocationId) return false;
  if (q.sinceMs !== undefined && Date.parse(e.time) < q.sinceMs) return false;
  return true;
}
