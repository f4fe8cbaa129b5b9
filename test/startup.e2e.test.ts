/**
 * `npm start` refuses to start, before the store and the bundles, when it cannot work: the port
 * is in use, another platform runs on the same data dir, FAASCAPE_FUNCTIONS_DIR does not exist.
 * Each refusal says what to do.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from './helpers/platform.ts';

const START = fileURLToPath(new URL('../runtime/local/bin.mjs', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'faascape-startup-'));
  dirs.push(d);
  return d;
}

/** `npm start` with this environment; it must end by itself (a refusal), within 20 s. */
function npmStart(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [START], { env: { ...process.env, ...env }, timeout: 20_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('npm start refuses early, with the fix', () => {
  it('a port in use: names the port and PORT=…, and starts neither the store nor the bundles', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen({ host: '127.0.0.1', port: 0 }, () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = tempDir();
    try {
      const r = await npmStart({ PORT: String(port), HOST: '127.0.0.1', FAASCAPE_DATA_DIR: dataDir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(r.stderr).toContain(`PORT=${port + 1} npm start`);
      expect(r.stdout).not.toContain('store:');
      // Nothing was started: no store files, no bundles.
      expect(existsSync(join(dataDir, 'store'))).toBe(false);
      expect(existsSync(join(dataDir, 'build'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('a second npm start on the same data dir names the running one (its pid and URL) and FAASCAPE_DATA_DIR', async () => {
    const t = await startTestPlatform();
    try {
      const r = await npmStart({ PORT: '0', FAASCAPE_DATA_DIR: t.dataDir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`another platform (pid ${process.pid}) already runs on the data dir ${t.dataDir}, at ${t.url}`);
      expect(r.stderr).toContain('FAASCAPE_DATA_DIR=');
      // The running platform is untouched.
      expect((await fetch(`${t.url}/v1/health`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  }, 60_000);

  it('a FAASCAPE_FUNCTIONS_DIR that does not exist is an error, not an empty catalogue', async () => {
    const dataDir = tempDir();
    const missing = join(dataDir, 'no-such-functions');
    const r = await npmStart({ PORT: '0', FAASCAPE_DATA_DIR: dataDir, FAASCAPE_FUNCTIONS_DIR: missing });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FAASCAPE_FUNCTIONS_DIR is not a directory: ${missing}`);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
