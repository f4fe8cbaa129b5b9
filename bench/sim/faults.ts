import { InternalServerError, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { Sequence } from './rng.ts';

/**
 * What the fault injector does to one DynamoDB write attempt (one HTTP request under the SDK's
 * retry loop, so the SDK retries injected failures exactly as it retries DynamoDB's own):
 * - `throttle`: ProvisionedThroughputExceededException (the SDK's class), the request not sent;
 * - `network`: ECONNRESET before the request is sent;
 * - `outage`: every write in the outage window fails (500 InternalServerError or ECONNREFUSED);
 * - `ambiguous`: the request reaches the store and is applied, then the answer is lost (ETIMEDOUT);
 * - `outageApplied`: in the outage, with ambiguous writes on, half the failing writes are applied
 *   before the 500 (DynamoDB documents that a 500 InternalServerError may follow a write it made).
 */
export type Fault = 'throttle' | 'network' | 'outage' | 'ambiguous' | 'outageApplied';

/** Faults whose request reached the store and was applied before the error. */
export function appliedBeforeError(f: Fault): boolean {
  return f === 'ambiguous' || f === 'outageApplied';
}

export interface FaultRates {
  throttleRate: number;
  networkErrorRate: number;
  ambiguousRate: number;
  /** simulated seconds [from, to) */
  outageWindow: [number, number] | undefined;
}

export class FaultPlan {
  private readonly draws: Sequence;
  enabled = true;
  readonly injected: Record<Fault, number> = { throttle: 0, network: 0, outage: 0, ambiguous: 0, outageApplied: 0 };

  constructor(
    private readonly rates: FaultRates,
    seed: number,
  ) {
    this.draws = new Sequence(seed ^ 0x5eed);
  }

  get outageWindow(): [number, number] | undefined {
    return this.rates.outageWindow;
  }

  decide(simSeconds: number): Fault | undefined {
    if (!this.enabled) return undefined;
    const w = this.rates.outageWindow;
    let f: Fault | undefined;
    if (w && simSeconds >= w[0] && simSeconds < w[1]) f = this.rates.ambiguousRate > 0 && this.draws.next() < 0.5 ? 'outageApplied' : 'outage';
    else {
      const u = this.draws.next();
      if (u < this.rates.throttleRate) f = 'throttle';
      else if (u < this.rates.throttleRate + this.rates.networkErrorRate) f = 'network';
      else if (u < this.rates.throttleRate + this.rates.networkErrorRate + this.rates.ambiguousRate) f = 'ambiguous';
    }
    if (f) this.injected[f]++;
    return f;
  }

  /** The error of a fault that fails before the request is sent. */
  errorBefore(f: 'throttle' | 'network' | 'outage'): Error {
    if (f === 'throttle') {
      return new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded (injected)', $metadata: { httpStatusCode: 400 } });
    }
    if (f === 'outage' && this.draws.next() < 0.5) {
      return new InternalServerError({ message: 'Internal server error (injected outage)', $metadata: { httpStatusCode: 500 } });
    }
    const code = f === 'outage' ? 'ECONNREFUSED' : 'ECONNRESET';
    return Object.assign(new Error(`${code === 'ECONNRESET' ? 'read ECONNRESET' : 'connect ECONNREFUSED'} (injected)`), { code });
  }

  /** The error of an answer lost after the store applied the request. */
  errorAfter(f: Fault): Error {
    if (f === 'outageApplied') return new InternalServerError({ message: 'Internal server error (injected outage, after the write was applied)', $metadata: { httpStatusCode: 500 } });
    return Object.assign(new Error('socket timed out after the request was sent (injected)'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
  }
}
