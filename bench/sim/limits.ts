/**
 * The limit scenarios of `npm run sim:aws` (issue #14): three limited clients — one with a rate,
 * one with a monthly quota, one with a spend cap — called at once through many gateway Lambda
 * containers (each its own module instance, so its own slices) for a span of real time, since the
 * gateway's limits run on its real clock. What they were served is read back from the closed
 * statement (quota, cap) and from the answers (rate); bench/sim/README.md explains each figure.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { callCeilingMicros } from '../../shared/price.ts';
import type { FeatureSpec } from '../../shared/manifest.ts';
import type { ClientLimits } from '../../runtime/keys/client-store.ts';
import { idle, newActor, scope, type Actor } from './instrument.ts';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LimitScenario {
  /** gateway containers serving the limited clients at once */
  instances: number;
  /** real seconds of traffic */
  seconds: number;
  /** the rate-limited client's rate; it is asked `overload` × that */
  rps: number;
  overload: number;
  /** calls per second asked of the quota and the cap clients, over all instances */
  demandPerS: number;
}

/**
 * rate: asked `overload` × its rate; quota and cap: reached about halfway; steady: a rate, a quota
 * and a cap it stays within (90 % of its rate), for the cost of enforcement at steady load.
 */
export const LIMIT_CLIENTS = { rate: 'limited-rate', quota: 'limited-quota', cap: 'limited-cap', steady: 'limited-steady' } as const;
type Role = keyof typeof LIMIT_CLIENTS;

/** The limits given to each client: the quota and the cap are reached about halfway through. */
export function scenarioLimits(s: LimitScenario, feature: FeatureSpec): Record<Role, ClientLimits> {
  const half = Math.max(1, Math.round((s.demandPerS * s.seconds) / 2));
  return {
    rate: { rps: s.rps, burst: s.rps },
    quota: { monthlyQuota: half },
    cap: { monthlySpendCapMicros: half * feature.price.perCallMicros },
    steady: { rps: s.rps, burst: s.rps, monthlyQuota: 1_000_000_000, monthlySpendCapMicros: 1_000_000_000_000 },
  };
}

export interface LimitFigures {
  instances: number;
  seconds: number;
  requests: number;
  statuses: Record<string, number>;
  /** answers by client and status */
  byClient: Record<string, Record<string, number>>;
  /** ids of answered calls with their status (the run's audit counts each once) */
  answered: Map<string, number>;
  /** calls of the rate client served per second of the run, and its configured rate */
  rateServedPerSecond: number;
  rateConfiguredPerSecond: number;
  /** the rate client's requests per second that this machine managed to send (asked: twice its rate) */
  rateOfferedPerSecond: number;
  /** 429s without Retry-After, and answers to a limited client without RateLimit headers */
  missingRetryAfter: number;
  missingRateLimitHeaders: number;
  /** 429s to the client that stays within its limits (should be none) */
  steadyRefused: number;
  /** the spend cap's bound of the issue: the compute part of the calls in flight when it is reached */
  spendOvershootBoundMicros: number;
}

/**
 * Runs the scenario: `gateway(i)` returns container i's handler (a fresh module instance) and
 * `event(slug, key, n)` builds an API Gateway event.
 */
export async function runLimitScenario(
  s: LimitScenario,
  feature: FeatureSpec,
  keys: Record<Role, string>,
  gateway: (i: number, actor: Actor) => Promise<Handler>,
  event: (slug: string, apiKey: string, n: number) => APIGatewayProxyEventV2,
  say: (line: string) => void,
): Promise<LimitFigures> {
  const statuses: Record<string, number> = {};
  const byClient: Record<string, Record<string, number>> = {};
  const answered = new Map<string, number>();
  let requests = 0;
  let missingRetryAfter = 0;
  let missingRateLimitHeaders = 0;
  let rateServed = 0;
  let rateOffered = 0;
  let steadyRefused = 0;
  const actors = Array.from({ length: s.instances }, (_, i) => newActor(`limits-${i}`, 'limits'));
  const handlers = await Promise.all(actors.map((a, i) => gateway(i, a)));
  // Each instance is asked an even share of every client's demand, in ticks.
  const tickMs = 100;
  const perTick: Record<Role, number> = {
    rate: (s.rps * s.overload * tickMs) / 1000 / s.instances,
    quota: (s.demandPerS * tickMs) / 1000 / s.instances,
    cap: (s.demandPerS * tickMs) / 1000 / s.instances,
    steady: (s.rps * 0.9 * tickMs) / 1000 / s.instances,
  };
  const start = performance.now();
  let n = 0;
  const serve = async (i: number) => {
    const actor = actors[i] as Actor;
    const handler = handlers[i] as Handler;
    const owed: Record<Role, number> = { rate: 0, quota: 0, cap: 0, steady: 0 };
    for (let tick = 0; performance.now() - start < s.seconds * 1000; tick++) {
      const due = start + (tick + 1) * tickMs;
      const calls: Promise<void>[] = [];
      for (const role of Object.keys(owed) as Role[]) {
        owed[role] += perTick[role];
        for (; owed[role] >= 1; owed[role]--) {
          const index = n++;
          calls.push(
            scope.run({ actor }, () => handler(event(feature.slug, keys[role], 10_000_000 + index), {} as Context)).then((r) => {
              requests++;
              const status = String(r.statusCode ?? 0);
              statuses[status] = (statuses[status] ?? 0) + 1;
              const mine = (byClient[LIMIT_CLIENTS[role]] ??= {});
              mine[status] = (mine[status] ?? 0) + 1;
              const id = r.headers?.['faascape-invocation-id'];
              if (typeof id === 'string') answered.set(id, r.statusCode ?? 0);
              if (r.statusCode === 429 && !r.headers?.['retry-after']) missingRetryAfter++;
              // The draft's fields describe request quotas: a rate or a quota (a spend cap alone has none).
              if (role !== 'cap' && r.statusCode !== 503 && !(r.headers?.['ratelimit-policy'] && r.headers?.ratelimit)) missingRateLimitHeaders++;
              if (role === 'steady' && r.statusCode === 429) steadyRefused++;
              if (role === 'rate') {
                rateOffered++;
                if (typeof id === 'string') rateServed++;
              }
            }),
          );
        }
      }
      await Promise.all(calls);
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
  };
  const progress = setInterval(() => say(`[sim:aws] limits: ${((performance.now() - start) / 1000).toFixed(0)} s, ${requests} requests, ${JSON.stringify(statuses)}`), 5_000);
  try {
    await Promise.all(actors.map((_, i) => serve(i)));
  } finally {
    clearInterval(progress);
  }
  const elapsedS = (performance.now() - start) / 1000;
  await Promise.all(actors.map((a) => idle(a)));
  const computeMicros = callCeilingMicros(feature.price, feature.manifest.timeoutMs * feature.manifest.memoryMb) - feature.price.perCallMicros;
  return {
    instances: s.instances,
    seconds: Math.round(elapsedS * 10) / 10,
    requests,
    statuses,
    byClient,
    answered,
    rateServedPerSecond: Math.round((rateServed / elapsedS) * 100) / 100,
    rateConfiguredPerSecond: s.rps,
    rateOfferedPerSecond: Math.round((rateOffered / elapsedS) * 100) / 100,
    missingRetryAfter,
    missingRateLimitHeaders,
    steadyRefused,
    // every instance may have its calls in flight (one tick's worth) when the cap is reached
    spendOvershootBoundMicros: Math.ceil(perTick.cap + 1) * s.instances * computeMicros,
  };
}
