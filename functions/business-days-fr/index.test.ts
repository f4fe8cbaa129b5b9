import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler } from './index.ts';

// ---------------------------------------------------------------------------
// A realistic API Gateway HTTP API (payload v2) event, as the platform forwards it.

const BASE = '/v1/features/business-days-fr';

interface RequestOptions {
  query?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  base64?: boolean;
  rawPath?: string;
  omitParsedQuery?: boolean;
}

function event(method: string, subPath: string, options: RequestOptions = {}): APIGatewayProxyEventV2 {
  const rawPath = options.rawPath ?? `${BASE}${subPath}`;
  const rawQueryString = options.query ? new URLSearchParams(options.query).toString() : '';
  let body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined && options.base64) body = Buffer.from(body, 'utf8').toString('base64');
  return {
    version: '2.0',
    routeKey: `ANY ${BASE}/{proxy+}`,
    rawPath,
    rawQueryString,
    ...(options.query && !options.omitParsedQuery ? { queryStringParameters: options.query } : {}),
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      host: 'api.faascape.test',
      'user-agent': 'vitest',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'faascape',
      domainName: 'api.faascape.test',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: `ANY ${BASE}/{proxy+}`,
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 1795341600000,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: options.base64 ?? false,
  };
}

async function call(method: string, subPath: string, options: RequestOptions = {}) {
  const response = await handler(event(method, subPath, options));
  return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body ?? 'null') };
}

const get = (subPath: string, query: Record<string, string>) => call('GET', subPath, { query });
const post = (subPath: string, body: unknown) => call('POST', subPath, { body });

async function businessDays(from: string, to: string, region?: string): Promise<number> {
  const { status, body } = await get('/between', { from, to, ...(region ? { region } : {}) });
  expect(status).toBe(200);
  return body.businessDays;
}

async function addDays(date: string, days: number, region?: string): Promise<string> {
  const { status, body } = await get('/add', { date, days: String(days), ...(region ? { region } : {}) });
  expect(status).toBe(200);
  return body.result;
}

// ---------------------------------------------------------------------------

describe('GET /between', () => {
  it('counts 13 business days from Sunday 20 Dec 2026 to Sunday 10 Jan 2027', async () => {
    // Mon 21..Fri 25 Dec = 5 weekdays, minus Christmas (Fri 25)  -> 4
    // Mon 28 Dec..Fri 1 Jan = 5 weekdays, minus New Year (Fri 1) -> 4
    // Mon 4..Fri 8 Jan = 5 weekdays                               -> 5
    // 10 Jan is excluded (and a Sunday anyway). Total 13.
    expect(await businessDays('2026-12-20', '2027-01-10')).toBe(13);
  });

  it('lists the holidays that fell inside the range, with their weekday', async () => {
    const { body } = await get('/between', { from: '2026-12-20', to: '2027-01-10' });
    expect(body).toMatchObject({ from: '2026-12-20', to: '2027-01-10', region: 'national', businessDays: 13, calendarDays: 21 });
    expect(body.holidays).toEqual([
      { date: '2026-12-25', weekday: 'Friday', id: 'christmas', nameFr: 'Noël', nameEn: 'Christmas Day', onWeekend: false },
      { date: '2027-01-01', weekday: 'Friday', id: 'new-year', nameFr: "Jour de l'an", nameEn: "New Year's Day", onWeekend: false },
    ]);
  });

  it('counts 252 business days in the whole of 2026', async () => {
    // 2026 starts on a Thursday and has 365 days: 52 full weeks + one Thursday = 261 weekdays.
    // Holidays on weekdays: 1 Jan (Thu), 6 Apr (Mon), 1 May (Fri), 8 May (Fri), 14 May (Thu),
    // 25 May (Mon), 14 Jul (Tue), 11 Nov (Wed), 25 Dec (Fri) = 9. 15 Aug is a Saturday and
    // 1 Nov a Sunday, so they cost nothing. 261 - 9 = 252.
    expect(await businessDays('2026-01-01', '2027-01-01')).toBe(252);
  });

  it('counts 17 business days in May 2026, a month with four weekday holidays', async () => {
    // May 2026 starts on a Friday: Fri 1, then four full weeks 4-8, 11-15, 18-22, 25-29 = 21 weekdays.
    // Minus 1 May (Fri), 8 May (Fri), Ascension 14 May (Thu), Whit Monday 25 May = 17.
    expect(await businessDays('2026-05-01', '2026-06-01')).toBe(17);
  });

  it('returns a negative count when `to` is before `from`', async () => {
    expect(await businessDays('2027-01-10', '2026-12-20')).toBe(-13);
    const { body } = await get('/between', { from: '2027-01-10', to: '2026-12-20' });
    expect(body.calendarDays).toBe(-21);
    expect(body.holidays.map((h: { date: string }) => h.date)).toEqual(['2026-12-25', '2027-01-01']);
  });

  it('returns zero for an empty range and one for a single weekday', async () => {
    expect(await businessDays('2026-06-10', '2026-06-10')).toBe(0);
    expect(await businessDays('2026-06-10', '2026-06-11')).toBe(1); // Wednesday
    expect(await businessDays('2026-06-13', '2026-06-15')).toBe(0); // Saturday + Sunday
  });

  it('does not count a day twice when Ascension falls on 1 May (2008)', async () => {
    // Easter 2008 was 23 March, so Ascension (Easter + 39) was Thursday 1 May, Labour Day.
    // Week of Mon 28 Apr..Fri 2 May 2008: 5 weekdays minus one holiday date = 4.
    expect(await businessDays('2008-04-28', '2008-05-03')).toBe(4);
    const { body } = await get('/between', { from: '2008-04-28', to: '2008-05-03' });
    expect(body.holidays.map((h: { id: string }) => h.id)).toEqual(['labour-day', 'ascension']);
  });

  it('flags holidays that fell on a weekend, which cost no business day', async () => {
    // 2026: Assumption (15 Aug) is a Saturday. 10..21 Aug = 10 weekdays, nothing removed.
    const { body } = await get('/between', { from: '2026-08-10', to: '2026-08-22' });
    expect(body.businessDays).toBe(10);
    expect(body.holidays).toEqual([expect.objectContaining({ date: '2026-08-15', weekday: 'Saturday', onWeekend: true })]);
  });

  describe('with region=alsace-moselle', () => {
    it('also skips Good Friday around Easter 2026', async () => {
      // Mon 30 Mar..Fri 10 Apr 2026 = 10 weekdays. Nationally only Easter Monday (6 Apr) is off: 9.
      // In Alsace-Moselle Good Friday (3 Apr) is off too: 8.
      expect(await businessDays('2026-03-30', '2026-04-13')).toBe(9);
      expect(await businessDays('2026-03-30', '2026-04-13', 'alsace-moselle')).toBe(8);
    });

    it('also skips 26 December when it is a weekday (2025)', async () => {
      // Mon 22..Fri 26 Dec 2025 = 5 weekdays. Christmas (Thu) off: 4 nationally; 26 Dec (Fri) too: 3.
      expect(await businessDays('2025-12-22', '2025-12-27')).toBe(4);
      expect(await businessDays('2025-12-22', '2025-12-27', 'alsace-moselle')).toBe(3);
    });
  });
});

describe('GET /add', () => {
  it('lands on Monday 28 Dec 2026 one business day after Christmas Eve', async () => {
    // Fri 25 Dec is Christmas, then a weekend.
    const { body } = await get('/add', { date: '2026-12-24', days: '1' });
    expect(body).toEqual({ date: '2026-12-24', days: 1, region: 'national', result: '2026-12-28', weekday: 'Monday' });
  });

  it('goes backwards over holidays when days is negative', async () => {
    expect(await addDays('2026-12-28', -1)).toBe('2026-12-24');
    // Three business days before Mon 4 Jan 2027: Thu 31 Dec, Wed 30, Tue 29 (1 Jan is a holiday).
    expect(await addDays('2027-01-04', -3)).toBe('2026-12-29');
  });

  it('lands on Monday 11 Jan 2027 thirteen business days after Monday 21 Dec 2026', async () => {
    // Counting starts the day after: 22,23,24 (3) | 28,29,30,31 (7) | 4..8 Jan (12) | 11 Jan (13).
    // Consistent with /between, which counts 13 business days in [21 Dec, 11 Jan).
    expect(await addDays('2026-12-21', 13)).toBe('2027-01-11');
    expect(await businessDays('2026-12-21', '2027-01-11')).toBe(13);
  });

  it('moves from a Saturday to the following Monday for one business day', async () => {
    expect(await addDays('2026-06-13', 1)).toBe('2026-06-15');
    expect(await addDays('2026-06-13', -1)).toBe('2026-06-12');
  });

  it('returns the date itself when days is 0', async () => {
    expect(await addDays('2026-06-13', 0)).toBe('2026-06-13');
  });

  it('skips Good Friday and Easter Monday in Alsace-Moselle', async () => {
    // From Thu 2 Apr 2026: nationally Fri 3 Apr; in Alsace-Moselle Fri 3 and Mon 6 are off, so Tue 7.
    expect(await addDays('2026-04-02', 1)).toBe('2026-04-03');
    expect(await addDays('2026-04-02', 1, 'alsace-moselle')).toBe('2026-04-07');
  });

  it('accepts the full ±10000 range', async () => {
    expect((await get('/add', { date: '2100-01-01', days: '10000' })).status).toBe(200);
    expect((await get('/add', { date: '2100-01-01', days: '-10000' })).status).toBe(200);
  });

  it('rejects a result that lands outside 1900..2200 with 400', async () => {
    const { status, body } = await get('/add', { date: '2200-12-30', days: '5' });
    expect(status).toBe(400);
    expect(body.error.code).toBe('RESULT_OUT_OF_RANGE');
  });

  it.each([
    ['1.5', 'INVALID_DAYS'],
    ['ten', 'INVALID_DAYS'],
    ['1e3', 'INVALID_DAYS'],
    ['10001', 'DAYS_OUT_OF_RANGE'],
    ['-10001', 'DAYS_OUT_OF_RANGE'],
  ])('rejects days=%s with 400 %s naming the `days` field', async (days, code) => {
    const { status, body } = await get('/add', { date: '2026-06-10', days });
    expect(status).toBe(400);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toContain('`days`');
  });

  it('rejects a non-integer JSON number for days', async () => {
    const { status, body } = await post('/add', { date: '2026-06-10', days: 2.5 });
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_DAYS');
  });
});

describe('GET /holidays', () => {
  it.each([
    // year, Easter Sunday, Easter Monday, Ascension (E+39), Whit Monday (E+50)
    [2024, '2024-03-31', '2024-04-01', '2024-05-09', '2024-05-20'],
    [2025, '2025-04-20', '2025-04-21', '2025-05-29', '2025-06-09'],
    [2026, '2026-04-05', '2026-04-06', '2026-05-14', '2026-05-25'],
    [2027, '2027-03-28', '2027-03-29', '2027-05-06', '2027-05-17'],
    [2038, '2038-04-25', '2038-04-26', '2038-06-03', '2038-06-14'],
  ])('derives %i Easter holidays from Easter Sunday %s', async (year, _easter, monday, ascension, whit) => {
    const { body } = await get('/holidays', { year: String(year) });
    const byId = Object.fromEntries(body.holidays.map((h: { id: string; date: string }) => [h.id, h.date]));
    expect(byId).toMatchObject({ 'easter-monday': monday, ascension, 'whit-monday': whit });
  });

  it('lists the 11 national holidays of 2026 in date order, in French and English', async () => {
    const { status, headers, body } = await get('/holidays', { year: '2026' });
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/json');
    expect(body.year).toBe(2026);
    expect(body.region).toBe('national');
    expect(body.holidays.map((h: { date: string; nameFr: string; nameEn: string }) => [h.date, h.nameFr, h.nameEn])).toEqual([
      ['2026-01-01', "Jour de l'an", "New Year's Day"],
      ['2026-04-06', 'Lundi de Pâques', 'Easter Monday'],
      ['2026-05-01', 'Fête du Travail', 'Labour Day'],
      ['2026-05-08', 'Victoire 1945', 'Victory in Europe Day'],
      ['2026-05-14', 'Ascension', 'Ascension Day'],
      ['2026-05-25', 'Lundi de Pentecôte', 'Whit Monday'],
      ['2026-07-14', 'Fête nationale', 'Bastille Day'],
      ['2026-08-15', 'Assomption', 'Assumption Day'],
      ['2026-11-01', 'Toussaint', "All Saints' Day"],
      ['2026-11-11', 'Armistice 1918', 'Armistice Day'],
      ['2026-12-25', 'Noël', 'Christmas Day'],
    ]);
  });

  it('adds Good Friday and 26 December for Alsace-Moselle', async () => {
    const { body } = await get('/holidays', { year: '2026', region: 'alsace-moselle' });
    expect(body.region).toBe('alsace-moselle');
    expect(body.holidays).toHaveLength(13);
    expect(body.holidays).toContainEqual(
      expect.objectContaining({ date: '2026-04-03', weekday: 'Friday', nameFr: 'Vendredi saint', nameEn: 'Good Friday' }),
    );
    expect(body.holidays).toContainEqual(expect.objectContaining({ date: '2026-12-26', nameFr: 'Saint-Étienne' }));
  });

  it('works at both ends of the supported range', async () => {
    const first = await get('/holidays', { year: '1900' });
    expect(first.body.holidays).toContainEqual(expect.objectContaining({ id: 'easter-monday', date: '1900-04-16' }));
    expect((await get('/holidays', { year: '2200' })).status).toBe(200);
  });

  it.each([
    ['1899', 'YEAR_OUT_OF_RANGE'],
    ['2201', 'YEAR_OUT_OF_RANGE'],
    ['abc', 'INVALID_YEAR'],
    ['2026.5', 'INVALID_YEAR'],
  ])('rejects year=%s with 400 %s', async (year, code) => {
    const { status, body } = await get('/holidays', { year });
    expect(status).toBe(400);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toContain('`year`');
  });
});

describe('GET /is-business-day', () => {
  it('says an ordinary Tuesday is a business day', async () => {
    const { body } = await get('/is-business-day', { date: '2026-05-12' });
    expect(body).toEqual({ date: '2026-05-12', region: 'national', isBusinessDay: true, weekday: 'Tuesday', isWeekend: false, holidays: [] });
  });

  it('says Ascension Thursday 2026 is not, and names the holiday', async () => {
    const { body } = await get('/is-business-day', { date: '2026-05-14' });
    expect(body.isBusinessDay).toBe(false);
    expect(body.isWeekend).toBe(false);
    expect(body.holidays).toEqual([{ date: '2026-05-14', weekday: 'Thursday', id: 'ascension', nameFr: 'Ascension', nameEn: 'Ascension Day' }]);
  });

  it('says a Saturday is not', async () => {
    const { body } = await get('/is-business-day', { date: '2026-06-13' });
    expect(body).toMatchObject({ isBusinessDay: false, weekday: 'Saturday', isWeekend: true });
  });

  it('says Friday 26 Dec 2025 is a business day except in Alsace-Moselle', async () => {
    expect((await get('/is-business-day', { date: '2025-12-26' })).body.isBusinessDay).toBe(true);
    expect((await get('/is-business-day', { date: '2025-12-26', region: 'alsace-moselle' })).body.isBusinessDay).toBe(false);
  });
});

describe('input validation', () => {
  it('rejects 30 February with 400 INVALID_DATE naming the field', async () => {
    const { status, headers, body } = await get('/between', { from: '2026-02-30', to: '2026-03-10' });
    expect(status).toBe(400);
    expect(headers['content-type']).toBe('application/json');
    expect(body.error.code).toBe('INVALID_DATE');
    expect(body.error.message).toContain('`from`');
    expect(body.error.message).toContain('28 days');
  });

  it.each(['2026-2-3', '03/02/2026', '2026-02-03T00:00:00Z', '20260203', '2026-13-01', '2026-00-10', '2026-01-00'])(
    'rejects the malformed date %s',
    async (date) => {
      const { status, body } = await get('/is-business-day', { date });
      expect(status).toBe(400);
      expect(body.error.code).toBe('INVALID_DATE');
      expect(body.error.message).toContain('`date`');
    },
  );

  it('knows 2000 and 2024 were leap years but 2100 will not be', async () => {
    expect((await get('/is-business-day', { date: '2000-02-29' })).status).toBe(200);
    expect((await get('/is-business-day', { date: '2024-02-29' })).status).toBe(200);
    expect((await get('/is-business-day', { date: '2100-02-29' })).body.error.code).toBe('INVALID_DATE');
  });

  it('rejects dates outside 1900..2200 with 400 YEAR_OUT_OF_RANGE', async () => {
    const early = await get('/between', { from: '1899-12-31', to: '2000-01-01' });
    expect(early.status).toBe(400);
    expect(early.body.error).toMatchObject({ code: 'YEAR_OUT_OF_RANGE', message: expect.stringContaining('`from`') });
    const late = await get('/between', { from: '2000-01-01', to: '2201-01-01' });
    expect(late.body.error).toMatchObject({ code: 'YEAR_OUT_OF_RANGE', message: expect.stringContaining('`to`') });
  });

  it('rejects a missing parameter by name', async () => {
    const { status, body } = await get('/between', { from: '2026-01-01' });
    expect(status).toBe(400);
    expect(body.error).toEqual({ code: 'MISSING_PARAMETER', message: 'Missing required parameter `to`.' });
  });

  it('rejects an unknown region', async () => {
    const { status, body } = await get('/holidays', { year: '2026', region: 'corsica' });
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_REGION');
    expect(body.error.message).toContain('alsace-moselle');
  });

  it('rejects a POST body that is not JSON, or not an object', async () => {
    const notJson = await call('POST', '/between', { rawBody: '{from: 2026' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('INVALID_JSON');
    const array = await post('/between', ['2026-01-01', '2026-02-01']);
    expect(array.body.error.code).toBe('INVALID_BODY');
  });

  it('rejects a date sent as a JSON number', async () => {
    const { status, body } = await post('/is-business-day', { date: 20260101 });
    expect(status).toBe(400);
    expect(body.error.message).toContain('`date`');
  });
});

describe('HTTP behaviour', () => {
  it('accepts the same parameters as a JSON body on POST', async () => {
    const { status, body } = await post('/between', { from: '2026-12-20', to: '2027-01-10', region: 'alsace-moselle' });
    expect(status).toBe(200);
    expect(body.businessDays).toBe(13); // 26 Dec 2026 is a Saturday, so Alsace-Moselle changes nothing here
    expect(body.holidays).toContainEqual(expect.objectContaining({ date: '2026-12-26', onWeekend: true }));
    expect((await post('/add', { date: '2026-12-24', days: 1 })).body.result).toBe('2026-12-28');
    expect((await post('/holidays', { year: 2026 })).body.holidays).toHaveLength(11);
  });

  it('decodes a base64-encoded POST body', async () => {
    const { status, body } = await call('POST', '/add', { body: { date: '2026-12-24', days: -2 }, base64: true });
    expect(status).toBe(200);
    expect(body.result).toBe('2026-12-22');
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'])('answers %s with 405 and an Allow header', async (method) => {
    const { status, headers, body } = await call(method, '/between', { query: { from: '2026-01-01', to: '2026-02-01' } });
    expect(status).toBe(405);
    expect(headers['allow']).toBe('GET, POST');
    expect(body.error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers an unknown sub-path with 404', async () => {
    const { status, body } = await get('/tomorrow', {});
    expect(status).toBe(404);
    expect(body.error.code).toBe('NOT_FOUND');
  });

  it('returns usage help at the feature root, with or without a trailing slash', async () => {
    for (const rawPath of [BASE, `${BASE}/`]) {
      const { status, body } = await call('GET', '', { rawPath });
      expect(status).toBe(200);
      expect(body.name).toBe('French business days');
      expect(body.routes.map((r: { path: string }) => r.path)).toEqual(['/between', '/add', '/holidays', '/is-business-day']);
    }
  });

  it('also routes a bare sub-path, as in the feature.json example', async () => {
    const { status, body } = await call('GET', '', { rawPath: '/between', query: { from: '2026-12-20', to: '2027-01-10' } });
    expect(status).toBe(200);
    expect(body.businessDays).toBe(13);
  });

  it('tolerates a trailing slash on a route', async () => {
    const { body } = await call('GET', '', { rawPath: `${BASE}/holidays/`, query: { year: '2026' } });
    expect(body.holidays).toHaveLength(11);
  });

  it('falls back to rawQueryString when queryStringParameters is absent', async () => {
    const { body } = await call('GET', '/add', { query: { date: '2026-12-24', days: '1' }, omitParsedQuery: true });
    expect(body.result).toBe('2026-12-28');
  });
});

// ---------------------------------------------------------------------------
// Properties, checked through the handler.

const isoDate = (min: string, max: string) =>
  fc
    .date({ min: new Date(`${min}T00:00:00Z`), max: new Date(`${max}T00:00:00Z`), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
const region = fc.constantFrom('national', 'alsace-moselle');

async function isBusinessDay(date: string, r: string): Promise<boolean> {
  return (await get('/is-business-day', { date, region: r })).body.isBusinessDay;
}

describe('properties', () => {
  it('from a business day, adding n business days and counting back gives n', async () => {
    // Dates kept within 1950..2150 so that ±10000 business days (~40 years) stays in range.
    await fc.assert(
      fc.asyncProperty(isoDate('1950-01-01', '2150-12-31'), fc.integer({ min: -10000, max: 10000 }), region, async (date, n, r) => {
        fc.pre(await isBusinessDay(date, r));
        const result = await addDays(date, n, r);
        expect(await businessDays(date, result, r)).toBe(n);
      }),
      { numRuns: 150 },
    );
  });

  it('lands on a business day whenever n is not zero', async () => {
    await fc.assert(
      fc.asyncProperty(isoDate('1950-01-01', '2150-12-31'), fc.integer({ min: -400, max: 400 }).filter((n) => n !== 0), region, async (date, n, r) => {
        expect(await isBusinessDay(await addDays(date, n, r), r)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('between is antisymmetric: between(a, b) = -between(b, a)', async () => {
    await fc.assert(
      fc.asyncProperty(isoDate('1900-01-01', '2200-12-31'), isoDate('1900-01-01', '2200-12-31'), region, async (a, b, r) => {
        expect((await businessDays(a, b, r)) + (await businessDays(b, a, r))).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('between is additive: between(a, b) + between(b, c) = between(a, c)', async () => {
    await fc.assert(
      fc.asyncProperty(isoDate('1900-01-01', '2200-12-31'), isoDate('1900-01-01', '2200-12-31'), isoDate('1900-01-01', '2200-12-31'), region, async (a, b, c, r) => {
        expect((await businessDays(a, b, r)) + (await businessDays(b, c, r))).toBe(await businessDays(a, c, r));
      }),
      { numRuns: 100 },
    );
  });

  it('between agrees with a naive day-by-day count over short ranges', async () => {
    await fc.assert(
      fc.asyncProperty(isoDate('1900-01-01', '2200-11-30'), fc.integer({ min: 0, max: 30 }), region, async (from, length, r) => {
        const start = new Date(`${from}T00:00:00Z`);
        let expected = 0;
        let to = from;
        for (let i = 0; i < length; i++) {
          if (await isBusinessDay(to, r)) expected++;
          to = new Date(start.getTime() + (i + 1) * 86_400_000).toISOString().slice(0, 10);
        }
        expect(await businessDays(from, to, r)).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('reports the same weekday as JavaScript Date for any supported date', async () => {
    const names = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
    await fc.assert(
      fc.asyncProperty(isoDate('1900-01-01', '2200-12-31'), async (date) => {
        const { body } = await get('/is-business-day', { date });
        expect(body.weekday).toBe(names[new Date(`${date}T00:00:00Z`).getUTCDay()]);
      }),
      { numRuns: 300 },
    );
  });
});
