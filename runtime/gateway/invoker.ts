import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FeatureSpec } from '../../shared/manifest.ts';

export interface InvokeRequest {
  feature: FeatureSpec;
  event: APIGatewayProxyEventV2;
  invocationId: string;
}

/** What came back from a feature, before the gateway judges it. `result` is untrusted. */
export type InvokeOutcome =
  | { kind: 'returned'; result: unknown; durationMs: number }
  | { kind: 'error'; message: string; durationMs: number }
  | { kind: 'timeout'; durationMs: number };

/**
 * How the gateway runs a feature: the worker pool locally, Lambda Invoke in AWS. Implementations
 * never throw for a feature's failure; they report it as an outcome.
 */
export interface Invoker {
  invoke(request: InvokeRequest): Promise<InvokeOutcome>;
}

export interface FeatureCatalog {
  get(slug: string): FeatureSpec | undefined;
  list(): FeatureSpec[];
  /** a feature that exists but cannot run now (it does not build): 503, not 404 */
  unavailable?(slug: string): boolean;
}
