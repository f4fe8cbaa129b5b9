import { randomBytes } from 'node:crypto';
import { stop as stopEsbuild } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runAlerts } from '../alerts/alerts-job.ts';
import { createGateway } from '../gateway/handler.ts';
import type { StatementsJob } from '../statements/statements-job.ts';
import { alertServices } from '../services/alerts.ts';
import { consoleServices } from '../services/console.ts';
import { gatewayStores } from '../services/gateway.ts';
import { moneyServices } from '../services/money.ts';
import { describeError, type Logger } from '../logger.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { LOCAL_WRITER, Meter, type MeterOptions } from '../meter/meter.ts';
import { FileSpool } from '../meter/spool.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { ensureTables } from '../store/ensure-tables.ts';
import { LOCAL_TABLE_PREFIX, tableNames, type TableNames } from '../store/tables.ts';
import type { PlatformConfig } from './config.ts';
import { StoreProcess } from './embedded-store.ts';
import { createHttpServer, drain, listen, serverUrl, type EventHandler } from './http-server.ts';
import type { LoadedFeature } from './load-features.ts';
import { SEQS_PER_EPOCH, type UsageRecord } from '../../shared/usage.ts';
import { FeatureRegistry } from './feature-registry.ts';
import { FileFeatureLogs, type FeatureLogEntry } from './feature-logs.ts';
import { fileRecentErrors } from './recent-errors.ts';
import { watchFeatures } from './watch-features.ts';
import { ProcessPool } from './process-pool.ts';
import { MonthlyScheduler } from './scheduler.ts';
import { CONSOLE_API_PREFIX } from '../console/api-types.ts';
import { createConsoleApi } from '../console/handler.ts';
import { buildConsole } from '../console/web/build.ts';
import { staticSite } from './static-site.ts';
import { isOperator, OPERATOR_STATUS_PATH, OPERATOR_TOKEN_HEADER, operatorToken, removePlatformLocator, writePlatformLocator } from './operator.ts';
import { errorResponse, jsonResponse, PlatformError } from '../gateway/errors.ts';



export interface Platform {
  url: string;
  port: number;
  features: Map<string, LoadedFeature>;
  registry: FeatureRegistry;
  /** resolves once the changes to functions/ seen so far are built and swapped in (watch mode) */
  reloaded(): Promise<void>;
  problems: Error[];
  store: StoreProcess;
  meter: Meter;
  pool: ProcessPool;
  statements: StatementsJob;
  tables: TableNames;
  dynamo: DynamoDBClient;
  /**
   * One run of the alerts job now (thresholds, issued invoices, due webhooks), after the calls
   * already answered are in the aggregates; never at the same time as the background loop's run.
   */
  runAlerts(): Promise<AlertsReport>;
  stop(): Promise<void>;
}

/** What one run of the alerts job did: events emitted, deliveries sent, delivered, failed. */
export type AlertsReport = Awaited<ReturnType<typeof runAlerts>>;

/** How often the local platform notices alerts and sends due webhooks (AWS: every minute). */
export const ALERTS_EVERY_MS = 5_000;

/**
 * The local alerts loop: runAlerts every few seconds, one run at a time (a manual run waits for
 * the loop's and the other way round, so no delivery is claimed by two runs of one platform). A
 * failing run is logged and the next one tries again: alerts never take the platform down.
 */
function alertsLoop(run: () => Promise<AlertsReport>, everyMs: number, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let last: Promise<unknown> = Promise.resolve();
  const runNow = (): Promise<AlertsReport> => {
    const next = last.then(run);
    last = next.catch(() => undefined);
    return next;
  };
  const tick = async () => {
    try {
      const report = await runNow();
      if (report.emitted || report.sent) logger.info('alerts', { ...report });
    } catch (e) {
      logger.error('alerts run failed; the next run tries again', { error: describeError(e) });
    }
    if (!stopped) arm();
  };
  const arm = () => {
    timer = setTimeout(() => void tick(), everyMs);
    // The loop alone never keeps the process alive; stop() ends it with the platform.
    timer.unref();
  };
  return {
    runNow,
    start: arm,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await last;
    },
  };
}

/** A per-installation secret (pseudonyms for features), created on first start, never logged. */
export function platformSecret(dataDir: string): string {
  const file = join(dataDir, 'secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}

export interface StartOptions {
  logger: Logger;
  /** progress lines for a person watching the start */
  progress?: (line: string) => void;
  /** the platform's time (tests move it across a month end); default Date.now */
  clock?: () => number;
  /** each line a feature logs (it is also kept in `<data dir>/logs/`) */
  featureLog?: (entry: FeatureLogEntry) => void;
  /** each metered call once durable */
  onCall?: (record: UsageRecord) => void;
  /**
   * Run the alerts loop in the background (every ALERTS_EVERY_MS). Default: true, unless the
   * config turns the background jobs off (`scheduleCloses: false`, as tests do), where a test
   * runs the alerts itself, deterministically, with `platform.runAlerts()`.
   */
  alerts?: boolean;
  /** the loop's period (tests of the loop itself); default ALERTS_EVERY_MS */
  alertsEveryMs?: number;
  /** the meter's batching (benchmarks compare settings); default: the meter's own defaults */
  meter?: Pick<MeterOptions, 'maxBatchRecords' | 'maxInflightCommits' | 'maxApplyUnit' | 'applyDelayMs'>;
}

export async function startPlatform(config: PlatformConfig, opts: StartOptions): Promise<Platform> {
  const progress = opts.progress ?? (() => {});
  const clock = opts.clock ?? Date.now;
  // Owner-only: it holds the store credential and the pseudonym secret (store-credential.ts).
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });

  const store = new StoreProcess(config.dataDir);
  await store.start();
  // The gateway's client gives up fast so a hung store fails over to the spool within seconds;
  // the statements job reads and writes tens of MB and gets the patient default.
  const dynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential, requestTimeoutMs: 1_500 });
  const db = documentClient(dynamo);
  const jobsDynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
  // The limits' client does not retry on its own: LimitLedger does, knowing which writes may be sent twice.
  const limitsDynamo = localDynamoClient({ endpoint: store.endpoint, credential: store.credential, requestTimeoutMs: 1_500, maxAttempts: 1 });
  const jobsDb = documentClient(jobsDynamo);
  const tables = tableNames(LOCAL_TABLE_PREFIX);
  await ensureTables(dynamo, tables);
  progress(`store: dynalite on ${store.endpoint} (data in ${config.dataDir})`);

  const pool = new ProcessPool(new Map(), opts.logger, new FileFeatureLogs(config.dataDir, opts.featureLog));
  const registry = new FeatureRegistry(config.functionsDir, join(config.dataDir, 'build'), pool, opts.logger);
  const { problems } = await registry.reload();
  const features = registry.features;
  for (const p of problems) opts.logger.error('feature not loaded', { error: p.message });
  progress(`features: ${[...features.keys()].join(', ') || 'none'} from ${config.functionsDir}`);
  const watcher = config.watch ? watchFeatures(config.functionsDir, registry, opts.logger, progress) : undefined;

  const usageLog = new DynamoUsageLog(db, tables);
  const epoch = await usageLog.nextEpoch(LOCAL_WRITER);
  const meter = new Meter(usageLog, new FileSpool(join(config.dataDir, 'spool')), { ...opts.meter, logger: opts.logger, writerId: LOCAL_WRITER, firstSeq: epoch * SEQS_PER_EPOCH });
  const recovered = await meter.recover();
  if (recovered > 0) progress(`meter: replaying ${recovered} batch(es) left by the last run`);

  const gateway = createGateway({
    features: registry.catalog,
    invoker: pool,
    ...gatewayStores({ db, limitsDb: documentClient(limitsDynamo), tables, env: process.env }),
    usage: usageLog,
    meter,
    ...(config.testCallsPerDay ? { testCallsPerDay: config.testCallsPerDay } : {}),
    pseudonymSecret: platformSecret(config.dataDir),
    ...(opts.onCall ? { onCall: opts.onCall } : {}),
    logger: opts.logger,
    clock,
  });

  // The jobs and the console use the patient client: a close reads and writes tens of MB.
  const jobs = { db: jobsDb, tables, env: process.env, clock };
  const money = moneyServices({ ...jobs, policy: config.policy, progress: (l) => progress(`statements: ${l}`) });
  const statements = money.statements;
  const scheduler = new MonthlyScheduler(statements, opts.logger);
  if (config.scheduleCloses !== false) scheduler.start();

  const consoleDir = join(config.dataDir, 'console');
  const built = await buildConsole(consoleDir);
  progress(`console: ${built.files.length} file(s), ${(built.jsGzipBytes / 1024).toFixed(1)} KB of JavaScript gzipped`);
  const site = staticSite(consoleDir);
  // Everything is built: without watch mode nothing bundles again, so esbuild's service process
  // (≈ 30–110 MB) need not stay. A later build (a reload) starts it again by itself.
  if (!config.watch) await stopEsbuild();
  const consoleApi = createConsoleApi({
    ...consoleServices({ ...jobs, features: registry.catalog, money }),
    recentErrors: fileRecentErrors(config.dataDir),
    settled: () => meter.settled(2_000),
    clock,
    logger: opts.logger,
  });
  // Alerts to clients: the same job as the alerts Lambda in AWS, on a loop instead of a schedule.
  // The jobs' patient client: the run scans every client.
  const alertDeps = alertServices(jobs);
  const alerts = alertsLoop(
    async () => {
      // What the aggregates trail by locally is the meter's queue: settle it, so a run sees the calls answered before it.
      await meter.settled(2_000);
      return runAlerts(alertDeps);
    },
    opts.alertsEveryMs ?? ALERTS_EVERY_MS,
    opts.logger,
  );
  const operator = operatorToken(config.dataDir);
  const operatorStatus = () => ({
    url: platformUrl,
    pid: process.pid,
    dataDir: config.dataDir,
    meter: meter.stats(),
    features: [...features.keys()],
    unavailable: registry.unavailableNow(),
    processes: pool.stats,
  });
  // One origin for pages, console API and features, as CloudFront gives in AWS.
  const front: EventHandler = async (event, context) => {
    const path = event.rawPath;
    if (path === OPERATOR_STATUS_PATH) {
      if (!isOperator(event.headers?.[OPERATOR_TOKEN_HEADER], operator)) return errorResponse(new PlatformError(401, 'operator_only', `Operators only: use \`npx faascape status\`.`));
      return jsonResponse(200, operatorStatus());
    }
    if (path === CONSOLE_API_PREFIX || path.startsWith(`${CONSOLE_API_PREFIX}/`)) return consoleApi(event, context);
    if (!path.startsWith('/v1/')) {
      const page = site(event.requestContext.http.method.toUpperCase(), path);
      if (page) return page;
    }
    return gateway(event, context);
  };

  const server: Server = createHttpServer(front, (e) => opts.logger.error('request failed', { error: String(e) }));
  const port = await listen(server, config.port, config.host);
  const platformUrl = serverUrl(config.host, port);
  writePlatformLocator(config.dataDir, platformUrl);
  if (opts.alerts ?? config.scheduleCloses !== false) alerts.start();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await drain(server);
      removePlatformLocator(config.dataDir);
      await watcher?.close();
      await alerts.stop();
      await scheduler.stop();
      await gateway.releaseLimits().catch(() => {});
      await meter.close();
      await pool.close();
      dynamo.destroy();
      jobsDynamo.destroy();
      limitsDynamo.destroy();
      await store.close();
    })());

  return { url: platformUrl, port, features, registry, reloaded: async () => {
      await watcher?.idle();
      await watcher?.typesChecked();
    }, problems, store, meter, pool, statements, tables, dynamo, runAlerts: alerts.runNow, stop };
}
