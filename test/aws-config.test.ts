import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AwsConfigError, catalogFromJson, pseudonymSecret } from '../runtime/aws/config.ts';
import { readManifests } from '../runtime/local/load-features.ts';
import { catalogueJson } from '../shared/catalogue.ts';

const functionsDir = fileURLToPath(new URL('../functions', import.meta.url));

/** The AwsConfigError that reading `json` as the catalogue throws. */
function coldStartError(json: string | undefined): AwsConfigError {
  try {
    catalogFromJson(json);
  } catch (e) {
    expect(e).toBeInstanceOf(AwsConfigError);
    return e as AwsConfigError;
  }
  throw new Error('expected catalogFromJson to throw');
}

describe('the catalogue a Lambda reads at cold start (FAASCAPE_CATALOG)', () => {
  it('serves the specs infra parsed from functions/, unchanged', () => {
    const { specs, problems } = readManifests(functionsDir);
    expect(problems).toEqual([]);
    expect(specs.length).toBeGreaterThan(0);
    const catalog = catalogFromJson(catalogueJson(specs));
    expect(catalog.list()).toEqual(specs);
    for (const s of specs) expect(catalog.get(s.slug)).toEqual(s);
    expect(catalog.get('no-such-feature')).toBeUndefined();
  });

  it('fails the cold start with a clear error when the bundle carries no catalogue or a bad one', () => {
    expect(coldStartError(undefined).message).toMatch(/FAASCAPE_CATALOG is empty/);
    expect(coldStartError('').message).toMatch(/FAASCAPE_CATALOG is empty/);
    const old = coldStartError(JSON.stringify([{ slug: 'iban-check', manifest: { name: 'IBAN' } }]));
    expect(old.message).toMatch(/^FAASCAPE_CATALOG: the feature catalogue is not the parsed specs infra writes at synth/);
    expect(old.message).toMatch(/feature 0 \("iban-check"\): price must be the parsed price/);
  });
});

describe('the pseudonym key the gateway reads at cold start', () => {
  it('is refused when empty or short: pseudonyms keyed by nothing could be reversed from guessable client ids', () => {
    for (const bad of [undefined, '', 'short']) expect(() => pseudonymSecret(bad)).toThrow(AwsConfigError);
    expect(pseudonymSecret('k'.repeat(64))).toBe('k'.repeat(64));
  });
});

