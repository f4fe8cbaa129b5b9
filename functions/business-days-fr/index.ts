// French business days: calendar arithmetic with French public holidays.
// HTTP layer only; the arithmetic lives in calendar.ts.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  MAX_YEAR,
  MIN_YEAR,
  REGIONS,
  addBusinessDays,
  businessDaysBetween,
  daysInMonth,
  formatDayNumber,
  holidaysInRange,
  holidaysOf,
  holidaysOn,
  isDayNumberInRange,
  isWeekend,
  isYearInRange,
  parseIsoDate,
  weekdayName,
  type Holiday,
  type Region,
} from './calendar.ts';

const BASE_PATH = '/v1/features/business-days-fr';
const MAX_ABS_DAYS = 10_000;

type Params = Record<string, unknown>;
type Response = APIGatewayProxyStructuredResultV2;

/** Bad input: turned into a 4xx JSON response, never escapes the handler. */
class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const badRequest = (code: string, message: string) => new HttpError(400, code, message);

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): Response {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

// ---------------------------------------------------------------------------
// Request decoding

function routeOf(rawPath: string): string {
  let path = rawPath;
  if (path === BASE_PATH || path.startsWith(`${BASE_PATH}/`)) path = path.slice(BASE_PATH.length);
  path = path.replace(/\/+$/, '');
  return path;
}

function queryParams(event: APIGatewayProxyEventV2): Params {
  if (event.queryStringParameters) return { ...event.queryStringParameters };
  if (event.rawQueryString) return Object.fromEntries(new URLSearchParams(event.rawQueryString));
  return {};
}

function bodyParams(event: APIGatewayProxyEventV2): Params {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('INVALID_JSON', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest('INVALID_BODY', 'The request body must be a JSON object, e.g. {"from":"2026-12-20","to":"2027-01-10"}.');
  }
  return parsed as Params;
}

// ---------------------------------------------------------------------------
// Parameter parsing (each error names the offending field)

function requireString(params: Params, field: string): string {
  const value = params[field];
  if (value === undefined || value === null || value === '') {
    throw badRequest('MISSING_PARAMETER', `Missing required parameter \`${field}\`.`);
  }
  if (typeof value !== 'string') {
    throw badRequest('INVALID_PARAMETER', `\`${field}\` must be a string.`);
  }
  return value.trim();
}

function parseDateParam(params: Params, field: string): number {
  const text = requireString(params, field);
  const parsed = parseIsoDate(text);
  if (parsed.ok) return parsed.dayNumber;
  switch (parsed.reason) {
    case 'format':
      throw badRequest('INVALID_DATE', `\`${field}\` must be a date in YYYY-MM-DD format, got "${text}".`);
    case 'nonexistent': {
      const [year, month] = text.split('-').map(Number) as [number, number];
      const detail =
        month >= 1 && month <= 12 ? ` (month ${String(month).padStart(2, '0')} of ${year} has ${daysInMonth(year, month)} days)` : ' (month must be 01..12)';
      throw badRequest('INVALID_DATE', `\`${field}\` is not a real calendar date: "${text}"${detail}.`);
    }
    case 'year-range':
      throw badRequest('YEAR_OUT_OF_RANGE', `\`${field}\` must be between ${MIN_YEAR}-01-01 and ${MAX_YEAR}-12-31, got "${text}".`);
  }
}

/** Integers only: 5, -3, "+7", "-12". Rejects 1.5, "1e3", "ten", "". */
function parseIntegerParam(params: Params, field: string, code: string): number {
  const value = params[field];
  if (value === undefined || value === null || value === '') {
    throw badRequest('MISSING_PARAMETER', `Missing required parameter \`${field}\`.`);
  }
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
    n = Number(value.trim());
  } else {
    n = Number.NaN;
  }
  if (!Number.isSafeInteger(n)) {
    throw badRequest(code, `\`${field}\` must be an integer, got ${JSON.stringify(value)}.`);
  }
  return n;
}

function parseDaysParam(params: Params): number {
  const days = parseIntegerParam(params, 'days', 'INVALID_DAYS');
  if (Math.abs(days) > MAX_ABS_DAYS) {
    throw badRequest('DAYS_OUT_OF_RANGE', `\`days\` must be between -${MAX_ABS_DAYS} and ${MAX_ABS_DAYS}, got ${days}.`);
  }
  return days;
}

function parseYearParam(params: Params): number {
  const year = parseIntegerParam(params, 'year', 'INVALID_YEAR');
  if (!isYearInRange(year)) {
    throw badRequest('YEAR_OUT_OF_RANGE', `\`year\` must be between ${MIN_YEAR} and ${MAX_YEAR}, got ${year}.`);
  }
  return year;
}

function parseRegionParam(params: Params): Region {
  const value = params['region'];
  if (value === undefined || value === null || value === '') return 'national';
  const region = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (typeof region === 'string' && (REGIONS as readonly string[]).includes(region)) return region as Region;
  throw badRequest(
    'INVALID_REGION',
    `\`region\` must be one of ${REGIONS.map((r) => `"${r}"`).join(', ')} (or omitted for national holidays only), got ${JSON.stringify(value)}.`,
  );
}

// ---------------------------------------------------------------------------
// Routes

function describeHoliday(h: Holiday) {
  return { date: h.date, weekday: weekdayName(h.dayNumber), id: h.id, nameFr: h.nameFr, nameEn: h.nameEn };
}

function between(params: Params) {
  const from = parseDateParam(params, 'from');
  const to = parseDateParam(params, 'to');
  const region = parseRegionParam(params);
  const [start, end] = from <= to ? [from, to] : [to, from];
  return {
    from: formatDayNumber(from),
    to: formatDayNumber(to),
    region,
    businessDays: businessDaysBetween(from, to, region),
    calendarDays: to - from,
    holidays: holidaysInRange(start, end, region).map((h) => ({ ...describeHoliday(h), onWeekend: isWeekend(h.dayNumber) })),
  };
}

function add(params: Params) {
  const date = parseDateParam(params, 'date');
  const days = parseDaysParam(params);
  const region = parseRegionParam(params);
  const result = addBusinessDays(date, days, region);
  if (!isDayNumberInRange(result)) {
    throw badRequest(
      'RESULT_OUT_OF_RANGE',
      `Adding ${days} business days to \`date\` ${formatDayNumber(date)} lands on ${formatDayNumber(result)}, outside ${MIN_YEAR}..${MAX_YEAR}.`,
    );
  }
  return { date: formatDayNumber(date), days, region, result: formatDayNumber(result), weekday: weekdayName(result) };
}

function holidays(params: Params) {
  const year = parseYearParam(params);
  const region = parseRegionParam(params);
  return { year, region, holidays: holidaysOf(year, region).map(describeHoliday) };
}

function isBusinessDayRoute(params: Params) {
  const date = parseDateParam(params, 'date');
  const region = parseRegionParam(params);
  const weekend = isWeekend(date);
  const on = holidaysOn(date, region);
  return {
    date: formatDayNumber(date),
    region,
    isBusinessDay: !weekend && on.length === 0,
    weekday: weekdayName(date),
    isWeekend: weekend,
    holidays: on.map(describeHoliday),
  };
}

const ROUTES: Record<string, (params: Params) => unknown> = {
  '/between': between,
  '/add': add,
  '/holidays': holidays,
  '/is-business-day': isBusinessDayRoute,
};

const USAGE = {
  name: 'French business days',
  description:
    'Business-day arithmetic on ISO dates (YYYY-MM-DD) with French public holidays. Weekends are Saturday and Sunday. ' +
    'Use region=alsace-moselle to add Good Friday and 26 December. Parameters go in the query string (GET) or a JSON body (POST).',
  years: { min: MIN_YEAR, max: MAX_YEAR },
  regions: REGIONS,
  routes: [
    { path: '/between', params: ['from', 'to', 'region?'], description: 'Business days from `from` (inclusive) to `to` (exclusive); negative if `to` is before `from`.', example: '/between?from=2026-12-20&to=2027-01-10' },
    { path: '/add', params: ['date', 'days', 'region?'], description: `The date \`days\` business days after (or before, if negative) \`date\`; |days| <= ${MAX_ABS_DAYS}.`, example: '/add?date=2026-12-24&days=3' },
    { path: '/holidays', params: ['year', 'region?'], description: 'Public holidays of a year, with French and English names.', example: '/holidays?year=2026' },
    { path: '/is-business-day', params: ['date', 'region?'], description: 'Whether a date is a business day, and why not.', example: '/is-business-day?date=2026-05-14' },
  ],
};

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const method = (event.requestContext?.http?.method ?? '').toUpperCase();
    if (method !== 'GET' && method !== 'POST') {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Method ${method || '(none)'} is not allowed; use GET or POST.`, { allow: 'GET, POST' });
    }
    const route = routeOf(event.rawPath ?? '');
    if (route === '') return json(200, USAGE);
    const run = ROUTES[route];
    if (!run) {
      throw new HttpError(404, 'NOT_FOUND', `Unknown path "${route}". Available: ${Object.keys(ROUTES).join(', ')}.`);
    }
    const params = method === 'POST' ? bodyParams(event) : queryParams(event);
    return json(200, run(params));
  } catch (error) {
    if (error instanceof HttpError) {
      return json(error.statusCode, { error: { code: error.code, message: error.message } }, error.headers);
    }
    console.error('business-days-fr: unexpected error', error);
    return json(500, { error: { code: 'INTERNAL_ERROR', message: 'Unexpected error.' } });
  }
}
