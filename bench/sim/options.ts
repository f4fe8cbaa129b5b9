import { parseArgs } from 'node:util';

export interface SimOptions {
  /** gateway invocations in all */
  calls: number;
  clients: number;
  features: number;
  /** distinct gateway containers over the run (each a fresh module instance of gateway-lambda.ts) */
  containers: number;
  /** containers alive (each serving one request) at once: the in-flight calls */
  concurrency: number;
  faults: boolean;
  /** with faults: writes that reach the store and still fail: answer lost (timeout), or a 500 after the write in the outage */
  ambiguousWrites: boolean;
  /** simulated calls per second: the clock of the simulated month (hot partitions, outage window, aggregator schedule) */
  rate: number;
  /** keep the store's files here (must be empty or absent); default: a temporary dir, removed */
  dataDir?: string;
  seed: number;
  /** how long the fake feature Lambda takes (real ms) */
  featureMs: number;
  /** the aggregator Lambda's schedule, in simulated seconds (AWS: EventBridge rate(5 minutes)); 0: only after the traffic */
  aggregateEverySimS: number;
  /** fault rates, used when `faults` is on */
  throttleRate: number;
  networkErrorRate: number;
  /** [start, end) of the write outage as fractions of the run's simulated duration */
  outage: [number, number];
  /** share of gateway containers that die during one of their calls (faults on) */
  killRate: number;
  drainCrashRate: number;
  /** share of the scheduled aggregator runs that die mid-apply (faults on) */
  aggregatorKillRate: number;
  duplicateDeliveryRate: number;
  ambiguousRate: number;
  /** the limit scenarios (issue #14): three limited clients over `limitInstances` containers for `limitSeconds` of real time */
  limits: boolean;
  limitInstances: number;
  limitSeconds: number;
  limitRps: number;
  /** progress lines on stderr every this many ms (0: none) */
  progressMs: number;
  /** where progress goes */
  progress?: (line: string) => void;
}

export const DEFAULTS: SimOptions = {
  calls: 20_000,
  clients: 200,
  features: 20,
  containers: 500,
  concurrency: 32,
  faults: false,
  ambiguousWrites: true,
  rate: 1000,
  seed: 1,
  featureMs: 20,
  aggregateEverySimS: 300,
  throttleRate: 0.02,
  networkErrorRate: 0.005,
  outage: [0.45, 0.48],
  killRate: 0.05,
  drainCrashRate: 0.05,
  aggregatorKillRate: 0.2,
  duplicateDeliveryRate: 0.05,
  ambiguousRate: 0.005,
  limits: true,
  limitInstances: 20,
  limitSeconds: 60,
  limitRps: 50,
  progressMs: 3000,
};

export const USAGE = `usage: npm run sim:aws -- [options]
  --calls N            gateway invocations (default ${DEFAULTS.calls})
  --clients N          clients, one live key each (default ${DEFAULTS.clients})
  --features N         features in the catalogue (default ${DEFAULTS.features})
  --containers N       distinct gateway containers over the run (default ${DEFAULTS.containers})
  --concurrency N      containers serving at once (default ${DEFAULTS.concurrency})
  --faults on|off      throttling, network errors, a write outage, killed gateway containers,
                       crashed/duplicated spool deliveries, aggregator runs killed mid-apply (default off)
  --ambiguous on|off   with --faults on, writes can also land and still fail: 0.5 % answer lost
                       (ETIMEDOUT), and half the outage's 500s after the write (default on)
  --rate R             simulated calls per second (default ${DEFAULTS.rate})
  --data-dir DIR       keep the store there (empty or absent dir); default: a temp dir, removed
  --seed N             (default ${DEFAULTS.seed})
  --feature-ms MS      fake feature duration, real ms (default ${DEFAULTS.featureMs})
  --aggregate-every S  aggregator schedule in simulated seconds (default ${DEFAULTS.aggregateEverySimS}; alias --sweep-every)
  --kill-rate P        share of gateway containers that die during a call, with --faults on (default ${DEFAULTS.killRate})
  --aggregator-kill-rate P  share of scheduled aggregator runs killed mid-apply, with --faults on (default ${DEFAULTS.aggregatorKillRate})
  --outage FROM,TO     the write outage, as fractions of the simulated run (default ${DEFAULTS.outage.join(',')})
  --limits on|off      the limit scenarios after the month's traffic: a rated, a quota'd and a capped
                       client called at once through many containers, in real time (default on)
  --limit-instances N  containers serving them (default ${DEFAULTS.limitInstances})
  --limit-seconds S    real seconds of that traffic (default ${DEFAULTS.limitSeconds})
  --limit-rps R        the rated client's rate; it is asked twice that (default ${DEFAULTS.limitRps})
  --help`;

function num(name: string, v: string | undefined, fallback: number, integer = true): number {
  if (v === undefined) return fallback;
  const n = Number(v.replaceAll('_', ''));
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'}, got "${v}"`);
  return n;
}

function onOff(name: string, v: string | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (v === 'on' || v === 'true' || v === '1') return true;
  if (v === 'off' || v === 'false' || v === '0') return false;
  throw new Error(`--${name} must be on or off, got "${v}"`);
}

export function parseOptions(argv: string[]): SimOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      calls: { type: 'string' },
      clients: { type: 'string' },
      features: { type: 'string' },
      containers: { type: 'string' },
      concurrency: { type: 'string' },
      faults: { type: 'string' },
      ambiguous: { type: 'string' },
      rate: { type: 'string' },
      'data-dir': { type: 'string' },
      seed: { type: 'string' },
      'feature-ms': { type: 'string' },
      'aggregate-every': { type: 'string' },
      'sweep-every': { type: 'string' },
      'kill-rate': { type: 'string' },
      'aggregator-kill-rate': { type: 'string' },
      outage: { type: 'string' },
      limits: { type: 'string' },
      'limit-instances': { type: 'string' },
      'limit-seconds': { type: 'string' },
      'limit-rps': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const o: SimOptions = {
    ...DEFAULTS,
    calls: num('calls', values.calls, DEFAULTS.calls),
    clients: num('clients', values.clients, DEFAULTS.clients),
    features: num('features', values.features, DEFAULTS.features),
    containers: num('containers', values.containers, DEFAULTS.containers),
    concurrency: num('concurrency', values.concurrency, DEFAULTS.concurrency),
    faults: onOff('faults', values.faults, DEFAULTS.faults),
    ambiguousWrites: onOff('ambiguous', values.ambiguous, DEFAULTS.ambiguousWrites),
    rate: num('rate', values.rate, DEFAULTS.rate, false),
    seed: num('seed', values.seed, DEFAULTS.seed),
    featureMs: num('feature-ms', values['feature-ms'], DEFAULTS.featureMs, false),
    aggregateEverySimS: num(values['aggregate-every'] !== undefined ? 'aggregate-every' : 'sweep-every', values['aggregate-every'] ?? values['sweep-every'], DEFAULTS.aggregateEverySimS, false),
    killRate: num('kill-rate', values['kill-rate'], DEFAULTS.killRate, false),
    aggregatorKillRate: num('aggregator-kill-rate', values['aggregator-kill-rate'], DEFAULTS.aggregatorKillRate, false),
    limits: onOff('limits', values.limits, DEFAULTS.limits),
    limitInstances: num('limit-instances', values['limit-instances'], DEFAULTS.limitInstances),
    limitSeconds: num('limit-seconds', values['limit-seconds'], DEFAULTS.limitSeconds, false),
    limitRps: num('limit-rps', values['limit-rps'], DEFAULTS.limitRps, false),
  };
  if (values['data-dir'] !== undefined) o.dataDir = values['data-dir'];
  if (values.outage !== undefined) {
    const m = /^(\d*\.?\d+),(\d*\.?\d+)$/.exec(values.outage);
    const from = Number(m?.[1]);
    const to = Number(m?.[2]);
    if (!m || !(from <= to) || to > 1) throw new Error(`--outage must be FROM,TO as fractions of the run (0 <= FROM <= TO <= 1), got "${values.outage}"`);
    o.outage = [from, to];
  }
  return o;
}

export function checkOptions(o: SimOptions): void {
  const problems: string[] = [];
  if (o.calls < 1) problems.push('--calls must be at least 1');
  if (o.clients < 1) problems.push('--clients must be at least 1');
  if (o.features < 1 || o.features > 999) problems.push('--features must be 1..999');
  if (o.containers < 1) problems.push('--containers must be at least 1');
  if (o.concurrency < 1) problems.push('--concurrency must be at least 1');
  if (!(o.rate > 0)) problems.push('--rate must be above 0');
  if (o.killRate > 1) problems.push('--kill-rate is a share (0..1)');
  if (o.aggregatorKillRate > 1) problems.push('--aggregator-kill-rate is a share (0..1)');
  if (o.limits && (o.limitInstances < 1 || !(o.limitSeconds > 0) || !(o.limitRps > 0))) problems.push('--limit-instances, --limit-seconds and --limit-rps must be above 0');
  if (problems.length) throw new Error(problems.join('; '));
}
