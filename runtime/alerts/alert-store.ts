import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../../shared/errors.ts';
import type { WebhookEvent } from '../../shared/webhook.ts';
import type { TableNames } from '../store/tables.ts';
import { isAllowedHost } from './public-address.ts';

export interface WebhookEndpoint {
  id: string;
  clientId: string;
  url: string;
  /** the HMAC key of the signature header, shown to the client when the endpoint is added */
  secret: string;
  createdAt: number;
}

export interface DeliveryAttempt {
  at: number;
  /** HTTP status, or 0 when no answer came */
  status: number;
  error?: string;
}

export interface Delivery {
  clientId: string;
  eventId: string;
  endpointId: string;
  firstAttemptAt?: number;
  /** the last attempts, oldest first (a bounded log) */
  attempts: DeliveryAttempt[];
  /** failed attempts since it was last scheduled (a resend starts again at 0) */
  tries: number;
  state: 'pending' | 'delivered' | 'failed';
  /** when it is tried next (pending only) */
  dueAt?: number;
}

export class WebhookError extends DomainError {
  override readonly name = 'WebhookError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

/** At most this many endpoints per client, and this many attempts kept in a delivery's log. */
export const MAX_ENDPOINTS = 5;
const LOG_ATTEMPTS = 10;

/**
 * An endpoint's URL: https to a public host. A webhook is a request the platform makes on a
 * client's behalf, so an address on the operator's own network (loopback, private, link-local:
 * the cloud's metadata service) is refused, unless the operator allows loopback for local
 * development (FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK=1, http or https to 127.0.0.1 only).
 */
export function checkEndpointUrl(text: unknown, allowLoopback: boolean): string {
  let url: URL;
  try {
    url = new URL(String(text));
  } catch {
    throw new WebhookError('url: not a URL');
  }
  const loopback = url.hostname === '127.0.0.1';
  if (url.username || url.password) throw new WebhookError('url: no credentials in the URL (the signature authenticates the platform)');
  if (loopback && allowLoopback) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookError('url: http or https');
    return url.href;
  }
  if (url.protocol !== 'https:') throw new WebhookError('url: https only');
  // Checked again at every delivery, on the address connected to (webhook-post.ts): a name's DNS can change.
  if (!isAllowedHost(url.hostname, false)) throw new WebhookError('url: a public host, not a loopback, private, link-local or local-only name or address');
  return url.href;
}

/**
 * Whether webhooks may go to 127.0.0.1: only when FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK is exactly "1";
 * any other value is a mistake said at start rather than a silently refused endpoint later.
 */
export function webhooksAllowLoopback(env: NodeJS.ProcessEnv): boolean {
  const flag = env.FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK;
  if (flag !== undefined && flag !== '' && flag !== '0' && flag !== '1') throw new Error(`FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK must be 1 (allow http://127.0.0.1 endpoints) or unset, got "${flag}"`);
  return flag === '1';
}

/** Webhook endpoints, events and deliveries: the `alerts` table. */
export class AlertStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'alerts'>,
  ) {}

  private async query(clientId: string, prefix: string): Promise<Record<string, unknown>[]> {
    const res = await this.db.send(new QueryCommand({ TableName: this.tables.alerts, KeyConditionExpression: 'clientId = :c AND begins_with(sk, :p)', ExpressionAttributeValues: { ':c': clientId, ':p': prefix }, ConsistentRead: true }));
    return res.Items ?? [];
  }

  async endpoints(clientId: string): Promise<WebhookEndpoint[]> {
    return (await this.query(clientId, 'endpoint#')).map((i) => ({ id: String(i.id), clientId, url: String(i.url), secret: String(i.secret), createdAt: Number(i.createdAt) }));
  }

  async addEndpoint(clientId: string, url: string, now: number): Promise<WebhookEndpoint> {
    if ((await this.endpoints(clientId)).length >= MAX_ENDPOINTS) throw new WebhookError(`at most ${MAX_ENDPOINTS} webhook endpoints per client`);
    const endpoint = { id: `we_${randomBytes(8).toString('hex')}`, clientId, url, secret: `whsec_${randomBytes(24).toString('base64url')}`, createdAt: now };
    await this.db.send(new PutCommand({ TableName: this.tables.alerts, Item: { sk: `endpoint#${endpoint.id}`, ...endpoint } }));
    return endpoint;
  }

  async removeEndpoint(clientId: string, id: string): Promise<boolean> {
    const res = await this.db.send(new DeleteCommand({ TableName: this.tables.alerts, Key: { clientId, sk: `endpoint#${id}` }, ReturnValues: 'ALL_OLD' }));
    return !!res.Attributes;
  }

  /**
   * Records an event once per id and schedules its delivery to each of the client's endpoints.
   * Returns false when the event was already recorded (the fact was noticed before).
   */
  async emit(event: WebhookEvent, now: number): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tables.alerts, Item: { clientId: event.clientId, sk: `event#${event.id}`, json: JSON.stringify(event), created: event.created }, ConditionExpression: 'attribute_not_exists(sk)' }));
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
    for (const endpoint of await this.endpoints(event.clientId)) await this.schedule(event.clientId, event.id, endpoint.id, now, true);
    return true;
  }

  private async schedule(clientId: string, eventId: string, endpointId: string, dueAt: number, fresh: boolean): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.alerts,
        Key: { clientId, sk: `delivery#${eventId}#${endpointId}` },
        UpdateExpression: fresh
          ? 'SET eventId = :e, endpointId = :p, attempts = if_not_exists(attempts, :none), tries = :zero, #state = :pending, due = :d, dueAt = :t'
          : 'SET tries = :zero, #state = :pending, due = :d, dueAt = :t, firstAttemptAt = :t',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: fresh ? { ':e': eventId, ':p': endpointId, ':none': [], ':zero': 0, ':pending': 'pending', ':d': 'D', ':t': dueAt } : { ':zero': 0, ':pending': 'pending', ':d': 'D', ':t': dueAt },
      }),
    );
  }

  async event(clientId: string, eventId: string): Promise<WebhookEvent | undefined> {
    const item = (await this.db.send(new GetCommand({ TableName: this.tables.alerts, Key: { clientId, sk: `event#${eventId}` } }))).Item;
    return item ? (JSON.parse(String(item.json)) as WebhookEvent) : undefined;
  }

  async events(clientId: string): Promise<WebhookEvent[]> {
    return (await this.query(clientId, 'event#')).map((i) => JSON.parse(String(i.json)) as WebhookEvent).sort((a, b) => b.created - a.created);
  }

  private static delivery(i: Record<string, unknown>): Delivery {
    return {
      clientId: String(i.clientId),
      eventId: String(i.eventId),
      endpointId: String(i.endpointId),
      ...(i.firstAttemptAt !== undefined ? { firstAttemptAt: Number(i.firstAttemptAt) } : {}),
      attempts: (i.attempts as DeliveryAttempt[] | undefined) ?? [],
      tries: Number(i.tries ?? 0),
      state: i.state as Delivery['state'],
      ...(i.dueAt !== undefined ? { dueAt: Number(i.dueAt) } : {}),
    };
  }

  async deliveries(clientId: string): Promise<Delivery[]> {
    return (await this.query(clientId, 'delivery#')).map(AlertStore.delivery);
  }

  /** Deliveries due by `now`, oldest first (the sparse byDue index). */
  async due(now: number, limit = 50): Promise<Delivery[]> {
    const res = await this.db.send(
      new QueryCommand({ TableName: this.tables.alerts, IndexName: 'byDue', KeyConditionExpression: 'due = :d AND dueAt <= :now', ExpressionAttributeValues: { ':d': 'D', ':now': now }, Limit: limit }),
    );
    return (res.Items ?? []).map(AlertStore.delivery);
  }

  /**
   * Takes a due delivery for one attempt: moves its due time past the attempt's timeout on
   * condition that it is still the one read, so two senders do not both send it (a sender that
   * dies mid-attempt leaves it due again after the lease: at least once).
   */
  async claim(d: Delivery, leaseUntil: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tables.alerts,
          Key: { clientId: d.clientId, sk: `delivery#${d.eventId}#${d.endpointId}` },
          UpdateExpression: 'SET dueAt = :lease',
          ConditionExpression: 'dueAt = :was',
          ExpressionAttributeValues: { ':lease': leaseUntil, ':was': d.dueAt },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /** Records an attempt: delivered, to try again at `nextAt`, or given up (`nextAt` undefined and not delivered). */
  async recordAttempt(d: Delivery, attempt: DeliveryAttempt, outcome: { delivered: true } | { delivered: false; nextAt: number | undefined }, firstAttemptAt: number): Promise<void> {
    const attempts = [...d.attempts, attempt].slice(-LOG_ATTEMPTS);
    const done = outcome.delivered || outcome.nextAt === undefined;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.alerts,
        Key: { clientId: d.clientId, sk: `delivery#${d.eventId}#${d.endpointId}` },
        UpdateExpression: done ? 'SET attempts = :a, tries = :t, #state = :s, firstAttemptAt = :f REMOVE due, dueAt' : 'SET attempts = :a, tries = :t, #state = :s, firstAttemptAt = :f, dueAt = :n',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':a': attempts, ':t': d.tries + (outcome.delivered ? 0 : 1), ':s': outcome.delivered ? 'delivered' : done ? 'failed' : 'pending', ':f': firstAttemptAt, ...(done ? {} : { ':n': (outcome as { nextAt: number }).nextAt }) },
      }),
    );
  }

  /** The console's resend button: the delivery is due now, with a fresh 24-hour retry window. */
  async resend(clientId: string, eventId: string, endpointId: string, now: number): Promise<void> {
    await this.schedule(clientId, eventId, endpointId, now, false);
  }
}
