import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import dynalite from 'dynalite';
import { Level } from 'level';
import { checkHeaders, MAX_REQUEST_BYTES, refusalBody, verifyRequest, type Refusal } from './store-auth.ts';
import type { StoreCredential } from './store-credential.ts';

export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
}

/**
 * LevelDB allows one process per directory. dynalite opens it lazily and then fails every request
 * with an uncaught error, so we take the lock ourselves first and wait while another process (a
 * CLI command, a platform shutting down) still holds it.
 */
async function waitForLock(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const db = new Level(path);
    try {
      await db.open();
      await db.close();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new StoreLockedError(`the store at ${path} is in use by another process`, { cause: e });
      await sleep(100);
    }
  }
}

export interface RunningDynalite {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export interface DynaliteOptions {
  /** every request must be SigV4-signed with this (store-credential.ts) */
  credential: StoreCredential;
  /** 0 (default): any free port */
  port?: number;
  lockTimeoutMs?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function refuse(res: ServerResponse, refusal: Refusal | { status: 413 }): void {
  // Whatever of the request body was not read, node reads and discards (not closing the
  // connection mid-body: a reset could lose this answer before the client reads it).
  const body = 'type' in refusal ? refusalBody(refusal) : '';
  res.writeHead(refusal.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomBytes(39).toString('base64url').toUpperCase().slice(0, 52),
  });
  res.end(body);
}

/**
 * Puts SigV4 verification in front of dynalite's own request listener. dynalite reads the body
 * itself (`data`/`end`), so the body is read here first (capped like dynalite caps it), verified,
 * and dynalite is handed a fresh stream of the same bytes carrying only the signed headers.
 *
 * Every request must be signed, GET included: dynalite answers an unsigned GET with a fixed
 * "healthy" string, which reveals little, but nothing here needs it (liveness is a TCP connect,
 * see embedded-store.ts), and "no unsigned request gets a dynalite answer" is simpler to hold.
 */
function authenticated(dynaliteHandler: Handler, credential: StoreCredential): Handler {
  return (req, res) => {
    req.on('error', () => res.destroy());
    const pre = checkHeaders(req.headers, credential, Date.now());
    if (!pre.ok) return refuse(res, pre.refusal);
    if (Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES) return refuse(res, { status: 413 });
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        refuse(res, { status: 413 });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      const body = Buffer.concat(chunks, size);
      verifyRequest({ method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body }, credential, Date.now()).then(
        (verdict) => {
          if (!verdict.ok) return refuse(res, verdict.refusal);
          // What dynalite's httpHandler uses of a request: on('data'|'end'|'error'),
          // removeAllListeners, headers, method and url.
          const verified = Object.assign(Readable.from(body.length > 0 ? [body] : []), { headers: verdict.headers, method: req.method, url: req.url });
          dynaliteHandler(verified as unknown as IncomingMessage, res);
        },
        () => res.destroy(),
      );
    };
    req.on('data', onData);
    req.on('end', onEnd);
  };
}

/** Starts dynalite persisted at `path`, listening on loopback only, answering signed requests only. */
export async function startDynalite(path: string, opts: DynaliteOptions): Promise<RunningDynalite> {
  await waitForLock(path, opts.lockTimeoutMs ?? 15_000);
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const [dynaliteHandler, ...others] = server.listeners('request') as Handler[];
  if (!dynaliteHandler || others.length > 0) throw new Error('dynalite no longer has exactly one request listener: the store cannot put authentication in front of it');
  server.removeAllListeners('request');
  server.on('request', authenticated(dynaliteHandler, opts.credential));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
