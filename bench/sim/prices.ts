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
 * `npm run bundle:report -- --measure --cold-starts 3 --memory 256,192,128` with `--keys 1` and
 * `--keys 200`, 2026-12-07 (this machine, 2 cores, shared and busy: a simulation ran beside it):
 * 2.46 / 2.37 / 2.39 ms per call warm, 3.24 / 3.23 / 3.46 ms with a look-up per call.
 */
const GATEWAY_CPU_WARM_MS = 2.4;
const GATEWAY_CPU_LOOKUP_MS = 0.9;

/**
 * What the simulation cannot measure on this machine and assumes instead (AWS latencies are
 * not this machine's): the Lambdas' billed durations are modelled, not timed.
 */
export const ASSUMPTIONS = {
  /** one DynamoDB round trip inside the region, single-digit ms as DynamoDB advertises */
  dynamodbRoundTripMs: 5,
  /**
   * The gateway's own CPU per call on a full core when its cache holds the key (one PutItem, one
   * Invoke, middy, JSON, the key's hash check), measured by `npm run bundle:report -- --measure
   * --keys 1`; and what a cache miss adds, per look-up (one GetItem through the SDK: signing, HTTP,
   * unmarshalling), measured by the same command with `--keys 200` (a look-up per call): the
   * difference of the two. The simulation adds the second per look-up its gateways made. Lambda
   * gives a function M/1769 of a vCPU while it serves a call, so that billed time is the CPU time ×
   * 1769 / M (gatewayCpuMs below).
   */
  gatewayCpuMsPerCall: GATEWAY_CPU_WARM_MS,
  gatewayCpuMsPerLookup: GATEWAY_CPU_LOOKUP_MS,
  /**
   * A cold start's INIT, billed since 2025-08-01 at the function's memory: the bundle's import
   * measured by the same command (median ≈ 200 ms on a full core). On-demand functions run INIT on
   * a full, unthrottled vCPU (AWS, "Effectively running Java on Serverless", serverlessland.com:
   * "On-demand Lambda functions use a full vCPU (non-throttled) … during its initialization
   * phase"), so it is not scaled by memory.
   */
  gatewayInitMs: 200,
  /** memory sizes: gateway from infra/faascape-stack.ts (256 MB), drain HouseFunction's default (512 MB), aggregator 1024 MB (infra/jobs.ts); features: manifest */
  gatewayMemoryMb: 256,
  drainMemoryMb: 512,
  aggregatorMemoryMb: 1024,
  /** a drain run: one round trip per sequential step of its messages (modelled like the gateway) */
  drainOverheadMs: 5,
  /** an aggregator run besides waiting on DynamoDB: parsing the records, folding them, EMF line */
  aggregatorOverheadMs: 20,
  /** EventBridge runs the aggregator every 5 minutes whatever the traffic: 8,640 times in a 30-day month */
  aggregatorRunsPerMonth: 8640,
} as const;

/** CPU-bound time of the gateway at its memory size: Lambda's CPU share is memory / 1,769 MB of a vCPU. */
export function gatewayCpuMs(cpuMsOnFullCore: number): number {
  return (cpuMsOnFullCore * 1769) / Math.min(1769, ASSUMPTIONS.gatewayMemoryMb);
}

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
  aggregatorInvocations: number;
  /** mean modelled billed duration of an aggregator invocation, ms */
  aggregatorMs: number;
  sqsRequests: number;
}

const usd = (x: number) => Math.round(x * 1e4) / 1e4;

/** Components that are not the platform's own: the HTTP API and the feature Lambdas. */
const NOT_PLATFORM = new Set(['apiGateway', 'lambdaFeatureDuration', 'lambdaFeatureRequests']);

/**
 * USD per million gateway calls, per component, plus `platform` (everything but the HTTP API and
 * the feature Lambdas: gateway Lambda, DynamoDB, SQS, drain, aggregator) and `total`.
 */
export function costPerMillion(c: CostInputs): Record<string, number> {
  const perCall = (x: number) => (c.calls > 0 ? x / c.calls : 0);
  const m = 1e6;
  const gbS = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
  const request = PRICES.lambdaPerMillionRequests / 1e6;
  const parts = {
    dynamodbWrites: perCall(c.wru) * m * (PRICES.dynamodbWritePerMillionWru / 1e6),
    dynamodbReads: perCall(c.rru) * m * (PRICES.dynamodbReadPerMillionRru / 1e6),
    lambdaGatewayDuration: m * gbS(c.gatewayMs, ASSUMPTIONS.gatewayMemoryMb) * PRICES.lambdaArmPerGbSecond,
    lambdaGatewayInit: perCall(c.containers) * m * gbS(ASSUMPTIONS.gatewayInitMs, ASSUMPTIONS.gatewayMemoryMb) * PRICES.lambdaArmPerGbSecond,
    lambdaGatewayRequests: m * request,
    lambdaDrainDuration: perCall(c.drainInvocations) * m * gbS(c.drainMs, ASSUMPTIONS.drainMemoryMb) * PRICES.lambdaArmPerGbSecond,
    lambdaDrainRequests: perCall(c.drainInvocations) * m * request,
    lambdaAggregatorDuration: perCall(c.aggregatorInvocations) * m * gbS(c.aggregatorMs, ASSUMPTIONS.aggregatorMemoryMb) * PRICES.lambdaArmPerGbSecond,
    lambdaAggregatorRequests: perCall(c.aggregatorInvocations) * m * request,
    sqs: perCall(c.sqsRequests) * m * (PRICES.sqsPerMillionRequests / 1e6),
    lambdaFeatureDuration: perCall(c.featureInvocations) * m * gbS(c.featureMs, c.featureMemoryMb) * PRICES.lambdaArmPerGbSecond,
    lambdaFeatureRequests: perCall(c.featureInvocations) * m * request,
    apiGateway: m * (PRICES.httpApiPerMillionRequests / 1e6),
  };
  const out: Record<string, number> = {};
  let total = 0;
  let platform = 0;
  for (const [k, v] of Object.entries(parts)) {
    out[k] = usd(v);
    total += v;
    if (!NOT_PLATFORM.has(k)) platform += v;
  }
  out.platform = usd(platform);
  out.total = usd(total);
  return out;
}

/**
 * The aggregator's fixed cost of a month, USD: its schedule runs whatever the traffic, and each
 * run of 5 new windows reads the state, claims, queries every lane (assumed 1 RRU each, strongly
 * consistent, empty or nearly) and advances.
 */
export function aggregatorFixedPerMonth(lanes: number, idleRunMs: number): Record<string, number> {
  const runs = ASSUMPTIONS.aggregatorRunsPerMonth;
  const lambda = (idleRunMs / 1000) * (ASSUMPTIONS.aggregatorMemoryMb / 1024) * runs * PRICES.lambdaArmPerGbSecond + runs * (PRICES.lambdaPerMillionRequests / 1e6);
  const dynamodb = runs * ((lanes + 1) * (PRICES.dynamodbReadPerMillionRru / 1e6) + 2 * (PRICES.dynamodbWritePerMillionWru / 1e6));
  return { runs, lambda: usd(lambda), dynamodb: usd(dynamodb), total: usd(lambda + dynamodb) };
}
