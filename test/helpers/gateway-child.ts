/**
 * A second gateway process over a running platform's store, for tests:
 *   node --import tsx test/helpers/gateway-child.ts <dataDir> <functionsDir> <writerId> [port]
 * Prints one JSON line `{"url": ...}` once it listens; SIGTERM stops it cleanly (slices given
 * back, meter flushed) and it exits 0.
 */
import { jsonLogger } from '../../runtime/logger.ts';
import { startGatewayProcess } from '../../runtime/local/gateway-process.ts';

const [dataDir, functionsDir, writerId, port = '0'] = process.argv.slice(2);
if (!dataDir || !functionsDir || !writerId) {
  console.error('usage: gateway-child.ts <dataDir> <functionsDir> <writerId> [port]');
  process.exit(2);
}

try {
  const gw = await startGatewayProcess({ dataDir, functionsDir, writerId, port: Number(port), logger: jsonLogger() });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    gw.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`gateway stop failed: ${String(e)}`);
        process.exit(1);
      },
    );
  });
  process.stdout.write(`${JSON.stringify({ url: gw.url })}\n`);
} catch (e) {
  console.error(`gateway failed to start: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
}
