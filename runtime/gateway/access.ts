import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseKey, secretMatches } from '../keys/api-key.ts';
import type { ClientLimits, StoredKey } from '../keys/client-store.ts';
import { errors } from './errors.ts';

export interface AccessStore {
  getKey(keyId: string): Promise<StoredKey | undefined>;
  getLimits(clientId: string): Promise<ClientLimits>;
}

/**
 * The gateway's look-ups, from the client store: a key by its id (which carries the client's
 * limits: one read per call, decision 16), a client's limits (keys made before the copy existed).
 */
export function accessOf(clients: { getKey(keyId: string): Promise<StoredKey | undefined>; getClient(clientId: string): Promise<{ limits?: ClientLimits } | undefined> }): AccessStore {
  return {
    getKey: (keyId) => clients.getKey(keyId),
    getLimits: async (clientId) => (await clients.getClient(clientId))?.limits ?? {},
  };
}

export interface Caller {
  clientId: string;
  keyId: string;
  /** the client's limits as the key carries them (decision 16); absent: read the client's */
  limits?: ClientLimits;
  /** a test key: the call is metered as a test, never billed, and counted against the key's day */
  test?: true;
  /** a developer's test key: it may call that developer's drafts */
  developerId?: string;
}

/**
 * Remembers lookups for a short time so that a hot key costs no store read per request, while a
 * revoked key still stops working within `ttlMs` (the contract says 1 s).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number; }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Serves a fresh entry, or loads one. When the load fails (store outage) a stale entry is still
   * served: known clients keep working through an outage, at the price of a revocation made
   * during the outage taking effect only when the store is back. With no entry at all, the
   * request cannot be verified and gets 503.
   */
  async get(key: string, now: number, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    let value: V;
    try {
      value = await load();
    } catch (e) {
      if (hit) return hit.value;
      throw errors.unavailable(e);
    }
    // A flood of random keys must not grow memory without bound, nor push out the keys in use: the
    // entry loaded longest ago goes (a key in use is reloaded every ttl, so it is never the oldest
    // unless more than maxEntries others came within one ttl).
    if (hit) this.entries.delete(key);
    else if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expires: now + this.ttlMs });
    return value;
  }
}

/** The headers that carry a client's credentials: read here, then removed before the feature sees the event. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['x-api-key', 'authorization']);

/** Reads the presented key and removes every credential header from the event, in place. */
export function takeCredentials(event: APIGatewayProxyEventV2): string | undefined {
  const headers = event.headers ?? {};
  let apiKey: string | undefined;
  let bearer: string | undefined;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'x-api-key') apiKey ??= headers[name]?.trim();
    else if (lower === 'authorization') {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(headers[name] ?? '');
      if (m) bearer ??= m[1];
    }
    // A feature must never see a client's credentials (DESIGN invariant 6), whatever their form.
    if (CREDENTIAL_HEADERS.has(lower)) delete headers[name];
  }
  // Two different keys: which client pays is ambiguous, so neither is chosen.
  if (apiKey && bearer && apiKey !== bearer) throw errors.conflictingCredentials();
  return apiKey || bearer || undefined;
}

export class Authenticator {
  private readonly keys: TtlCache<StoredKey | undefined>;
  constructor(
    private readonly store: AccessStore,
    ttlMs: number,
  ) {
    this.keys = new TtlCache(ttlMs);
  }

  async authenticate(presented: string | undefined, now: number): Promise<Caller> {
    if (!presented) throw errors.missingKey();
    const parsed = parseKey(presented);
    if (!parsed) throw errors.invalidKey();
    const stored = await this.keys.get(parsed.keyId, now, () => this.store.getKey(parsed.keyId));
    if (!stored || stored.revokedAt !== undefined || !secretMatches(parsed.secret, stored.secretHash)) throw errors.invalidKey();
    // The prefix says what the key is: a live key shown as a test one (or the reverse) was altered.
    if (parsed.test !== (stored.test === true)) throw errors.invalidKey();
    return { clientId: stored.clientId, keyId: stored.keyId, ...(stored.limits ? { limits: stored.limits } : {}), ...(stored.test ? { test: true } : {}), ...(stored.developerId ? { developerId: stored.developerId } : {}) };
  }
}
