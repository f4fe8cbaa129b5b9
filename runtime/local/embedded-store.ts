import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynalite } from './dynalite-server.ts';
import { storeCredential, type StoreCredential } from './store-credential.ts';

const STORE_ENTRY = fileURLToPath(new URL('./store-process.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface StoreEndpoint {
  endpoint: string;
  /** what clients sign with (localDynamoClient): the store refuses anything else */
  credential: StoreCredential;
  close(): Promise<void>;
}

export function storePath(dataDir: string): string {
  return join(dataDir, 'store');
}

/** Where the running platform's store listens: `{ endpoint, pid }`, never the credential. */
function locatorPath(dataDir: string): string {
  return join(dataDir, 'store.json');
}

/**
 * The platform's embedded store, run as a child process on a fixed port so that it can be
 * stopped and restarted (an outage, in tests) without the gateway's endpoint changing.
 */
export class StoreProcess {
  private child: ChildProcess | undefined;
  private storeCredential: StoreCredential | undefined;
  port = 0;

  constructor(private readonly dataDir: string) {}

  /** The installation's store credential (created with the 0700 data dir on first use). */
  get credential(): StoreCredential {
    return (this.storeCredential ??= storeCredential(this.dataDir));
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const credential = this.credential;
    mkdirSync(storePath(this.dataDir), { recursive: true, mode: 0o700 });
    const child = fork(STORE_ENTRY, [storePath(this.dataDir), String(this.port)], {
      execArgv: ['--import', TSX],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    type Reply = { awaitingCredential?: true; ready: boolean; port?: number; error?: string };
    const msg = await new Promise<Reply>((resolve, reject) => {
      const onMessage = (m: unknown) => {
        const reply = m as Reply;
        // The credential goes over IPC (argv is world-readable in /proc/<pid>/cmdline), once the
        // child listens for it: a message sent before that would be lost.
        if (reply.awaitingCredential) return void child.send({ credential }, (e) => e && reject(new Error('could not hand the embedded store its credential', { cause: e })));
        child.off('message', onMessage);
        resolve(reply);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the embedded store exited with code ${code} before it was ready`)));
    });
    if (!msg.ready || !msg.port) throw new Error(`the embedded store failed to start: ${msg.error ?? 'unknown reason'}`);
    this.port = msg.port;
    // Detach the IPC channel from our event loop: the store lives as long as we do, no longer.
    child.unref();
    child.channel?.unref();
    writeFileSync(locatorPath(this.dataDir), JSON.stringify({ endpoint: this.endpoint, pid: process.pid }), { mode: 0o600 });
  }

  /** Stops the store process; the gateway keeps serving and spools what it cannot write. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    // The child was unref'd at start; hold the event loop while we wait for it to exit.
    child.ref();
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(locatorPath(this.dataDir), { force: true });
  }
}

function reachable(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * For the CLI: use the running platform's store when there is one, otherwise open the data dir's
 * store in this process for the length of the command. Either way the CLI works.
 */
export async function openStore(dataDir: string): Promise<StoreEndpoint> {
  const credential = storeCredential(dataDir);
  try {
    const { endpoint } = JSON.parse(readFileSync(locatorPath(dataDir), 'utf8')) as { endpoint: string };
    const port = Number(new URL(endpoint).port);
    if (await reachable(port)) return { endpoint, credential, close: async () => {} };
  } catch {
    // no running platform: fall through to an in-process store
  }
  mkdirSync(storePath(dataDir), { recursive: true, mode: 0o700 });
  const store = await startDynalite(storePath(dataDir), { credential });
  return { endpoint: `http://127.0.0.1:${store.port}`, credential, close: () => store.close() };
}
