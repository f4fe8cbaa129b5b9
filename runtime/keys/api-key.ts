import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * An API key reads `fsk_<keyId>_<secret>`, a test key `fsk_test_<keyId>_<secret>` (so that it
 * shows as one wherever it is pasted): the key id is visible (it names the key in lists and
 * logs), the secret is 256 random bits and is never stored, only its SHA-256. A fast hash is
 * enough for a secret of that entropy; a slow one would cost every request.
 */
const KEY_ID_LENGTH = 12;
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const PREFIX = 'fsk_';
const TEST = 'test_';
const KEY_SHAPE = new RegExp(`^${PREFIX}(${TEST})?([${ALPHABET}]{${KEY_ID_LENGTH}})_([A-Za-z0-9_-]{43})$`);

export interface NewKey {
  keyId: string;
  apiKey: string;
  secretHash: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateKey(options: { test?: boolean } = {}): NewKey {
  const idBytes = randomBytes(KEY_ID_LENGTH);
  let keyId = '';
  for (const b of idBytes) keyId += ALPHABET[b % ALPHABET.length];
  const secret = randomBytes(32).toString('base64url');
  return { keyId, apiKey: `${PREFIX}${options.test ? TEST : ''}${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a presented key; `undefined` when it cannot be one of ours. */
export function parseKey(apiKey: string): { keyId: string; secret: string; test: boolean } | undefined {
  const m = KEY_SHAPE.exec(apiKey);
  if (!m) return undefined;
  return { keyId: m[2] as string, secret: m[3] as string, test: m[1] !== undefined };
}

/** Constant-time comparison of a presented secret against the stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
