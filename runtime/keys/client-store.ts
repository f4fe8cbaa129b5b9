import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../../shared/errors.ts';
import type { InvoiceParty } from '../../shared/invoice.ts';
import { scanAll } from '../store/paging.ts';
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
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super('not_found', message);
  }
}

export const CLIENT_ID = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

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

  /** Creates the client if needed and a new key; the full key is returned here and never again. */
  async createKey(clientId: string): Promise<{ clientId: string; keyId: string; apiKey: string }> {
    await this.ensureClient(clientId);
    const key = generateKey();
    const item: StoredKey = { keyId: key.keyId, clientId, secretHash: key.secretHash, createdAt: this.now() };
    await this.db.send(new PutCommand({ TableName: this.tables.keys, Item: item, ConditionExpression: 'attribute_not_exists(keyId)' }));
    return { clientId, keyId: key.keyId, apiKey: key.apiKey };
  }

  async revokeKey(keyId: string): Promise<StoredKey> {
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
      return res.Attributes as StoredKey;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new NotFoundError(`no key with id "${keyId}"`);
      throw e;
    }
  }

  async getKey(keyId: string): Promise<StoredKey | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.keys, Key: { keyId } }));
    return res.Item as StoredKey | undefined;
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
      ...(i.revokedAt !== undefined ? { revokedAt: Number(i.revokedAt) } : {}),
    }));
  }

  async getClient(clientId: string): Promise<Client | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.clients, Key: { clientId } }));
    return res.Item as Client | undefined;
  }

  async listClients(): Promise<Client[]> {
    const items = (await scanAll(this.db, { TableName: this.tables.clients })) as unknown as Client[];
    return items.sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
  }

  /** Sets (or, with null, removes) the monthly spend cap, leaving the other limits as they are. */
  async setSpendCap(clientId: string, capMicros: number | null): Promise<Client> {
    await this.ensureClient(clientId);
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.clients,
        Key: { clientId },
        UpdateExpression: capMicros === null ? 'REMOVE limits.monthlySpendCapMicros' : 'SET limits.monthlySpendCapMicros = :c',
        ...(capMicros === null ? {} : { ExpressionAttributeValues: { ':c': capMicros } }),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return res.Attributes as Client;
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
    return res.Attributes as Client;
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
        UpdateExpression: 'SET limits = :l',
        ExpressionAttributeValues: { ':l': limits },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return res.Attributes as Client;
  }
}
