/**
 * A sample API Gateway HTTP API (payload v2) event, shaped as the gateway hands it to a feature:
 * what runtime/local/http-server.ts `toEvent` makes of a request to `/v1/features/<slug>…`, then
 * what runtime/gateway/handler.ts `featureEvent` does to it (route, path parameters, request id,
 * and a pseudonym of the caller instead of its key). `faascape event` prints it, `faascape invoke`
 * sends it, and the test of a scaffolded feature (`faascape new`) calls its handler with it.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { DomainError } from '../../shared/errors.ts';
import { CREDENTIAL_HEADERS } from '../gateway/access.ts';
import { clientPseudonym, PRIVATE_REQUEST_HEADERS } from '../gateway/handler.ts';

export interface SampleRequest {
  /** the feature called: `/v1/features/<slug>` (default `hello`) */
  slug?: string;
  /** default GET, or POST when there is a body */
  method?: string;
  /** the path below the feature's URL, e.g. `/items/42` (default: none) */
  path?: string;
  /** query parameters in order; a name may repeat */
  query?: [string, string][] | Record<string, string>;
  /** request headers; a name may repeat (its values are joined with commas, as the gateway does) */
  headers?: [string, string][] | Record<string, string>;
  /** the request body as sent (text); `content-type` defaults to application/json */
  body?: string;
  /** who calls: the feature sees only a pseudonym of it (default `sample-client`) */
  client?: string;
  /** the request id the gateway gives the call (its invocation id); default a fresh one */
  requestId?: string;
  /** ms since the epoch; default now */
  now?: number;
}

/** Locally, `npm start` listens here; in AWS it is the stage's own domain. */
export const SAMPLE_HOST = '127.0.0.1:3000';
/** Samples are signed with this instead of the platform's secret: the same shape, another value. */
const SAMPLE_PSEUDONYM_SECRET = 'faascape-sample-event';

/** Request headers a feature never receives: the caller's credentials, session and the platform's own. */
/** What the gateway takes out of every event before a feature sees it (runtime/gateway). */
const NEVER_PASSED: ReadonlySet<string> = new Set([...CREDENTIAL_HEADERS, ...PRIVATE_REQUEST_HEADERS]);

/** What a feature receives: an HTTP API v2 event whose caller is a pseudonym from the gateway's authorizer. */
export type FeatureEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<{ clientId: string }>;

export class SampleEventError extends DomainError {
  override readonly name = 'SampleEventError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `k=v` as given to `--query` (the value may be empty or contain `=`). */
export function parseQueryPair(text: string): [string, string] {
  const i = text.indexOf('=');
  const pair: [string, string] = i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
  if (!pair[0]) throw new SampleEventError(`--query takes name=value, got "${text}"`);
  return pair;
}

/** `name:value` as given to `--header`. */
export function parseHeaderPair(text: string): [string, string] {
  const i = text.indexOf(':');
  const name = i < 0 ? '' : text.slice(0, i).trim();
  if (!TOKEN.test(name)) throw new SampleEventError(`--header takes name:value, got "${text}"`);
  return [name, text.slice(i + 1).trim()];
}

/** Characters that may stand in a URL path as they are; anything else is percent-encoded. */
const encodePath = (p: string) => p.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (c) => encodeURIComponent(c));

export function sampleEvent(req: SampleRequest = {}): FeatureEvent {
  const slug = req.slug ?? 'hello';
  const method = (req.method ?? (req.body === undefined ? 'GET' : 'POST')).toUpperCase();
  if (!TOKEN.test(method)) throw new SampleEventError(`not an HTTP method: "${req.method}"`);
  const suffix = req.path ? encodePath(req.path.startsWith('/') ? req.path : `/${req.path}`) : '';
  const rawPath = `/v1/features/${encodeURIComponent(slug)}${suffix}`;
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // a malformed escape stays as it is, as the local server leaves it
  }

  const pairs = Array.isArray(req.query) ? req.query : Object.entries(req.query ?? {});
  const rawQueryString = new URLSearchParams(pairs).toString();
  let queryStringParameters: Record<string, string> | undefined;
  for (const [k, v] of pairs) {
    queryStringParameters ??= {};
    queryStringParameters[k] = queryStringParameters[k] === undefined ? v : `${queryStringParameters[k]},${v}`;
  }

  // Header names arrive lowercased; a repeated header is one value joined with commas.
  const headers: Record<string, string> = { host: SAMPLE_HOST, 'user-agent': 'faascape-sample', accept: '*/*' };
  const given: Record<string, string> = {};
  for (const [name, value] of Array.isArray(req.headers) ? req.headers : Object.entries(req.headers ?? {})) {
    const lower = name.toLowerCase();
    if (NEVER_PASSED.has(lower)) throw new SampleEventError(`a feature never receives the "${lower}" header: the gateway keeps the caller's credentials, session and its own headers`);
    given[lower] = given[lower] === undefined ? value : `${given[lower]},${value}`;
  }
  Object.assign(headers, given);
  if (req.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(req.body));
  }

  const now = req.now ?? Date.now();
  const proxy = suffix ? suffix.slice(1) : undefined;
  const routeKey = proxy === undefined ? 'ANY /v1/features/{slug}' : 'ANY /v1/features/{slug}/{proxy+}';
  const host = headers.host ?? SAMPLE_HOST;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    pathParameters: { slug, ...(proxy !== undefined ? { proxy } : {}) },
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: req.requestId ?? randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      authorizer: { lambda: { clientId: clientPseudonym(SAMPLE_PSEUDONYM_SECRET, req.client ?? 'sample-client', slug) } },
    },
    ...(req.body !== undefined && req.body !== '' ? { body: req.body } : {}),
    isBase64Encoded: false,
  };
}

/**
 * Checks that a value read from a file (`faascape invoke --event`) is an HTTP API v2 event, well
 * enough for a feature to be called with it; the event is passed on as it is.
 */
export function asHttpApiEvent(value: unknown, source: string): APIGatewayProxyEventV2 {
  const problems: string[] = [];
  const v = value as Partial<APIGatewayProxyEventV2> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SampleEventError(`${source}: not an HTTP API v2 event (expected a JSON object; \`npx faascape event\` prints one)`);
  if (v.version !== '2.0') problems.push('version must be "2.0"');
  if (typeof v.rawPath !== 'string') problems.push('rawPath must be a string');
  if (typeof v.requestContext?.http?.method !== 'string') problems.push('requestContext.http.method must be a string');
  if (v.headers !== undefined && (typeof v.headers !== 'object' || v.headers === null)) problems.push('headers must be an object');
  if (v.body !== undefined && typeof v.body !== 'string') problems.push('body must be a string (JSON bodies are sent as text)');
  if (problems.length) throw new SampleEventError(`${source}: not an HTTP API v2 event: ${problems.join('; ')} (\`npx faascape event\` prints one)`);
  return v as APIGatewayProxyEventV2;
}
