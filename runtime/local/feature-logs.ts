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
/** A line longer than this is cut: one runaway log call must not fill the disk in one go. */
const MAX_MESSAGE_CHARS = 16 * 1024;

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
    const cut = entry.message.length > MAX_MESSAGE_CHARS ? { ...entry, message: `${entry.message.slice(0, MAX_MESSAGE_CHARS)}… (cut)` } : entry;
    const file = logFile(this.dataDir, entry.feature);
    try {
      if (existsSync(file) && statSync(file).size > LOG_ROTATE_BYTES) renameSync(file, `${file}.1`);
      appendFileSync(file, `${JSON.stringify(cut)}\n`, { mode: 0o600 });
    } catch {
      // A full disk must not fail the call: the line is still echoed below.
    }
    this.echo?.(cut);
  }
}

/**
 * What a feature wrote, safe for a terminal: control characters (escape sequences, carriage
 * returns) shown as `\xNN`, and each line after the first indented, so that nothing a feature
 * writes can start a line that looks like the platform's.
 */
export function escapeControls(text: string): string {
  return escapeControlChars(text).replace(/\n/g, '\n    ');
}

/** The terminal form of a line: `[slug 1a2b3c4d] info  message` (and the stack, indented). */
export function formatLogLine(e: FeatureLogEntry): string {
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
      if (matches(e, q)) out.push(e);
    }
  }
  return out;
}

export function matches(e: FeatureLogEntry, q: LogQuery): boolean {
  if (q.invocationId && e.invocationId !== q.invocationId) return false;
  if (q.sinceMs !== undefined && Date.parse(e.time) < q.sinceMs) return false;
  return true;
}
