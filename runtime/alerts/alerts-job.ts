import { monthOf, previousMonth } from '../../shared/month.ts';
import { usageRows } from '../../shared/usage.ts';
import { eventId, thresholdsReached, type WebhookEvent } from '../../shared/webhook.ts';
import type { Invoice } from '../../shared/invoice.ts';
import type { ClientStore } from '../keys/client-store.ts';
import type { UsageReader } from '../meter/usage-log.ts';
import type { InvoiceStore } from '../statements/invoice-store.ts';
import type { AlertStore } from './alert-store.ts';
import { sendDue, type SendReport } from './webhook-sender.ts';

export interface AlertsDeps {
  alerts: AlertStore;
  clients: Pick<ClientStore, 'listClients'>;
  usage: Pick<UsageReader, 'clientAggregates'>;
  /** issued invoices: each becomes one `invoice.finalized` event */
  invoices?: Pick<InvoiceStore, 'ofClient'>;
  clock: () => number;
  /** webhooks may go to 127.0.0.1 (local development: FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK=1) */
  allowLoopback: boolean;
}

/**
 * Notices the facts clients asked to hear of and sends what is due. Runs every few seconds
 * locally and every minute in AWS (one code, two schedules):
 * - `spend.threshold` and `quota.threshold` at 85 % and 100 % of a client's spend cap and monthly
 *   quota, from the usage aggregates (they trail calls by minutes, so an alert may too; the
 *   gateways enforce the limits themselves, decision 0013). Each (client, month, limit, level) is
 *   one event, whatever the number of runs that notice it;
 * - sending: every due delivery, signed, retried for 24 hours.
 * - `invoice.finalized` for the invoice of last month, once it is issued (the close issues it).
 */
export async function runAlerts(deps: AlertsDeps): Promise<{ emitted: number } & SendReport> {
  const now = deps.clock();
  const month = monthOf(now);
  let emitted = 0;
  for (const client of await deps.clients.listClients()) {
    const invoice = await deps.invoices?.ofClient(previousMonth(month), client.clientId);
    if (invoice && (await deps.alerts.emit(invoiceEvent(invoice, now), now))) emitted += 1;
    const cap = client.limits.monthlySpendCapMicros;
    const quota = client.limits.monthlyQuota;
    if (!cap && !quota) continue;
    const aggregates = await deps.usage.clientAggregates(client.clientId, month);
    // The same figures as the client's page (usageRows), so an alert never disagrees with it.
    const rows = usageRows(aggregates);
    const spent = rows.reduce((n, r) => n + r.amountMicros, 0);
    // Test keys' calls have their own daily limit and never count against the monthly quota.
    const calls = rows.reduce((n, r) => n + (r.test ? 0 : r.calls), 0);
    const facts: [WebhookEvent['type'], number, number][] = [];
    if (cap) facts.push(['spend.threshold', spent, cap]);
    if (quota) facts.push(['quota.threshold', calls, quota]);
    for (const [type, used, limit] of facts) {
      for (const percent of thresholdsReached(used, limit)) {
        const event: WebhookEvent = {
          id: eventId(type, client.clientId, month, String(limit), String(percent)),
          type,
          created: now,
          clientId: client.clientId,
          data: type === 'spend.threshold' ? { month, percent, spentMicros: used, capMicros: limit } : { month, percent, calls: used, quota: limit },
        };
        if (await deps.alerts.emit(event, now)) emitted += 1;
      }
    }
  }
  const sent = await sendDue(deps.alerts, deps.clock, deps.allowLoopback);
  return { emitted, ...sent };
}

/** The event of an issued invoice (its number is its identity: one event per invoice). */
export function invoiceEvent(invoice: Invoice, now: number): WebhookEvent {
  return {
    id: eventId('invoice.finalized', invoice.clientId, invoice.number),
    type: 'invoice.finalized',
    created: now,
    clientId: invoice.clientId,
    data: { number: invoice.number, month: invoice.month, kind: invoice.kind, netCents: invoice.netCents, vatCents: invoice.vat.vatCents, totalCents: invoice.totalCents, currency: invoice.currency },
  };
}
