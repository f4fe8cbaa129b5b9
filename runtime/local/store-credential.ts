/**
 * The embedded store's per-installation credential. The store refuses every request not signed
 * (AWS SigV4) with it, so code that can reach loopback but cannot read the data dir (a sandboxed
 * feature, another user) cannot read or write the platform's tables. See
 * docs/decisions/0008-store-credential.md.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoreCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

const FILE = 'store-credential';
const SECRET = /^[0-9a-f]{64}$/;

/** Creates `dir` (and its parents) owner-only, and takes group/other bits off it if it exists. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * The access key id is derived from the secret (one way): it names the installation in the
 * `Authorization` header without revealing anything of the secret.
 */
export function credentialOf(secretAccessKey: string): StoreCredential {
  const id = createHmac('sha256', secretAccessKey).update('faascape store access key id').digest('hex').slice(0, 16).toUpperCase();
  return { accessKeyId: `FSC${id}`, secretAccessKey };
}

/**
 * The store credential of the installation at `dataDir`, created on first use: the data dir
 * becomes 0700, the secret lives in `<dataDir>/store-credential` (0600). Never logged, never
 * written anywhere else (not in `store.json`, not in a child's argv or environment).
 */
export function storeCredential(dataDir: string): StoreCredential {
  ensurePrivateDir(dataDir);
  const file = join(dataDir, FILE);
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    secret = create(file);
  }
  if (!SECRET.test(secret)) throw new Error(`${file} is not a store credential (64 hex characters); move it away to create a new one`);
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return credentialOf(secret);
}

/**
 * Writes the secret to a private temporary file, then links it into place: the link fails if the
 * file already exists, so two processes starting at once (the platform and a CLI command) agree
 * on one secret, and neither can read a half-written file.
 */
function create(file: string): string {
  const secret = randomBytes(32).toString('hex');
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, secret, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
    return secret;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readFileSync(file, 'utf8').trim();
  } finally {
    unlinkSync(tmp);
  }
}
