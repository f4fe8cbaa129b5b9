/**
 * Alerts to clients end to end (issue #16): a client registers a webhook endpoint in the console
 * API, calls through the gateway cross 85 % and 100 % of its spend cap, and a receiver on loopback
 * gets each threshold once per event id, signed, however often the alerts job runs; a receiver that
 * fails then recovers gets the retry a minute later; the delivery log shows the attempts, a resend
 * delivers again, and no other client sees or resends any of it. Closing the month makes one
 * `invoice.finalized`. The platform's background loop is off (tests run the job themselves with
 * `platform.runAlerts()`), except in the last test, which checks the loop itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth, previousMonth } from '../shared/month.ts';
import { DEFAULT_POLICY } from '../shared/statement.ts';
import { SIGNATURE_HEADER, verifySignature, type WebhookEvent } from '../shared/webhook.ts';
import type { ClientAlertList, ClientWebhooks, NewWebhookEndpoint, WebhookDeliveryInfo } from '../runtime/console/api-types.ts';
import { LEASES } from '../runtime/gateway/limits.ts';
import { startPlatform } from '../runtime/local/platform.ts';
import { silentLogger } from '../runtime/logger.ts';
import { InvoiceStore } from '../runtime/statements/invoice-store.ts';
import { AlertStore } from '../runtime/alerts/alert-store.ts';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import { ClientStore } from '../runtime/keys/client-store.ts';
import { MovableClock, signIn, signUp, type ConsoleSession } from './helpers/console.ts';
import { copyFixtures, editManifest, errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const lastMonth = previousMonth(monthOf(Date.now()));
const clock = new MovableClock(monthStart(lastMonth) + 10 * 86_400_000);
const LOOPBACK = 'FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK';

/** A webhook receiver on loopback: what it got (signature checked with the secret of the path it was sent to), and how it answers next. */
class Receiver {
  readonly got: { path: string; event: WebhookEvent; valid: boolean; status: number }[] = [];
  /** statuses to answer, one per request, then 200 */
  readonly answers: number[] = [];
  readonly secrets = new Map<string, string>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly now: () => number) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const path = req.url ?? '';
        const secret = this.secrets.get(path) ?? '';
        const status = this.answers.shift() ?? 200;
        this.got.push({ path, event: JSON.parse(body) as WebhookEvent, valid: verifySignature(req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, body, secret, this.now()), status });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  of(eventId: string) {
    return this.got.filter((g) => g.event.id === eventId);
  }
}

let functionsDir: string;
let t: TestPlatform;
let acme: ConsoleSession;
let globex: ConsoleSession;
const receiver = new Receiver(clock.now);
let endpoint: NewWebhookEndpoint;
/** the event ids of the two thresholds, once seen */
const seen: { at85?: string; at100?: string } = {};

const post = (s: ConsoleSession, path: string, body?: unknown) => s.fetch(path, { method: 'POST', body });
const webhooks = async (s: ConsoleSession) => {
  const res = await s.fetch('/client/webhooks');
  expect(res.status).toBe(200);
  return (await res.json()) as ClientWebhooks;
};
const alertsOf = async (s: ConsoleSession) => ((await (await s.fetch('/client/alerts')).json()) as ClientAlertList).alerts;
const deliveryOf = (list: ClientWebhooks, eventId: string | undefined) => list.deliveries.find((d) => d.eventId === eventId) as WebhookDeliveryInfo;

beforeAll(async () => {
  functionsDir = copyFixtures();
  // One cent a call and no compute price: a €0.10 cap is exactly ten calls, 85 % is crossed by the ninth.
  editManifest(functionsDir, 'echo', { price: { perCall: '0.01', perGbSecond: '0', currency: 'EUR' } });
  await receiver.start();
  process.env[LOOPBACK] = '1';
  try {
    t = await startTestPlatform({ clock: clock.now, functionsDir });
  } finally {
    // Read once at start: unsetting it now changes nothing for this platform.
    delete process.env[LOOPBACK];
  }
  acme = await signUp(t, 'ops@acme.example', 'client', { clientId: 'acme' });
  globex = await signUp(t, 'ops@globex.example', 'client', { clientId: 'globex' });
}, 120_000);

afterAll(async () => {
  await t?.stop();
  await receiver.stop();
  if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
});

describe('webhook endpoints in the console API', () => {
  it('registers an endpoint for the signed-in client and shows its signing secret once', async () => {
    const res = await post(acme, '/client/webhooks', { url: `${receiver.url}/hooks/acme` });
    expect(res.status).toBe(201);
    endpoint = (await res.json()) as NewWebhookEndpoint;
    expect(endpoint).toMatchObject({ id: expect.stringMatching(/^we_[0-9a-f]{16}$/), url: `${receiver.url}/hooks/acme`, createdAt: expect.any(Number) });
    expect(Math.abs(endpoint.createdAt - clock.now())).toBeLessThan(10_000);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    receiver.secrets.set('/hooks/acme', endpoint.secret);

    const listed = await acme.fetch('/client/webhooks');
    const text = await listed.text();
    expect(text).not.toContain(endpoint.secret);
    expect((JSON.parse(text) as ClientWebhooks).endpoints).toEqual([{ id: endpoint.id, url: endpoint.url, createdAt: endpoint.createdAt }]);
    expect(JSON.parse(text)).toMatchObject({ maxEndpoints: 5, deliveries: [] });
  });

  it('refuses a URL that is not https to a public host, in the JSON error shape', async () => {
    for (const url of ['https://169.254.169.254/', 'http://example.com', 'https://10.0.0.7/hook', 'http://localhost:8080/', 'https://user:pw@hooks.example.com/', 'not a url', '']) {
      const res = await post(acme, '/client/webhooks', { url });
      expect(await errorOf(res), url).toMatchObject({ status: 400, code: 'invalid_request', message: expect.any(String) });
    }
    expect(await errorOf(await post(acme, '/client/webhooks', {}))).toMatchObject({ status: 400, code: 'invalid_request' });
    // Still the one endpoint: nothing refused was stored.
    expect((await webhooks(acme)).endpoints.map((e) => e.id)).toEqual([endpoint.id]);
  });

  it('holds the routes to a signed-in client with a CSRF token', async () => {
    expect(await errorOf(await acme.fetch('/client/webhooks', { method: 'POST', body: { url: 'https://hooks.example.com/x' }, csrf: null }))).toMatchObject({ status: 403, code: 'csrf_failed' });
    expect(await errorOf(await acme.fetch(`/client/webhooks/${endpoint.id}`, { method: 'DELETE', csrf: null }))).toMatchObject({ status: 403, code: 'csrf_failed' });
    expect(await errorOf(await fetch(`${t.url}/console/api/client/webhooks`))).toMatchObject({ status: 401, code: 'not_signed_in' });
    expect(await errorOf(await fetch(`${t.url}/console/api/client/alerts`))).toMatchObject({ status: 401, code: 'not_signed_in' });
    const finance = await signUp(t, 'fin@example.com', 'finance');
    expect(await errorOf(await finance.fetch('/client/webhooks'))).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await webhooks(acme)).endpoints).toHaveLength(1);
  });
});

describe('spend thresholds to a webhook receiver', () => {
  let key: string;

  it('sends nothing under 85 % of the cap, then the 85 % threshold once per event id, signed, however often the job runs', async () => {
    expect((await acme.fetch('/client/spend-cap', { method: 'PUT', body: { cap: '0.10' } })).status).toBe(200);
    key = ((await (await post(acme, '/client/keys')).json()) as { apiKey: string }).apiKey;
    await new Promise((r) => setTimeout(r, 700)); // limits are cached for 500 ms
    for (let i = 0; i < 8; i++) expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
    expect(await t.platform.runAlerts()).toMatchObject({ emitted: 0, sent: 0 });
    expect(receiver.got).toEqual([]);

    expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
    expect(await t.platform.runAlerts()).toMatchObject({ emitted: 1, sent: 1, delivered: 1 });
    for (let i = 0; i < 3; i++) expect(await t.platform.runAlerts()).toMatchObject({ emitted: 0, sent: 0 });

    expect(receiver.got).toHaveLength(1);
    const [got] = receiver.got;
    expect(got).toMatchObject({ path: '/hooks/acme', valid: true, status: 200 });
    expect(got?.event).toMatchObject({ id: expect.stringMatching(/^evt_[0-9a-f]{32}$/), type: 'spend.threshold', clientId: 'acme', data: { month: lastMonth, percent: 85, spentMicros: 90_000, capMicros: 100_000 } });
    seen.at85 = got?.event.id;
  });

  it('retries a receiver that answered 500 a minute later, and then sends it no more', async () => {
    // The gateway leases the cap in slices; what is left of one (less than a call) goes back when
    // its lease ends, and then the tenth call fits the cap exactly.
    clock.jumpTo(clock.now() + LEASES.monthLeaseMs + 1_000);
    expect((await t.call(key, '/v1/features/echo')).status).toBe(200);
    // The cap is reached: the next call is refused, and nothing more is spent.
    expect(await errorOf(await t.call(key, '/v1/features/echo'))).toMatchObject({ status: 429, code: 'spend_cap_reached' });
    receiver.answers.push(500);
    expect(await t.platform.runAlerts()).toMatchObject({ emitted: 1, sent: 1, delivered: 0, failed: 1 });
    const first = receiver.got.at(-1);
    expect(first?.event).toMatchObject({ type: 'spend.threshold', data: { percent: 100, spentMicros: 100_000, capMicros: 100_000 } });
    expect(first).toMatchObject({ valid: true, status: 500 });
    seen.at100 = first?.event.id;
    expect(seen.at100).not.toBe(seen.at85);

    // Not due before the minute is up.
    clock.jumpTo(clock.now() + 30_000);
    expect(await t.platform.runAlerts()).toMatchObject({ emitted: 0, sent: 0 });
    clock.jumpTo(clock.now() + 31_000);
    expect(await t.platform.runAlerts()).toMatchObject({ emitted: 0, sent: 1, delivered: 1 });
    for (let i = 0; i < 3; i++) {
      clock.jumpTo(clock.now() + 10 * 60_000);
      expect(await t.platform.runAlerts()).toMatchObject({ emitted: 0, sent: 0 });
    }

    // Each threshold reached the receiver once (2xx) per event id; every request was signed.
    expect(receiver.got.every((g) => g.valid)).toBe(true);
    expect(receiver.of(seen.at85 ?? '').map((g) => g.status)).toEqual([200]);
    expect(receiver.of(seen.at100 ?? '').map((g) => g.status)).toEqual([500, 200]);
    expect(receiver.of(seen.at100 ?? '').every((g) => JSON.stringify(g.event) === JSON.stringify(receiver.of(seen.at100 ?? '')[0]?.event))).toBe(true);
  });

  it('shows the client the same alerts, newest first', async () => {
    const alerts = await alertsOf(acme);
    expect(alerts.map((a) => a.id)).toEqual([seen.at100, seen.at85]);
    expect(alerts[0]).toEqual({ id: seen.at100, type: 'spend.threshold', created: expect.any(Number), data: { month: lastMonth, percent: 100, spentMicros: 100_000, capMicros: 100_000 } });
    expect(alerts[1]).toMatchObject({ type: 'spend.threshold', data: { percent: 85, spentMicros: 90_000 } });
  });

  it('logs each delivery with its attempts, and a resend delivers again', async () => {
    const before = await webhooks(acme);
    expect(before.deliveries.map((d) => d.eventId)).toEqual([seen.at100, seen.at85]);
    const at100 = deliveryOf(before, seen.at100);
    expect(at100).toMatchObject({ eventType: 'spend.threshold', endpointId: endpoint.id, endpointUrl: endpoint.url, state: 'delivered', nextAttemptAt: null });
    expect(at100.attempts.map((a) => a.status)).toEqual([500, 200]);
    expect(at100.attempts[1]?.at).toBeGreaterThanOrEqual((at100.attempts[0]?.at ?? 0) + 60_000);
    expect(deliveryOf(before, seen.at85).attempts.map((a) => a.status)).toEqual([200]);

    const res = await post(acme, '/client/webhooks/deliveries/resend', { eventId: seen.at85, endpointId: endpoint.id });
    expect(res.status).toBe(200);
    const resent = (await res.json()) as WebhookDeliveryInfo;
    expect(resent).toMatchObject({ eventId: seen.at85, endpointId: endpoint.id, state: 'pending' });
    expect(Math.abs((resent.nextAttemptAt ?? 0) - clock.now())).toBeLessThan(10_000);
    expect(await t.platform.runAlerts()).toMatchObject({ emitted: 0, sent: 1, delivered: 1 });
    expect(receiver.of(seen.at85 ?? '').map((g) => [g.status, g.valid])).toEqual([
      [200, true],
      [200, true],
    ]);
    const after = deliveryOf(await webhooks(acme), seen.at85);
    expect(after).toMatchObject({ state: 'delivered', nextAttemptAt: null });
    expect(after.attempts.map((a) => a.status)).toEqual([200, 200]);
    // A resend is one delivery, not a new schedule of the others.
    expect(await t.platform.runAlerts()).toMatchObject({ sent: 0 });
  });

  it('lets another client neither list, resend nor remove any of it', async () => {
    const theirs = await webhooks(globex);
    expect(theirs.endpoints).toEqual([]);
    expect(theirs.deliveries).toEqual([]);
    expect(await alertsOf(globex)).toEqual([]);
    const sent = receiver.got.length;
    expect(await errorOf(await post(globex, '/client/webhooks/deliveries/resend', { eventId: seen.at85, endpointId: endpoint.id }))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await globex.fetch(`/client/webhooks/${endpoint.id}`, { method: 'DELETE' }))).toMatchObject({ status: 404, code: 'not_found' });
    // An unknown delivery of the client's own answers alike.
    expect(await errorOf(await post(acme, '/client/webhooks/deliveries/resend', { eventId: `evt_${'0'.repeat(32)}`, endpointId: endpoint.id }))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await post(acme, '/client/webhooks/deliveries/resend', { eventId: seen.at85 }))).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await t.platform.runAlerts()).toMatchObject({ sent: 0 });
    expect(receiver.got).toHaveLength(sent);
    // Globex's resend made no delivery item in its partition either (an update would create one), and acme's endpoint is still there.
    expect(await new AlertStore(documentClient(t.platform.dynamo), t.platform.tables).deliveries('globex')).toEqual([]);
    expect((await webhooks(acme)).endpoints.map((e) => e.id)).toEqual([endpoint.id]);
  });

  it('keeps at most five endpoints per client, one per URL, and removes them', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const res = await post(globex, '/client/webhooks', { url: `https://hooks.globex.example/${i}` });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as NewWebhookEndpoint).id);
    }
    expect(await errorOf(await post(globex, '/client/webhooks', { url: 'https://hooks.globex.example/6' }))).toMatchObject({ status: 409, code: 'conflict' });
    const removed = await globex.fetch(`/client/webhooks/${ids[0]}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ id: ids[0], url: 'https://hooks.globex.example/1' });
    expect(await errorOf(await globex.fetch(`/client/webhooks/${ids[0]}`, { method: 'DELETE' }))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await post(globex, '/client/webhooks', { url: 'https://hooks.globex.example/2' }))).toMatchObject({ status: 409, code: 'conflict' });
    expect((await webhooks(globex)).endpoints.map((e) => e.id)).toEqual(ids.slice(1));
  });

  it('sends one invoice.finalized when the month is closed with an invoice for the client', async () => {
    clock.jumpTo(monthStart(nextMonth(lastMonth)) + 3 * 3_600_000);
    // Weeks later: the sessions have ended.
    acme = await signIn(t, 'ops@acme.example');
    globex = await signIn(t, 'ops@globex.example');
    expect((await t.platform.statements.close(lastMonth)).outcome).toBe('closed');
    const invoice = await new InvoiceStore(documentClient(t.platform.dynamo), t.platform.tables).ofClient(lastMonth, 'acme');
    expect(invoice?.number).toMatch(/^FSC-/);
    const before = receiver.got.length;
    expect(await t.platform.runAlerts()).toMatchObject({ emitted: 1, sent: 1, delivered: 1 });
    for (let i = 0; i < 3; i++) expect(await t.platform.runAlerts()).toMatchObject({ emitted: 0, sent: 0 });
    const got = receiver.got.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ valid: true, status: 200 });
    expect(got[0]?.event).toMatchObject({ type: 'invoice.finalized', clientId: 'acme', data: { number: invoice?.number, month: lastMonth, kind: 'invoice', netCents: 10, totalCents: invoice?.totalCents } });
    const alerts = await alertsOf(acme);
    expect(alerts.map((a) => a.type)).toEqual(['invoice.finalized', 'spend.threshold', 'spend.threshold']);
    // Globex has no invoice (no use): no event for it.
    expect(await alertsOf(globex)).toEqual([]);

    // A removed endpoint keeps its log, without a URL, and cannot be resent to.
    expect((await acme.fetch(`/client/webhooks/${endpoint.id}`, { method: 'DELETE' })).status).toBe(200);
    const log = await webhooks(acme);
    expect(log.endpoints).toEqual([]);
    expect(log.deliveries.map((d) => [d.eventType, d.endpointUrl, d.state])).toEqual([
      ['invoice.finalized', null, 'delivered'],
      ['spend.threshold', null, 'delivered'],
      ['spend.threshold', null, 'delivered'],
    ]);
    expect(await errorOf(await post(acme, '/client/webhooks/deliveries/resend', { eventId: seen.at85, endpointId: endpoint.id }))).toMatchObject({ status: 409, code: 'conflict' });
  });
});

describe('the local alerts loop', () => {
  it('notices a threshold and delivers it in the background, and stops with the platform', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'faascape-alerts-loop-'));
    const loopReceiver = new Receiver(Date.now);
    await loopReceiver.start();
    process.env[LOOPBACK] = '1';
    const platform = await startPlatform(
      { port: 0, host: '127.0.0.1', dataDir, functionsDir: functionsDir, policy: DEFAULT_POLICY, scheduleCloses: false },
      { logger: silentLogger, alerts: true, alertsEveryMs: 200 },
    ).finally(() => delete process.env[LOOPBACK]);
    try {
      const clients = new ClientStore(documentClient(platform.dynamo), platform.tables);
      const s = await signUp({ platform, url: platform.url, clients } as unknown as TestPlatform, 'ops@initech.example', 'client', { clientId: 'initech' });
      const added = (await (await post(s, '/client/webhooks', { url: `${loopReceiver.url}/hooks/initech` })).json()) as NewWebhookEndpoint;
      loopReceiver.secrets.set('/hooks/initech', added.secret);
      await clients.setLimits('initech', { monthlyQuota: 1 });
      const key = (await clients.createKey('initech')).apiKey;
      await new Promise((r) => setTimeout(r, 700)); // limits are cached for 500 ms
      expect((await fetch(`${platform.url}/v1/features/echo`, { headers: { 'x-api-key': key } })).status).toBe(200);
      await expect.poll(() => loopReceiver.got.length, { timeout: 10_000, interval: 100 }).toBe(2);
      expect(loopReceiver.got.map((g) => [g.event.type, g.event.data.percent, g.valid]).sort()).toEqual([
        ['quota.threshold', 100, true],
        ['quota.threshold', 85, true],
      ]);
      // Stopped with the platform: a threshold it would notice next is never sent.
      await clients.setLimits('initech', { monthlyQuota: 1, monthlySpendCapMicros: 1 });
      await platform.stop();
      const count = loopReceiver.got.length;
      await new Promise((r) => setTimeout(r, 600));
      expect(loopReceiver.got).toHaveLength(count);
    } finally {
      await platform.stop();
      await loopReceiver.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
