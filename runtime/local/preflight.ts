/**
 * What `npm start` checks before it starts anything (the store, the bundles): that no other
 * platform runs on this data dir, and that the port is free. Each refusal says what to do.
 */
import { createServer } from 'node:net';
import type { PlatformConfig } from './config.ts';
import { ConfigError } from './config.ts';
import { runningPlatform } from './operator.ts';

/** Resolves when `host:port` can be listened on, else rejects with the listen error (EADDRINUSE, EACCES). */
export function probePort(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

export async function preflight(config: Pick<PlatformConfig, 'dataDir' | 'host' | 'port'>): Promise<void> {
  const other = runningPlatform(config.dataDir);
  if (other && other.pid !== process.pid) {
    throw new ConfigError(
      `another platform (pid ${other.pid}) already runs on the data dir ${config.dataDir}, at ${other.url}.\n` +
        `  Use that one, stop it (kill ${other.pid}), or start another with its own data: FAASCAPE_DATA_DIR=/some/other/dir npm start`,
    );
  }
  if (config.port === 0) return;
  try {
    await probePort(config.host, config.port);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new ConfigError(`port ${config.port} on ${config.host} is already in use (another npm start, or another program).\n  Pick another port: PORT=${config.port === 65535 ? 3001 : config.port + 1} npm start   (PORT=0 picks a free one)`);
    }
    if (code === 'EACCES') throw new ConfigError(`port ${config.port} on ${config.host} is not allowed for this user.\n  Pick a port above 1023: PORT=3000 npm start`);
    if (code === 'EADDRNOTAVAIL') throw new ConfigError(`HOST ${config.host} is not an address of this machine.\n  Use HOST=127.0.0.1 (or HOST=0.0.0.0 for every interface)`);
    throw e;
  }
}
