import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The operator's view of a running platform (meter and feature-process counters), over HTTP on
 * loopback with a token only the operator's user can read: it lives in the 0700 data dir, which a
 * feature's process may not read. /v1/health says only that the platform is alive.
 */
export const OPERATOR_STATUS_PATH = '/operator/status';
export const OPERATOR_TOKEN_HEADER = 'x-faascape-operator';

const tokenFile = (dataDir: string) => join(dataDir, 'operator-token');
const locatorFile = (dataDir: string) => join(dataDir, 'platform.json');

/** Created on first start, 0600; the CLI reads the same file. */
export function operatorToken(dataDir: string): string {
  const file = tokenFile(dataDir);
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

export function isOperator(presented: string | undefined, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Where the running platform answers, so the CLI finds it (removed at a clean stop). */
export function writePlatformLocator(dataDir: string, url: string): void {
  writeFileSync(locatorFile(dataDir), JSON.stringify({ url, pid: process.pid }), { mode: 0o600 });
}

export function removePlatformLocator(dataDir: string): void {
  rmSync(locatorFile(dataDir), { force: true });
}

export function readPlatformLocator(dataDir: string): { url: string; pid: number } | undefined {
  try {
    return JSON.parse(readFileSync(locatorFile(dataDir), 'utf8')) as { url: string; pid: number };
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid is alive (EPERM: alive, owned by another user). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The platform running on this data dir, if any: a locator left by a crash (dead pid) is not one. */
export function runningPlatform(dataDir: string): { url: string; pid: number } | undefined {
  const where = readPlatformLocator(dataDir);
  return where && typeof where.url === 'string' && isAlive(where.pid) ? where : undefined;
}

export class StatusError extends Error {
  override readonly name = 'StatusError';
}

/** The running platform's status for the operator, or why it could not be read. */
export async function fetchStatus(dataDir: string): Promise<Record<string, unknown>> {
  const where = readPlatformLocator(dataDir);
  if (!where) throw new StatusError(`no running platform for the data dir ${dataDir} (start it with npm start)`);
  let res: Response;
  try {
    res = await fetch(`${where.url}${OPERATOR_STATUS_PATH}`, { headers: { [OPERATOR_TOKEN_HEADER]: operatorToken(dataDir) }, signal: AbortSignal.timeout(5_000) });
  } catch (e) {
    throw new StatusError(`the platform at ${where.url} does not answer (${(e as Error).message}); is npm start still running?`);
  }
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new StatusError(`the platform at ${where.url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}
