/**
 * Child-process entry for the embedded store. Running dynalite outside the gateway process lets
 * LevelDB and the gateway's event loop use both cores, and lets tests stop the store to simulate
 * an outage. The process exits when its parent goes away, even after a kill -9 of the parent.
 */
import { startDynalite } from './dynalite-server.ts';

const [path, portArg] = process.argv.slice(2);
if (!path || !process.send) {
  console.error('usage: store-process <path> [port]  (started by the platform with an IPC channel)');
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));
try {
  const store = await startDynalite(path, Number(portArg ?? 0));
  process.send({ ready: true, port: store.port });
} catch (e) {
  process.send({ ready: false, error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
