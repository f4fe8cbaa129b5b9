import { nextAttemptAt, SIGNATURE_HEADER, signatureHeader } from '../../shared/webhook.ts';
import type { AlertStore } from './alert-store.ts';
import { postWebhook } from './webhook-post.ts';

/** How long one delivery attempt may take before it counts as failed. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

export interface SendReport {
  sent: number;
  delivered: number;
  failed: number;
}

/**
 * Sends the deliveries that are due: each event to each endpoint, signed, at least once, retried
 * on the schedule of shared/webhook.ts for 24 hours. A 2xx answer is a delivery; anything else
 * (another status, a timeout, no connection) is a failed attempt, logged on the delivery.
 */
export async function sendDue(store: AlertStore, now: () => number, allowLoopback: boolean): Promise<SendReport> {
  const report: SendReport = { sent: 0, delivered: 0, failed: 0 };
  for (const d of await store.due(now())) {
    if (!(await store.claim(d, now() + 2 * ATTEMPT_TIMEOUT_MS))) continue;
    const [event, endpoint] = await Promise.all([store.event(d.clientId, d.eventId), store.endpoints(d.clientId).then((es) => es.find((e) => e.id === d.endpointId))]);
    const firstAttemptAt = d.firstAttemptAt ?? now();
    if (!event || !endpoint) {
      // The endpoint was removed: nothing to send to, and nothing to try again.
      await store.recordAttempt(d, { at: now(), status: 0, error: 'endpoint removed' }, { delivered: false, nextAt: undefined }, firstAttemptAt);
      continue;
    }
    const body = JSON.stringify(event);
    const at = now();
    let status = 0;
    let error: string | undefined;
    try {
      status = await postWebhook(endpoint.url, { 'content-type': 'application/json', 'user-agent': 'Faascape-Webhooks/1', [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, body, at) }, body, { allowLoopback, timeoutMs: ATTEMPT_TIMEOUT_MS });
    } catch (e) {
      error = e instanceof Error ? e.message.slice(0, 200) : 'failed';
    }
    report.sent += 1;
    const delivered = status >= 200 && status < 300;
    if (delivered) report.delivered += 1;
    else report.failed += 1;
    const attempt = { at, status, ...(error ? { error } : {}) };
    await store.recordAttempt(d, attempt, delivered ? { delivered: true } : { delivered: false, nextAt: nextAttemptAt(firstAttemptAt, d.tries + 1) }, firstAttemptAt);
  }
  return report;
}
