import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../shared/accounts.ts';
import { queryAll } from '../store/paging.ts';
import type { TableNames } from '../store/tables.ts';

export interface StoredAuthor {
  role: Role;
  /** developer id, client id, or 'finance' */
  id: string;
  email: string;
}

export interface StoredThread {
  threadId: string;
  title: string;
  featureSlug?: string;
  author: StoredAuthor;
  createdAt: number;
  acceptedPostId?: string;
}

export interface StoredPost {
  postId: string;
  threadId: string;
  author: StoredAuthor;
  markdown: string;
  createdAt: number;
  editedAt?: number;
  hidden: boolean;
  review: boolean;
}

export type RequestStatus = 'open' | 'planned' | 'delivered' | 'declined';

export interface StoredRequest {
  requestId: string;
  title: string;
  description: string;
  budgetMicros?: number;
  /** whether everyone sees the budget; absent (older requests) = no, only the client and finance */
  budgetPublic?: boolean;
  tags: string[];
  clientId: string;
  authorEmail: string;
  status: RequestStatus;
  createdAt: number;
  plannedBy?: string;
  acceptedBy?: string;
  deliveredSlug?: string;
  declineReason?: string;
}

export class ConditionFailed extends Error {
  override readonly name = 'ConditionFailed';
}

/** Ids sort by creation time, so a thread's posts come back in order from one Query. */
export function newId(now: number): string {
  return `${now.toString(36).padStart(9, '0')}${randomBytes(5).toString('hex')}`;
}

const META = '#meta';
const threadScope = (featureSlug?: string) => (featureSlug ? `feature#${featureSlug}` : 'general');

async function conditional<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) throw new ConditionFailed('condition failed');
    throw e;
  }
}

/** Threads, posts, requests, votes and help markers in the community table (see tables.ts). */
export class CommunityStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'community'>,
  ) {}

  private get table(): string {
    return this.tables.community;
  }

  // ---- threads and posts ----------------------------------------------------------------------

  async createThread(thread: StoredThread, first: StoredPost): Promise<void> {
    // The post first: a thread never lists without its opening post.
    await this.putPost(first);
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: `T#${thread.threadId}`, sk: META, scope: threadScope(thread.featureSlug), ...thread } }));
  }

  async putPost(post: StoredPost): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: `T#${post.threadId}`, sk: `P#${post.postId}`, ...post }, ConditionExpression: 'attribute_not_exists(sk)' }));
  }

  async listThreads(featureSlug?: string): Promise<StoredThread[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'byScope',
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'scope' },
      ExpressionAttributeValues: { ':s': threadScope(featureSlug) },
      ScanIndexForward: false,
    });
    return items.map((i) => stripKeys<StoredThread>(i));
  }

  /** When this account last looked at its features' threads (epoch ms), if ever. */
  async lastVisit(email: string): Promise<number | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `D#${email}`, sk: 'visit' } }));
    return res.Item ? Number(res.Item.at) : undefined;
  }

  /** Moves the visit forward only: an older visit arriving late never brings read threads back. */
  async markVisit(email: string, at: number): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `D#${email}`, sk: 'visit' },
          UpdateExpression: 'SET #at = :at',
          ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      )
      .catch((e: unknown) => {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      });
  }

  /** A thread and its posts in order, or undefined. */
  async getThread(threadId: string): Promise<{ thread: StoredThread; posts: StoredPost[] } | undefined> {
    const items = await queryAll(this.db, { TableName: this.table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `T#${threadId}` } });
    const meta = items.find((i) => i.sk === META);
    if (!meta) return undefined;
    const posts = items.filter((i) => String(i.sk).startsWith('P#')).map((i) => stripKeys<StoredPost>(i));
    return { thread: stripKeys<StoredThread>(meta), posts: posts.sort((a, b) => (a.postId < b.postId ? -1 : 1)) };
  }

  async getPost(threadId: string, postId: string): Promise<StoredPost | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `T#${threadId}`, sk: `P#${postId}` } }));
    return res.Item ? (stripKeys<StoredPost>(res.Item)) : undefined;
  }

  /** Edits a post only if `email` wrote it and it was written after `notBefore` (the edit window). */
  async editPost(threadId: string, postId: string, email: string, markdown: string, editedAt: number, notBefore: number): Promise<StoredPost> {
    const res = await conditional(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `T#${threadId}`, sk: `P#${postId}` },
          UpdateExpression: 'SET markdown = :m, editedAt = :e',
          ConditionExpression: 'author.email = :me AND createdAt >= :nb AND #hidden = :f',
          ExpressionAttributeNames: { '#hidden': 'hidden' },
          ExpressionAttributeValues: { ':m': markdown, ':e': editedAt, ':me': email, ':nb': notBefore, ':f': false },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return stripKeys<StoredPost>(res.Attributes ?? {});
  }

  async setHidden(threadId: string, postId: string, hidden: boolean): Promise<StoredPost> {
    const res = await conditional(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `T#${threadId}`, sk: `P#${postId}` },
          UpdateExpression: 'SET #hidden = :h',
          ConditionExpression: 'attribute_exists(sk)',
          ExpressionAttributeNames: { '#hidden': 'hidden' },
          ExpressionAttributeValues: { ':h': hidden },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return stripKeys<StoredPost>(res.Attributes ?? {});
  }

  async setAccepted(threadId: string, postId: string): Promise<void> {
    await this.db.send(new UpdateCommand({ TableName: this.table, Key: { pk: `T#${threadId}`, sk: META }, UpdateExpression: 'SET acceptedPostId = :p', ExpressionAttributeValues: { ':p': postId } }));
  }

  // ---- help a developer gave ------------------------------------------------------------------

  /** One marker per thread: accepting another answer in the same thread moves the credit. */
  async creditAnswer(developerId: string, threadId: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: `H#${developerId}`, sk: `A#${threadId}`, threadId } }));
  }

  async uncreditAnswer(developerId: string, threadId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: `H#${developerId}`, sk: `A#${threadId}` } }));
  }

  /** One review per feature per developer, however many they write. */
  async creditReview(developerId: string, featureSlug: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: `H#${developerId}`, sk: `R#${featureSlug}`, featureSlug } }));
  }

  async helpCounts(developerId: string): Promise<{ acceptedAnswers: number; reviews: number }> {
    const items = await queryAll(this.db, { TableName: this.table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `H#${developerId}` } });
    return { acceptedAnswers: items.filter((i) => String(i.sk).startsWith('A#')).length, reviews: items.filter((i) => String(i.sk).startsWith('R#')).length };
  }

  // ---- custom-development requests ------------------------------------------------------------

  async createRequest(r: StoredRequest): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: `Q#${r.requestId}`, sk: META, scope: 'request', ...r }, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async getRequest(requestId: string): Promise<StoredRequest | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `Q#${requestId}`, sk: META } }));
    return res.Item ? (stripKeys<StoredRequest>(res.Item)) : undefined;
  }

  async listRequests(): Promise<StoredRequest[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'byScope',
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'scope' },
      ExpressionAttributeValues: { ':s': 'request' },
      ScanIndexForward: false,
    });
    return items.map((i) => stripKeys<StoredRequest>(i));
  }

  /**
   * Sets fields of a request if its status is one of `from` (and `extra` holds): the status
   * check is the lock that lets two developers race to plan the same request, one winning.
   */
  async updateRequest(requestId: string, from: RequestStatus[], set: Partial<StoredRequest>, extra?: { expression: string; values: Record<string, unknown> }): Promise<StoredRequest> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {};
    const parts: string[] = [];
    for (const [k, v] of Object.entries(set)) {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      parts.push(`#${k} = :${k}`);
    }
    from.forEach((s, i) => (values[`:from${i}`] = s));
    const condition = [`#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`, ...(extra ? [extra.expression] : [])].join(' AND ');
    const res = await conditional(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `Q#${requestId}`, sk: META },
          UpdateExpression: `SET ${parts.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ...extra?.values },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return stripKeys<StoredRequest>(res.Attributes ?? {});
  }

  /** One vote per account: a conditional put, so concurrent repeats are refused by the store. */
  async vote(requestId: string, email: string, at: number): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: `Q#${requestId}`, sk: `V#${email}`, at }, ConditionExpression: 'attribute_not_exists(sk)' }));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async unvote(requestId: string, email: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: `Q#${requestId}`, sk: `V#${email}` } }));
  }

  /** The votes of a request, counted from the vote items themselves: never drifts. */
  async votes(requestId: string): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :v)',
          ExpressionAttributeValues: { ':p': `Q#${requestId}`, ':v': 'V#' },
          Select: 'COUNT',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      count += res.Count ?? 0;
      start = res.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async hasVoted(requestId: string, email: string): Promise<boolean> {
    const res = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `Q#${requestId}`, sk: `V#${email}` } }));
    return res.Item !== undefined;
  }
}

/** An item without its table keys, as the type it was written from. */
function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, scope: _scope, ...rest } = item;
  return rest as T;
}
