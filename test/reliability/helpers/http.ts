/**
 * A small HTTP load client over node:http (keep-alive, one socket per connection): every request
 * says what it is (its tag, the client and feature it targets) and every answer is kept with its
 * status, platform error code and invocation id, so a test can reconcile what the clients saw
 * with what the store holds, class by class.
 */
import { Agent, request } from 'node:http';

export interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** what the test meant: e.g. 'echo', 'unknown-key', 'oversized' */
  tag: string;
  /** the client whose key is used, when the key is valid */
  clientId?: string;
  /** the feature targeted, when it exists */
  featureId?: string;
}

export interface Res {
  req: Req;
  status: number;
  /** platform error code (`error.code` of a JSON error body) */
  code?: string;
  /** parsed JSON body when it was JSON and the status was >= 400 */
  errorBody?: unknown;
  contentType?: string;
  invocationId?: string;
  retryAfter?: string;
  /** network failure instead of an answer (ECONNRESET, ECONNREFUSED, timeout...) */
  netError?: string;
  sentAt: number;
  latencyMs: number;
}

export function newAgent(connections: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
}

export function send(agent: Agent, baseUrl: string, req: Req, timeoutMs = 60_000): Promise<Res> {
  const sentAt = Date.now();
  const u = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<Res, 'req' | 'sentAt' | 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ req, sentAt, latencyMs: Date.now() - sentAt, ...r });
    };
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    let r: ReturnType<typeof request>;
    try {
      r = request(
        {
          host: u.hostname,
          port: u.port,
          method: req.method,
          path: req.path,
          agent,
          headers: { ...(req.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => done({ status: 0, netError: (e as NodeJS.ErrnoException).code ?? e.message }));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const contentType = res.headers['content-type'];
            const invocationId = res.headers['faascape-invocation-id'] as string | undefined;
            const retryAfter = res.headers['retry-after'] as string | undefined;
            let code: string | undefined;
            let errorBody: unknown;
            if (status >= 400) {
              try {
                errorBody = JSON.parse(Buffer.concat(chunks).toString('utf8'));
                const c = (errorBody as { error?: { code?: unknown } } | null)?.error?.code;
                if (typeof c === 'string') code = c;
              } catch {
                // not JSON: left undefined, the test judges
              }
            }
            done({
              status,
              ...(code !== undefined ? { code } : {}),
              ...(errorBody !== undefined ? { errorBody } : {}),
              ...(contentType !== undefined ? { contentType } : {}),
              ...(invocationId !== undefined ? { invocationId } : {}),
              ...(retryAfter !== undefined ? { retryAfter } : {}),
            });
          });
        },
      );
    } catch (e) {
      // invalid method/header/path rejected by node's client before sending
      done({ status: -1, netError: `client:${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      return;
    }
    r.setTimeout(timeoutMs, () => r.destroy(Object.assign(new Error('timeout'), { code: 'CLIENT_TIMEOUT' })));
    r.on('error', (e) => done({ status: 0, netError: (e as NodeJS.ErrnoException).code ?? e.message }));
    r.end(body);
  });
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationMs: number;
  /** the next request of a connection; undefined ends that connection */
  next: (conn: number, n: number) => Req | undefined;
  onResult?: (r: Res) => void;
  /** per-request timeout */
  timeoutMs?: number;
  /** stop early (e.g. after a kill -9) */
  signal?: { stopped: boolean };
  /** pause between a network error and the next request of that connection */
  errorBackoffMs?: number;
  /** keep every answer in the returned array (default true; a soak counts in onResult instead) */
  keepResults?: boolean;
}

/** `connections` loops, each sending its next request as soon as the previous one is answered. */
export async function runLoad(opts: LoadOptions): Promise<Res[]> {
  const agent = newAgent(opts.connections);
  const results: Res[] = [];
  const end = Date.now() + opts.durationMs;
  let n = 0;
  const loop = async (conn: number) => {
    while (Date.now() < end && !opts.signal?.stopped) {
      const req = opts.next(conn, n++);
      if (!req) return;
      const r = await send(agent, opts.url, req, opts.timeoutMs);
      if (opts.keepResults !== false) results.push(r);
      opts.onResult?.(r);
      if (r.netError && opts.errorBackoffMs) await new Promise((ok) => setTimeout(ok, opts.errorBackoffMs));
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, (_, c) => loop(c)));
  agent.destroy();
  return results;
}

/** The class of an answer as a client sees it. */
export function classOf(r: Res): string {
  if (r.netError) return `network error ${r.netError}`;
  if (r.invocationId) return `feature ${r.req.featureId ?? '?'} ${r.status}`;
  return `platform ${r.status} ${r.code ?? '(no code)'}`;
}

export function countBy<T>(items: Iterable<T>, key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of items) {
    const k = key(t);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function table(m: Map<string, number>, indent = '  '): string {
  const w = Math.max(0, ...[...m.keys()].map((k) => k.length));
  return [...m].map(([k, v]) => `${indent}${k.padEnd(w)}  ${v.toLocaleString('en-US')}`).join('\n');
}

/** A well-formed key (`fsk_<12 id chars>_<43 secret chars>`) that the platform never issued. */
export function randomWellFormedKey(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let id = '';
  for (let i = 0; i < 12; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  let secret = '';
  for (let i = 0; i < 43; i++) secret += b64[Math.floor(Math.random() * b64.length)];
  return `fsk_${id}_${secret}`;
}
