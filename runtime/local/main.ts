import { jsonLogger } from '../logger.ts';
import { ConfigError, readConfig } from './config.ts';
import { startPlatform } from './platform.ts';

try {
  const config = readConfig(process.env);
  const platform = await startPlatform(config, { logger: jsonLogger(), progress: (l) => console.log(`faascape ${l}`) });
  console.log(`faascape ready at ${platform.url}  (Ctrl-C to stop)`);
  console.log(`faascape console: ${platform.url}/  (an account: npx faascape accounts create --role finance --email you@example.com)`);
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    console.log(`faascape stopping (${signal}), flushing usage records...`);
    void platform.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : `faascape failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
