/**
 * A client's alerts and webhook endpoints (issue #16): the events the alerts job noticed for it, the
 * endpoints they are POSTed to, and the log of each delivery with a resend. Every route reads and
 * writes the signed-in client's own partition of the `alerts` table only: the client id comes from
 * the session, never from the request, so another client's ids answer like unknown ones.
 */
import type { WebhookEvent } from '../../../shared/webhook.ts';
import { checkEndpointUrl, MAX_ENDPOINTS, type Delivery, type WebhookEndpoint } from '../../alerts/alert-store.ts';
import type { ClientAlert, ClientWebhooks, NewWebhookEndpoint, WebhookDeliveryInfo, WebhookEndpointInfo } from '../api-types.ts';
import type { ConsoleDeps } from '../deps.ts';
import type { Route, RouteRequest } from '../handler.ts';
import { consoleErrors, json, jsonBody, stringField } from '../http.ts';

/** The log shows this many deliveries, and the alerts list this many events: the newest. */
const MAX_DELIVERIES = 50;
const MAX_ALERTS = 100;
/** Longer URLs are refused before they are parsed (a webhook URL is a few dozen characters). */
const MAX_URL_LENGTH = 2_000;
/** Ids as the store makes them (`we_` + 16 hex, `evt_` + 32 hex): anything else names nothing. */
const ENDPOINT_ID = /^we_[0-9a-f]{16}$/;
const EVENT_ID = /^evt_[0-9a-f]{32}$/;

function clientOf(req: RouteRequest): string {
  return req.session?.clientId as string;
}

const endpointInfo = (e: WebhookEndpoint): WebhookEndpointInfo => ({ id: e.id, url: e.url, createdAt: e.createdAt });

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v ?? 0) || 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));

/**
 * An event as the console shows it. The alerts job wrote its data (runtime/alerts/alerts-job.ts);
 * the fields are still read one by one, so a stored event of another shape shows zeros rather
 * than breaking the page. Unknown types are left out.
 */
export function clientAlert(e: WebhookEvent): ClientAlert | undefined {
  const d = e.data;
  switch (e.type) {
    case 'spend.threshold':
      return { id: e.id, type: e.type, created: e.created, data: { month: str(d.month), percent: num(d.percent), spentMicros: num(d.spentMicros), capMicros: num(d.capMicros) } };
    case 'quota.threshold':
      return { id: e.id, type: e.type, created: e.created, data: { month: str(d.month), percent: num(d.percent), calls: num(d.calls), quota: num(d.quota) } };
    case 'invoice.finalized':
      return {
        id: e.id,
        type: e.type,
        created: e.created,
        data: {
          number: str(d.number),
          month: str(d.month),
          kind: d.kind === 'credit_note' ? 'credit_note' : 'invoice',
          netCents: num(d.netCents),
          vatCents: num(d.vatCents),
          totalCents: num(d.totalCents),
          currency: str(d.currency),
        },
      };
    default:
      return undefined;
  }
}

function deliveryInfo(d: Delivery, events: Map<string, WebhookEvent>, endpoints: Map<string, WebhookEndpoint>): WebhookDeliveryInfo | undefined {
  const event = events.get(d.eventId);
  if (!event) return undefined;
  return {
    eventId: d.eventId,
    eventType: event.type,
    eventCreated: event.created,
    endpointId: d.endpointId,
    endpointUrl: endpoints.get(d.endpointId)?.url ?? null,
    state: d.state,
    nextAttemptAt: d.state === 'pending' ? (d.dueAt ?? null) : null,
    attempts: d.attempts.map((a) => ({ at: a.at, status: a.status, ...(a.error ? { error: a.error } : {}) })),
  };
}

/** The newest activity of a delivery: its last attempt, or its event when none was made yet. */
const lastActivity = (d: WebhookDeliveryInfo) => Math.max(d.eventCreated, d.attempts.at(-1)?.at ?? 0);

export function webhookRoutes(deps: ConsoleDeps): Route[] {
  const store = () => deps.alerts.store;

  const deliveries = async (clientId: string): Promise<WebhookDeliveryInfo[]> => {
    const [all, events, endpoints] = await Promise.all([store().deliveries(clientId), store().events(clientId), store().endpoints(clientId)]);
    const eventsById = new Map(events.map((e) => [e.id, e]));
    const endpointsById = new Map(endpoints.map((e) => [e.id, e]));
    return all
      .map((d) => deliveryInfo(d, eventsById, endpointsById))
      .filter((d): d is WebhookDeliveryInfo => d !== undefined)
      .sort((a, b) => b.eventCreated - a.eventCreated || lastActivity(b) - lastActivity(a) || (a.endpointId < b.endpointId ? -1 : 1));
  };

  return [
    {
      method: 'GET',
      path: /^\/client\/alerts$/,
      access: 'client',
      handle: async (req) => {
        const events = await store().events(clientOf(req));
        const alerts = events.map(clientAlert).filter((a): a is ClientAlert => a !== undefined);
        return json(200, { alerts: alerts.slice(0, MAX_ALERTS) });
      },
    },
    {
      method: 'GET',
      path: /^\/client\/webhooks$/,
      access: 'client',
      handle: async (req) => {
        const clientId = clientOf(req);
        const endpoints = (await store().endpoints(clientId)).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
        const body: ClientWebhooks = { endpoints: endpoints.map(endpointInfo), maxEndpoints: MAX_ENDPOINTS, deliveries: (await deliveries(clientId)).slice(0, MAX_DELIVERIES) };
        return json(200, body);
      },
    },
    {
      method: 'POST',
      path: /^\/client\/webhooks$/,
      access: 'client',
      handle: async (req) => {
        const clientId = clientOf(req);
        // checkEndpointUrl throws a WebhookError (400 invalid_request) saying what is wrong with it.
        const url = checkEndpointUrl(stringField(jsonBody(req.event), 'url', MAX_URL_LENGTH), deps.alerts.allowLoopback);
        const existing = await store().endpoints(clientId);
        if (existing.some((e) => e.url === url)) throw consoleErrors.conflict(`${url} is already one of your webhook endpoints.`);
        if (existing.length >= MAX_ENDPOINTS) throw consoleErrors.conflict(`You have ${MAX_ENDPOINTS} webhook endpoints, the most a client may have: remove one first.`);
        const endpoint = await store().addEndpoint(clientId, url, req.now);
        const body: NewWebhookEndpoint = { ...endpointInfo(endpoint), secret: endpoint.secret };
        return json(201, body);
      },
    },
    {
      method: 'POST',
      path: /^\/client\/webhooks\/deliveries\/resend$/,
      access: 'client',
      handle: async (req) => {
        const clientId = clientOf(req);
        const body = jsonBody(req.event);
        const eventId = stringField(body, 'eventId', 100);
        const endpointId = stringField(body, 'endpointId', 100);
        const notFound = () => consoleErrors.notFound(`No delivery of event "${eventId}" to endpoint "${endpointId}" for this client.`);
        if (!EVENT_ID.test(eventId) || !ENDPOINT_ID.test(endpointId)) throw notFound();
        // Only a delivery that exists in the client's own partition: the resend's update would
        // otherwise create one (an UpdateItem makes the item it names).
        const [mine, event, endpoints] = await Promise.all([store().deliveries(clientId), store().event(clientId, eventId), store().endpoints(clientId)]);
        if (!event || !mine.some((d) => d.eventId === eventId && d.endpointId === endpointId)) throw notFound();
        const endpoint = endpoints.find((e) => e.id === endpointId);
        if (!endpoint) throw consoleErrors.conflict(`Endpoint "${endpointId}" was removed: add it again to receive new events.`);
        await store().resend(clientId, eventId, endpointId, req.now);
        const resent = (await store().deliveries(clientId)).find((d) => d.eventId === eventId && d.endpointId === endpointId);
        const info = resent && deliveryInfo(resent, new Map([[eventId, event]]), new Map([[endpointId, endpoint]]));
        if (!info) throw notFound();
        return json(200, info);
      },
    },
    {
      method: 'DELETE',
      path: /^\/client\/webhooks\/([^/]+)$/,
      access: 'client',
      handle: async (req) => {
        const clientId = clientOf(req);
        const id = req.params[0] ?? '';
        const notFound = () => consoleErrors.notFound(`No webhook endpoint "${id}" for this client.`);
        if (!ENDPOINT_ID.test(id)) throw notFound();
        const endpoint = (await store().endpoints(clientId)).find((e) => e.id === id);
        if (!endpoint || !(await store().removeEndpoint(clientId, id))) throw notFound();
        return json(200, endpointInfo(endpoint));
      },
    },
  ];
}
