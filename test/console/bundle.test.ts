import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../runtime/console/web/build.ts';

/**
 * The console ships as static files that must work offline: nothing may be fetched from another
 * origin, and the JS stays small enough for a slow connection.
 */
const MAX_JS_GZIP_BYTES = 200 * 1024;

/** XML namespace names preact uses to create SVG/MathML elements: identifiers, never fetched. */
const NAMESPACE_URI = /^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xhtml|1998\/Math\/MathML|1999\/xlink)$/;

let dir: string;
let result: Awaited<ReturnType<typeof buildConsole>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faascape-console-'));
  result = await buildConsole(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('console bundle', () => {
  it('writes index.html, one JS and one CSS bundle with content-hashed names, and the licences', async () => {
    expect(result.files).toEqual(expect.arrayContaining(['index.html', 'licenses.txt']));
    expect(result.files.filter((f) => /^app-[A-Za-z0-9]+\.js$/.test(f))).toHaveLength(1);
    expect(result.files.filter((f) => /^app-[A-Za-z0-9]+\.css$/.test(f))).toHaveLength(1);
    expect((await readdir(dir)).sort()).toEqual([...result.files].sort());
    const licences = await readFile(join(dir, 'licenses.txt'), 'utf8');
    expect(licences).toContain('Leon Sorokin');
    expect(licences).toContain('Jason Miller');
  });

  it(`keeps the JS under ${MAX_JS_GZIP_BYTES / 1024} KB gzipped`, async () => {
    const js = result.files.filter((f) => f.endsWith('.js'));
    const measured = (await Promise.all(js.map(async (f) => gzipSync(await readFile(join(dir, f)), { level: 9 }).length))).reduce((a, b) => a + b, 0);
    expect(result.jsGzipBytes).toBe(measured);
    expect(result.jsGzipBytes).toBeGreaterThan(10_000);
    expect(result.jsGzipBytes).toBeLessThanOrEqual(MAX_JS_GZIP_BYTES);
  });

  it('index.html loads only the relative assets it was built with', async () => {
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      if (ref === 'data:,') continue; // the empty favicon: no request at all
      expect(ref).toMatch(/^\.\/[\w.-]+$/);
      expect(result.files).toContain(ref.slice(2));
    }
    expect(html).not.toContain('%APP_');
    expect(html).toContain("connect-src 'self'");
  });

  it('contains no http(s) URL in any file (only XML namespace names in the JS)', async () => {
    for (const f of result.files) {
      const text = await readFile(join(dir, f), 'utf8');
      const urls = [...text.matchAll(/https?:\/\/[^\s"'`)<>]*/g)].map((m) => m[0]);
      const foreign = urls.filter((u) => !(f.endsWith('.js') && NAMESPACE_URI.test(u)));
      expect(foreign, f).toEqual([]);
      // protocol-relative URLs would reach another origin too
      if (!f.endsWith('.txt')) expect(text, f).not.toMatch(/(?:src|href|url\()\s*=?\s*["']?\/\//);
    }
  });

  it("bundles uPlot's CSS and no external font", async () => {
    const css = await readFile(join(dir, result.files.find((f) => f.endsWith('.css')) as string), 'utf8');
    expect(css).toContain('.uplot');
    expect(css).toContain('system-ui');
    expect(css).not.toMatch(/@font-face|@import/);
  });

  it('a rebuild replaces its own files but leaves others alone', async () => {
    await writeFile(join(dir, 'app-STALE0001.js'), '// old build');
    await writeFile(join(dir, 'keep-me.txt'), 'not ours');
    const again = await buildConsole(dir);
    const listing = await readdir(dir);
    expect(listing).not.toContain('app-STALE0001.js');
    expect(listing).toContain('keep-me.txt');
    expect(again.files).toEqual(result.files); // same sources, same hashes
    await rm(join(dir, 'keep-me.txt'));
  });
});
