import { createHash, randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { signInWindow, SIGN_IN_WINDOW_MS, type Account, type Role } from '../../shared/accounts.ts';
import { scanAll } from '../store/paging.ts';
import type { TableNames } from '../store/tables.ts';

export const SESSION_TTL_MS = 12 * 3600_000;
export const SIGN_IN_LINK_TTL_MS = 7 * 24 * 3600_000;

export interface Session {
  email: string;
  role: Role;
  clientId?: string;
  developerId?: string;
  csrfToken: string;
  expiresAt: number;
}

export class AccountExistsError extends Error {
  override readonly name = 'AccountExistsError';
}

function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function secret(): string {
  return randomBytes(32).toString('base64url');
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Accounts, sessions, one-time sign-in links and failed sign-in counters in DynamoDB. Session ids
 * and link tokens are stored only as sha256 hashes: reading the table never yields one.
 */
export class AccountStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'accounts' | 'sessions'>,
    private readonly now: () => number = Date.now,
  ) {}

  async create(account: Omit<Account, 'createdAt'>): Promise<Account> {
    const item: Account = { ...account, createdAt: this.now() };
    try {
      await this.db.send(new PutCommand({ TableName: this.tables.accounts, Item: item, ConditionExpression: 'attribute_not_exists(email)' }));
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new AccountExistsError(`an account for ${account.email} already exists`);
      throw e;
    }
    return item;
  }

  async get(email: string): Promise<(Account & { passwordHash?: string }) | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.accounts, Key: { email } }));
    return res.Item as (Account & { passwordHash?: string }) | undefined;
  }

  async list(): Promise<Account[]> {
    const items = await scanAll(this.db, { TableName: this.tables.accounts });
    return items
      .map(({ passwordHash: _hidden, ...a }) => a as unknown as Account)
      .sort((a, b) => (a.email < b.email ? -1 : 1));
  }

  async setPasswordHash(email: string, passwordHash: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.accounts,
        Key: { email },
        UpdateExpression: 'SET passwordHash = :h',
        ConditionExpression: 'attribute_exists(email)',
        ExpressionAttributeValues: { ':h': passwordHash },
      }),
    );
  }

  /**
   * Disables an account: it can no longer sign in or redeem a link, and its open sessions end
   * now (the sessions table is small and short-lived: a scan finds them).
   */
  async disable(email: string): Promise<number> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.accounts,
        Key: { email },
        UpdateExpression: 'SET disabledAt = :now',
        ConditionExpression: 'attribute_exists(email)',
        ExpressionAttributeValues: { ':now': this.now() },
      }),
    );
    return this.endSessions(email);
  }

  /** Ends every open session of an account; returns how many there were. */
  async endSessions(email: string): Promise<number> {
    const sessions = await scanAll(this.db, {
      TableName: this.tables.sessions,
      FilterExpression: 'email = :e AND begins_with(id, :s)',
      ExpressionAttributeValues: { ':e': email, ':s': 'S#' },
      ProjectionExpression: 'id',
    });
    for (const s of sessions) await this.db.send(new DeleteCommand({ TableName: this.tables.sessions, Key: { id: s.id } }));
    return sessions.length;
  }

  /** Lets a disabled account sign in again (with its password, or a new link). */
  async enable(email: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({ TableName: this.tables.accounts, Key: { email }, UpdateExpression: 'REMOVE disabledAt', ConditionExpression: 'attribute_exists(email)' }),
    );
  }

  /** A one-time token for the sign-in link; only its hash is stored. */
  async issueSignInToken(email: string): Promise<{ token: string; expiresAt: number }> {
    const token = secret();
    const expiresAt = this.now() + SIGN_IN_LINK_TTL_MS;
    await this.db.send(new PutCommand({ TableName: this.tables.sessions, Item: { id: `T#${sha256(token)}`, email, expiresAt: seconds(expiresAt), expiresAtMs: expiresAt } }));
    return { token, expiresAt };
  }

  /** Consumes a sign-in token: a conditional delete, so two redeems of one link cannot both win. */
  async redeemSignInToken(token: string): Promise<string | undefined> {
    try {
      const res = await this.db.send(
        new DeleteCommand({
          TableName: this.tables.sessions,
          Key: { id: `T#${sha256(token)}` },
          ConditionExpression: 'attribute_exists(id) AND expiresAtMs > :now',
          ExpressionAttributeValues: { ':now': this.now() },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return res.Attributes ? String(res.Attributes.email) : undefined;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return undefined;
      throw e;
    }
  }

  async createSession(account: Account): Promise<{ sessionId: string; session: Session }> {
    const sessionId = secret();
    const session: Session = {
      email: account.email,
      role: account.role,
      ...(account.clientId ? { clientId: account.clientId } : {}),
      ...(account.developerId ? { developerId: account.developerId } : {}),
      csrfToken: secret(),
      expiresAt: this.now() + SESSION_TTL_MS,
    };
    await this.db.send(new PutCommand({ TableName: this.tables.sessions, Item: { id: `S#${sha256(sessionId)}`, ...session, expiresAt: seconds(session.expiresAt), expiresAtMs: session.expiresAt } }));
    return { sessionId, session };
  }

  async getSession(sessionId: string): Promise<Session | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.sessions, Key: { id: `S#${sha256(sessionId)}` } }));
    const item = res.Item;
    // DynamoDB TTL deletes within days, and dynalite never: expiry is enforced here.
    if (!item || Number(item.expiresAtMs) <= this.now()) return undefined;
    const { id: _id, expiresAtMs, ...rest } = item;
    return { ...(rest as Omit<Session, 'expiresAt'>), expiresAt: Number(expiresAtMs) };
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tables.sessions, Key: { id: `S#${sha256(sessionId)}` } }));
  }

  /** Failed sign-ins for this e-mail in the current window. */
  async failures(email: string): Promise<number> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.sessions, Key: { id: this.failureKey(email) } }));
    return Number(res.Item?.count ?? 0);
  }

  async recordFailure(email: string): Promise<number> {
    const windowEnd = (signInWindow(this.now()) + 1) * SIGN_IN_WINDOW_MS;
    const res = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.sessions,
        Key: { id: this.failureKey(email) },
        UpdateExpression: 'SET expiresAt = :e ADD #count :one',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':e': seconds(windowEnd), ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(res.Attributes?.count ?? 1);
  }

  private failureKey(email: string): string {
    return `L#${signInWindow(this.now())}#${email}`;
  }
}
