import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../../shared/errors.ts';
import type { InvoiceParty } from '../../shared/invoice.ts';
import { scanAll } from '../store/paging.ts';
import { runLimited } from '../store/run-limited.ts';
import type { TableNames } from '../store/tables.ts';
import { generateKey } from './api-key.ts';

export interface ClientLimits {
  /** sustained requests per second; absent = unlimited */
  rps?: number;
  /** bucket size for bursts above rps */
  burst?: number;
  /** invocations per UTC month; absent = unlimited */
  monthlyQuota?: number;
  /** spending per UTC month in micro-euros; calls are refused once it is reached; absent = none */
  monthlySpendCapMicros?: number;
}

export interface Client {
  clientId: string;
  createdAt: number;
  limits: ClientLimits;
  /** the name the community shows instead of the client id (shared/display-name.ts); absent = "a client" */
  displayName?: string;
  /** the buyer on its invoices (shared/billing.ts); absent = not filled in yet */
  billing?: InvoiceParty;
}

export interface StoredKey {
  keyId: string;
  clientId: string;
  secretHash: string;
  createdAt: number;
  revokedAt?: number;
  /** a test key (`fsk_test_…`): its calls are metered, never billed, and limited per day (TEST_CALLS_PER_DAY) */
  test?: true;
  /** a developer's test key: it may also call that developer's drafts (`clientId` is developerClientId of it) */
  developerId?: string;
  /**
   * What the gateway needs of the client, carried by the key so that one read serves a call
   * (decision 16): the client's limits as of its `limitsRev`. Absent on keys created before the
   * copy existed: the gateway then reads the client.
   */
  limits?: ClientLimits;
  limitsRev?: number;
}

/**
 * A client's live keys at most: the client item lists them (`keyIds`), so that a change of its
 * limits reaches every key's copy, and the list must stay bounded (invariant 8).
 */
export const MAX_LIVE_KEYS = 100;
/** A developer's live test keys at most. */
export const MAX_DEVELOPER_TEST_KEYS = 10;
/** Key copies brought up to date at once when a client's limits change. */
const SYNC_CONCURRENCY = 8;

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super('not_found', message);
  }
}

export const CLIENT_ID = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/**
 * Whom a developer's test calls are recorded for: a client id no real client can have (`~` is
 * outside CLIENT_ID), so they never mix with a client's usage, and no client item is made for it.
 */
export function developerClientId(developerId: string): string {
  return `~dev~${developerId}`;
}

/** Clients and their keys in DynamoDB. Only a hash of each key's secret is ever written. */
export class ClientStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the client unless it exists; true when this call created it. */
  async ensureClient(clientId: string): Promise<boolean> {
    if (!CLIENT_ID.test(clientId)) throw new DomainError('invalid_request', `client id "${clientId}" must be lowercase letters, digits, '.', '_' or '-' (max 63)`);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tables.clients,
          Item: { clientId, createdAt: this.now(), limits: {} },
          ConditionExpression: 'attribute_not_exists(clientId)',
        }),
      );
      return true;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      return false;
    }
  }

  /**
   * Creates the client if needed and a new key; the full key is returned here and never again.
   * The key carries a copy of the client's limits (decision 16). The client lists the key first,
   * so a limits change committed from then on brings the key's copy up to date (syncKeys); one
   * committed before the key existed is caught by reading the client again once the key is in.
   */
  async createKey(clientId: string, options: { test?: boolean } = {}): Promise<{ clientId: string; keyId: string; apiKey: string; test: boolean }> {
    await this.ensureClient(clientId);
    const test = options.test === true;
    const key = generateKey({ test });
    let listed: Record<string, unknown> | undefined;
    try {
      listed = (
        await this.db.send(
          new UpdateCommand({
            TableName: this.tables.clients,
            Key: { clientId },
            UpdateExpression: 'ADD keyIds :k',
            ConditionExpression: 'attribute_exists(clientId) AND (attribute_not_exists(keyIds) OR size(keyIds) < :max)',
            ExpressionAttributeValues: { ':k': new Set([key.keyId]), ':max': MAX_LIVE_KEYS },
            ReturnValues: 'ALL_NEW',
          }),
        )
      ).Attributes;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      throw new DomainError('conflict', `client "${clientId}" has ${MAX_LIVE_KEYS} live keys: revoke one before creating another`, { code: 'too_many_keys' });
    }
    const seen = limitsOf(listed);
    const item: StoredKey = { keyId: key.keyId, clientId, secretHash: key.secretHash, createdAt: this.now(), ...(test ? { test: true } : {}), limits: seen.limits, limitsRev: seen.rev };
    await this.db.send(new PutCommand({ TableName: this.tables.keys, Item: item, ConditionExpression: 'attribute_not_exists(keyId)' }));
    const now = limitsOf((await this.db.send(new GetCommand({ TableName: this.tables.clients, Key: { clientId }, ConsistentRead: true }))).Item);
    if (now.rev !== seen.rev) await this.syncKey(key.keyId, now);
    return { clientId, keyId: key.keyId, apiKey: key.apiKey, test };
  }

  /**
   * A developer's test key, to try features and call their own drafts. It is not a client's: no
   * client item lists it (a developer has no limits to copy), and it is always a test key.
   */
  async createDeveloperTestKey(developerId: string): Promise<{ developerId: string; keyId: string; apiKey: string; test: true }> {
    // A bound on live keys, so that test keys cannot multiply the daily allowance without limit
    // (a race may pass it by a key or two; the allowance is free calls, not money).
    const live = (await this.listKeys(developerClientId(developerId))).filter((k) => k.revokedAt === undefined).length;
    if (live >= MAX_DEVELOPER_TEST_KEYS) throw new DomainError('conflict', `developer "${developerId}" has ${MAX_DEVELOPER_TEST_KEYS} live test keys: revoke one before creating another`, { code: 'too_many_keys' });
    const key = generateKey({ test: true });
    const item: StoredKey = { keyId: key.keyId, clientId: developerClientId(developerId), secretHash: key.secretHash, createdAt: this.now(), test: true, developerId };
    await this.db.send(new PutCommand({ TableName: this.tables.keys, Item: item, ConditionExpression: 'attribute_not_exists(keyId)' }));
    return { developerId, keyId: key.keyId, apiKey: key.apiKey, test: true };
  }

  async revokeKey(keyId: string): Promise<StoredKey> {
    let revoked: StoredKey;
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.tables.keys,
          Key: { keyId },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
          ConditionExpression: 'attribute_exists(keyId)',
          ExpressionAttributeValues: { ':now': this.now() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      revoked = toStoredKey(res.Attributes as Record<string, unknown>);
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new NotFoundError(`no key with id "${keyId}"`);
      throw e;
    }
    // No longer live: off the client's list (its limits need not reach a refused key).
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.clients,
        Key: { clientId: revoked.clientId },
        UpdateExpression: 'DELETE keyIds :k',
        ConditionExpression: 'attribute_exists(clientId)',
        ExpressionAttributeValues: { ':k': new Set([keyId]) },
      }),
    ).catch((e: unknown) => {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    });
    return revoked;
  }

  async getKey(keyId: string): Promise<StoredKey | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.keys, Key: { keyId } }));
    return res.Item ? toStoredKey(res.Item) : undefined;
  }

  async listKeys(clientId: string): Promise<Omit<StoredKey, 'secretHash'>[]> {
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.tables.keys,
        IndexName: 'byClient',
        KeyConditionExpression: 'clientId = :c',
        ExpressionAttributeValues: { ':c': clientId },
      }),
    );
    return (res.Items ?? []).map((i) => ({
      keyId: String(i.keyId),
      clientId: String(i.clientId),
      createdAt: Number(i.createdAt),
      ...(i.test === true ? { test: true } : {}),
      ...(i.developerId !== undefined ? { developerId: String(i.developerId) } : {}),
      ...(i.revokedAt !== undefined ? { revokedAt: Number(i.revokedAt) } : {}),
    }));
  }

  async getClient(clientId: string): Promise<Client | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.clients, Key: { clientId } }));
    return res.Item ? toClient(res.Item) : undefined;
  }

  async listClients(): Promise<Client[]> {
    const items = (await scanAll(this.db, { TableName: this.tables.clients })).map(toClient);
    return items.sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
  }

  /** Sets (or, with null, removes) the monthly spend cap, leaving the other limits as they are. */
  async setSpendCap(clientId: string, capMicros: number | null): Promise<Client> {
    await this.ensureClient(clientId);
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.clients,
        Key: { clientId },
        UpdateExpression: `${capMicros === null ? 'REMOVE limits.monthlySpendCapMicros' : 'SET limits.monthlySpendCapMicros = :c'} ADD limitsRev :one`,
        ExpressionAttributeValues: { ':one': 1, ...(capMicros === null ? {} : { ':c': capMicros }) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return this.limitsChanged(res.Attributes as Record<string, unknown>);
  }

  /** Sets (or, with null, removes) the public display name; the caller validated it (parseDisplayName). */
  async setDisplayName(clientId: string, displayName: string | null): Promise<Client> {
    await this.ensureClient(clientId);
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.clients,
        Key: { clientId },
        UpdateExpression: displayName === null ? 'REMOVE displayName' : 'SET displayName = :n',
        ...(displayName === null ? {} : { ExpressionAttributeValues: { ':n': displayName } }),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toClient(res.Attributes as Record<string, unknown>);
  }

  /** Sets the billing details; the caller checked them (checkBillingDetails). Invoices already issued keep theirs. */
  async setBilling(clientId: string, billing: InvoiceParty): Promise<Client> {
    await this.ensureClient(clientId);
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.clients,
        Key: { clientId },
        UpdateExpression: 'SET billing = :b',
        ExpressionAttributeValues: { ':b': billing },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return res.Attributes as Client;
  }

  async setLimits(clientId: string, limits: ClientLimits): Promise<Client> {
    await this.ensureClient(clientId);
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.clients,
        Key: { clientId },
        UpdateExpression: 'SET limits = :l ADD limitsRev :one',
        ExpressionAttributeValues: { ':l': limits, ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return this.limitsChanged(res.Attributes as Record<string, unknown>);
  }

  /**
   * A change of the client's limits is committed (its item, with a new `limitsRev`): every key the
   * client lists gets the copy before this returns, so the gateway applies it within its cache
   * time, as when it read the client. A write that fails throws: the change is then in the client
   * item but maybe not in every key, and running it again (it is idempotent) completes it.
   */
  private async limitsChanged(item: Record<string, unknown>): Promise<Client> {
    const limits = limitsOf(item);
    const keyIds = item.keyIds instanceof Set ? [...(item.keyIds as Set<string>)] : [];
    await runLimited(
      keyIds.map((keyId) => () => this.syncKey(keyId, limits)),
      SYNC_CONCURRENCY,
    );
    return toClient(item);
  }

  /** Brings one key's copy up to `limits` unless it holds that revision or a later one already (or is gone). */
  private async syncKey(keyId: string, limits: { limits: ClientLimits; rev: number }): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.keys,
          Key: { keyId },
          UpdateExpression: 'SET limits = :l, limitsRev = :r',
          ConditionExpression: 'attribute_exists(keyId) AND (attribute_not_exists(limitsRev) OR limitsRev < :r)',
          ExpressionAttributeValues: { ':l': limits.limits, ':r': limits.rev },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }
}

/** The client's limits and their revision, from its item (no revision yet: 0). */
function limitsOf(item: Record<string, unknown> | undefined): { limits: ClientLimits; rev: number } {
  return { limits: (item?.limits as ClientLimits | undefined) ?? {}, rev: Number(item?.limitsRev ?? 0) };
}

/** A client as the callers see it, without the bookkeeping that keeps its keys' copies in step. */
function toClient(item: Record<string, unknown>): Client {
  return {
    clientId: String(item.clientId),
    createdAt: Number(item.createdAt),
    limits: (item.limits as ClientLimits | undefined) ?? {},
    ...(item.displayName !== undefined ? { displayName: String(item.displayName) } : {}),
    ...(item.billing !== undefined ? { billing: item.billing as InvoiceParty } : {}),
  };
}

function toStoredKey(item: Record<string, unknown>): StoredKey {
  return {
    keyId: String(item.keyId),
    clientId: String(item.clientId),
    secretHash: String(item.secretHash),
    createdAt: Number(item.createdAt),
    ...(item.test === true ? { test: true } : {}),
    ...(item.developerId !== undefined ? { developerId: String(item.developerId) } : {}),
    ...(item.revokedAt !== undefined ? { revokedAt: Number(item.revokedAt) } : {}),
    ...(item.limitsRev !== undefined ? { limits: (item.limits as ClientLimits | undefined) ?? {}, limitsRev: Number(item.limitsRev) } : {}),
  };
}
