/**
 * The README's screenshots script (docs/console/capture.ts, `npm run screenshots`): run into a
 * temp dir, it writes the six pages as 1,100 px wide PNGs, captured from the shipped features of
 * functions/ and never from the test fixtures.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main, SCREENSHOTS, WIDTH, type CaptureResult } from '../docs/console/capture.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FUNCTIONS = fileURLToPath(new URL('../functions/', import.meta.url));
/** What only the fixtures show: their names and descriptions ("Test fixture: Throws."). */
const FIXTURE_TEXT = ['Throws', 'Loops forever', 'Test fixture'];

const out = mkdtempSync(join(tmpdir(), 'faascape-screenshots-out-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Width and height from the IHDR chunk, which a valid PNG has first, right after the signature. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${file}: PNG signature`).toBe(true);
  expect(bytes.toString('latin1', 12, 16), `${file}: IHDR first`).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('npm run screenshots', () => {
  let result: CaptureResult;

  it('writes the six README screenshots, 1,100 px wide, into --out', async () => {
    const lines: string[] = [];
    result = await main(['--out', out], (l) => lines.push(l));
    expect(result.outDir).toBe(out);
    expect(result.screenshots.map((s) => s.name)).toEqual([...SCREENSHOTS]);
    expect(readdirSync(out).sort()).toEqual(SCREENSHOTS.map((n) => `${n}.png`).sort());
    for (const name of SCREENSHOTS) {
      const file = join(out, `${name}.png`);
      expect(existsSync(file), file).toBe(true);
      const size = pngSize(file);
      expect(size.width, name).toBe(WIDTH);
      expect(size.height, name).toBeGreaterThanOrEqual(600);
    }
    // One line per screenshot, and the total time.
    for (const name of SCREENSHOTS) expect(lines.some((l) => l.includes(`${name}.png`))).toBe(true);
    expect(lines.at(-1)).toMatch(/^done: 6 screenshots in \d+\.\d s$/);
    // A month of real calls through the gateway; the platform's data dir is gone.
    expect(result.calls).toBeGreaterThan(300);
    expect(existsSync(result.dataDir)).toBe(false);
  }, 120_000);

  it('refuses an unknown option before starting anything', async () => {
    await expect(main(['--outt', out], () => {})).rejects.toThrow(/--outt/);
  });

  it('shows the shipped features, never the test fixtures', () => {
    const shipped = readdirSync(FUNCTIONS, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(FUNCTIONS, d.name, 'feature.json')))
      .map((d) => (JSON.parse(readFileSync(join(FUNCTIONS, d.name, 'feature.json'), 'utf8')) as { name: string }).name);
    expect(shipped.length).toBeGreaterThanOrEqual(4);
    for (const shot of result.screenshots) {
      for (const fixture of FIXTURE_TEXT) expect(shot.text, `${shot.name} shows "${fixture}"`).not.toContain(fixture);
    }
    const text = (name: string) => result.screenshots.find((s) => s.name === name)?.text ?? '';
    for (const name of shipped) expect(text('catalogue')).toContain(name);
    expect(text('catalogue')).toContain(`${shipped.length} features`);
    // Real figures on each page, and the current navigation.
    expect(text('client')).toMatch(/Usage per feature, \w+ \d{4}/);
    expect(text('client')).toContain('Invoices');
    expect(text('developer')).toContain('IBAN check');
    expect(text('finance-preview')).toContain('Reconciled.');
    expect(text('request')).toContain('Delivered as');
    expect(text('thread')).toContain('Accepted answer');
    expect(text('thread')).toContain('This post was hidden by a moderator.');
    for (const shot of result.screenshots) expect(shot.text, shot.name).toMatch(/Catalogue\s+Requests\s+Discussions/);
  });
});
