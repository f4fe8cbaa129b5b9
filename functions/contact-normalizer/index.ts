import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizeEmail } from './email.ts';
import { normalizeName } from './name.ts';
import { normalizePhone, toRegion } from './phone.ts';
import type { Warning } from './types.ts';

export const MAX_CONTACTS = 1000;
export const MAX_FIELD_LENGTH = 500;
export const DEFAULT_COUNTRY: CountryCode = 'FR';

const CONTACT_FIELDS = ['name', 'email', 'phone', 'country'] as const;
type ContactField = (typeof CONTACT_FIELDS)[number];
type ContactInput = Partial<Record<ContactField, string>>;

export interface NormalizedContact {
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  email: string | null;
  emailValid: boolean;
  phone: string | null;
  phoneValid: boolean;
  phoneType: string | null;
  phoneCountry: string | null;
  phoneExtension: string | null;
  warnings: Warning[];
}

/** Bad input, reported to the caller as a 400 with a message naming the field. */
class InputError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

function error(statusCode: number, code: string, message: string, headers?: Record<string, string>): APIGatewayProxyStructuredResultV2 {
  return json(statusCode, { error: { code, message } }, headers);
}

const USAGE = 'send one contact {"name", "email", "phone", "country"} or {"contacts": [ ... ]}';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readBody(event: APIGatewayProxyEventV2): unknown {
  const raw = event.body ?? '';
  const text = (event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw).replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new InputError('MISSING_BODY', `Request body is empty: ${USAGE}.`);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    throw new InputError('INVALID_JSON', `Request body is not valid JSON${detail}.`);
  }
}

function readRegion(value: unknown, path: string, fallback: CountryCode): CountryCode {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'string') {
    throw new InputError('INVALID_FIELD', `Field "${path}" must be a string such as "FR", got ${kindOf(value)}.`);
  }
  const region = toRegion(value);
  if (region === undefined) {
    throw new InputError(
      'INVALID_COUNTRY',
      `Field "${path}" must be a two-letter ISO 3166 country code such as "FR", "BE" or "US", got "${value.slice(0, 40)}".`,
    );
  }
  return region;
}

function readContact(value: unknown, path: string): ContactInput {
  if (!isObject(value)) throw new InputError('INVALID_FIELD', `Field "${path}" must be an object, got ${kindOf(value)}.`);
  const contact: ContactInput = {};
  for (const field of CONTACT_FIELDS) {
    const fieldValue = value[field];
    const where = path === '' ? field : `${path}.${field}`;
    if (fieldValue === undefined || fieldValue === null) continue;
    if (typeof fieldValue !== 'string') {
      throw new InputError('INVALID_FIELD', `Field "${where}" must be a string, got ${kindOf(fieldValue)}.`);
    }
    if (fieldValue.length > MAX_FIELD_LENGTH) {
      throw new InputError('FIELD_TOO_LONG', `Field "${where}" is longer than ${MAX_FIELD_LENGTH} characters.`);
    }
    contact[field] = fieldValue;
  }
  return contact;
}

export function normalizeContact(contact: ContactInput, region: CountryCode): NormalizedContact {
  const name = normalizeName(contact.name);
  const email = normalizeEmail(contact.email);
  const phone = normalizePhone(contact.phone, region);
  return {
    name: name.name,
    firstName: name.firstName,
    lastName: name.lastName,
    title: name.title,
    email: email.email,
    emailValid: email.emailValid,
    phone: phone.phone,
    phoneValid: phone.phoneValid,
    phoneType: phone.phoneType,
    phoneCountry: phone.phoneCountry,
    phoneExtension: phone.phoneExtension,
    warnings: [...name.warnings, ...email.warnings, ...phone.warnings],
  };
}

function normalizeBody(body: unknown): unknown {
  if (!isObject(body)) {
    throw new InputError('INVALID_BODY', `Request body must be a JSON object, got ${kindOf(body)}: ${USAGE}.`);
  }
  const region = readRegion(body['country'], 'country', DEFAULT_COUNTRY);

  if (!('contacts' in body)) {
    if (!CONTACT_FIELDS.some((field) => field !== 'country' && field in body)) {
      throw new InputError('INVALID_BODY', `Request body has no "name", "email", "phone" or "contacts" field: ${USAGE}.`);
    }
    return normalizeContact(readContact(body, ''), region);
  }

  const list = body['contacts'];
  if (!Array.isArray(list)) {
    throw new InputError('INVALID_FIELD', `Field "contacts" must be an array of contacts, got ${kindOf(list)}.`);
  }
  if (list.length > MAX_CONTACTS) {
    throw new InputError(
      'TOO_MANY_CONTACTS',
      `Field "contacts" has ${list.length} entries; send at most ${MAX_CONTACTS} contacts per request.`,
    );
  }
  const inputs = list.map((item: unknown, i) => {
    const path = `contacts[${i}]`;
    const contact = readContact(item, path);
    return { contact, region: readRegion(contact.country, `${path}.country`, region) };
  });
  const contacts = inputs.map(({ contact, region: contactRegion }) => normalizeContact(contact, contactRegion));
  return {
    contacts,
    summary: {
      total: contacts.length,
      validEmails: contacts.filter((c) => c.emailValid).length,
      validPhones: contacts.filter((c) => c.phoneValid).length,
      withWarnings: contacts.filter((c) => c.warnings.length > 0).length,
    },
  };
}

/**
 * POST one contact or {"contacts": [...]} and get back names with sensible capitalisation and a first/last split,
 * checked e-mail addresses and phone numbers in E.164, with warnings for whatever could not be normalised.
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const method = (event.requestContext?.http?.method ?? '').toUpperCase();
    if (method !== 'POST') {
      return error(405, 'METHOD_NOT_ALLOWED', `Method ${method || '(none)'} is not allowed: use POST.`, { allow: 'POST' });
    }
    return json(200, normalizeBody(readBody(event)));
  } catch (cause) {
    if (cause instanceof InputError) return error(400, cause.code, cause.message);
    return error(500, 'INTERNAL_ERROR', 'The contacts could not be normalised because of an internal error.');
  }
};
