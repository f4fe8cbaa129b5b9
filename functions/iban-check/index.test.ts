import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { handler } from './index.ts';
import { checkIban, computeCheckDigits, ibanLength } from './iban.ts';
import { REGISTRY } from './registry.ts';

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
      host: 'iban-check.faascape.test',
      'user-agent': 'vitest',
    },
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'faascape',
      domainName: 'iban-check.faascape.test',
      domainPrefix: 'iban-check',
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

// Example IBANs published in the SWIFT IBAN Registry (and python-stdnum's copy of them).
const REGISTRY_EXAMPLES = [
  'AD1200012030200359100100', 'AE070331234567890123456', 'AL47212110090000000235698741',
  'AT611904300234573201', 'AZ21NABZ00000000137010001944', 'BA391290079401028494',
  'BE68539007547034', 'BG80BNBG96611020345678', 'BH67BMAG00001299123456',
  'BR1800000000141455123924100C2', 'CH9300762011623852957', 'CY17002001280000001200527600',
  'CZ6508000000192000145399', 'DE89370400440532013000', 'DK5000400440116243',
  'DO28BAGR00000001212453611324', 'EE382200221020145685', 'ES9121000418450200051332',
  'FI2112345600000785', 'FO6264600001631634', 'FR1420041010050500013M02606',
  'GB29NWBK60161331926819', 'GE29NB0000000101904917', 'GI75NWBK000000007099453',
  'GL8964710001000206', 'GR1601101250000000012300695', 'GT82TRAJ01020000001210029690',
  'HR1210010051863000160', 'HU42117730161111101800000000', 'IE29AIBK93115212345678',
  'IL620108000000099999999', 'IS140159260076545510730339', 'IT60X0542811101000000123456',
  'JO94CBJO0010000000000131000302', 'KZ86125KZT5004100100', 'LB62099900000001001901229114',
  'LI21088100002324013AA', 'LT121000011101001000', 'LU280019400644750000',
  'LV80BANK0000435195001', 'MD24AG000225100013104168', 'ME25505000012345678951',
  'MK07250120000058984', 'MR1300020001010000123456753', 'MT84MALT011000012345MTLCAST001S',
  'MU17BOMM0101101030300200000MUR', 'NL91ABNA0417164300', 'NO9386011117947',
  'PK36SCBL0000001123456702', 'PL61109010140000071219812874', 'PS92PALS000000000400123456702',
  'PT50000201231234567890154', 'QA58DOHB00001234567890ABCDEFG', 'RO49AAAA1B31007593840000',
  'RS35260005601001611379', 'SA0380000000608010167519', 'SE4550000000058398257466',
  'SI56191000000123438', 'SK3112000000198742637541', 'SM86U0322509800000000270100',
  'TL380080012345678910157', 'TN5910006035183598478831', 'TR330006100519786457841326',
  'VG96VPVG0000012345678901', 'XK051212012345678906',
];

describe('iban-check accepts valid IBANs', () => {
  it.each(REGISTRY_EXAMPLES)('accepts %s, the SWIFT registry example for its country', (iban) => {
    expect(checkIban(iban)).toMatchObject({ valid: true, iban, country: iban.slice(0, 2) });
  });

  it('returns the electronic form, the print form, country, check digits and BBAN', () => {
    expect(checkIban('FR76 3000 6000 0112 3456 7890 189')).toEqual({
      valid: true,
      iban: 'FR7630006000011234567890189',
      formatted: 'FR76 3000 6000 0112 3456 7890 189',
      country: 'FR',
      countryName: 'France',
      checkDigits: '76',
      bban: '30006000011234567890189',
      bankCode: '30006',
      branchCode: '00001',
    });
  });

  it('reads the Bankleitzahl of a German IBAN', () => {
    expect(checkIban('DE89 3704 0044 0532 0130 00')).toMatchObject({ bankCode: '37040044' });
  });

  it('reads the entity and office codes of a Spanish IBAN', () => {
    expect(checkIban('ES91 2100 0418 4502 0005 1332')).toMatchObject({ bankCode: '2100', branchCode: '0418' });
  });

  it('reads the ABI and CAB codes of an Italian IBAN, skipping the CIN letter', () => {
    expect(checkIban('IT60 X054 2811 1010 0000 0123 456')).toMatchObject({ bankCode: '05428', branchCode: '11101' });
  });

  it('reads the bank code of Belgian and Dutch IBANs', () => {
    expect(checkIban('BE68 5390 0754 7034').bankCode).toBe('539');
    expect(checkIban('NL91 ABNA 0417 1643 00').bankCode).toBe('ABNA');
  });

  it('leaves out the bank code for countries where it is not extracted', () => {
    expect(checkIban('NO93 8601 1117 947')).not.toHaveProperty('bankCode');
  });

  it('ignores spaces, hyphens, tabs, lower case and a leading "IBAN" label', () => {
    expect(checkIban(' iban de89-3704-0044\t0532 0130 00 ')).toMatchObject({
      valid: true,
      iban: 'DE89370400440532013000',
      formatted: 'DE89 3704 0044 0532 0130 00',
    });
  });

  it('knows the IBAN length of every SEPA country', () => {
    const sepa: Record<string, number> = {
      AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18,
      FR: 27, GB: 22, GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20,
      LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, RS: 22,
      SE: 24, SI: 19, SK: 24, SM: 27, VA: 22, AL: 28,
    };
    for (const [country, length] of Object.entries(sepa)) expect([country, ibanLength(country)]).toEqual([country, length]);
  });
});

describe('iban-check rejects invalid IBANs with a reason', () => {
  it('reports bad_checksum when one digit is mistyped', () => {
    expect(checkIban('DE89 3704 0044 0532 0130 01')).toMatchObject({ valid: false, reason: 'bad_checksum' });
  });

  it('reports bad_checksum when two adjacent digits are swapped', () => {
    expect(checkIban('GB29 NWBK 6016 1331 9268 91')).toMatchObject({ valid: false, reason: 'bad_checksum' });
  });

  it('reports bad_checksum for the never-issued check digits 01 even when the remainder works out', () => {
    let valid98: string | undefined;
    for (let account = 0; valid98 === undefined; account++) {
      const bban = `37040044${String(account).padStart(10, '0')}`;
      if (computeCheckDigits('DE', bban) === '98') valid98 = bban;
    }
    expect(checkIban(`DE98${valid98}`).valid).toBe(true);
    expect(checkIban(`DE01${valid98}`)).toMatchObject({ valid: false, reason: 'bad_checksum' });
  });

  it('reports wrong_length when a character is missing or extra', () => {
    expect(checkIban('FR76 3000 6000 0112 3456 7890 18')).toMatchObject({ valid: false, reason: 'wrong_length' });
    expect(checkIban('BE68 5390 0754 7034 1')).toMatchObject({ valid: false, reason: 'wrong_length' });
  });

  it('explains the expected length in the message', () => {
    expect(checkIban('NL91ABNA041716430').message).toMatch(/Netherlands has 18 characters; this one has 17/);
  });

  it('reports unknown_country for a country that does not issue IBANs', () => {
    expect(checkIban('US64 SVBK US6S 3300 9673 86')).toMatchObject({ valid: false, reason: 'unknown_country', country: 'US' });
  });

  it('reports unknown_country when the IBAN does not start with two letters', () => {
    expect(checkIban('7630006000011234567890189')).toMatchObject({ valid: false, reason: 'unknown_country', country: null });
  });

  it('reports bad_characters for punctuation other than spaces and hyphens', () => {
    expect(checkIban('FR76.3000.6000.0112.3456.7890.189')).toMatchObject({ valid: false, reason: 'bad_characters' });
  });

  it('reports bad_characters for a letter where the national format expects a digit', () => {
    expect(checkIban('NL56 3003 0A17 1643 00')).toMatchObject({ valid: false, reason: 'bad_characters' });
    expect(checkIban('GI22 NW3K 0000 0000 7099 453')).toMatchObject({ valid: false, reason: 'bad_characters' });
  });

  it('reports bad_characters when the check digits are letters', () => {
    expect(checkIban('DEXX370400440532013000')).toMatchObject({ valid: false, reason: 'bad_characters' });
  });

  it('still returns the parsed parts of an invalid IBAN', () => {
    expect(checkIban('DE89 3704 0044 0532 0130 01')).toMatchObject({
      iban: 'DE89370400440532013001',
      country: 'DE',
      checkDigits: '89',
      bban: '370400440532013001',
    });
  });
});

// ---------------------------------------------------------------------------
// Properties. Check digits are computed here independently with BigInt.
// ---------------------------------------------------------------------------
function bigIntCheckDigits(country: string, bban: string): string {
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return String(98n - (BigInt(numeric) % 97n)).padStart(2, '0');
}

const CHARS = { n: '0123456789', a: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', c: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ' };

function bbanArbitrary(structure: string): fc.Arbitrary<string> {
  const parts = [...structure.matchAll(/(\d+)!?([nac])/g)].map(([, count, kind]) =>
    fc.string({ unit: fc.constantFrom(...CHARS[kind as keyof typeof CHARS]), minLength: Number(count), maxLength: Number(count) }),
  );
  return fc.tuple(...parts).map((chunks) => chunks.join(''));
}

const validIban = fc
  .constantFrom(...Object.keys(REGISTRY))
  .chain((country) => bbanArbitrary(REGISTRY[country]![1]).map((bban) => `${country}${bigIntCheckDigits(country, bban)}${bban}`));

const digitPositions = (iban: string): number[] =>
  [...iban].flatMap((c, i) => (i >= 2 && /[0-9]/.test(c) ? [i] : []));

describe('iban-check properties', () => {
  it('accepts any IBAN that follows its country format and carries correct check digits', () => {
    fc.assert(fc.property(validIban, (iban) => checkIban(iban).valid), { numRuns: 500 });
  });

  it('rejects any valid IBAN with one digit changed', () => {
    fc.assert(
      fc.property(
        fc.oneof(validIban, fc.constantFrom(...REGISTRY_EXAMPLES)),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (iban, pick, delta) => {
          const positions = digitPositions(iban);
          const i = positions[pick % positions.length]!;
          const changed = String((Number(iban[i]) + delta) % 10);
          const mutated = iban.slice(0, i) + changed + iban.slice(i + 1);
          return checkIban(mutated).valid === false;
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects any valid IBAN with two adjacent distinct digits swapped', () => {
    fc.assert(
      fc.property(fc.oneof(validIban, fc.constantFrom(...REGISTRY_EXAMPLES)), fc.nat(), (iban, pick) => {
        const pairs = digitPositions(iban).filter((i) => /[0-9]/.test(iban[i + 1] ?? '') && iban[i] !== iban[i + 1]);
        fc.pre(pairs.length > 0);
        const i = pairs[pick % pairs.length]!;
        const swapped = iban.slice(0, i) + iban[i + 1] + iban[i] + iban.slice(i + 2);
        return checkIban(swapped).valid === false;
      }),
      { numRuns: 1000 },
    );
  });

  it('computes the same check digits as an independent BigInt implementation', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(REGISTRY)).chain((c) => bbanArbitrary(REGISTRY[c]![1]).map((b) => [c, b] as const)),
        ([country, bban]) => computeCheckDigits(country, bban) === bigIntCheckDigits(country, bban)),
    );
  });
});

// ---------------------------------------------------------------------------
// HTTP behaviour of the handler.
// ---------------------------------------------------------------------------
describe('iban-check over HTTP', () => {
  it('answers a POST with a JSON body with one result as JSON', async () => {
    const { status, json, response } = await call({ method: 'POST', body: { iban: 'FR76 3000 6000 0112 3456 7890 189' } });
    expect(status).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(json).toMatchObject({ valid: true, iban: 'FR7630006000011234567890189', country: 'FR' });
  });

  it('answers a GET with an ?iban= query parameter', async () => {
    const { status, json } = await call({ method: 'GET', query: { iban: 'DE89 3704 0044 0532 0130 00' } });
    expect(status).toBe(200);
    expect(json).toMatchObject({ valid: true, bankCode: '37040044' });
  });

  it('answers a GET with a comma-separated ?ibans= list', async () => {
    const { json } = await call({ method: 'GET', query: { ibans: 'DE89370400440532013000,DE89370400440532013001' } });
    expect(json).toMatchObject({ count: 2, validCount: 1, invalidCount: 1 });
  });

  it('checks a batch of IBANs in order and counts the valid ones', async () => {
    const { status, json } = await call({
      method: 'POST',
      body: { ibans: ['BE68 5390 0754 7034', 'BE68 5390 0754 7035', 'XX00 1234', 'NL91ABNA0417164300'] },
    });
    expect(status).toBe(200);
    expect(json.count).toBe(4);
    expect(json.validCount).toBe(2);
    expect(json.invalidCount).toBe(2);
    expect(json.results.map((r: { valid: boolean; reason?: string }) => r.reason ?? 'ok')).toEqual([
      'ok', 'bad_checksum', 'unknown_country', 'ok',
    ]);
  });

  it('accepts a batch of exactly 1000 IBANs', async () => {
    const { status, json } = await call({ method: 'POST', body: { ibans: Array(1000).fill('NO9386011117947') } });
    expect(status).toBe(200);
    expect(json.validCount).toBe(1000);
  });

  it('decodes a base64-encoded body', async () => {
    const { status, json } = await call({ method: 'POST', body: { iban: 'CH93 0076 2011 6238 5295 7' }, base64: true });
    expect(status).toBe(200);
    expect(json).toMatchObject({ valid: true, country: 'CH', countryName: 'Switzerland' });
  });

  it('returns 200 with valid:false for a well-formed request about an invalid IBAN', async () => {
    const { status, json } = await call({ method: 'POST', body: { iban: 'FR76 3000 6000 0112 3456 7890 180' } });
    expect(status).toBe(200);
    expect(json).toMatchObject({ valid: false, reason: 'bad_checksum' });
  });

  it('rejects a body that is not JSON with 400 invalid_json', async () => {
    const { status, json } = await call({ method: 'POST', rawBody: '{"iban": FR76' });
    expect(status).toBe(400);
    expect(json.error.code).toBe('invalid_json');
  });

  it('rejects a JSON body that is not an object with 400', async () => {
    const { status, json } = await call({ method: 'POST', body: ['FR7630006000011234567890189'] });
    expect(status).toBe(400);
    expect(json.error.code).toBe('invalid_body');
  });

  it('rejects a request without "iban" or "ibans" with a message naming the field', async () => {
    const { status, json } = await call({ method: 'POST', body: { account: 'FR76...' } });
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code: 'missing_field' });
    expect(json.error.message).toContain('"iban"');
  });

  it('rejects a GET without a query string with 400', async () => {
    const { status, json } = await call({ method: 'GET' });
    expect(status).toBe(400);
    expect(json.error.message).toContain('iban');
  });

  it('rejects an "iban" that is not a string with 400', async () => {
    const { status, json } = await call({ method: 'POST', body: { iban: 7630006000011234 } });
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code: 'invalid_field' });
    expect(json.error.message).toContain('"iban" must be a string');
  });

  it('rejects an empty "iban" with 400', async () => {
    const { status, json } = await call({ method: 'POST', body: { iban: '   ' } });
    expect(status).toBe(400);
    expect(json.error.message).toContain('"iban" is empty');
  });

  it('rejects an absurdly long "iban" with 400', async () => {
    const { status } = await call({ method: 'POST', body: { iban: 'FR76'.repeat(100) } });
    expect(status).toBe(400);
  });

  it('rejects both "iban" and "ibans" in the same request', async () => {
    const { status, json } = await call({ method: 'POST', body: { iban: 'NO9386011117947', ibans: ['NO9386011117947'] } });
    expect(status).toBe(400);
    expect(json.error.message).toMatch(/either "iban" or "ibans"/);
  });

  it('rejects "ibans" that is not an array, is empty, or holds a non-string, naming the entry', async () => {
    expect((await call({ method: 'POST', body: { ibans: 'NO9386011117947' } })).json.error.message).toContain('"ibans" must be an array');
    expect((await call({ method: 'POST', body: { ibans: [] } })).json.error.message).toContain('"ibans" is empty');
    const { status, json } = await call({ method: 'POST', body: { ibans: ['NO9386011117947', null] } });
    expect(status).toBe(400);
    expect(json.error.message).toContain('"ibans[1]" must be a string');
  });

  it('rejects more than 1000 IBANs with 400 too_many_items', async () => {
    const { status, json } = await call({ method: 'POST', body: { ibans: Array(1001).fill('NO9386011117947') } });
    expect(status).toBe(400);
    expect(json.error.code).toBe('too_many_items');
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'OPTIONS'])('answers %s with 405 and an Allow header', async (method) => {
    const { status, json, response } = await call({ method, body: { iban: 'NO9386011117947' } });
    expect(status).toBe(405);
    expect(response.headers?.allow).toBe('GET, POST');
    expect(json.error.code).toBe('method_not_allowed');
  });

  it('never throws, even for an event without a request context', async () => {
    const response = await handler({ ...httpEvent(), requestContext: undefined } as unknown as APIGatewayProxyEventV2);
    expect(response.statusCode).toBe(405);
  });
});

describe('iban-check feature.json', () => {
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

  it('is authored by carol alone and priced per call and per GB-second in euros', () => {
    expect(feature.authors).toEqual([{ id: 'carol', weight: 1 }]);
    expect(feature.price).toEqual({ perCall: '0.001', perGbSecond: '0.000017', currency: 'EUR' });
  });

  it('has an example request that the handler answers with a valid IBAN', async () => {
    expect(feature.example).toMatchObject({ method: 'POST', path: '' });
    const { status, json } = await call({ method: feature.example.method, body: feature.example.body });
    expect(status).toBe(200);
    expect(json.valid).toBe(true);
  });
});
