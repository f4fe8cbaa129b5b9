/**
 * `faascape new <slug>`: a feature folder that works at once: a typed handler, its manifest, a
 * passing test that calls it with the event the gateway passes, and a package.json (plus the
 * tsconfig.json and vitest.config.ts they need) so that `npm install <dep>`, `npm test` and
 * `tsc` work inside the folder.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomainError } from '../../shared/errors.ts';
import { ManifestError, parseManifest, type ManifestInput } from '../../shared/manifest.ts';
import { checkSlug } from './invoke.ts';

const TEMPLATES = fileURLToPath(new URL('./templates/feature/', import.meta.url));
const SAMPLE_EVENT_MODULE = fileURLToPath(new URL('./sample-event.ts', import.meta.url));

/** A developer id from the user name (`Dora.Smith` → `dora-smith`), or `developer`. */
export function defaultDeveloperId(username?: string): string {
  let name = username;
  if (name === undefined) {
    try {
      name = userInfo().username;
    } catch {
      name = '';
    }
  }
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  return id || 'developer';
}

/** `my-feature` → `My feature` */
const titleOf = (slug: string) => `${slug.charAt(0).toUpperCase()}${slug.slice(1).replace(/-/g, ' ')}`;

/** An import specifier from `fromDir` to `file`, always relative and with forward slashes. */
function importPath(fromDir: string, file: string): string {
  const rel = relative(fromDir, file).split(sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

export function scaffoldManifest(slug: string, developer: string): ManifestInput {
  return {
    name: titleOf(slug),
    description: `${titleOf(slug)}: say in a sentence or two what it does for a business; the catalogue shows it.`,
    version: '0.1.0',
    // A draft until its developer publishes it: served to its authors' test keys only, listed nowhere.
    status: 'draft',
    authors: [{ id: developer, weight: 1 }],
    price: { perCall: '0.001', perGbSecond: '0', currency: 'EUR' },
    memoryMb: 128,
    timeoutMs: 3000,
    tags: [],
    example: { method: 'POST', path: '', body: { name: 'Ada' } },
  };
}

export interface CreatedFeature {
  dir: string;
  files: string[];
  developer: string;
}

/** Writes `<functionsDir>/<slug>/`; refuses a bad slug or developer id and an existing folder, writing nothing. */
export function createFeature(opts: { functionsDir: string; slug: string; developer: string }): CreatedFeature {
  const { functionsDir, slug, developer } = opts;
  checkSlug(slug);
  const dir = join(functionsDir, slug);
  const manifest = scaffoldManifest(slug, developer);
  // The manifest is checked by the rules `npm start` loads it with before anything is written.
  try {
    parseManifest(slug, join(dir, 'feature.json'), manifest);
  } catch (e) {
    if (e instanceof ManifestError && e.problems.some((p) => p.startsWith('authors'))) {
      throw new DomainError('invalid_request', `"${developer}" is not a developer id: lowercase letters, digits, _ and -, starting with a letter or digit (--developer sets it)`);
    }
    throw e;
  }

  const fill = (template: string) =>
    readFileSync(join(TEMPLATES, template), 'utf8')
      .replaceAll('__SLUG__', slug)
      .replaceAll('__NAME__', manifest.name)
      .replaceAll('__SAMPLE_EVENT__', importPath(dir, SAMPLE_EVENT_MODULE));
  const packageJson = {
    name: slug,
    private: true,
    type: 'module',
    description: `The Faascape feature ${slug}: its own npm dependencies go here (npm install <package> in this folder).`,
    scripts: { test: 'vitest run', typecheck: 'tsc' },
    dependencies: {},
  };
  const files: Record<string, string> = {
    'index.ts': fill('index.ts.tmpl'),
    'index.test.ts': fill('index.test.ts.tmpl'),
    'feature.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': fill('tsconfig.json.tmpl'),
    'vitest.config.ts': fill('vitest.config.ts.tmpl'),
  };

  mkdirSync(functionsDir, { recursive: true });
  try {
    // Not recursive: it fails if the folder exists, even if it appeared a moment ago.
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new DomainError('conflict', `${dir} already exists: pick another slug, or move that folder away first`);
    throw e;
  }
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { flag: 'wx' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, files: Object.keys(files), developer };
}

/** What to do next, with the commands as they must be typed from `cwd`. */
export function nextSteps(created: CreatedFeature, slug: string, opts: { cwd: string; functionsDirFlag?: string; developerGuessed?: boolean }): string {
  const inside = relative(opts.cwd, created.dir);
  const rel = inside.startsWith('..') || isAbsolute(inside) ? created.dir : inside;
  const dirFlag = opts.functionsDirFlag ? ` --dir ${opts.functionsDirFlag}` : '';
  // Outside the repository's root its vitest config does not look: the folder's own one does.
  const tests = rel === inside ? rel : `--root ${rel}`;
  return [
    `created ${rel}/ (author: ${created.developer}${opts.developerGuessed ? ', from your user name: --developer <id> sets another' : ''})`,
    `  index.ts          the handler: a Lambda handler for HTTP API (payload v2) events`,
    `  index.test.ts     its test, calling it with the event the gateway passes`,
    `  feature.json      name, description, price, memory, timeout, authors`,
    `  package.json      npm install <package> in the folder adds a dependency; npm test; npm run typecheck`,
    `  tsconfig.json, vitest.config.ts`,
    '',
    'next:',
    `  1. edit ${rel}/index.ts, and the description and price in ${rel}/feature.json`,
    `  2. npx faascape invoke ${slug}${dirFlag} --data '{"name":"Ada"}'   one call, in its sandbox, with its logs`,
    `  3. npx vitest run ${tests}   its tests`,
    `  4. npm start   serves it at /v1/features/${slug}; a running npm start picks it up and every edit, without a restart`,
    `  5. it is a draft ("status": "draft" in feature.json): only your test keys call it, and no catalogue lists it:`,
    `       KEY=$(npx faascape keys create --developer ${created.developer} --quiet)`,
    `     publish it by removing "status": "draft" (clients can then call it, and are billed)`,
  ].join('\n');
}
