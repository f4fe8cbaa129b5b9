import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileFeatureLogs, formatLogLine, LOG_ROTATE_BYTES, logFile, logsDir, readFeatureLogs, type FeatureLogEntry } from './feature-logs.ts';

// The bounds as the module documents them (spelled out here, so that a test run against code
// without them fails on what it stores rather than on a missing export).
const MAX_FIELD_CHARS = 16 * 1024;
const MARKER = '… (cut)';
const MAX_SHOWN_FIELD = MAX_FIELD_CHARS + MARKER.length;
// One bounded line in the file: two bounded fields at worst 6 bytes a character in JSON (`\u0001`),
// plus the platform's fields (time, slug, id, level) and the JSON around them.
const MAX_LINE_BYTES = 2 * MAX_SHOWN_FIELD * 6 + 1024;

const FIVE_MB = 5 * 1024 * 1024;
const bigMessage = 'm'.repeat(FIVE_MB);
const bigStack = `Error: x\n${'y'.repeat(FIVE_MB)}`;
const bigControls = '\u0001'.repeat(FIVE_MB); // 6 bytes a character once in JSON

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'faascape-feature-logs-test-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const entry = (over: Partial<FeatureLogEntry> = {}): FeatureLogEntry => ({
  time: new Date().toISOString(),
  feature: 'noisy',
  invocationId: '1a2b3c4d-0000-4000-8000-000000000000',
  level: 'error',
  message: 'Error: x',
  ...over,
});

describe('feature logs', () => {
  it('stores an entry with a 5 MB stack and a 5 MB message with each field cut to its bound, marked', () => {
    const echoed: FeatureLogEntry[] = [];
    new FileFeatureLogs(dataDir, (e) => echoed.push(e)).write(entry({ message: bigMessage, stack: bigStack }));

    const [read, ...more] = readFeatureLogs(dataDir, 'noisy');
    expect(more).toEqual([]);
    for (const e of [read as FeatureLogEntry, echoed[0] as FeatureLogEntry]) {
      expect(e.message.length).toBeLessThanOrEqual(MAX_SHOWN_FIELD);
      expect(e.message.endsWith(MARKER)).toBe(true);
      expect(bigMessage.startsWith(e.message.slice(0, -MARKER.length))).toBe(true);
      expect(e.stack?.length).toBeLessThanOrEqual(MAX_SHOWN_FIELD);
      expect(e.stack?.endsWith(MARKER)).toBe(true);
      expect(e.stack?.startsWith('Error: x\nyyy')).toBe(true);
      // The rest of the entry as written.
      expect({ ...e, message: '', stack: '' }).toEqual({ ...entry({ time: e.time }), message: '', stack: '' });
    }
    expect(statSync(logFile(dataDir, 'noisy')).size).toBeLessThanOrEqual(MAX_LINE_BYTES);
  });

  it('shows an entry on the terminal bounded too, whoever hands it to formatLogLine', () => {
    // `faascape invoke` prints the pool's entries without the file in between.
    const shown = formatLogLine(entry({ message: bigControls, stack: bigStack }));
    // At worst 5 characters shown for one written (`\x01`, or a line feed and its indent).
    expect(shown.length).toBeLessThanOrEqual(2 * MAX_SHOWN_FIELD * 5 + 200);
    expect(shown).toContain(MARKER);
    expect(shown).not.toMatch(/\u0001/);
  });

  it('keeps the file under its rotation size plus one bounded entry, however huge the entries', () => {
    const logs = new FileFeatureLogs(dataDir);
    const file = logFile(dataDir, 'noisy');
    let rotations = 0;
    let before = 0;
    for (let i = 0; i < 300; i++) {
      const huge = i % 2 ? { message: bigMessage, stack: bigStack } : { message: bigControls, stack: bigControls };
      logs.write(entry(huge));
      const size = statSync(file).size;
      if (size < before) rotations++;
      before = size;
      expect(size, `after entry ${i}`).toBeLessThanOrEqual(LOG_ROTATE_BYTES + MAX_LINE_BYTES);
    }
    expect(rotations).toBeGreaterThan(1);
    expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(LOG_ROTATE_BYTES + MAX_LINE_BYTES);
    // Every line of both files still reads back whole.
    const all = readFeatureLogs(dataDir, 'noisy');
    const lines = [`${file}.1`, file].flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
    expect(all).toHaveLength(lines.length);
  });

  it('writes a small entry as it is: one JSON line, read back the same', () => {
    const e = entry({ stack: 'Error: x\n    at handler (index.mjs:1:1)' });
    new FileFeatureLogs(dataDir).write(e);
    expect(readFileSync(logFile(dataDir, 'noisy'), 'utf8')).toBe(`${JSON.stringify(e)}\n`);
    expect(readFeatureLogs(dataDir, 'noisy')).toEqual([e]);
  });

  it('reads a file written before entries were bounded with each field bounded', () => {
    new FileFeatureLogs(dataDir); // makes the logs dir
    appendFileSync(join(logsDir(dataDir), 'noisy.jsonl'), `${JSON.stringify(entry({ message: bigMessage, stack: bigStack }))}\n`);
    const [e] = readFeatureLogs(dataDir, 'noisy');
    expect(e?.message.length).toBeLessThanOrEqual(MAX_SHOWN_FIELD);
    expect(e?.stack?.length).toBeLessThanOrEqual(MAX_SHOWN_FIELD);
  });

  it('bounds a stack that is not a string (what a feature sends to the host is its own)', () => {
    const echoed: FeatureLogEntry[] = [];
    const stack = Array.from({ length: 100_000 }, () => 'frame') as unknown as string;
    new FileFeatureLogs(dataDir, (e) => echoed.push(e)).write(entry({ stack }));
    expect(echoed[0]?.stack?.length).toBeLessThanOrEqual(MAX_SHOWN_FIELD);
    expect(readFeatureLogs(dataDir, 'noisy')[0]?.stack?.endsWith(MARKER)).toBe(true);
  });
});
