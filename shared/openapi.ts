import { formatMicros } from './money.ts';
import type { FeatureSpec } from './manifest.ts';

/**
 * OpenAPI 3.1 descriptions of features, built from their manifests (and the optional request and
 * response JSON Schemas in them): what a client's tooling needs to call a feature. Pure data; the
 * gateway serves it at `/v1/openapi.json` and `/v1/features/{slug}/openapi.json`.
 */
export type OpenApiDocument = Record<string, unknown>;

type Json = Record<string, unknown>;

const ERROR_SCHEMA: Json = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};

/** The platform's own answers around any feature call (the feature's own codes come in 2xx-5xx too). */
const PLATFORM_RESPONSES: Record<string, string> = {
  '400': 'invalid request (e.g. conflicting credentials)',
  '401': 'missing or invalid API key',
  '410': 'the feature is retired (after its sunset)',
  '413': 'body over 6 MB',
  '429': 'rate limit, monthly quota or spend cap reached',
  '502': 'the feature failed or returned an invalid response',
  '503': 'the feature or the platform is unavailable for now',
  '504': 'the feature did not answer within its timeout',
};

function priceText(spec: FeatureSpec): string {
  const compute = spec.price.perGbSecondMicros > 0 ? ` + ${formatMicros(spec.price.perGbSecondMicros)} EUR per GB-second of compute` : '';
  return `${formatMicros(spec.price.perCallMicros)} EUR per successful call${compute}; errors and test keys are never billed.`;
}

function operation(spec: FeatureSpec, subPath: boolean): Json {
  const m = spec.manifest as FeatureSpec['manifest'] & { requestSchema?: Json; responseSchema?: Json };
  const example = m.example;
  const method = (example?.method ?? 'POST').toLowerCase();
  const hasBody = method !== 'get' && method !== 'delete';
  const op: Json = {
    operationId: `${subPath ? 'callSubPath' : 'call'}_${spec.slug.replaceAll('-', '_')}`,
    summary: m.name,
    description: `${m.description}\n\nPrice: ${priceText(spec)}`,
    tags: m.tags.length ? m.tags : ['features'],
    ...(m.status === 'deprecated' ? { deprecated: true } : {}),
    ...(subPath ? { parameters: [{ name: 'path', in: 'path', required: true, description: 'the rest of the path, passed to the feature as is (may contain slashes)', schema: { type: 'string' } }] } : {}),
    ...(hasBody
      ? {
          requestBody: {
            required: false,
            content: { [example?.headers?.['content-type'] ?? 'application/json']: { schema: m.requestSchema ?? {}, ...(example?.body !== undefined ? { example: example.body } : {}) } },
          },
        }
      : {}),
    responses: {
      '200': { description: 'the feature answered', content: { 'application/json': { schema: m.responseSchema ?? {}, ...(example?.response && example.response.status < 300 ? { example: example.response.body } : {}) } } },
      ...Object.fromEntries(
        Object.entries(PLATFORM_RESPONSES).map(([status, description]) => [status, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
      ),
    },
    'x-faascape-price': { perCallMicros: spec.price.perCallMicros, perGbSecondMicros: spec.price.perGbSecondMicros, currency: 'EUR' },
  };
  return { [method]: op };
}

function pathsOf(spec: FeatureSpec): Json {
  return {
    [`/v1/features/${spec.slug}`]: operation(spec, false),
    [`/v1/features/${spec.slug}/{path}`]: operation(spec, true),
  };
}

function document(title: string, version: string, description: string, specs: FeatureSpec[]): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: { title, version, description },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }, { bearer: [] }],
    paths: Object.assign({}, ...specs.map(pathsOf)) as Json,
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        bearer: { type: 'http', scheme: 'bearer', description: 'the same API key, as Authorization: Bearer <key>' },
      },
      schemas: { Error: ERROR_SCHEMA },
    },
  };
}

export function featureOpenApi(spec: FeatureSpec): OpenApiDocument {
  return document(spec.manifest.name, spec.manifest.version, spec.manifest.description, [spec]);
}

export function catalogueOpenApi(specs: FeatureSpec[]): OpenApiDocument {
  return document('Faascape features', '1.0.0', 'Every feature of this platform: call it with your API key; you pay per successful call.', [...specs].sort((a, b) => (a.slug < b.slug ? -1 : 1)));
}
