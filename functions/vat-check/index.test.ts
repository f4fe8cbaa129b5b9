import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { handler } from './index.ts';
import { checkVat, RULES } from './vat.ts';

// ---------------------------------------------------------------------------
// A realistic API Gateway HTTP API (payload v2) event.
// ---------------------------------------------------------------------------
interface EventOptions {
  method?: string;
  query?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  base64?: boolean;
}

function httpEvent({ method = 'GET', query, body, rawBody, base64 = false }: EventOptions = {}): APIGatewayProxyEventV2 {
  const text = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const rawQueryString = query ? new URLSearchParams(query).toString() : '';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString,
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      host: 'vat-check.faascape.test',
      'user-agent': 'vitest',
    },
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'faascape',
      domainName: 'vat-check.faascape.test',
      domainPrefix: 'vat-check',
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '12/Mar/2025:10:00:00 +0000',
      timeEpoch: 1741773600000,
    },
    ...(text === undefined ? {} : { body: base64 ? Buffer.from(text, 'utf8').toString('base64') : text }),
    isBase64Encoded: base64,
  };
}

async function call(options: EventOptions): Promise<{ status: number; json: any; response: APIGatewayProxyStructuredResultV2 }> {
  const response = await handler(httpEvent(options));
  return { status: response.statusCode ?? 0, json: JSON.parse(response.body ?? 'null'), response };
}

// Real VAT numbers, as printed by businesses on invoices and web sites and
// collected in python-stdnum's test corpus, plus documented examples
// (DE136695976, ATU13585627, DK13585628, LU15027442, HR33392005961, ...).
// Written the way people write them: with spaces, dots, hyphens and any case.
const CHECKED = [
  ['ATU 142 43 102', 'AT'], ['ATU13585627', 'AT'], ['ATU61195628', 'AT'],
  ['BE 0202.239.951', 'BE'], ['BE 0897290877', 'BE'], ['BE0403170701', 'BE'],
  ['CY-10259033P', 'CY'], ['CY 10246672X', 'CY'],
  ['DE136695976', 'DE'], ['DE 118619592', 'DE'], ['DE 813 11 38 75', 'DE'], ['DE812847601', 'DE'],
  ['DK13585628', 'DK'], ['DK 10 50 32 80', 'DK'], ['DK-27630308', 'DK'],
  ['EE 100594102', 'EE'], ['EE101256753', 'EE'],
  ['EL 094012834', 'EL'], ['EL-082857563', 'EL'], ['El 800 179 925', 'EL'],
  ['ES A-28184661', 'ES'], ['ES B64717838', 'ES'], ['ES Q-2818015-F', 'ES'], ['ES W4003922D', 'ES'],
  ['ES 54362315K', 'ES'], ['ES X-5253868-R', 'ES'], ['ES Y5277343F', 'ES'], ['ES Z5277343K', 'ES'],
  ['FI20774740', 'FI'], ['FI 0982651-1', 'FI'], ['FI-24163066', 'FI'],
  ['FR40303265045', 'FR'], ['FR 13 393 892 815', 'FR'], ['FR82542065479', 'FR'], ['fr 71383076817', 'FR'],
  ['HR33392005961', 'HR'],
  ['HU 10672101', 'HU'], ['HU-12892312', 'HU'],
  ['IE 6433435F', 'IE'], ['IE 9502346O', 'IE'], ['IE8D79739I', 'IE'], ['IE9Y71814N', 'IE'],
  ['IT00743110157', 'IT'], ['IT 12920760159', 'IT'], ['IT-09159800011', 'IT'],
  ['LU15027442', 'LU'], ['LU 150 274 42', 'LU'], ['LU.248.70.640', 'LU'],
  ['MT 1167-9112', 'MT'], ['MT 20630321', 'MT'],
  ['NL004495445B01', 'NL'], ['NL 820605876B01', 'NL'], ['NL.8143.26.584.B.01', 'NL'],
  ['PL 5261025421', 'PL'], ['PL 584-030-44-72', 'PL'], ['PL8567346215', 'PL'],
  ['PT 501 964 843', 'PT'], ['PT 500 019 720', 'PT'],
  ['RO 185 472 90', 'RO'], ['RO 573768', 'RO'],
  ['SE 556058115801', 'SE'], ['SE-556666-4438-01', 'SE'],
  ['SI 50223054', 'SI'], ['SI-89036999', 'SI'],
  ['SK 2022193459', 'SK'], ['SK 1078449064', 'SK'],
] as const;

describe('vat-check accepts real VAT numbers', () => {
  it.each(CHECKED)('accepts %s with a valid %s checksum', (vat, country) => {
    expect(checkVat(vat)).toMatchObject({ valid: true, country, formatValid: true, checksum: 'valid' });
  });

  it('returns the normalised VAT number, its country and national part', () => {
    expect(checkVat('Fr 40 303 265 045')).toEqual({
      valid: true,
      vat: 'FR40303265045',
      country: 'FR',
      countryName: 'France',
      number: '40303265045',
      formatValid: true,
      checksum: 'valid',
    });
  });

  it('checks French numbers whose key contains a letter', () => {
    expect(checkVat('FR K 7399859412')).toMatchObject({ valid: true, checksum: 'valid' });
    expect(checkVat('FR4Z123456782')).toMatchObject({ valid: true, checksum: 'valid' });
    expect(checkVat('FRIO334175221')).toMatchObject({ valid: false, reason: 'bad_format' });
  });

  it('accepts the Dutch sole-trader numbers issued since 2020, which pass mod 97 instead of the eleven test', () => {
    expect(checkVat('NL002455799B11')).toMatchObject({ valid: true, checksum: 'valid' });
    expect(checkVat('NL000099998B57')).toMatchObject({ valid: true, checksum: 'valid' });
    expect(checkVat('NL002455799B12')).toMatchObject({ valid: false, reason: 'bad_checksum' });
  });

  it('restores dropped leading zeros for Belgian, Dutch and Greek numbers', () => {
    expect(checkVat('BE 444.503.092')).toMatchObject({ valid: true, vat: 'BE0444503092' });
    expect(checkVat('NL4495445B01')).toMatchObject({ valid: true, vat: 'NL004495445B01' });
    expect(checkVat('EL 94051189')).toMatchObject({ valid: true, vat: 'EL094051189' });
  });

  it('accepts GR as an alias for Greece but reports the VAT prefix EL', () => {
    expect(checkVat('GR094012834')).toMatchObject({ valid: true, country: 'EL', vat: 'EL094012834' });
  });

  it('accepts the Irish format with a second letter introduced in 2013', () => {
    expect(checkVat('IE6433435OA')).toMatchObject({ valid: true, checksum: 'valid' });
    expect(checkVat('IE6433435FA')).toMatchObject({ valid: false, reason: 'bad_checksum' });
  });

  it('accepts the Spanish special NIFs K, L and M with the DNI letter', () => {
    expect(checkVat('ESM1234567L')).toMatchObject({ valid: true, checksum: 'valid' });
    expect(checkVat('ESM1234567K')).toMatchObject({ valid: false, checksum: 'invalid' });
  });

  it('requires a control digit for Spanish companies (A, B, E, H) and a control letter for public bodies (P, Q, S, ...)', () => {
    // A28184661 has control 1, i.e. letter A; Q2818015F has control F, i.e. digit 6.
    expect(checkVat('ESA2818466A')).toMatchObject({ valid: false, checksum: 'invalid' });
    expect(checkVat('ESQ28180156')).toMatchObject({ valid: false, checksum: 'invalid' });
  });

  it.each([
    ['BG 175074752', 'BG'], ['CZ 25123891', 'CZ'], ['CZ 640229/4448', 'CZ'], ['LT 119511515', 'LT'],
    ['LT100001919017', 'LT'], ['LV 40003189718', 'LV'], ['XI 980780684', 'XI'],
  ])('accepts %s on format alone and says its %s checksum was not checked', (vat, country) => {
    expect(checkVat(vat)).toMatchObject({ valid: true, country, formatValid: true, checksum: 'not_checked' });
  });

  it('has a format rule for every EU member state', () => {
    const memberStates = ['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'EL', 'ES', 'FI', 'FR', 'HR', 'HU',
      'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'];
    for (const code of memberStates) expect(RULES).toHaveProperty(code);
  });

  it('checks the national checksum at least for FR, DE, IT, BE, NL, ES, LU, AT, DK, FI, PL, PT and SE', () => {
    for (const code of ['FR', 'DE', 'IT', 'BE', 'NL', 'ES', 'LU', 'AT', 'DK', 'FI', 'PL', 'PT', 'SE']) {
      expect([code, typeof RULES[code]?.checksum]).toEqual([code, 'function']);
    }
  });
});

describe('vat-check rejects invalid VAT numbers with a reason', () => {
  it.each([
    ['FR40303265046', 'FR'], ['FR41303265045', 'FR'], ['DE136695977', 'DE'], ['IT00743110158', 'IT'],
    ['BE0403170702', 'BE'], ['NL004495446B01', 'NL'], ['ESA28184662', 'ES'],
    ['ES54362315J', 'ES'], ['LU15027443', 'LU'], ['ATU13585628', 'AT'], ['DK13585629', 'DK'],
    ['FI20774741', 'FI'], ['PL8567346216', 'PL'], ['PT501964844', 'PT'], ['SE556058115901', 'SE'],
  ])('reports bad_checksum for %s, a single-digit typo of a real %s number', (vat, country) => {
    expect(checkVat(vat)).toMatchObject({ valid: false, country, formatValid: true, checksum: 'invalid', reason: 'bad_checksum' });
  });

  it.each([
    ['DE13669597', 'one digit short'],
    ['FR4030326504', 'one digit short'],
    ['ATX13585627', 'no U after AT'],
    ['NL004495445C01', 'C instead of B'],
    ['NL004495445B00', 'unit number 00'],
    ['SE556058115802', 'not ending in 01'],
    ['IT0074311015X', 'a letter among the digits'],
  ])('reports bad_format for %s (%s) and does not check the checksum', (vat) => {
    expect(checkVat(vat)).toMatchObject({ valid: false, formatValid: false, checksum: 'not_checked', reason: 'bad_format' });
  });

  it('explains the expected format in the message', () => {
    expect(checkVat('NL12345678B01X').message).toBe(
      'A VAT number from Netherlands is NL followed by 9 digits, the letter B and 2 digits (e.g. 123456789B01).',
    );
  });

  it('reports unknown_country for a number without a country prefix', () => {
    expect(checkVat('303265045')).toMatchObject({ valid: false, country: null, reason: 'unknown_country' });
  });

  it('reports unknown_country for non-EU prefixes such as GB and CH', () => {
    expect(checkVat('GB980780684')).toMatchObject({ valid: false, country: 'GB', reason: 'unknown_country' });
    expect(checkVat('CHE-116.281.710')).toMatchObject({ valid: false, reason: 'unknown_country' });
  });
});

// ---------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------
const siren = fc.integer({ min: 0, max: 999_999_999 }).map((n) => String(n).padStart(9, '0'));
const keyFor = (s: string): number => Number((BigInt(`${s}12`) % 97n));

// Countries whose algorithm detects every single-digit substitution.
const SUBSTITUTION_SAFE = CHECKED.filter(([, c]) => !['EL', 'PT', 'RO', 'NL'].includes(c)).map(([vat]) => checkVat(vat).vat);

describe('vat-check properties', () => {
  it('accepts any SIREN preceded by its key (12 + 3 × SIREN) mod 97 as a French VAT number', () => {
    fc.assert(
      fc.property(siren, (s) => checkVat(`FR${String(keyFor(s)).padStart(2, '0')}${s}`).checksum === 'valid'),
      { numRuns: 1000 },
    );
  });

  it('rejects any SIREN preceded by any other two-digit key', () => {
    fc.assert(
      fc.property(siren, fc.integer({ min: 0, max: 99 }), (s, key) => {
        fc.pre(key !== keyFor(s));
        return checkVat(`FR${String(key).padStart(2, '0')}${s}`).checksum === 'invalid';
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects any single-digit change to a real number from a country whose algorithm catches all such typos', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SUBSTITUTION_SAFE), fc.nat(), fc.integer({ min: 1, max: 9 }), (vat, pick, delta) => {
        const positions = [...vat].flatMap((c, i) => (i >= 2 && /[0-9]/.test(c) ? [i] : []));
        const i = positions[pick % positions.length]!;
        const mutated = vat.slice(0, i) + String((Number(vat[i]) + delta) % 10) + vat.slice(i + 1);
        return checkVat(mutated).valid === false;
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same answer whatever spaces, dots and hyphens are sprinkled into the number', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CHECKED.map(([vat]) => checkVat(vat).vat)),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '.', '-', ' - ')), { maxLength: 5 }),
        fc.boolean(),
        (vat, inserts, lower) => {
          let messy = vat;
          for (const [at, sep] of inserts) {
            const i = at % (messy.length + 1);
            messy = messy.slice(0, i) + sep + messy.slice(i);
          }
          if (lower) messy = messy.toLowerCase();
          return JSON.stringify(checkVat(messy)) === JSON.stringify(checkVat(vat));
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------
// HTTP behaviour of the handler.
// ---------------------------------------------------------------------------
describe('vat-check over HTTP', () => {
  it('answers a POST with a JSON body with one result as JSON', async () => {
    const { status, json, response } = await call({ method: 'POST', body: { vat: 'FR40303265045' } });
    expect(status).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(json).toMatchObject({ valid: true, country: 'FR', number: '40303265045', formatValid: true, checksum: 'valid' });
  });

  it('answers a GET with a ?vat= query parameter', async () => {
    const { status, json } = await call({ method: 'GET', query: { vat: 'DE 136 695 976' } });
    expect(status).toBe(200);
    expect(json).toMatchObject({ valid: true, vat: 'DE136695976' });
  });

  it('answers a GET with a comma-separated ?vats= list', async () => {
    const { json } = await call({ method: 'GET', query: { vats: 'IT00743110157,IT00743110158' } });
    expect(json).toMatchObject({ count: 2, validCount: 1, invalidCount: 1 });
  });

  it('checks a batch of VAT numbers in order and counts the valid ones', async () => {
    const { status, json } = await call({
      method: 'POST',
      body: { vats: ['FR40303265045', 'FR40303265046', 'GB980780684', 'DE1366', 'BG175074752'] },
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ count: 5, validCount: 2, invalidCount: 3 });
    expect(json.results.map((r: { reason?: string }) => r.reason ?? 'ok')).toEqual([
      'ok', 'bad_checksum', 'unknown_country', 'bad_format', 'ok',
    ]);
  });

  it('accepts a batch of exactly 1000 VAT numbers', async () => {
    const { status, json } = await call({ method: 'POST', body: { vats: Array(1000).fill('LU15027442') } });
    expect(status).toBe(200);
    expect(json.validCount).toBe(1000);
  });

  it('decodes a base64-encoded body', async () => {
    const { status, json } = await call({ method: 'POST', body: { vat: 'NL 004495445 B01' }, base64: true });
    expect(status).toBe(200);
    expect(json).toMatchObject({ valid: true, country: 'NL' });
  });

  it('returns 200 with valid:false for a well-formed request about an invalid number', async () => {
    const { status, json } = await call({ method: 'POST', body: { vat: 'FR41303265045' } });
    expect(status).toBe(200);
    expect(json).toMatchObject({ valid: false, formatValid: true, checksum: 'invalid', reason: 'bad_checksum' });
  });

  it('rejects a body that is not JSON with 400 invalid_json', async () => {
    const { status, json } = await call({ method: 'POST', rawBody: 'vat=FR40303265045' });
    expect(status).toBe(400);
    expect(json.error.code).toBe('invalid_json');
  });

  it('rejects a JSON body that is not an object with 400', async () => {
    const { status, json } = await call({ method: 'POST', body: 'FR40303265045' });
    expect(status).toBe(400);
    expect(json.error.code).toBe('invalid_body');
  });

  it('rejects a request without "vat" or "vats" with a message naming the field', async () => {
    const { status, json } = await call({ method: 'POST', body: { vatNumber: 'FR40303265045' } });
    expect(status).toBe(400);
    expect(json.error.code).toBe('missing_field');
    expect(json.error.message).toContain('"vat"');
  });

  it('rejects a "vat" that is not a string, or is empty, with 400', async () => {
    const notString = await call({ method: 'POST', body: { vat: 40303265045 } });
    expect(notString.status).toBe(400);
    expect(notString.json.error.message).toContain('"vat" must be a string');
    const empty = await call({ method: 'GET', query: { vat: '' } });
    expect(empty.status).toBe(400);
    expect(empty.json.error.message).toContain('"vat" is empty');
  });

  it('rejects a "vats" entry that is not a string, naming its index', async () => {
    const { status, json } = await call({ method: 'POST', body: { vats: ['FR40303265045', 'DE136695976', { vat: 'x' }] } });
    expect(status).toBe(400);
    expect(json.error.message).toContain('"vats[2]" must be a string');
  });

  it('rejects more than 1000 VAT numbers with 400 too_many_items', async () => {
    const { status, json } = await call({ method: 'POST', body: { vats: Array(1001).fill('LU15027442') } });
    expect(status).toBe(400);
    expect(json.error.code).toBe('too_many_items');
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'HEAD'])('answers %s with 405 and an Allow header', async (method) => {
    const { status, json, response } = await call({ method, body: { vat: 'FR40303265045' } });
    expect(status).toBe(405);
    expect(response.headers?.allow).toBe('GET, POST');
    expect(json.error.code).toBe('method_not_allowed');
  });
});

describe('vat-check feature.json', () => {
  const feature = JSON.parse(readFileSync(new URL('./feature.json', import.meta.url), 'utf8'));

  it('has the fields the platform expects', () => {
    expect(Object.keys(feature).sort()).toEqual(
      ['authors', 'description', 'example', 'memoryMb', 'name', 'price', 'tags', 'timeoutMs', 'version'].sort(),
    );
    expect(feature.version).toBe('1.0.0');
    expect(feature.memoryMb).toBe(128);
    expect(feature.timeoutMs).toBe(2000);
    expect(feature.tags).toContain('finance');
    expect(typeof feature.name).toBe('string');
    expect(feature.description.length).toBeGreaterThan(20);
  });

  it('is authored by carol and dave (weights 1 and 3) and priced per call only, in euros', () => {
    expect(feature.authors).toEqual([{ id: 'carol', weight: 1 }, { id: 'dave', weight: 3 }]);
    expect(feature.price).toEqual({ perCall: '0.0015', perGbSecond: '0', currency: 'EUR' });
  });

  it('has an example request that the handler answers with a valid VAT number', async () => {
    expect(feature.example).toMatchObject({ method: 'POST', path: '' });
    const { status, json } = await call({ method: feature.example.method, body: feature.example.body });
    expect(status).toBe(200);
    expect(json.valid).toBe(true);
  });
});
