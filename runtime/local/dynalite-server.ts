import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import dynalite from 'dynalite';
import { Level } from 'level';

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

/** Starts dynalite persisted at `path`, listening on loopback only. */
export async function startDynalite(path: string, port = 0, lockTimeoutMs = 15_000): Promise<RunningDynalite> {
  await waitForLock(path, lockTimeoutMs);
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
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
