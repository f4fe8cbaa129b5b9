import { compileErrors, validate } from '@readme/openapi-parser';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readManifests } from '../runtime/local/load-features.ts';
import { parseManifest, type FeatureSpec } from './manifest.ts';
import { catalogueOpenApi, featureOpenApi, type OpenApiDocument } from './openapi.ts';

const SHIPPED = readManifests(fileURLToPath(new URL('../functions', import.meta.url))).specs;

async function problems(doc: OpenApiDocument): Promise<string> {
  // The validator dereferences in place: give it a copy.
  const result = await validate(structuredClone(doc) as never);
  return result.valid ? '' : compileErrors(result);
}

const described = parseManifest('shout', 'functions/shout/feature.json', {
  name: 'Shout',
  description: 'Upper-cases a text.',
  version: '1.2.0',
  authors: [{ id: 'dora', weight: 1 }],
  price: { perCall: '0.0005', perGbSecond: '0.000017', currency: 'EUR' },
  memoryMb: 128,
  timeoutMs: 1000,
  status: 'deprecated',
  sunsetAt: '2027-06-01T00:00:00Z',
  requestSchema: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
  responseSchema: { type: 'object', properties: { shouted: { type: 'string' } } },
  example: { method: 'POST', body: { text: 'hi' } },
});

describe('OpenAPI 3.1 descriptions', () => {
  it('are valid for every shipped feature and for the whole catalogue (a maintained validator)', async () => {
    expect(SHIPPED.length).toBeGreaterThan(0);
    for (const spec of SHIPPED) expect(await problems(featureOpenApi(spec)), spec.slug).toBe('');
    const all = catalogueOpenApi(SHIPPED);
    expect(await problems(all)).toBe('');
    expect(Object.keys(all.paths as object)).toEqual(SHIPPED.flatMap((s) => [`/v1/features/${s.slug}`, `/v1/features/${s.slug}/{path}`]).sort());
  });

  it('carry the request and response schemas, the example, the price and the deprecation', async () => {
    const doc = featureOpenApi(described);
    expect(await problems(doc)).toBe('');
    const op = (doc.paths as Record<string, Record<string, Record<string, unknown>>>)['/v1/features/shout']?.post as Record<string, unknown>;
    expect(op.deprecated).toBe(true);
    expect(op.requestBody).toEqual({ required: false, content: { 'application/json': { schema: described.manifest.requestSchema, example: { text: 'hi' } } } });
    expect((op.responses as Record<string, { content: Record<string, { schema: unknown }> }>)['200']?.content['application/json']?.schema).toEqual(described.manifest.responseSchema);
    expect(op['x-faascape-price']).toEqual({ perCallMicros: 500, perGbSecondMicros: 17, currency: 'EUR' });
    expect(String(op.description)).toContain('0.000500 EUR per successful call');
  });

  it('the validator used here does refuse an invalid document', async () => {
    const broken = featureOpenApi(described as FeatureSpec);
    delete broken.info;
    expect(await problems(broken)).not.toBe('');
  });
});
