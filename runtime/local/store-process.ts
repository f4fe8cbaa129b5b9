/**
 * Child-process entry for the embedded store. Running dynalite outside the gateway process lets
 * LevelDB and the gateway's event loop use both cores, and lets tests stop the store to simulate
 * an outage. The process exits when its parent goes away, even after a kill -9 of the parent.
 *
 * The store credential arrives as an IPC message once this process asks for it, never in argv
 * (readable by every process in /proc/<pid>/cmdline) nor in the environment.
 */
import { startDynalite } from './dynalite-server.ts';
import type { StoreCredential } from './store-credential.ts';

const [path, portArg] = process.argv.slice(2);
if (!path || !process.send) {
  console.error('usage: store-process <path> [port]  (started by the platform with an IPC channel, which sends the store credential)');
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));
// LevelDB's files: owner-only, like the data dir that holds them.
process.umask(0o077);
const credential = await new Promise<StoreCredential>((resolve) => {
  process.once('message', (m) => resolve((m as { credential: StoreCredential }).credential));
  process.send?.({ awaitingCredential: true });
});
try {
  if (typeof credential?.accessKeyId !== 'string' || typeof credential.secretAccessKey !== 'string') throw new Error('no store credential in the IPC message');
  const store = await startDynalite(path, { port: Number(portArg ?? 0), credential });
  process.send({ ready: true, port: store.port });
} catch (e) {
  process.send({ ready: false, error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
