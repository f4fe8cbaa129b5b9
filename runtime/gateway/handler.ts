import { createHmac, randomUUID } from 'node:crypto';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { formatMicros } from '../../shared/money.ts';
import { callCeilingMicros, type UnitPrice } from '../../shared/price.ts';
import { isMonth, monthOf } from '../../shared/month.ts';
import { isDraft, isRetired, lifecycleHeaders, lifecycleOf, mayCall, priceAt, publicFeatures, upcomingPrice } from '../../shared/lifecycle.ts';
import type { FeatureSpec } from '../../shared/manifest.ts';
import { billedMsOf, canonicalAuthors, isBillable, UNKNOWN_CLIENT, usageRows, type Outcome, type UsageRecord } from '../../shared/usage.ts';
import { describeError, type Logger } from '../logger.ts';
import type { UsageReader } from '../meter/usage-log.ts';
import { Authenticator, takeCredentials, TtlCache, type AccessStore, type Caller } from './access.ts';
import { errorAnswer, errorResponse, errors, jsonResponse, MAX_PAYLOAD_BYTES, platformErrorOf } from './errors.ts';
import { interpretResult } from './feature-result.ts';
import { catalogueOpenApi, featureOpenApi } from '../../shared/openapi.ts';
import type { FeatureCatalog, InvokeOutcome, Invoker } from './invoker.ts';
import { SharedLimits, type Admission } from './limits.ts';
import type { LimitStore, TestCallLedger } from '../limits/limit-ledger.ts';
import { TestAllowance } from './test-allowance.ts';
import { rateLimitHeaders } from '../../shared/limit-lease.ts';
import { TEST_CALLS_PER_DAY, testPolicy, secondsToNextDay } from '../../shared/test-calls.ts';
import { dayOf } from '../../shared/day-stats.ts';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

/** Per-request state the middlewares hand to each other. */
export interface GatewayContext extends Context {
  caller?: Caller;
  feature?: FeatureSpec;
  record?: UsageRecord;
  /** the call's admission by the client's limits: its RateLimit headers and its reservation */
  admission?: Admission;
  /** when the call was admitted: its record's start, so its month is the month its limits counted it in */
  admittedAt?: number;
}

export interface MeterPort {
  record(record: UsageRecord): Promise<void>;
  reject(clientId: string, code: string, atMs: number): void;
  settled(timeoutMs?: number): Promise<boolean>;
}

export interface GatewayDeps {
  features: FeatureCatalog;
  invoker: Invoker;
  access: AccessStore;
  meter: MeterPort;
  usage: Pick<UsageReader, 'clientAggregates'>;
  /** keys the pseudonymous client id given to features */
  pseudonymSecret: string;
  logger: Logger;
  clock?: () => number;
  /** how long a key or limit lookup is trusted; a revoked key stops within this */
  cacheTtlMs?: number;
  /** the shared items every gateway instance leases the clients' rate, quota and spend cap from, and the accounts' test calls of the day */
  limits: LimitStore & TestCallLedger;
  /** test calls an account (all its test keys) may make per UTC day (default TEST_CALLS_PER_DAY) */
  testCallsPerDay?: number;
  /** the limit store could not be reached (at most every 10 s per instance) */
  onLimitOutage?: (atMs: number) => void;
  /** each metered call, once durable (npm start prints a line per call) */
  onCall?: (record: UsageRecord) => void;
}

/** Header a trusted front (the local server) sets with the true body size when it cut the body. */
export const BODY_BYTES_HEADER = 'faascape-body-bytes';

const INVOKE_PATH = /^\/v1\/features\/([^/]+)(?:\/(.*))?$/;
const OPENAPI_PATH = /^\/v1\/features\/([a-z0-9-]+)\/openapi\.json$/;

/**
 * The gateway: one middy handler for AWS (API Gateway HTTP API → Lambda) and the local platform
 * (node:http → the same events). Authenticate → limits → invoke → meter → respond.
 */
export function createGateway(deps: GatewayDeps) {
  const clock = deps.clock ?? Date.now;
  const ttl = deps.cacheTtlMs ?? 500;
  const authenticator = new Authenticator(deps.access, ttl);
  const limitsCache = new TtlCache<Awaited<ReturnType<AccessStore['getLimits']>>>(ttl);
  const shared = new SharedLimits(deps.limits, deps.logger, clock, deps.onLimitOutage);

  const authenticate: MiddlewareObj<Event, Result, Error, GatewayContext> = {
    name: 'authenticate',
    before: async ({ event, context }) => {
      context.caller = await authenticator.authenticate(takeCredentials(event), clock());
    },
  };

  const resolveFeature: MiddlewareObj<Event, Result, Error, GatewayContext> = {
    name: 'resolveFeature',
    before: ({ event, context }) => {
      const raw = INVOKE_PATH.exec(event.rawPath)?.[1] ?? '';
      let slug = raw;
      try {
        slug = decodeURIComponent(raw);
      } catch {
        // A malformed escape names no feature; keep the raw text for the message.
      }
      const feature = deps.features.get(slug);
      if (!feature) throw deps.features.unavailable?.(slug) ? errors.featureUnavailable() : errors.featureNotFound(slug);
      // A draft is its authors' alone (their test keys): to anyone else it does not exist.
      if (!mayCall(feature, context.caller)) throw errors.featureNotFound(slug);
      context.feature = feature;
      // From its sunset on a deprecated feature is gone: a rejection, counted and never billed.
      if (isRetired(feature, clock())) throw errors.featureRetired(feature.slug, lifecycleOf(feature).successor);
    },
  };

  const limitPayload: MiddlewareObj<Event, Result, Error, GatewayContext> = {
    name: 'limitPayload',
    before: ({ event }) => {
      const declared = Number(event.headers?.[BODY_BYTES_HEADER] ?? 0);
      if (declared > MAX_PAYLOAD_BYTES || requestBytes(event) > MAX_PAYLOAD_BYTES) throw errors.payloadTooLarge();
    },
  };

  const enforceLimits: MiddlewareObj<Event, Result, Error, GatewayContext> = {
    name: 'enforceLimits',
    before: async ({ context }) => {
      const caller = context.caller as Caller;
      const feature = context.feature as FeatureSpec;
      const now = clock();
      if (caller.test) {
        context.admission = await admitTestCall(caller.clientId, now);
        context.admittedAt = now;
        return;
      }
      // The key's copy of the client's limits, read with the key (one look-up per call); a key
      // made before keys carried it costs the client's item.
      const limits = caller.limits ?? (await limitsCache.get(caller.clientId, now, () => deps.access.getLimits(caller.clientId)));
      // A spend cap reserves the call's price and its largest compute before it runs; what it did
      // not cost goes back when it ends, so the cap holds with any number of calls in flight.
      const reservation = limits.monthlySpendCapMicros === undefined ? 0 : callCeilingMicros(priceAt(feature, now), feature.manifest.timeoutMs * feature.manifest.memoryMb);
      context.admission = await shared.admit(caller.clientId, limits, now, monthOf(now), reservation);
      context.admittedAt = now;
    },
  };

  /**
   * A test key's call: not the client's rate, quota or spend cap (it is never billed), but the
   * account's allowance of test calls for the UTC day, shared by all its test keys so that new keys
   * bring no new free calls, taken in leases (test-allowance.ts).
   */
  const testLimit = deps.testCallsPerDay ?? TEST_CALLS_PER_DAY;
  const testAllowance = new TestAllowance(deps.limits, testLimit);
  const admitTestCall = async (accountId: string, now: number): Promise<Admission> => {
    let taken: { ok: boolean; used: number };
    try {
      taken = await testAllowance.take(accountId, dayOf(now));
    } catch (e) {
      throw errors.limitsUnavailable(e);
    }
    const headers = rateLimitHeaders([testPolicy(testLimit, taken.used, now)]);
    if (!taken.ok) throw errors.testLimitReached(testLimit, secondsToNextDay(now), headers);
    return { headers, reservedMicros: 0, settle: () => {} };
  };

  // The record is durable before the response leaves: `after` waits for the group commit.
  const meterCall: MiddlewareObj<Event, Result, Error, GatewayContext> = {
    name: 'meter',
    after: async ({ context, response }) => {
      const record = context.record;
      if (!record || !response) return;
      await deps.meter.record(record);
      deps.onCall?.(record);
      // Only a call that reserved against a spend cap is priced here: the others cost nothing on the hot path.
      if (context.admission?.reservedMicros) context.admission.settle(record.billable ? callCeilingMicros(record.price, record.billedMs * record.memoryMb) : 0);
      response.headers = { ...response.headers, ...context.admission?.headers, 'faascape-invocation-id': record.invocationId };
    },
  };

  const invokeRoute = middy<Event, Result, Error, GatewayContext>()
    .use(authenticate)
    .use(resolveFeature)
    .use(limitPayload)
    .use(enforceLimits)
    .use(meterCall)
    .handler(async (event, context) => {
      const feature = context.feature as FeatureSpec;
      const caller = context.caller as Caller;
      const invocationId = randomUUID();
      const startedAt = context.admittedAt ?? clock();
      const outcome = await deps.invoker.invoke({ feature, invocationId, event: featureEvent(event, feature, caller, invocationId, deps.pseudonymSecret, startedAt) });
      const { response, status, kind, responseBytes } = judge(outcome, feature);
      response.headers = { ...response.headers, ...lifecycleHeaders(feature) };
      context.record = {
        invocationId,
        clientId: caller.clientId,
        keyId: caller.keyId,
        featureId: feature.slug,
        featureVersion: feature.manifest.version,
        startedAt,
        durationMs: Math.round(outcome.durationMs * 1000) / 1000,
        billedMs: billedMsOf(outcome.durationMs),
        memoryMb: feature.manifest.memoryMb,
        requestBytes: requestBytes(event),
        responseBytes,
        status,
        outcome: kind,
        // the price in force when the call was dispatched: a scheduled price applies from its date on
        price: priceAt(feature, startedAt),
        authors: canonicalAuthors(feature.manifest.authors),
        // A test key's call is metered as one and never billed.
        billable: !caller.test && isBillable(kind, status),
        ...(caller.test ? { test: true } : {}),
      };
      return response;
    });

  const usageRoute = middy<Event, Result, Error, GatewayContext>()
    .use(authenticate)
    .handler(async (event, context) => {
      const caller = context.caller as Caller;
      const month = event.queryStringParameters?.month ?? monthOf(clock());
      if (!isMonth(month)) throw errors.badRequest(`month must be YYYY-MM, got "${month}"`);
      // Read-your-writes: calls this client just made are in the aggregates before we answer.
      await deps.meter.settled(2_000);
      const rows = usageRows(await deps.usage.clientAggregates(caller.clientId, month));
      const totalMicros = rows.reduce((s, r) => s + r.amountMicros, 0);
      return jsonResponse(200, {
        clientId: caller.clientId,
        month,
        currency: 'EUR',
        features: rows.map(({ month: _m, clientId: _c, ...r }) => ({ ...r, amount: formatMicros(r.amountMicros) })),
        totalMicros,
        total: formatMicros(totalMicros),
      });
    });

  const catalogue = () => {
    const now = clock();
    return jsonResponse(200, {
      features: publicFeatures(deps.features.list()).map((f) => {
        const lifecycle = lifecycleOf(f);
        const price = priceAt(f, now);
        const next = upcomingPrice(f, now);
        return {
          slug: f.slug,
          name: f.manifest.name,
          description: f.manifest.description,
          version: f.manifest.version,
          status: lifecycle.status,
          ...(lifecycle.sunsetAtMs !== undefined ? { sunsetAt: new Date(lifecycle.sunsetAtMs).toISOString() } : {}),
          ...(lifecycle.deprecatedAtMs !== undefined ? { deprecatedAt: new Date(lifecycle.deprecatedAtMs).toISOString() } : {}),
          ...(lifecycle.successor !== undefined ? { successor: lifecycle.successor } : {}),
          price: priceView(f, price),
          ...(f.manifest.freeCallsPerMonth ? { freeCallsPerMonth: f.manifest.freeCallsPerMonth } : {}),
          ...(next ? { nextPrice: { ...priceView(f, next.price), effectiveFrom: new Date(next.effectiveFromMs).toISOString() } } : {}),
          authors: f.manifest.authors,
          tags: f.manifest.tags,
          memoryMb: f.manifest.memoryMb,
          timeoutMs: f.manifest.timeoutMs,
          ...(f.manifest.example ? { example: f.manifest.example } : {}),
        };
      }),
    });
  };

  const platformErrors: MiddlewareObj<Event, Result, Error, GatewayContext> = {
    name: 'platformErrors',
    onError: (request) => {
      const known = platformErrorOf(request.error);
      // A call admitted but never run (or whose run failed in the platform) costs nothing.
      if (request.context.admission && !request.context.record) request.context.admission.settle(0);
      if (known && known.status !== 405 && known.status !== 400 && known.code !== 'not_found') {
        deps.meter.reject(request.context.caller?.clientId ?? UNKNOWN_CLIENT, known.code, clock());
      }
      // Every answer about a deprecated feature says so, its refusals (429, 410, ...) included.
      const feature = request.context.feature;
      request.response = errorAnswer(request.error, {
        ...(feature ? { headers: lifecycleHeaders(feature) } : {}),
        onUnexpected: (e) => deps.logger.error('unhandled gateway error', { error: describeError(e), path: request.event.rawPath }),
      });
    },
  };

  const handler = middy<Event, Result, Error, GatewayContext>()
    .use(platformErrors)
    .handler(async (event, context) => {
      const path = event.rawPath;
      const method = event.requestContext.http.method.toUpperCase();
      // API descriptions are public, like the catalogue; a feature's own route of that name is shadowed.
      if (path === '/v1/openapi.json') {
        if (method !== 'GET') throw errors.methodNotAllowed('GET');
        return jsonResponse(200, catalogueOpenApi(publicFeatures(deps.features.list())));
      }
      const described = OPENAPI_PATH.exec(path);
      if (described && method === 'GET') {
        const feature = deps.features.get(decodeURIComponent(described[1] as string));
        if (feature && !isDraft(feature)) return jsonResponse(200, featureOpenApi(feature));
      }
      if (INVOKE_PATH.test(path)) return invokeRoute(event, context);
      if (path === '/v1/features' || path === '/v1/features/') {
        if (method !== 'GET') throw errors.methodNotAllowed('GET');
        return catalogue();
      }
      if (path === '/v1/usage') {
        if (method !== 'GET') throw errors.methodNotAllowed('GET');
        return usageRoute(event, context);
      }
      // Liveness only: the counters are the operator's (runtime/local/operator.ts, `faascape status`).
      if (path === '/v1/health') return jsonResponse(200, { status: 'ok' });
      throw errors.routeNotFound(path);
    });
  // Gives the limit slices this gateway holds back to the shared items (a local platform's stop).
  return Object.assign(handler, { releaseLimits: () => shared.close() });
}

/** One of a feature's unit prices as the catalogue shows it: the manifest's decimal text and integer micros. */
function priceView(f: FeatureSpec, p: UnitPrice) {
  const text = p === f.price || !f.manifest.nextPrice ? f.manifest.price : f.manifest.nextPrice;
  return { perCall: text.perCall, perGbSecond: text.perGbSecond, currency: p.currency, perCallMicros: p.perCallMicros, perGbSecondMicros: p.perGbSecondMicros };
}

function requestBytes(event: Event): number {
  if (!event.body) return 0;
  return event.isBase64Encoded ? Buffer.byteLength(event.body, 'base64') : Buffer.byteLength(event.body);
}

/** A stable pseudonym per (client, feature): a feature can tell its callers apart, never who they are. */
export function clientPseudonym(secret: string, clientId: string, slug: string): string {
  return `c_${createHmac('sha256', secret).update(`${clientId}\n${slug}`).digest('base64url').slice(0, 22)}`;
}

/**
 * Request headers a feature never sees: a browser's session with the console (its cookie and CSRF
 * token), a credential for a proxy on the caller's side, and the platform's own. The API key was
 * already taken out by takeCredentials.
 */
export const PRIVATE_REQUEST_HEADERS: ReadonlySet<string> = new Set(['cookie', 'x-csrf-token', 'proxy-authorization', BODY_BYTES_HEADER]);

/** The event as the feature sees it: credentials and session stripped, platform details filled in. */
function featureEvent(event: Event, feature: FeatureSpec, caller: Caller, invocationId: string, secret: string, now: number): Event {
  const headers: Event['headers'] = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (!PRIVATE_REQUEST_HEADERS.has(name.toLowerCase())) headers[name] = value;
  const { cookies: _session, ...rest } = event;
  const proxy = INVOKE_PATH.exec(event.rawPath)?.[2];
  return {
    ...rest,
    headers,
    routeKey: proxy === undefined ? 'ANY /v1/features/{slug}' : 'ANY /v1/features/{slug}/{proxy+}',
    pathParameters: { slug: feature.slug, ...(proxy !== undefined ? { proxy } : {}) },
    requestContext: {
      ...event.requestContext,
      requestId: invocationId,
      routeKey: proxy === undefined ? 'ANY /v1/features/{slug}' : 'ANY /v1/features/{slug}/{proxy+}',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      authorizer: { lambda: { clientId: clientPseudonym(secret, caller.clientId, feature.slug) } },
    } as Event['requestContext'],
  };
}

/**
 * On every answer to a feature call: a feature's page served on the console's origin can run no
 * script and read nothing of that origin (a CSP sandbox gives it an opaque origin), and no
 * browser guesses a type the feature did not state.
 */
export const FEATURE_RESPONSE_HEADERS = { 'content-security-policy': 'sandbox', 'x-content-type-options': 'nosniff' } as const;

function judge(outcome: InvokeOutcome, feature: FeatureSpec): { response: Result; status: number; kind: Outcome; responseBytes: number } {
  if (outcome.kind === 'timeout') {
    const r = errorResponse(errors.featureTimeout(feature.manifest.timeoutMs), FEATURE_RESPONSE_HEADERS);
    return { response: r, status: 504, kind: 'timeout', responseBytes: 0 };
  }
  const interpreted = outcome.kind === 'returned' ? interpretResult(outcome.result) : undefined;
  if (!interpreted) {
    const r = errorResponse(errors.featureError(), FEATURE_RESPONSE_HEADERS);
    return { response: r, status: 502, kind: 'feature_error', responseBytes: 0 };
  }
  // A feature's cookies are never returned: it shares the console's origin (and its cookie jar).
  return {
    response: {
      statusCode: interpreted.statusCode,
      headers: { ...interpreted.headers, ...FEATURE_RESPONSE_HEADERS },
      body: interpreted.body,
      isBase64Encoded: interpreted.isBase64Encoded,
    },
    status: interpreted.statusCode,
    kind: 'ok',
    responseBytes: interpreted.bodyBytes,
  };
}
