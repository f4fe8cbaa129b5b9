import type { UsageRecord } from '../../shared/usage.ts';
import { jsonLogger } from '../logger.ts';
import { formatLogLine } from './feature-logs.ts';
import { ConfigError, readConfig } from './config.ts';
import { startPlatform } from './platform.ts';
import { preflight } from './preflight.ts';

const USAGE = `usage: npm start [-- --quiet]
  Runs the platform on this machine: the HTTP API and console on $HOST:$PORT (default 127.0.0.1:3000),
  data in $FAASCAPE_DATA_DIR (default ./.faascape), features from $FAASCAPE_FUNCTIONS_DIR (default ./functions),
  rebuilt and swapped in as you edit them.
  --quiet   no line per call (feature logs and errors still print)`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--quiet');
if (unknown.length) {
  console.error(`unknown option ${unknown.join(' ')}\n${USAGE}`);
  process.exit(2);
}
const quiet = args.includes('--quiet');

/** One line per call, as serverless-offline prints: what ran, how it ended, what it cost in time. */
function callLine(r: UsageRecord): string {
  return `${r.featureId} ${r.status} ${r.outcome === 'ok' ? '' : `${r.outcome} `}in ${r.durationMs.toFixed(1)} ms (billed ${r.billedMs} ms${r.billable ? '' : ', not billable'})  ${r.invocationId}`;
}

try {
  // npm start is where developers work: it watches functions/ unless FAASCAPE_WATCH=0.
  const config = { ...readConfig(process.env), watch: process.env.FAASCAPE_WATCH !== '0' };
  await preflight(config); // another platform on this data dir, a port in use: said before anything starts
  const platform = await startPlatform(config, {
    logger: jsonLogger(),
    progress: (l) => console.log(`faascape ${l}`),
    featureLog: (entry) => (entry.level === 'error' || entry.level === 'warn' ? console.error : console.log)(formatLogLine(entry)),
    ...(quiet ? {} : { onCall: (r: UsageRecord) => console.log(callLine(r)) }),
  });
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
