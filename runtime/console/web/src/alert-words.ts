/**
 * Alerts in words, as the client page lists them: the same events the webhook endpoints receive
 * (api-types.ts ClientAlert). Amounts arrive as integers (micro-euros, cents) and are printed with
 * money.ts, never through a float.
 */
import type { AlertType, ClientAlert, WebhookAttemptInfo } from '../../api-types.ts';
import { formatCount, formatDateTime, monthName } from './format.ts';
import { formatEuros } from './money.ts';

const CENT_MICROS = 10_000;

/** "Spend reached 85 % of your €50.00 cap for March 2026 (€42.50 spent)." */
export function alertWords(a: ClientAlert): string {
  switch (a.type) {
    case 'spend.threshold': {
      const { percent, capMicros, spentMicros, month } = a.data;
      const then = percent >= 100 ? ' Calls are refused until the month ends or you raise the cap.' : '';
      return `Spend reached ${percent} % of your ${formatEuros(capMicros)} cap for ${monthName(month)} (${formatEuros(spentMicros)} spent).${then}`;
    }
    case 'quota.threshold': {
      const { percent, quota, calls, month } = a.data;
      const then = percent >= 100 ? ' Calls are refused until the month ends.' : '';
      return `Calls reached ${percent} % of your quota of ${formatCount(quota)} calls for ${monthName(month)} (${formatCount(calls)} calls).${then}`;
    }
    case 'invoice.finalized': {
      const { kind, number, month, totalCents } = a.data;
      return `${kind === 'credit_note' ? 'Credit note' : 'Invoice'} ${number} issued for ${monthName(month)}: ${formatEuros(totalCents * CENT_MICROS)} including VAT.`;
    }
  }
}

/** The event types as the delivery log names them (the `type` field of the webhook's body). */
export const ALERT_TYPE_NAMES: Record<AlertType, string> = {
  'spend.threshold': 'Spend threshold',
  'quota.threshold': 'Quota threshold',
  'invoice.finalized': 'Invoice issued',
};

/** One attempt of a delivery: "2026-03-01 14:02 UTC: HTTP 500", "…: no answer (timeout)". */
export function attemptWords(a: WebhookAttemptInfo): string {
  const outcome = a.status === 0 ? `no answer${a.error ? ` (${a.error})` : ''}` : `HTTP ${a.status}${a.status >= 200 && a.status < 300 ? ' (delivered)' : ''}`;
  return `${formatDateTime(a.at)}: ${outcome}`;
}
