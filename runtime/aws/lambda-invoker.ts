import { performance } from 'node:perf_hooks';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { InvokeOutcome, InvokeRequest, Invoker } from '../gateway/invoker.ts';
import { describeError, type Logger } from '../logger.ts';

/** The name of a feature's Lambda: the stack fixes it, so the gateway needs no lookup. */
export function featureFunctionName(prefix: string, slug: string): string {
  return `${prefix}${slug}`;
}

/**
 * The AWS Invoker: a synchronous Lambda Invoke per call. A handler error (`FunctionError`) is a
 * feature error (502) and Lambda's own timeout (`Sandbox.Timedout`) is a timeout (504), exactly as
 * the local worker pool reports them.
 */
export class LambdaInvoker implements Invoker {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionPrefix: string,
    private readonly logger: Logger,
  ) {}

  async invoke(request: InvokeRequest): Promise<InvokeOutcome> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    try {
      const res = await this.lambda.send(
        new InvokeCommand({
          FunctionName: featureFunctionName(this.functionPrefix, request.feature.slug),
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(request.event)),
        }),
      );
      const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
      if (res.FunctionError) {
        const err = parse(text) as { errorType?: string; errorMessage?: string } | undefined;
        // Lambda's id of this call (its x-amzn-RequestId), the id the feature's own log lines and
        // its developer's recent errors carry: logged beside ours, so that a client's
        // faascape-invocation-id leads to the feature's log. Failures only: a line per call would cost.
        // Always there from the SDK; a stand-in for Lambda (the sim, a test) may leave $metadata out.
        const lambdaRequestId = res.$metadata?.requestId;
        const ids = { feature: request.feature.slug, invocationId: request.invocationId, ...(lambdaRequestId ? { lambdaRequestId } : {}) };
        if (err?.errorType === 'Sandbox.Timedout' || /Task timed out/.test(err?.errorMessage ?? '')) {
          this.logger.warn('feature timed out', ids);
          return { kind: 'timeout', durationMs: Math.max(elapsed(), request.feature.manifest.timeoutMs) };
        }
        this.logger.warn('feature threw', { ...ids, error: `${err?.errorType}: ${err?.errorMessage}` });
        return { kind: 'error', message: err?.errorMessage ?? 'error', durationMs: elapsed() };
      }
      const result = text === '' ? undefined : parse(text);
      return result === INVALID ? { kind: 'error', message: 'invalid JSON result', durationMs: elapsed() } : { kind: 'returned', result, durationMs: elapsed() };
    } catch (e) {
      // Throttling or a Lambda service error: the feature did not answer; the call fails as a 502.
      this.logger.error('feature invoke failed', { feature: request.feature.slug, invocationId: request.invocationId, error: describeError(e) });
      return { kind: 'error', message: 'invoke failed', durationMs: elapsed() };
    }
  }
}

const INVALID = Symbol('invalid');

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID;
  }
}
