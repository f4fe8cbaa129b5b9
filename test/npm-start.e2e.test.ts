/**
 * `npm start` as developers watch it (issue 15): one line per call (feature, status, duration,
 * billed ms, invocation id), and none with `--quiet`. The real entry point, as a child process.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_FUNCTIONS } from './helpers/platform.ts';

const START = fileURLToPath(new URL('../runtime/local/bin.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));
const run = promisify(execFile);
const started: { child: ChildProcess; dir: string }[] = [];

afterAll(async () => {
  for (const { child, dir } of started) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts `npm start [args]` on a fresh data dir; resolves with its URL, its stdout so far (live) and its env. */
async function npmStart(args: string[]): Promise<{ url: string; out: () => string; env: NodeJS.ProcessEnv }> {
  const dir = mkdtempSync(join(tmpdir(), 'faascape-npmstart-'));
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', FAASCAPE_DATA_DIR: dir, FAASCAPE_FUNCTIONS_DIR: FIXTURE_FUNCTIONS, FAASCAPE_WATCH: '0' };
  const child = spawn(process.execPath, [START, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push({ child, dir });
  let stdout = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr?.resume();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /faascape ready at (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearInterval(timer);
        resolve(m[1] as string);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`npm start exited (${String(code)}): ${stdout}`));
    });
  });
  return { url, out: () => stdout, env };
}

async function oneCall(p: { url: string; env: NodeJS.ProcessEnv }): Promise<string> {
  const { stdout: key } = await run(process.execPath, [CLI, 'keys', 'create', '--client', 'watcher', '--quiet'], { env: p.env });
  const res = await fetch(`${p.url}/v1/features/echo`, { headers: { 'x-api-key': key.trim() } });
  expect(res.status).toBe(200);
  return res.headers.get('faascape-invocation-id') as string;
}

describe('npm start', () => {
  it('prints a line per call with its status, duration, billed ms and invocation id; --quiet prints none', async () => {
    const [loud, quiet] = await Promise.all([npmStart([]), npmStart(['--quiet'])]);
    const [loudId, quietId] = await Promise.all([oneCall(loud), oneCall(quiet)]);
    await expect.poll(() => loud.out(), { timeout: 5_000 }).toMatch(new RegExp(`^echo 200 in [\\d.]+ ms \\(billed \\d+ ms\\)  ${loudId}$`, 'm'));
    // The quiet one answered too, and printed nothing of it.
    await new Promise((r) => setTimeout(r, 300));
    expect(quiet.out()).not.toContain(quietId);
    expect(quiet.out()).toContain('faascape ready at');
  }, 90_000);
});
