import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * An API key reads `fsk_<keyId>_<secret>`: the key id is visible (it names the key in lists and
 * logs), the secret is 256 random bits and is never stored, only its SHA-256. A fast hash is
 * enough for a secret of that entropy; a slow one would cost every request.
 */
const KEY_ID_LENGTH = 12;
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const PREFIX = 'fsk_';
const KEY_SHAPE = new RegExp(`^${PREFIX}([${ALPHABET}]{${KEY_ID_LENGTH}})_([A-Za-z0-9_-]{43})$`);

export interface NewKey {
  keyId: string;
  apiKey: string;
  secretHash: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateKey(): NewKey {
  const idBytes = randomBytes(KEY_ID_LENGTH);
  let keyId = '';
  for (const b of idBytes) keyId += ALPHABET[b % ALPHABET.length];
  const secret = randomBytes(32).toString('base64url');
  return { keyId, apiKey: `${PREFIX}${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a presented key; `undefined` when it cannot be one of ours. */
export function parseKey(apiKey: string): { keyId: string; secret: string } | undefined {
  const m = KEY_SHAPE.exec(apiKey);
  if (!m) return undefined;
  return { keyId: m[1] as string, secret: m[2] as string };
}

/** Constant-time comparison of a presented secret against the stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
