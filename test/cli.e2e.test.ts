/**
 * The operator's CLI as people meet it, against a platform on a random port: sign-in links point
 * at that platform, README's first-call block runs as written, and a typed id that does not exist
 * is an error (rc 1, with a suggestion) rather than something created or answered empty.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../shared/month.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));
const SHIPPED_FUNCTIONS = fileURLToPath(new URL('../functions', import.meta.url));

let t: TestPlatform;
let env: NodeJS.ProcessEnv;

/** The CLI's answer, failed or not: { code, stdout, stderr }. */
async function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv }, cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  t = await startTestPlatform({ functionsDir: SHIPPED_FUNCTIONS });
  // As an operator's shell would be: no console URL or port set, the data dir named.
  const { FAASCAPE_CONSOLE_URL: _u, PORT: _p, ...rest } = process.env;
  env = { ...rest, FAASCAPE_DATA_DIR: t.dataDir };
}, 120_000);
afterAll(() => t?.stop());

describe('sign-in links', () => {
  it('point at the running platform (its URL from the data dir), or FAASCAPE_CONSOLE_URL when set', async () => {
    expect(t.url).not.toMatch(/:3000$/);
    const created = await cli(['accounts', 'create', '--role', 'finance', '--email', 'links@example.com', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect((JSON.parse(created.stdout) as { signInLink: string }).signInLink).toMatch(new RegExp(`^${t.url}/#/welcome/[A-Za-z0-9_-]+$`));
    const text = await cli(['accounts', 'link', '--email', 'links@example.com']);
    expect(text.stdout).toContain(`${t.url}/#/welcome/`);
    const set = await cli(['accounts', 'link', '--email', 'links@example.com', '--json'], { FAASCAPE_CONSOLE_URL: 'https://console.example.com' });
    expect((JSON.parse(set.stdout) as { signInLink: string }).signInLink).toMatch(/^https:\/\/console\.example\.com\/#\/welcome\//);
  });

  it('for a stage, need its console address: a link to this machine would sign its owner in nowhere', async () => {
    // Nothing may reach AWS: a closed loopback port as the endpoint, and dummy credentials.
    const aws = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'dummy', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    for (const args of [['accounts', 'create', '--role', 'finance', '--email', 'stage@example.com'], ['accounts', 'link', '--email', 'stage@example.com']]) {
      const refused = await cli([...args, '--stage', 'dev'], aws);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/with --stage, give the console's address: --url <ConsoleUrl>.*Faascape-dev/);
      expect(refused.stdout).toBe('');
    }
  });
});

describe("README's first metered call", () => {
  it('runs as written (only the port differs) and every call in it succeeds and is metered', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## A first metered call'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    expect(block).not.toMatch(/paste|fsk_\.\.\./);
    const script = (block as string).replaceAll('http://127.0.0.1:3000', t.url);
    const { stdout, stderr } = await run('bash', ['-c', `set -eo pipefail\n${script}`], { env, cwd: ROOT, timeout: 60_000 });
    expect(stderr).not.toMatch(/faascape: /);
    // Every answer of the curls is JSON without an error (invalid_api_key was what a paste gave).
    expect(stdout).not.toMatch(/"error"/);
    expect(stdout).toContain('"valid":true');
    // The calls are metered for acme: one of each feature the block calls.
    await t.platform.meter.settled();
    const records = await t.usage.records(monthOf(Date.now()), 'acme', 'iban-check');
    expect(records.map((r) => [r.status, r.billable])).toEqual([[200, true]]);
    expect(await t.usage.records(monthOf(Date.now()), 'acme', 'business-days-fr')).toHaveLength(1);
    // The operator's usage records line printed the same call.
    expect(stdout).toContain(records[0]?.invocationId);
  }, 90_000);
});

describe('ids that do not exist', () => {
  it('clients set-limits on an unknown client is rc 1 with a suggestion, and creates nothing; clients create is explicit', async () => {
    expect((await cli(['clients', 'create', 'globex'])).code).toBe(0);
    const typo = await cli(['clients', 'set-limits', 'globx', '--rps', '5']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('no client "globx"; did you mean globex?');
    expect(typo.stderr).toContain('npx faascape clients create globx');
    expect(await t.clients.getClient('globx')).toBeUndefined();
    expect((await cli(['clients', 'set-limits', 'globex', '--rps', '5'])).code).toBe(0);
    expect((await t.clients.getClient('globex'))?.limits).toEqual({ rps: 5 });
    // Creating twice is refused, not silently merged.
    const again = await cli(['clients', 'create', 'globex']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('keys create of a new client creates it and says so (the public contract); keys list / usage --client of an unknown client are rc 1', async () => {
    const created = await cli(['keys', 'create', '--client', 'newcomer', '--json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ clientId: 'newcomer' });
    expect(created.stderr).toContain('new client "newcomer" created');
    expect((await cli(['keys', 'create', '--client', 'newcomer', '--quiet'])).stderr).toBe('');
    for (const args of [
      ['keys', 'list', '--client', 'nobody'],
      ['usage', '--client', 'nobody'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/^faascape: no client "nobody"/);
    }
    expect(await t.clients.getClient('nobody')).toBeUndefined();
  });

  it('developers show of an unknown developer is rc 1 naming the closest; a feature author is shown', async () => {
    const r = await cli(['developers', 'show', 'nobody']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^faascape: no developer "nobody"/);
    // A typo of a shipped feature's author is named.
    const author = (JSON.parse(readFileSync(new URL('../functions/iban-check/feature.json', import.meta.url), 'utf8')) as { authors: { id: string }[] }).authors[0]?.id as string;
    const typo = await cli(['developers', 'show', `${author}x`]);
    expect(typo.stderr).toContain(`did you mean ${author}`);
    expect((await cli(['developers', 'show', author])).code).toBe(0);
  });

  it('statements close changes money for good: it needs --yes off a terminal, and refuses a month before the first usage', async () => {
    const month = '2020-01';
    const unconfirmed = await cli(['statements', 'close', '--month', month]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/confirm on a terminal, or pass --yes/);
    const early = await cli(['statements', 'close', '--month', month, '--yes']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/2020-01 is before this installation's first usage \(\d{4}-\d{2}\): there is nothing to close/);
    // Nothing was stored: the month is still not closed.
    const show = await cli(['statements', 'show', '--month', month]);
    expect(show.code).toBe(1);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});
