/**
 * SigV4 verification for the embedded store. dynalite only checks that a signature is present;
 * this checks that it was made with the installation's store credential (store-credential.ts),
 * like DynamoDB does: the access key id, the signature over the method, path, query, signed
 * headers and body, and an `x-amz-date` within 5 minutes of now.
 *
 * The expected signature is computed by the same signer the AWS SDK uses (@smithy/signature-v4)
 * over a request rebuilt from ONLY the headers the client lists in `SignedHeaders`, so a header
 * the client did not sign can change nothing: the store is handed the signed headers alone.
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { StoreCredential } from './store-credential.ts';

/** How far `x-amz-date` may be from the store's clock, either way (AWS allows 15 minutes). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** dynalite's own request size limit: bodies above it are answered 413 without being kept. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

const SERVICE = 'dynamodb';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNRECOGNIZED_CLIENT = 'com.amazon.coral.service#UnrecognizedClientException';
const INVALID_SIGNATURE = 'com.amazon.coral.service#InvalidSignatureException';
const TOKEN_INVALID = 'The security token included in the request is invalid.';
const SIGNATURE_MISMATCH = 'The request signature we calculated does not match the signature you provided.';

export interface Refusal {
  status: 400;
  /** DynamoDB's `__type` */
  type: string;
  message: string;
  /** why, for tests and logs; never sent (it would help someone guessing) */
  reason: string;
}

export interface StoreRequest {
  method: string;
  /** the request target as received: path and query */
  url: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

interface Authorization {
  accessKeyId: string;
  scope: string;
  region: string;
  signedHeaders: string[];
  signature: string;
  signingDate: Date;
  amzDate: string;
}

export type HeaderCheck = { ok: true; auth: Authorization } | { ok: false; refusal: Refusal };
export type Verdict = { ok: true; headers: IncomingHttpHeaders } | { ok: false; refusal: Refusal };

const unrecognized = (reason: string): { ok: false; refusal: Refusal } => ({ ok: false, refusal: { status: 400, type: UNRECOGNIZED_CLIENT, message: TOKEN_INVALID, reason } });
const invalid = (reason: string, message = SIGNATURE_MISMATCH): { ok: false; refusal: Refusal } => ({ ok: false, refusal: { status: 400, type: INVALID_SIGNATURE, message, reason } });

const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const HEX64 = /^[0-9a-f]{64}$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v);
const longDate = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value === undefined ? null : AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 20261340 over into the next year: only a date that formats back to itself is one.
  return longDate(date) === value ? date : undefined;
}

/**
 * What can be checked from the headers alone, before a body is read: the credential and the
 * date. Cheap, so an unsigned or foreign request costs the store no buffering.
 */
export function checkHeaders(headers: IncomingHttpHeaders, credential: StoreCredential, now: number): HeaderCheck {
  const header = one(headers.authorization)?.trim();
  if (!header || !header.startsWith(`${ALGORITHM} `)) return unrecognized('no AWS4-HMAC-SHA256 Authorization header');
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    if (eq < 0 || fields.has(key)) return unrecognized('malformed Authorization header');
    fields.set(key, part.slice(eq + 1).trim());
  }
  const credentialField = fields.get('Credential');
  if (!credentialField) return unrecognized('no Credential in the Authorization header');
  const [accessKeyId, shortDate, region, service, terminator, ...extra] = credentialField.split('/');
  if (accessKeyId !== credential.accessKeyId) return unrecognized('unknown access key id');

  const signedHeadersField = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (fields.size !== 3 || signedHeadersField === undefined || signature === undefined || !HEX64.test(signature)) return invalid('malformed Authorization header');
  if (extra.length > 0 || service !== SERVICE || terminator !== 'aws4_request' || !region || !/^[a-z0-9-]{1,64}$/.test(region)) return invalid('credential scope is not <date>/<region>/dynamodb/aws4_request');
  const signedHeaders = signedHeadersField.split(';');
  const sorted = signedHeaders.every((h, i) => TOKEN.test(h) && (i === 0 || (signedHeaders[i - 1] as string) < h));
  if (!sorted) return invalid('SignedHeaders is not a sorted list of lower-case header names');
  // `host` binds the signature to this store; `x-amz-date` to a time. `authorization` and `date`
  // cannot be signed (the signer drops them), so listing them is a forgery or a foreign signer.
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) return invalid('host and x-amz-date must be signed');
  if (signedHeaders.includes('authorization') || signedHeaders.includes('date')) return invalid('authorization and date cannot be signed');

  const amzDate = one(headers['x-amz-date']);
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate) return invalid('no valid x-amz-date header');
  if (shortDate !== amzDate.slice(0, 8)) return invalid('credential scope date is not the x-amz-date day');
  if (signingDate.getTime() < now - MAX_CLOCK_SKEW_MS) {
    return invalid('x-amz-date too old', `Signature expired: ${amzDate} is now earlier than ${longDate(new Date(now - MAX_CLOCK_SKEW_MS))} (${longDate(new Date(now))} - 5 min.)`);
  }
  if (signingDate.getTime() > now + MAX_CLOCK_SKEW_MS) {
    return invalid('x-amz-date in the future', `Signature not yet current: ${amzDate} is still later than ${longDate(new Date(now + MAX_CLOCK_SKEW_MS))} (${longDate(new Date(now))} + 5 min.)`);
  }
  return { ok: true, auth: { accessKeyId, scope: `${shortDate}/${region}/${SERVICE}/aws4_request`, region, signedHeaders, signature, signingDate, amzDate } };
}

/**
 * Verifies a whole request (headers and body) against the store credential at time `now`.
 * On success, `headers` holds the signed headers and `authorization`: all the store may act on.
 */
export async function verifyRequest(req: StoreRequest, credential: StoreCredential, now: number): Promise<Verdict> {
  const checked = checkHeaders(req.headers, credential, now);
  if (!checked.ok) return checked;
  const { auth } = checked;

  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = one(req.headers[name]);
    if (value === undefined) return invalid(`signed header ${name} is missing`);
    headers[name] = value;
  }
  // The signer takes a present x-amz-content-sha256 as the payload's hash without hashing the
  // body: hold it to the body, or a signed request could carry any other body.
  const payloadHash = createHash('sha256').update(req.body).digest('hex');
  if (headers['x-amz-content-sha256'] !== undefined && headers['x-amz-content-sha256'] !== payloadHash) return invalid('x-amz-content-sha256 is not the body hash');

  const q = req.url.indexOf('?');
  let path: string;
  try {
    path = decodeURIComponent(q < 0 ? req.url : req.url.slice(0, q));
  } catch {
    return invalid('undecodable path');
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1))) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }

  const signer = new SignatureV4({
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
    region: auth.region,
    service: SERVICE,
    sha256: NodeSha256,
    // Add no x-amz-content-sha256 the client did not sign: the rebuilt request is exactly theirs.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: headers.host ?? '', path, query, headers, body: req.body },
    // signableHeaders: sign what the client listed even where the SDK would not (user-agent, ...)
    { signingDate: auth.signingDate, signingRegion: auth.region, signingService: SERVICE, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\S+), SignedHeaders=(\S+), Signature=([0-9a-f]{64})$/.exec(signed.headers.authorization ?? '');
  if (!expected) throw new Error('the SigV4 signer produced an Authorization header this verifier does not understand');
  const [, scope, signedList, signature] = expected as unknown as [string, string, string, string];
  if (scope !== auth.scope || signedList !== auth.signedHeaders.join(';')) return invalid('signed headers or scope differ from what was signed');
  if (!timingSafeEqual(Buffer.from(signature, 'latin1'), Buffer.from(auth.signature, 'latin1'))) return invalid('signature mismatch');

  return { ok: true, headers: { ...headers, 'x-amz-date': auth.amzDate, authorization: one(req.headers.authorization) } };
}

/** DynamoDB's answer to a refused request. */
export function refusalBody(refusal: Refusal): string {
  return JSON.stringify({ __type: refusal.type, message: refusal.message });
}

/** SHA-256 and HMAC-SHA256 on node:crypto, in the shape @smithy/signature-v4 expects. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    const s = this.secret;
    if (s === undefined) return createHash('sha256');
    const key = typeof s === 'string' ? s : ArrayBuffer.isView(s) ? Buffer.from(s.buffer, s.byteOffset, s.byteLength) : Buffer.from(s);
    return createHmac('sha256', key);
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }
}
