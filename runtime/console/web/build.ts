/**
 * Builds the console web app into a folder of static files: index.html, app-<hash>.js,
 * app-<hash>.css (uPlot's CSS included) and licenses.txt. Content-hashed names let the server
 * cache the assets forever and serve only index.html with `cache-control: no-cache`.
 *
 *   npx tsx runtime/console/web/build.ts <outDir>
 */
import { build } from 'esbuild';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');

/** Bundled third-party code whose MIT licenses ask for their notices to travel with it. */
const LICENSED = ['preact', 'uplot'];

/** What a previous build wrote: removed first, so the folder does not grow with every build. */
const OWN_FILE = /^(index\.html|licenses\.txt|app-[A-Za-z0-9]+\.(js|css))$/;

export async function buildConsole(outDir: string): Promise<{ files: string[]; jsGzipBytes: number }> {
  const result = await build({
    entryPoints: [
      { in: join(HERE, 'src/main.tsx'), out: 'app' },
      { in: join(HERE, 'styles.css'), out: 'app' },
    ],
    outdir: outDir,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // Comments go (uPlot's carry links); the licences are shipped in licenses.txt instead.
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    absWorkingDir: ROOT,
    logLevel: 'silent',
    write: false,
  });

  await mkdir(outDir, { recursive: true });
  for (const name of await readdir(outDir)) if (OWN_FILE.test(name)) await rm(join(outDir, name));

  const written: string[] = [];
  let js = '';
  let css = '';
  let jsGzipBytes = 0;
  for (const f of result.outputFiles) {
    const name = basename(f.path);
    if (name.endsWith('.js')) {
      js = name;
      jsGzipBytes += gzipSync(f.contents, { level: 9 }).length;
    } else if (name.endsWith('.css')) css = name;
    else continue; // no source maps in the product: nothing else is expected
    await writeFile(join(outDir, name), f.contents);
    written.push(name);
  }
  if (!js || !css) throw new Error(`the console build produced no ${js ? 'CSS' : 'JS'} bundle`);

  const html = (await readFile(join(HERE, 'index.html'), 'utf8')).replace('%APP_JS%', js).replace('%APP_CSS%', css);
  await writeFile(join(outDir, 'index.html'), html);
  written.push('index.html');

  const notices = await Promise.all(
    LICENSED.map(async (pkg) => `${pkg}\n${'='.repeat(pkg.length)}\n\n${(await readFile(join(ROOT, 'node_modules', pkg, 'LICENSE'), 'utf8')).trim()}\n`),
  );
  await writeFile(join(outDir, 'licenses.txt'), `Third-party code bundled in the Faascape console\n\n${notices.join('\n')}`);
  written.push('licenses.txt');

  return { files: written.sort(), jsGzipBytes };
}

// Run as a script: build into the folder named on the command line.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: npx tsx runtime/console/web/build.ts <outDir>');
    process.exit(2);
  }
  const { files, jsGzipBytes } = await buildConsole(resolve(outDir));
  for (const f of files) console.log(relative(process.cwd(), join(resolve(outDir), f)));
  console.log(`JS: ${(jsGzipBytes / 1024).toFixed(1)} KB gzipped`);
}
