import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { BODY_BYTES_HEADER } from '../gateway/handler.ts';
import { errorResponse, errors, MAX_PAYLOAD_BYTES } from '../gateway/errors.ts';

export type EventHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript|[\w.+-]+\+(json|xml)))/i;

/** Turns a node:http request into the API Gateway HTTP API (payload v2) event Lambda would get. */
export function toEvent(req: IncomingMessage, body: Buffer | undefined, bodyBytes: number): APIGatewayProxyEventV2 {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q >= 0 ? url.slice(0, q) : url;
  const rawQueryString = q >= 0 ? url.slice(q + 1) : '';
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    const value = req.rawHeaders[i + 1] as string;
    if (name === 'cookie') cookies = [...(cookies ?? []), ...value.split(/;\s*/).filter(Boolean)];
    // Only this server may say how large a body really was.
    else if (name === BODY_BYTES_HEADER) continue;
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  if (bodyBytes > MAX_PAYLOAD_BYTES) headers[BODY_BYTES_HEADER] = String(bodyBytes);
  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [k, v] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[k] = queryStringParameters[k] === undefined ? v : `${queryStringParameters[k]},${v}`;
    }
  }
  // Text that is not valid UTF-8 travels as base64, as API Gateway does: bytes stay bytes, and the
  // size limit counts what was sent, not replacement characters.
  const isText = TEXT_TYPES.test(headers['content-type'] ?? 'text/plain') && (!body || isUtf8(body));
  const now = Date.now();
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // keep the raw path: a malformed escape is the feature's to judge
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: req.method ?? 'GET',
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body && body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: Boolean(body && body.length > 0 && !isText),
  };
}

function lambdaContext(event: APIGatewayProxyEventV2): Context {
  // No getRemainingTimeInMillis: locally the gateway has no Lambda deadline of its own.
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'faascape-gateway',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:faascape:local:function:gateway',
    memoryLimitInMB: '0',
    awsRequestId: event.requestContext.requestId,
    logGroupName: 'local',
    logStreamName: 'local',
  } as Context;
}

function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  if (body) headers['content-length'] = String(body.length);
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}

const BAD_REQUEST = JSON.stringify({ error: { code: 'invalid_request', message: 'The request is not valid HTTP.' } });


/**
 * Request bodies the server holds at once, all requests together, before any key is checked: each
 * may be up to 6 MB, so without a bound a crowd of slow uploads (no key needed) could take all of
 * the platform's memory. Past it a request gets 503 server_busy at once (API Gateway has its own
 * limits in front of the gateway in AWS).
 */
export const MAX_BUFFERED_BYTES = 256 * 1024 * 1024;

/** The local front door: real HTTP in, the same events as API Gateway to the gateway handler. */
export function createHttpServer(handle: EventHandler, onError: (e: unknown) => void, maxBufferedBytes = MAX_BUFFERED_BYTES): Server {
  let buffered = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let kept = 0;
    let refused = false;
    // What this request holds is given back when its answer is sent or its connection is gone.
    res.on('close', () => {
      buffered -= kept;
      kept = 0;
    });
    req.on('data', (c: Buffer) => {
      if (refused) return;
      bytes += c.length;
      // Past the limit we keep counting (to drain the socket) but stop keeping.
      if (bytes > MAX_PAYLOAD_BYTES) return;
      if (buffered + c.length > maxBufferedBytes) {
        refused = true;
        const busy = errorResponse(errors.serverBusy());
        writeResult(res, { ...busy, headers: { ...busy.headers, connection: 'close' } });
        return;
      }
      buffered += c.length;
      kept += c.length;
      chunks.push(c);
    });
    req.on('end', () => {
      if (refused) return;
      const event = toEvent(req, bytes > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks), bytes);
      // A result node:http cannot write (a header it refuses) is an internal error for this request
      // alone: it must never become an unhandled rejection that ends the platform's process.
      handle(event, lambdaContext(event))
        .then((result) => writeResult(res, result))
        .catch((e: unknown) => {
          onError(e);
          if (res.headersSent) res.destroy();
          else writeResult(res, errorResponse(errors.internal()));
        });
    });
    req.on('error', () => res.destroy());
  });
  // Requests node cannot parse (unknown method, bad header line) still get the JSON error shape.
  server.on('clientError', (_e, socket) => {
    if (!socket.writable) return socket.destroy();
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(BAD_REQUEST)}\r\nconnection: close\r\n\r\n${BAD_REQUEST}`);
  });
  return server;
}

/** Listens; a burst of thousands of new connections must queue, not be reset (node's default backlog is 511). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: 4096 }, () => resolve((server.address() as AddressInfo).port));
  });
}

/** The URL a local client reaches a server on: a wildcard IPv4 host is reached on loopback. */
export function serverUrl(host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${shown}:${port}`;
}

/**
 * Stops taking connections and lets requests in flight finish, for at most 2 s. A keep-alive
 * connection whose request finishes meanwhile turns idle and is closed within 50 ms, so a stop
 * does not wait the whole 2 s for a client that keeps its connection open.
 */
export function drain(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50).unref();
    const all = setTimeout(() => server.closeAllConnections(), 2_000).unref();
    server.close(() => {
      clearInterval(idle);
      clearTimeout(all);
      resolve();
    });
    server.closeIdleConnections();
  });
}
