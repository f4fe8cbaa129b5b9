import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler, MAX_CONTACTS, type NormalizedContact } from './index.ts';

interface EventOptions {
  method?: string;
  base64?: boolean;
}

/** A realistic API Gateway HTTP API (payload v2) event, as the platform hands it to the feature. */
function event(body: unknown, { method = 'POST', base64 = false }: EventOptions = {}): APIGatewayProxyEventV2 {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    version: '2.0',
    routeKey: `${method} /contact-normalizer`,
    rawPath: '/contact-normalizer',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'api.faascape.test', 'user-agent': 'vitest' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'faascape',
      domainName: 'api.faascape.test',
      domainPrefix: 'api',
      http: { method, path: '/contact-normalizer', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: `${method} /contact-normalizer`,
      stage: '$default',
      time: '01/Jan/2025:12:00:00 +0000',
      timeEpoch: 1735732800000,
    },
    isBase64Encoded: base64,
    ...(text === undefined ? {} : { body: base64 ? Buffer.from(text, 'utf8').toString('base64') : text }),
  };
}

async function call(body: unknown, options?: EventOptions): Promise<{ status: number | undefined; json: any; response: APIGatewayProxyStructuredResultV2 }> {
  const response = await handler(event(body, options));
  return { status: response.statusCode, json: JSON.parse(String(response.body)), response };
}

async function one(contact: Record<string, unknown>): Promise<NormalizedContact> {
  const { status, json } = await call(contact);
  expect(status).toBe(200);
  return json as NormalizedContact;
}

const codes = (contact: NormalizedContact): string[] => contact.warnings.map((w) => w.code);

describe('the contact normalizer', () => {
  describe('turns phone numbers into E.164', () => {
    it('reads a French mobile written the French way, using FR as the default country', async () => {
      const contact = await one({ phone: '06 12 34 56 78' });
      expect(contact).toMatchObject({ phone: '+33612345678', phoneValid: true, phoneType: 'mobile', phoneCountry: 'FR' });
      expect(contact.warnings).toEqual([]);
    });

    it('reads a French landline with an international 0033 prefix and a "poste" extension', async () => {
      expect(await one({ phone: '0033 1 23 45 67 89 poste 12' })).toMatchObject({
        phone: '+33123456789', phoneValid: true, phoneType: 'fixed_line', phoneExtension: '12',
      });
    });

    it('reads a Belgian number when the contact says its country is BE', async () => {
      expect(await one({ phone: '0470/12.34.56', country: 'BE' })).toMatchObject({
        phone: '+32470123456', phoneValid: true, phoneType: 'mobile', phoneCountry: 'BE',
      });
    });

    it('reads a US number with the country code lower-cased', async () => {
      expect(await one({ phone: '(415) 555-2671', country: 'us' })).toMatchObject({
        phone: '+14155552671', phoneValid: true, phoneCountry: 'US',
      });
    });

    it('recognises a foreign number written with +, whatever the default country', async () => {
      expect(await one({ phone: '+32 2 511 11 11' })).toMatchObject({
        phone: '+3225111111', phoneValid: true, phoneType: 'fixed_line', phoneCountry: 'BE',
      });
    });

    it('keeps an invalid number as typed, marks it invalid and says why', async () => {
      const contact = await one({ phone: ' 12 345 ' });
      expect(contact).toMatchObject({ phone: '12 345', phoneValid: false, phoneType: null, phoneCountry: null });
      expect(contact.warnings).toEqual([
        { field: 'phone', code: 'PHONE_INVALID', message: 'phone "12 345" is not a valid phone number for FR' },
      ]);
    });

    it('keeps the first of two numbers typed in one field and warns about it', async () => {
      const contact = await one({ phone: '06 12 34 56 78 / 01 23 45 67 89' });
      expect(contact.phone).toBe('+33612345678');
      expect(codes(contact)).toEqual(['PHONE_MULTIPLE_NUMBERS']);
    });
  });

  describe('tidies names', () => {
    it('capitalises words and hyphenated first names but keeps particles in lower case', async () => {
      expect(await one({ name: '  jean-pierre   DE LA fontaine ' })).toMatchObject({
        name: 'Jean-Pierre de la Fontaine', firstName: 'Jean-Pierre', lastName: 'de la Fontaine', warnings: [],
      });
    });

    it('handles van/von/der particles, apostrophes and Mc prefixes', async () => {
      expect((await one({ name: 'anne-marie VAN DER berg' })).lastName).toBe('van der Berg');
      expect((await one({ name: 'ludwig von beethoven' })).name).toBe('Ludwig von Beethoven');
      expect(await one({ name: "SHAQUILLE O'NEIL" })).toMatchObject({ firstName: 'Shaquille', lastName: "O'Neil" });
      expect((await one({ name: 'charles d’artagnan' })).name).toBe("Charles d'Artagnan");
      expect((await one({ name: 'ronald MCDONALD' })).name).toBe('Ronald McDonald');
    });

    it('treats a capitalised word as the surname, French style, even when it comes first', async () => {
      expect(await one({ name: 'DUPONT Marie-Claire' })).toMatchObject({
        name: 'Marie-Claire Dupont', firstName: 'Marie-Claire', lastName: 'Dupont',
      });
      expect(await one({ name: 'Jean DUPONT MARTIN' })).toMatchObject({ firstName: 'Jean', lastName: 'Dupont Martin' });
    });

    it('understands "Last, First" and strips a leading courtesy title', async () => {
      expect(await one({ name: 'Dupont, Jean' })).toMatchObject({ name: 'Jean Dupont', firstName: 'Jean', lastName: 'Dupont' });
      expect(await one({ name: 'mme claire martin' })).toMatchObject({ name: 'Claire Martin', title: 'Mme', firstName: 'Claire' });
    });

    it('keeps Le and La capitalised when they start a surname on their own', async () => {
      expect(await one({ name: 'yann le goff' })).toMatchObject({ firstName: 'Yann', lastName: 'Le Goff' });
    });

    it('keeps accents and deliberate inner capitals', async () => {
      expect((await one({ name: 'éloïse ÉTIENNE-ÉMERY' })).name).toBe('Éloïse Étienne-Émery');
      expect((await one({ name: 'Leonardo DiCaprio' })).name).toBe('Leonardo DiCaprio');
    });

    it('warns instead of guessing when a single word cannot be split', async () => {
      const contact = await one({ name: 'madonna' });
      expect(contact).toMatchObject({ name: 'Madonna', firstName: null, lastName: null });
      expect(codes(contact)).toEqual(['NAME_NOT_SPLIT']);
    });

    it('flags names with digits or symbols', async () => {
      expect(codes(await one({ name: 'Jean Dupont 2' }))).toEqual(['NAME_SUSPICIOUS_CHARACTERS']);
    });
  });

  describe('checks e-mail addresses', () => {
    it('trims the address and lower-cases only the domain', async () => {
      expect(await one({ email: '  Jean.Dupont@Exemple.FR ' })).toMatchObject({
        email: 'Jean.Dupont@exemple.fr', emailValid: true, warnings: [],
      });
    });

    it('unwraps "Name <address>" and mailto: forms', async () => {
      expect((await one({ email: 'Jean Dupont <jean@EXEMPLE.fr>' })).email).toBe('jean@exemple.fr');
      expect((await one({ email: 'mailto:contact@boulangerie.fr' })).email).toBe('contact@boulangerie.fr');
    });

    it('marks malformed addresses invalid with a reason', async () => {
      for (const bad of ['jean.dupont', 'jean@localhost', 'jean..dupont@exemple.fr', 'jean dupont@exemple.fr', '@exemple.fr']) {
        const contact = await one({ email: bad });
        expect(contact.emailValid, bad).toBe(false);
        expect(codes(contact), bad).toEqual(['EMAIL_INVALID']);
      }
    });

    it('accepts the address but points out a likely typo in a well-known domain', async () => {
      const contact = await one({ email: 'marie@gmial.com' });
      expect(contact).toMatchObject({ email: 'marie@gmial.com', emailValid: true });
      expect(contact.warnings[0]?.message).toContain('did you mean "gmail.com"?');
    });
  });

  describe('accepts whole lists', () => {
    it('normalises a batch in order, with a shared default country that each contact may override', async () => {
      const { status, json } = await call({
        country: 'BE',
        contacts: [
          { name: 'sofie PEETERS', email: 'sofie@peeters.be', phone: '0470 12 34 56' },
          { name: 'jean dupont', phone: '06 12 34 56 78', country: 'FR' },
          { email: 'not-an-email' },
        ],
      });
      expect(status).toBe(200);
      expect(json.contacts.map((c: NormalizedContact) => c.phone)).toEqual(['+32470123456', '+33612345678', null]);
      expect(json.contacts[0].name).toBe('Sofie Peeters');
      expect(json.summary).toEqual({ total: 3, validEmails: 1, validPhones: 2, withWarnings: 1 });
    });

    it('accepts exactly the maximum number of contacts', async () => {
      const contacts = Array.from({ length: MAX_CONTACTS }, (_, i) => ({
        name: `client ${String.fromCharCode(97 + (i % 26))}dupont`,
        phone: `06 12 34 ${String(i % 100).padStart(2, '0')} ${String(Math.floor(i / 100)).padStart(2, '0')}`,
      }));
      const { status, json } = await call({ contacts });
      expect(status).toBe(200);
      expect(json.summary.validPhones).toBe(MAX_CONTACTS);
    });

    it('gives the same answer every time for the same input', async () => {
      const body = { contacts: [{ name: 'DE LA FONTAINE Jean', email: 'J@X.FR', phone: '+33612345678' }] };
      expect((await call(body)).response.body).toBe((await call(body)).response.body);
    });
  });

  describe('speaks HTTP properly', () => {
    it('answers JSON with a JSON content type', async () => {
      const { response } = await call({ name: 'jean dupont' });
      expect(response.headers?.['content-type']).toBe('application/json');
    });

    it('decodes a base64-encoded body', async () => {
      const { status, json } = await call({ name: 'éloïse martin', phone: '06 12 34 56 78' }, { base64: true });
      expect(status).toBe(200);
      expect(json).toMatchObject({ name: 'Éloïse Martin', phone: '+33612345678' });
    });

    it('refuses GET with 405 and an Allow header', async () => {
      const { status, json, response } = await call(undefined, { method: 'GET' });
      expect(status).toBe(405);
      expect(response.headers?.['allow']).toBe('POST');
      expect(json.error.code).toBe('METHOD_NOT_ALLOWED');
    });
  });

  describe('rejects bad input with a 400 that names the problem', () => {
    const cases: Array<[string, unknown, string, string]> = [
      ['an empty body', undefined, 'MISSING_BODY', 'empty'],
      ['malformed JSON', '{"name": "jean"', 'INVALID_JSON', 'not valid JSON'],
      ['a JSON array at the top level', [{ name: 'jean' }], 'INVALID_BODY', 'must be a JSON object'],
      ['an object with none of the expected fields', { nom: 'jean' }, 'INVALID_BODY', '"contacts"'],
      ['a phone sent as a number', { phone: 612345678 }, 'INVALID_FIELD', 'Field "phone" must be a string, got a number'],
      ['contacts that is not an array', { contacts: { name: 'jean' } }, 'INVALID_FIELD', 'Field "contacts" must be an array'],
      ['a contact that is not an object', { contacts: [{ name: 'a' }, 'b'] }, 'INVALID_FIELD', 'Field "contacts[1]" must be an object'],
      ['a wrongly typed field deep in a batch', { contacts: [{}, { email: ['a@b.fr'] }] }, 'INVALID_FIELD', 'Field "contacts[1].email"'],
      ['a country that is not an ISO code', { phone: '0612345678', country: 'France' }, 'INVALID_COUNTRY', 'Field "country"'],
      ['an unknown country in a batch', { contacts: [{ phone: '1', country: 'ZZ' }] }, 'INVALID_COUNTRY', 'contacts[0].country'],
      ['a field that is far too long', { name: 'a'.repeat(501) }, 'FIELD_TOO_LONG', 'Field "name"'],
      ['too many contacts', { contacts: Array.from({ length: MAX_CONTACTS + 1 }, () => ({ name: 'a' })) }, 'TOO_MANY_CONTACTS', '1001'],
    ];
    it.each(cases)('such as %s', async (_, body, code, message) => {
      const { status, json, response } = await call(body);
      expect(status).toBe(400);
      expect(response.headers?.['content-type']).toBe('application/json');
      expect(json.error.code).toBe(code);
      expect(json.error.message).toContain(message);
    });
  });
});

describe('feature.json', () => {
  const feature = JSON.parse(readFileSync(new URL('./feature.json', import.meta.url), 'utf8'));

  it('describes the feature for the catalogue with a version and tags', () => {
    expect(feature.name).toBe('Contact normalizer');
    expect(feature.description.length).toBeGreaterThan(40);
    expect(feature.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(feature.tags).toEqual(['crm', 'contacts']);
  });

  it('credits the authors with positive weights and prices each call in EUR as a decimal string', () => {
    expect(feature.authors).toEqual([{ id: 'alice', weight: 2 }, { id: 'bob', weight: 1 }]);
    expect(feature.price).toEqual({ perCall: '0.002', perGbSecond: '0', currency: 'EUR' });
  });

  it('asks for modest resources', () => {
    expect(feature.memoryMb).toBe(128);
    expect(feature.timeoutMs).toBe(3000);
  });

  it('has an example request that the handler accepts without errors', async () => {
    expect(feature.example.method).toBe('POST');
    expect(feature.example.path).toBe('');
    const { status, json } = await call(feature.example.body, { method: feature.example.method });
    expect(status).toBe(200);
    expect(json.summary.validPhones).toBe(feature.example.body.contacts.length);
  });
});
