/**
 * Published AWS prices, region us-east-1 (N. Virginia), list prices without free tiers or
 * savings plans. Read on 2026-12 (the simulation's writing) from the AWS pricing pages named
 * below, cross-checked against secondary summaries of the same pages; re-check before relying on
 * them, prices change (DynamoDB on-demand was halved on 2024-11-01).
 */
export const REGION = 'us-east-1';
export const PRICES_READ = '2026-12';

export const PRICES = {
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ — on-demand, Standard table class */
  dynamodbWritePerMillionWru: 0.625,
  dynamodbReadPerMillionRru: 0.125,
  /** https://aws.amazon.com/lambda/pricing/ — Arm, first 7.5 billion GB-s per month */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** https://aws.amazon.com/sqs/pricing/ — standard queue, per request (64 KB chunk) */
  sqsPerMillionRequests: 0.4,
  /** https://aws.amazon.com/api-gateway/pricing/ — HTTP API, first 300 million per month */
  httpApiPerMillionRequests: 1.0,
} as const;

/**
 * What the simulation cannot measure on this machine and assumes instead (AWS latencies are
 * not this machine's): the gateway's billed duration is modelled, not timed.
 */
export const ASSUMPTIONS = {
  /** one DynamoDB round trip inside the region, single-digit ms as DynamoDB advertises */
  dynamodbRoundTripMs: 5,
  /** the gateway's own work per invocation besides waiting (auth hash, JSON, middy) */
  gatewayOverheadMs: 3,
  /** INIT phase of a gateway cold start, billed since 2025-08-01 (SDK v3 bundle, 1 GB) */
  gatewayInitMs: 300,
  /** memory sizes, from infra/ (gateway 1024 MB, drain default 512 MB; features: manifest) */
  gatewayMemoryMb: 1024,
  drainMemoryMb: 512,
  /** a drain run: one round trip per write wave of each message (modelled like the gateway) */
  drainOverheadMs: 5,
} as const;

export interface CostInputs {
  calls: number;
  wru: number;
  rru: number;
  /** mean modelled billed duration of a gateway invocation, ms */
  gatewayMs: number;
  containers: number;
  featureInvocations: number;
  featureMs: number;
  featureMemoryMb: number;
  drainInvocations: number;
  drainMs: number;
  sqsRequests: number;
}

const usd = (x: number) => Math.round(x * 1e4) / 1e4;

/** USD per million gateway calls, per component. */
export function costPerMillion(c: CostInputs): Record<string, number> {
  const perCall = (x: number) => (c.calls > 0 ? x / c.calls : 0);
  const m = 1e6;
  const gbS = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
  const parts = {
    dynamodbWrites: perCall(c.wru) * m * (PRICES.dynamodbWritePerMillionWru / 1e6),
    dynamodbReads: perCall(c.rru) * m * (PRICES.dynamodbReadPerMillionRru / 1e6),
    lambdaGatewayDuration: m * gbS(c.gatewayMs, ASSUMPTIONS.gatewayMemoryMb) * PRICES.lambdaArmPerGbSecond,
    lambdaGatewayInit: perCall(c.containers) * m * gbS(ASSUMPTIONS.gatewayInitMs, ASSUMPTIONS.gatewayMemoryMb) * PRICES.lambdaArmPerGbSecond,
    lambdaFeatureDuration: perCall(c.featureInvocations) * m * gbS(c.featureMs, c.featureMemoryMb) * PRICES.lambdaArmPerGbSecond,
    lambdaDrainDuration: perCall(c.drainInvocations) * m * gbS(c.drainMs, ASSUMPTIONS.drainMemoryMb) * PRICES.lambdaArmPerGbSecond,
    lambdaRequests: (1 + perCall(c.featureInvocations) + perCall(c.drainInvocations)) * m * (PRICES.lambdaPerMillionRequests / 1e6),
    sqs: perCall(c.sqsRequests) * m * (PRICES.sqsPerMillionRequests / 1e6),
    apiGateway: m * (PRICES.httpApiPerMillionRequests / 1e6),
  };
  const out: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of Object.entries(parts)) {
    out[k] = usd(v);
    total += v;
  }
  out.total = usd(total);
  return out;
}
