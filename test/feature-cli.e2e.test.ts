/**
 * The developer's loop through the CLI, as a developer runs it (real processes, temp dirs, loopback
 * only): `faascape new` makes a feature whose own test passes and whose manifest loads;
 * `faascape invoke` runs a feature in its sandbox and says how it went, by its output and its exit
 * code; `faascape event` prints the event the gateway passes, which `invoke --event` takes back.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../shared/manifest.ts';
import { startTestPlatform } from './helpers/platform.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'runtime/cli/bin.mjs');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a command a developer types: none of this test run's own vitest settings. */
function devEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'FAASCAPE_FUNCTIONS_DIR') env[k] = v;
  return { ...env, npm_config_update_notifier: 'false' };
}

function run(file: string, args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env: devEnv(), timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error?.killed) return reject(new Error(`${file} ${args.join(' ')} did not end:\n${stderr}`));
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}
const node = (args: string[], cwd?: string) => run(process.execPath, args, cwd);
const faascape = (...args: string[]) => node([CLI, ...args]);

let tmp: string;
let functionsDir: string;

const MANIFEST = (slug: string, timeoutMs = 3000) =>
  JSON.stringify({
    name: slug,
    description: `Test feature ${slug}.`,
    version: '1.0.0',
    authors: [{ id: 'dora', weight: 1 }],
    price: { perCall: '0.001', perGbSecond: '0', currency: 'EUR' },
    memoryMb: 128,
    timeoutMs,
  });

function writeFeature(slug: string, code: string, timeoutMs?: number): void {
  mkdirSync(join(functionsDir, slug), { recursive: true });
  writeFileSync(join(functionsDir, slug, 'feature.json'), MANIFEST(slug, timeoutMs));
  writeFileSync(join(functionsDir, slug, 'index.ts'), code);
}

/** Feature host processes still running a bundle built for this slug (none should outlive the CLI). */
function hostsOf(slug: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`faascape-invoke-${slug}-`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'faascape-dev-cli-'));
  functionsDir = join(tmp, 'functions');
});
afterAll(() => {
  // The link to the repository's node_modules goes first: nothing is removed through it.
  if (existsSync(join(tmp, 'node_modules'))) unlinkSync(join(tmp, 'node_modules'));
  rmSync(tmp, { recursive: true, force: true });
});

describe('faascape new', () => {
  it('creates a feature whose manifest loads, whose own test passes and whose folder type-checks', async () => {
    const created = await faascape('new', 'hello-dora', '--developer', 'dora', '--dir', functionsDir);
    expect(created.code).toBe(0);
    const dir = join(functionsDir, 'hello-dora');
    expect(readdirSync(dir).sort()).toEqual(['feature.json', 'index.test.ts', 'index.ts', 'package.json', 'tsconfig.json', 'vitest.config.ts']);
    // The next steps name the loop's commands.
    expect(created.stdout).toContain(`npx faascape invoke hello-dora --dir ${functionsDir}`);
    expect(created.stdout).toContain(`npx vitest run --root ${dir}`);
    expect(created.stdout).toMatch(/npm start .*without a restart/);

    const manifestFile = join(dir, 'feature.json');
    const spec = parseManifest('hello-dora', manifestFile, JSON.parse(readFileSync(manifestFile, 'utf8')));
    expect(spec.manifest.authors).toEqual([{ id: 'dora', weight: 1 }]);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ name: 'hello-dora', private: true, type: 'module', scripts: { test: 'vitest run' } });

    // Its test, from the repository's root with the repository's config.
    const fromRoot = await node([VITEST, 'run', '--dir', tmp]);
    expect(fromRoot.code, fromRoot.stdout + fromRoot.stderr).toBe(0);
    expect(fromRoot.stdout).toMatch(/hello-dora\/index\.test\.ts.*3 tests/);

    // Inside the folder, as `npm test` and `tsc` run there, with the tools found above it as in the repository.
    symlinkSync(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
    const npmTest = await run('npm', ['test'], dir);
    expect(npmTest.code, npmTest.stdout + npmTest.stderr).toBe(0);
    expect(npmTest.stdout).toMatch(/3 passed/);
    const tsc = await node([TSC, '-p', dir]);
    expect(tsc.code, tsc.stdout).toBe(0);

    // And a first call.
    const called = await faascape('invoke', 'hello-dora', '--dir', functionsDir, '--data', '{"name":"Ada"}', '--json');
    expect(called.code, called.stderr).toBe(0);
    const r = JSON.parse(called.stdout) as { status: number; body: string; logs: { message: string }[] };
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ greeting: 'Hello, Ada!' });
    expect(r.logs.map((l) => l.message)).toEqual([expect.stringMatching(/^greeting Ada for caller c_/)]);
  }, 120_000);

  it('refuses an invalid slug, a bad developer id and an existing folder, writing nothing', async () => {
    const bad = await faascape('new', 'Hello_World', '--developer', 'dora', '--dir', functionsDir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"Hello_World" is not a valid feature slug/);
    expect(existsSync(join(functionsDir, 'Hello_World'))).toBe(false);

    const dev = await faascape('new', 'fine-slug', '--developer', 'Dora Smith', '--dir', functionsDir);
    expect(dev.code).toBe(1);
    expect(dev.stderr).toMatch(/"Dora Smith" is not a developer id/);
    expect(existsSync(join(functionsDir, 'fine-slug'))).toBe(false);

    writeFeature('taken', 'export const handler = async () => ({ mine: true });\n');
    const taken = await faascape('new', 'taken', '--developer', 'dora', '--dir', functionsDir);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/taken already exists/);
    expect(readFileSync(join(functionsDir, 'taken', 'index.ts'), 'utf8')).toContain('mine: true');
  }, 60_000);

  it('gives a folder where npm install adds a dependency that the feature then bundles', async () => {
    // Its own temp root, with no node_modules above it: npm installs into the feature's folder only.
    const root = mkdtempSync(join(tmpdir(), 'faascape-dev-npm-'));
    try {
      const fns = join(root, 'functions');
      expect((await faascape('new', 'shouty', '--developer', 'dora', '--dir', fns)).code).toBe(0);
      mkdirSync(join(root, 'deps', 'shout'), { recursive: true });
      writeFileSync(join(root, 'deps', 'shout', 'package.json'), JSON.stringify({ name: 'shout', version: '1.0.0', type: 'module', main: 'index.js' }));
      writeFileSync(join(root, 'deps', 'shout', 'index.js'), 'export const shout = (s) => `${s.toUpperCase()}!`;\n');
      const dir = join(fns, 'shouty');
      const installed = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '../../deps/shout'], dir);
      expect(installed.code, installed.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies).toEqual({ shout: 'file:../../deps/shout' });
      writeFileSync(join(dir, 'index.ts'), `// @ts-expect-error: a package without types\nimport { shout } from 'shout';\nexport const handler = async () => ({ said: shout('hello') });\n`);
      const called = await node([CLI, 'invoke', 'shouty', '--dir', fns, '--json']);
      expect(called.code, called.stderr).toBe(0);
      expect(JSON.parse((JSON.parse(called.stdout) as { body: string }).body)).toEqual({ said: 'HELLO!' });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('faascape invoke', () => {
  it('prints the answer and the log lines, and exits 0', async () => {
    writeFeature('greeter', `export const handler = async (event: { queryStringParameters?: Record<string, string> }) => {\n  console.log('greeting', event.queryStringParameters?.name);\n  console.warn('careful');\n  return { statusCode: 201, headers: { 'content-type': 'application/json', 'x-greeter': 'yes' }, body: JSON.stringify({ hi: event.queryStringParameters?.name }) };\n};\n`);
    const text = await faascape('invoke', 'greeter', '--dir', functionsDir, '--query', 'name=Ada');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^201 Created\n/);
    expect(text.stdout).toContain('x-greeter: yes\n');
    expect(text.stdout.trimEnd().endsWith('{"hi":"Ada"}')).toBe(true);
    expect(text.stderr).toMatch(/\[greeter [0-9a-f]{8}\] info {2}greeting Ada/);
    expect(text.stderr).toMatch(/\[greeter [0-9a-f]{8}\] warn {2}careful/);
    expect(text.stderr).toMatch(/greeter answered 201 in [\d.]+ ms, billed \d+ ms at 128 MB/);

    const json = await faascape('invoke', 'greeter', '--dir', functionsDir, '--query', 'name=Bo', '--json');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout) as { status: number; headers: Record<string, string>; body: string; invocationId: string; logs: { invocationId: string; level: string; message: string }[] };
    expect(r).toMatchObject({ status: 201, headers: { 'x-greeter': 'yes' }, body: '{"hi":"Bo"}' });
    expect(r.logs.map((l) => [l.level, l.message, l.invocationId])).toEqual([
      ['info', 'greeting Bo', r.invocationId],
      ['warn', 'careful', r.invocationId],
    ]);
  }, 60_000);

  it('exits non-zero when the feature throws, with the message and the stack trace in its logs', async () => {
    writeFeature('thrower', `export const handler = async () => {\n  console.log('about to break');\n  throw new Error('thrower broke on purpose');\n};\n`);
    const text = await faascape('invoke', 'thrower', '--dir', functionsDir);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^502 Bad Gateway\n/);
    expect(text.stdout).toContain('"code":"feature_error"');
    expect(text.stderr).toContain('info  about to break');
    expect(text.stderr).toMatch(/error Error: thrower broke on purpose\n\s+Error: thrower broke on purpose\n\s+at /);
    expect(text.stderr).toMatch(/thrower failed: thrower broke on purpose/);

    const json = await faascape('invoke', 'thrower', '--dir', functionsDir, '--json');
    expect(json.code).toBe(1);
    const r = JSON.parse(json.stdout) as { status: number; error: string; logs: { level: string; message: string; stack?: string }[] };
    expect(r.status).toBe(502);
    expect(r.error).toMatch(/thrower broke on purpose/);
    expect(r.logs.find((l) => l.level === 'error')?.stack).toMatch(/thrower broke on purpose\n\s+at /);
  }, 60_000);

  it('exits non-zero when the feature times out, stops its process and leaves nothing running', async () => {
    writeFeature('spinner', `export const handler = async () => {\n  console.log('spinning');\n  for (;;) {}\n};\n`, 200);
    const started = Date.now();
    const text = await faascape('invoke', 'spinner', '--dir', functionsDir);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^504 Gateway Timeout\n/);
    expect(text.stderr).toContain('info  spinning');
    expect(text.stderr).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(hostsOf('spinner')).toEqual([]);
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('faascape-invoke-spinner-'))).toEqual([]);
  }, 60_000);

  it('exits non-zero on a result that is not an HTTP answer, and on a feature that does not build', async () => {
    writeFeature('bad-answer', `export const handler = async () => ({ statusCode: 99 });\n`);
    const bad = await faascape('invoke', 'bad-answer', '--dir', functionsDir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^502 /);
    expect(bad.stderr).toMatch(/returned what the gateway cannot answer with: \{"statusCode":99\}/);

    writeFeature('no-build', `export const handler = async () => {\n  return { ok: true ;\n};\n`);
    const broken = await faascape('invoke', 'no-build', '--dir', functionsDir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/no-build[\\/]index\.ts:2:\d+: /);

    const missing = await faascape('invoke', 'not-there', '--dir', functionsDir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no feature "not-there"/);
  }, 60_000);
});

describe('faascape event', () => {
  it('prints an event that invoke --event sends unchanged', async () => {
    writeFeature('mirror', `export const handler = async (event: unknown) => event;\n`);
    const printed = await faascape('event', 'mirror', '--method', 'PUT', '--path', '/items/42', '--query', 'q=1', '--query', 'q=2', '--header', 'x-trace:t1', '--data', '{"k":"v"}');
    expect(printed.code, printed.stderr).toBe(0);
    const event = JSON.parse(printed.stdout) as { requestContext: { requestId: string } };
    const file = join(tmp, 'event.json');
    writeFileSync(file, printed.stdout);

    const called = await faascape('invoke', 'mirror', '--dir', functionsDir, '--event', file, '--json');
    expect(called.code, called.stderr).toBe(0);
    const r = JSON.parse(called.stdout) as { status: number; body: string; invocationId: string };
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual(event);
    // The event's request id is the call's invocation id, as behind the gateway.
    expect(r.invocationId).toBe(event.requestContext.requestId);

    const conflicting = await faascape('invoke', 'mirror', '--dir', functionsDir, '--event', file, '--data', '{}');
    expect(conflicting.code).toBe(1);
    const notAnEvent = join(tmp, 'not-an-event.json');
    writeFileSync(notAnEvent, '{"hello":"world"}');
    const refused = await faascape('invoke', 'mirror', '--dir', functionsDir, '--event', notAnEvent);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not an HTTP API v2 event: version must be "2\.0"/);
  }, 60_000);

  it('has the shape of the event the gateway passes a feature', async () => {
    writeFeature('mirror-http', `export const handler = async (event: unknown) => event;\n`);
    const t = await startTestPlatform({ functionsDir });
    try {
      const key = await t.newKey('acme');
      const res = await t.call(key, '/v1/features/mirror-http/items/42?q=1&q=2', { method: 'PUT', headers: { 'x-trace': 't1', 'content-type': 'application/json' }, body: '{"k":"v"}' });
      expect(res.status).toBe(200);
      const real = (await res.json()) as Record<string, unknown>;
      const printed = await faascape('event', 'mirror-http', '--method', 'PUT', '--path', '/items/42', '--query', 'q=1', '--query', 'q=2', '--header', 'x-trace:t1', '--data', '{"k":"v"}');
      const sample = JSON.parse(printed.stdout) as Record<string, unknown>;

      // The same fields everywhere (headers aside: each client sends its own).
      const shape = (v: unknown, path = ''): string[] =>
        typeof v === 'object' && v !== null && !Array.isArray(v) && path !== '.headers' ? Object.keys(v).flatMap((k) => [`${path}.${k}`, ...shape((v as Record<string, unknown>)[k], `${path}.${k}`)]) : [];
      expect(shape(sample).sort()).toEqual(shape(real).sort());
      const same = (e: Record<string, unknown>) => {
        const rc = e.requestContext as { http: { method: string; path: string; protocol: string }; routeKey: string; stage: string; authorizer: { lambda: { clientId: string } } };
        return {
          version: e.version,
          routeKey: e.routeKey,
          rawPath: e.rawPath,
          rawQueryString: e.rawQueryString,
          queryStringParameters: e.queryStringParameters,
          pathParameters: e.pathParameters,
          body: e.body,
          isBase64Encoded: e.isBase64Encoded,
          http: { method: rc.http.method, path: rc.http.path, protocol: rc.http.protocol },
          routeKeyOfContext: rc.routeKey,
          stage: rc.stage,
          pseudonym: /^c_[A-Za-z0-9_-]{22}$/.test(rc.authorizer.lambda.clientId),
          trace: (e.headers as Record<string, string>)['x-trace'],
          contentType: (e.headers as Record<string, string>)['content-type'],
        };
      };
      expect(same(sample)).toEqual(same(real));
    } finally {
      await t.stop();
    }
  }, 60_000);
});
