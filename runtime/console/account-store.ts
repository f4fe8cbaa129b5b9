import { createHash, randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { signInWindow, SIGN_IN_MAX_ACCOUNT_FAILURES, SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MS, type Account, type Role } from '../../shared/accounts.ts';
import { DomainError } from '../../shared/errors.ts';
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

export class AccountExistsError extends DomainError {
  override readonly name = 'AccountExistsError';
  constructor(message: string) {
    super('conflict', message);
  }
}

/** A failed-sign-in slot taken before a password is checked; given back when the password was right. */
export interface SignInAttempt {
  /** the counters' items (the source's, the account's): the window they were taken in, even if the check ends in the next one */
  keys: string[];
}

/** The account item as stored: the account, its password hash, and the hash of its one live sign-in link. */
type StoredAccount = Account & { passwordHash?: string; signInLink?: string };

function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function secret(): string {
  return randomBytes(32).toString('base64url');
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Accounts, sessions, one-time sign-in links and failed sign-in counters in DynamoDB. Session ids
 * and link tokens are stored only as sha256 hashes: reading the table never yields one. An account
 * has at most one live sign-in link: the account item names its hash (`signInLink`), so issuing a
 * link revokes the earlier ones and redeeming it revokes them all. No transactions (dynalite has
 * none): each rule holds by one conditional write on one item.
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

  async get(email: string): Promise<StoredAccount | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.accounts, Key: { email } }));
    return res.Item as StoredAccount | undefined;
  }

  async list(): Promise<Account[]> {
    const items = await scanAll(this.db, { TableName: this.tables.accounts });
    return items
      .map(({ passwordHash: _hidden, signInLink: _link, ...a }) => a as unknown as Account)
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
    return this.deleteItemsOf(email, 'S#');
  }

  /** The sessions-table items of one account with one prefix (`S#` sessions, `T#` links). */
  async itemsOf(email: string, prefix: 'S#' | 'T#'): Promise<string[]> {
    const items = await scanAll(this.db, {
      TableName: this.tables.sessions,
      FilterExpression: 'email = :e AND begins_with(id, :p)',
      ExpressionAttributeValues: { ':e': email, ':p': prefix },
      ProjectionExpression: 'id',
    });
    return items.map((i) => String(i.id));
  }

  /** The sessions table is small and short-lived: a scan finds an account's items. */
  private async deleteItemsOf(email: string, prefix: 'S#' | 'T#'): Promise<number> {
    const ids = await this.itemsOf(email, prefix);
    for (const id of ids) await this.db.send(new DeleteCommand({ TableName: this.tables.sessions, Key: { id } }));
    return ids.length;
  }

  /** Lets a disabled account sign in again (with its password, or a new link). */
  async enable(email: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({ TableName: this.tables.accounts, Key: { email }, UpdateExpression: 'REMOVE disabledAt', ConditionExpression: 'attribute_exists(email)' }),
    );
  }

  /**
   * A one-time token for the sign-in link; only its hash is stored. The account item then names
   * this link as its only live one, so every earlier link stops working at once (and its item is
   * deleted). The account must exist.
   */
  async issueSignInToken(email: string): Promise<{ token: string; expiresAt: number }> {
    const token = secret();
    const hash = sha256(token);
    const expiresAt = this.now() + SIGN_IN_LINK_TTL_MS;
    let previous: string | undefined;
    try {
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.tables.accounts,
          Key: { email },
          UpdateExpression: 'SET signInLink = :h',
          ConditionExpression: 'attribute_exists(email)',
          ExpressionAttributeValues: { ':h': hash },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      previous = res.Attributes?.signInLink as string | undefined;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new Error(`no account for ${email}`);
      throw e;
    }
    await this.db.send(new PutCommand({ TableName: this.tables.sessions, Item: { id: `T#${hash}`, email, expiresAt: seconds(expiresAt), expiresAtMs: expiresAt } }));
    // Already unusable (the account names the new link); deleted so the table keeps no dead links.
    if (previous && previous !== hash) await this.db.send(new DeleteCommand({ TableName: this.tables.sessions, Key: { id: `T#${previous}` } }));
    return { token, expiresAt };
  }

  /**
   * Reads a sign-in token without consuming it: the account's e-mail when the link would redeem
   * now (known, not expired, still the account's live link, account not disabled), else undefined.
   * Strongly consistent reads, no writes: a look at the link never uses it up.
   */
  async peekSignInToken(token: string): Promise<string | undefined> {
    const hash = sha256(token);
    const res = await this.db.send(new GetCommand({ TableName: this.tables.sessions, Key: { id: `T#${hash}` }, ConsistentRead: true }));
    const item = res.Item;
    if (!item || Number(item.expiresAtMs) <= this.now()) return undefined;
    const account = await this.db.send(new GetCommand({ TableName: this.tables.accounts, Key: { email: String(item.email) }, ConsistentRead: true }));
    const a = account.Item as StoredAccount | undefined;
    if (!a || a.signInLink !== hash || a.disabledAt !== undefined) return undefined;
    return a.email;
  }

  /**
   * Consumes a sign-in token; returns the account's e-mail, or undefined for an unknown, used,
   * expired or revoked link. First a conditional delete of the link, so two redeems of one link
   * cannot both win; then the account must still name it as its live link (a conditional update
   * that also clears it), so a link issued later revokes this one, and once one is redeemed no
   * other can be. Any other link item of the account left behind is deleted.
   */
  async redeemSignInToken(token: string): Promise<string | undefined> {
    const hash = sha256(token);
    let email: string;
    try {
      const res = await this.db.send(
        new DeleteCommand({
          TableName: this.tables.sessions,
          Key: { id: `T#${hash}` },
          ConditionExpression: 'attribute_exists(id) AND expiresAtMs > :now',
          ExpressionAttributeValues: { ':now': this.now() },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (!res.Attributes) return undefined;
      email = String(res.Attributes.email);
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.accounts,
          Key: { email },
          UpdateExpression: 'REMOVE signInLink',
          ConditionExpression: 'signInLink = :h',
          ExpressionAttributeValues: { ':h': hash },
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return undefined;
      throw e;
    }
    await this.deleteItemsOf(email, 'T#');
    return email;
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

  /** Failed (or in-flight) sign-ins for this e-mail in the current window, from every source. */
  async failures(email: string): Promise<number> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.sessions, Key: { id: this.failureKey(email) } }));
    return Number(res.Item?.count ?? 0);
  }

  /**
   * Takes the window's failed-sign-in slots BEFORE the password is checked: the source's (at most
   * SIGN_IN_MAX_FAILURES for this e-mail from there), then the account's (at most
   * SIGN_IN_MAX_ACCOUNT_FAILURES from everywhere), one conditional ADD each, so however many
   * attempts run at once no more passwords are checked than that. Undefined when either has no
   * slot left: refuse without checking (a source slot taken is given back then).
   */
  async reserveSignInAttempt(email: string, source: string): Promise<SignInAttempt | undefined> {
    const sourceKey = `${this.failureKey(email)}#${source}`;
    if (!(await this.takeSlot(sourceKey, SIGN_IN_MAX_FAILURES))) return undefined;
    const accountKey = this.failureKey(email);
    if (!(await this.takeSlot(accountKey, SIGN_IN_MAX_ACCOUNT_FAILURES))) {
      await this.releaseSignInAttempt({ keys: [sourceKey] });
      return undefined;
    }
    return { keys: [sourceKey, accountKey] };
  }

  private async takeSlot(key: string, max: number): Promise<boolean> {
    const windowEnd = (signInWindow(this.now()) + 1) * SIGN_IN_WINDOW_MS;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.sessions,
          Key: { id: key },
          UpdateExpression: 'SET expiresAt = :e ADD #count :one',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':e': seconds(windowEnd), ':one': 1, ':max': max },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /** Gives the slots back: the password was right, so the attempt was no failure. */
  async releaseSignInAttempt(attempt: SignInAttempt): Promise<void> {
    for (const key of attempt.keys) await this.releaseSlot(key);
  }

  private async releaseSlot(key: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.sessions,
          Key: { id: key },
          UpdateExpression: 'ADD #count :minusOne',
          ConditionExpression: '#count > :zero',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
        }),
      );
    } catch (e) {
      // The counter is gone (its window expired and TTL removed it): nothing to give back.
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  private failureKey(email: string): string {
    return `L#${signInWindow(this.now())}#${email}`;
  }
}
