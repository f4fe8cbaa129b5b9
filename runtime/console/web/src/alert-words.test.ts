import { describe, expect, it } from 'vitest';
import { alertWords, attemptWords } from './alert-words.ts';

const at = Date.parse('2026-12-06T10:00:00Z');

describe('alerts in words', () => {
  it('says which threshold of which limit was reached, in euros or calls', () => {
    expect(alertWords({ id: 'evt_1', type: 'spend.threshold', created: at, data: { month: '2026-12', percent: 85, spentMicros: 42_500_000, capMicros: 50_000_000 } })).toBe(
      'Spend reached 85 % of your €50.00 cap for December 2026 (€42.50 spent).',
    );
    expect(alertWords({ id: 'evt_2', type: 'spend.threshold', created: at, data: { month: '2026-12', percent: 100, spentMicros: 100_000, capMicros: 100_000 } })).toMatch(
      /^Spend reached 100 % of your €0.10 cap for December 2026 \(€0.10 spent\)\. Calls are refused/,
    );
    expect(alertWords({ id: 'evt_3', type: 'quota.threshold', created: at, data: { month: '2026-11', percent: 85, calls: 8_500, quota: 10_000 } })).toBe(
      'Calls reached 85 % of your quota of 10,000 calls for November 2026 (8,500 calls).',
    );
  });

  it('names an issued invoice or credit note with its total in euros, from cents', () => {
    const data = { number: 'FSC-2026-000042', month: '2026-11', kind: 'invoice' as const, netCents: 10_000, vatCents: 2_000, totalCents: 12_001, currency: 'EUR' };
    expect(alertWords({ id: 'evt_4', type: 'invoice.finalized', created: at, data })).toBe('Invoice FSC-2026-000042 issued for November 2026: €120.01 including VAT.');
    expect(alertWords({ id: 'evt_5', type: 'invoice.finalized', created: at, data: { ...data, kind: 'credit_note', totalCents: -12_001 } })).toBe(
      'Credit note FSC-2026-000042 issued for November 2026: -€120.01 including VAT.',
    );
  });

  it('tells an answer from no answer in the delivery log', () => {
    expect(attemptWords({ at, status: 500 })).toBe('2026-12-06 10:00 UTC: HTTP 500');
    expect(attemptWords({ at, status: 204 })).toBe('2026-12-06 10:00 UTC: HTTP 204 (delivered)');
    expect(attemptWords({ at, status: 0, error: 'fetch failed' })).toBe('2026-12-06 10:00 UTC: no answer (fetch failed)');
  });
});
