/**
 * Every shipped feature documents a call and its answer in its manifest (`example`, shown on its
 * catalogue page and in its OpenAPI description). Here each example request runs in the real
 * runtime (its sandboxed process, as `faascape invoke` does) and must give the documented answer:
 * the catalogue never shows an answer the feature would not give.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { invokeFeature, readFeatureSpec } from '../runtime/cli/invoke.ts';
import { sampleEvent } from '../runtime/cli/sample-event.ts';

const FUNCTIONS = fileURLToPath(new URL('../functions/', import.meta.url));
const SHIPPED = readdirSync(FUNCTIONS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('the shipped features’ examples', () => {
  it.each(SHIPPED)('%s answers its example request with its example response', async (slug) => {
    const example = readFeatureSpec(FUNCTIONS, slug).manifest.example;
    expect(example?.response, `${slug}/feature.json: example.response`).toBeDefined();
    if (!example?.response) return;
    const event = sampleEvent({
      slug,
      method: example.method,
      path: example.path,
      query: [...new URLSearchParams(example.query ?? '')],
      ...(example.headers ? { headers: example.headers } : {}),
      ...(example.body !== undefined ? { body: JSON.stringify(example.body) } : {}),
    });
    const report = await invokeFeature({ functionsDir: FUNCTIONS, slug, event });
    expect(report.outcome, report.problem).toBe('ok');
    expect(report.status).toBe(example.response.status);
    expect(JSON.parse(report.body)).toEqual(example.response.body);
  }, 60_000);
});
