import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, verifySignature, type WebhookEvent } from '../../shared/webhook.ts';
import type { UsageAggregate } from '../../shared/usage.ts';
import { ClientStore } from '../keys/client-store.ts';
import { StoreProcess } from '../local/embedded-store.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { tableNames, type TableNames } from '../store/tables.ts';
import { AlertStore, checkEndpointUrl } from './alert-store.ts';
import { invoiceEvent, runAlerts } from './alerts-job.ts';

const NOW = Date.parse('2026-12-06T10:00:00Z');
const clock = { now: NOW };
let dir: string;
let store: StoreProcess;
let dynamo: ReturnType<typeof localDynamoClient>;
let tables: TableNames;
let alerts: AlertStore;
let clients: ClientStore;
let receiver: Server;
let receiverUrl = '';
/** What the receiver got, and how it answers next (a status per call, then 200). */
const received: { event: WebhookEvent; valid: boolean }[] = [];
const answers: number[] = [];
/** acme's calls this month: 1 billable call at €0.01 each */
let calls = 0;
const usage = {
  clientAggregates: async (clientId: string, month: string): Promise<UsageAggregate[]> =>
    clientId === 'acme' && calls > 0
      ? [{ month, clientId, featureId: 'f', price: { perCallMicros: 10_000, perGbSecondMicros: 0, currency: 'EUR' }, authors: [{ id: 'd', weight: 1 }], calls, billableCalls: calls, errors: 0, timeouts: 0, billedMs: calls, billableMs: calls, billableMbMs: 0, requestBytes: 0, responseBytes: 0 }]
      : [],
};
let secret = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-alerts-'));
  store = new StoreProcess(dir);
  await store.start();
  dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
  tables = tableNames('t-');
  await ensureTables(dynamo, tables);
  alerts = new AlertStore(documentClient(dynamo), tables);
  clients = new ClientStore(documentClient(dynamo), tables);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ event: JSON.parse(body) as WebhookEvent, valid: verifySignature(req.headers[SIGNATURE_HEADER.toLowerCase()] as string, body, secret, clock.now) });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  await clients.setLimits('acme', { monthlySpendCapMicros: 100_000, monthlyQuota: 1_000 });
  const endpoint = await alerts.addEndpoint('acme', checkEndpointUrl(receiverUrl, true), NOW);
  secret = endpoint.secret;
});
afterAll(async () => {
  receiver.close();
  dynamo.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = () => runAlerts({ alerts, clients, usage, clock: () => clock.now, allowLoopback: true });

describe('alerts to clients', () => {
  it('sends each threshold once per event id, signed, however often it is noticed', async () => {
    calls = 8; // €0.08 of a €0.10 cap: under 85 %
    expect((await run()).emitted).toBe(0);
    calls = 9; // 90 %: the 85 % threshold
    await run();
    await run();
    calls = 10; // 100 %
    await run();
    await run();
    const spend = received.filter((r) => r.event.type === 'spend.threshold');
    expect(spend.map((r) => r.event.data.percent)).toEqual([85, 100]);
    expect(new Set(spend.map((r) => r.event.id)).size).toBe(2);
    expect(spend.every((r) => r.valid)).toBe(true);
    // The quota (1,000 calls) is far: no quota event.
    expect(received.filter((r) => r.event.type === 'quota.threshold')).toEqual([]);
  });

  it('retries a receiver that fails, on schedule, until it answers 2xx; the delivery log shows each attempt', async () => {
    received.length = 0;
    answers.push(500, 503);
    const invoice = invoiceEvent({ number: 'FSC-2026-000001', kind: 'invoice', month: '2026-11', clientId: 'acme', netCents: 100, vat: { kind: 'domestic', rateBps: 2000, vatCents: 20 }, totalCents: 120, currency: 'EUR' } as never, clock.now);
    expect(await alerts.emit(invoice, clock.now)).toBe(true);
    expect(await alerts.emit(invoice, clock.now)).toBe(false);
    expect((await run()).failed).toBe(1);
    expect((await run()).sent).toBe(0); // not due yet
    clock.now += 60_000;
    expect((await run()).failed).toBe(1);
    clock.now += 5 * 60_000;
    expect((await run()).delivered).toBe(1);
    clock.now += 24 * 3_600_000;
    expect((await run()).sent).toBe(0);
    expect(received.map((r) => r.event.id)).toEqual([invoice.id, invoice.id, invoice.id]);
    expect(received.every((r) => r.valid)).toBe(true);
    const delivery = (await alerts.deliveries('acme')).find((d) => d.eventId === invoice.id);
    expect(delivery?.state).toBe('delivered');
    expect(delivery?.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
  });

  it('gives up after 24 hours of failures, and a resend starts again', async () => {
    received.length = 0;
    const event: WebhookEvent = { id: 'evt_giveup', type: 'invoice.finalized', created: clock.now, clientId: 'acme', data: {} };
    await alerts.emit(event, clock.now);
    answers.push(...Array.from({ length: 8 }, () => 500));
    for (let i = 0; i < 10; i++) {
      await run();
      clock.now += 13 * 3_600_000;
    }
    const failed = (await alerts.deliveries('acme')).find((d) => d.eventId === 'evt_giveup');
    expect(failed?.state).toBe('failed');
    expect(failed?.attempts).toHaveLength(8);
    // Resent and failed again, three times over: the delivery's log keeps its last 10 attempts,
    // so the item never grows with retries (an item that grows without bound, DESIGN).
    for (let round = 0; round < 3; round++) {
      await alerts.resend('acme', 'evt_giveup', failed?.endpointId as string, clock.now);
      answers.push(...Array.from({ length: 8 }, () => 500));
      for (let i = 0; i < 10; i++) {
        await run();
        clock.now += 13 * 3_600_000;
      }
    }
    const capped = (await alerts.deliveries('acme')).find((d) => d.eventId === 'evt_giveup');
    expect(capped?.state).toBe('failed');
    expect(capped?.attempts).toHaveLength(10);
    await alerts.resend('acme', 'evt_giveup', failed?.endpointId as string, clock.now);
    await run();
    expect((await alerts.deliveries('acme')).find((d) => d.eventId === 'evt_giveup')?.state).toBe('delivered');
  });

  it('refuses endpoint URLs on the operator’s network', () => {
    expect(checkEndpointUrl('https://hooks.example.com/x', false)).toBe('https://hooks.example.com/x');
    for (const bad of ['http://hooks.example.com', 'https://127.0.0.1/x', 'https://169.254.169.254/latest', 'https://10.0.0.1', 'https://192.168.1.2', 'https://[::1]/', 'https://user:pw@example.com', 'nope']) {
      expect(() => checkEndpointUrl(bad, false), bad).toThrow();
    }
    expect(() => checkEndpointUrl('http://127.0.0.1:9/x', false)).toThrow();
    expect(checkEndpointUrl('http://127.0.0.1:9/x', true)).toBe('http://127.0.0.1:9/x');
  });
});
