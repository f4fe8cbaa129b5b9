import { billedMsOf, isBillable, type Outcome, type UsageRecord } from '../../shared/usage.ts';

let nextInvocation = 0;

/**
 * A plausible metered call for unit tests of the meter and the usage logs: client c_acme calling
 * echo, 12.3 ms, 2,000 µ€ per call; every field can be overridden, and status, billed ms and
 * billable follow from the outcome and duration unless given.
 */
export function usageRecord(over: Partial<UsageRecord> = {}): UsageRecord {
  const outcome: Outcome = over.outcome ?? 'ok';
  const status = over.status ?? (outcome === 'ok' ? 200 : outcome === 'timeout' ? 504 : 502);
  const durationMs = over.durationMs ?? 12.3;
  return {
    invocationId: `inv-${++nextInvocation}`,
    clientId: 'c_acme',
    keyId: 'k_1',
    featureId: 'echo',
    featureVersion: '1.0.0',
    startedAt: Date.UTC(2025, 2, 14, 12),
    durationMs,
    billedMs: billedMsOf(durationMs),
    memoryMb: 128,
    requestBytes: 100,
    responseBytes: 250,
    status,
    outcome,
    price: { perCallMicros: 2_000, perGbSecondMicros: 16, currency: 'EUR' },
    authors: [{ id: 'a_ada', weight: 1 }],
    billable: isBillable(outcome, status),
    ...over,
  };
}
