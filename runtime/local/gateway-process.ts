/**
 * One more gateway, in this process, over the store of a local platform that is already running
 * (issue #14: the platform holds its promises when run as several gateway processes over one
 * store). It serves the gateway's routes only (no console, no statements, no watch) and shares
 * with the platform's gateway what every instance shares in AWS: the tables, the client limits
 * (decision 0013) and the pseudonym secret. It never starts a store.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createGateway } from '../gateway/handler.ts';
import { gatewayStores } from '../services/gateway.ts';
import type { Logger } from '../logger.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { LOCAL_WRITER, Meter } from '../meter/meter.ts';
import { FileSpool } from '../meter/spool.ts';
import type { UsageLog } from '../meter/usage-log.ts';
import { documentClient, localDynamoClient } from '../store/dynamo-client.ts';
import { LOCAL_TABLE_PREFIX, tableNames } from '../store/tables.ts';
import { SEQS_PER_EPOCH } from '../../shared/usage.ts';
import { FeatureRegistry } from './feature-registry.ts';
import { FileFeatureLogs } from './feature-logs.ts';
import { createHttpServer, drain, listen, serverUrl } from './http-server.ts';
import { platformSecret } from './platform.ts';
import { ProcessPool } from './process-pool.ts';
import { storeCredential } from './store-credential.ts';

export interface GatewayProcessOptions {
  /** the data dir of a running platform (its `store.json` says where the store listens) */
  dataDir: string;
  functionsDir: string;
  port: number;
  host?: string;
  /**
   * This gateway's meter writer: stable across its restarts (each start takes the next epoch, as
   * the platform does under `local`), different from every other process's on the same store.
   */
  writerId: string;
  logger: Logger;
  clock?: () => number;
}

export interface GatewayProcess {
  url: string;
  meter: Meter;
  stop(): Promise<void>;
}

const WRITER_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Where the running platform's store listens (written by StoreProcess.start). */
function runningStore(dataDir: string): string {
  const file = join(dataDir, 'store.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { endpoint: string }).endpoint;
  } catch (e) {
    throw new Error(`no running platform on ${dataDir} (${file}: ${(e as Error).message})`);
  }
}

export async function startGatewayProcess(opts: GatewayProcessOptions): Promise<GatewayProcess> {
  if (!WRITER_ID.test(opts.writerId) || opts.writerId === LOCAL_WRITER) {
    throw new Error(`writer id must be lowercase letters, digits and dashes, and not "${LOCAL_WRITER}" (the platform's): got "${opts.writerId}"`);
  }
  const clock = opts.clock ?? Date.now;
  const own = join(opts.dataDir, 'gateways', opts.writerId);
  mkdirSync(own, { recursive: true, mode: 0o700 });

  // As platform.ts: the gateway's client gives up fast, so a hung store fails over to the spool.
  const dynamo = localDynamoClient({ endpoint: runningStore(opts.dataDir), credential: storeCredential(opts.dataDir), requestTimeoutMs: 1_500 });
  // The limits' client does not retry on its own: LimitLedger does, knowing which writes may be sent twice.
  const limitsDynamo = localDynamoClient({ endpoint: runningStore(opts.dataDir), credential: storeCredential(opts.dataDir), requestTimeoutMs: 1_500, maxAttempts: 1 });
  const db = documentClient(dynamo);
  const tables = tableNames(LOCAL_TABLE_PREFIX);

  const pool = new ProcessPool(new Map(), opts.logger, new FileFeatureLogs(opts.dataDir));
  // Its own build dir: a registry empties its build dir at start, and the platform runs from its own.
  const registry = new FeatureRegistry(opts.functionsDir, join(own, 'build'), pool, opts.logger);
  const { problems } = await registry.reload();
  for (const p of problems) opts.logger.error('feature not loaded', { error: p.message });

  const usageLog = new DynamoUsageLog(db, tables);
  const epoch = await usageLog.nextEpoch(opts.writerId);
  // Recovery replays this writer's batches only: another process's committed batches are its own
  // to apply (its applier may have applied them part-way, inside a unit this one cannot know).
  const ownLog: UsageLog = {
    commit: (b) => usageLog.commit(b),
    apply: (bs) => usageLog.apply(bs),
    settle: (bs) => usageLog.settle(bs),
    committed: async () => (await usageLog.committed()).filter((b) => b.writerId === opts.writerId),
  };
  const meter = new Meter(ownLog, new FileSpool(join(own, 'spool')), { logger: opts.logger, writerId: opts.writerId, firstSeq: epoch * SEQS_PER_EPOCH });
  await meter.recover();

  const gateway = createGateway({
    features: registry.catalog,
    invoker: pool,
    ...gatewayStores({ db, limitsDb: documentClient(limitsDynamo), tables, env: process.env }),
    usage: usageLog,
    meter,
    pseudonymSecret: platformSecret(opts.dataDir),
    logger: opts.logger,
    clock,
  });

  const server: Server = createHttpServer(gateway, (e) => opts.logger.error('request failed', { error: String(e) }));
  const host = opts.host ?? '127.0.0.1';
  let port: number;
  try {
    port = await listen(server, opts.port, host);
  } catch (e) {
    await meter.close();
    await pool.close();
    dynamo.destroy();
    limitsDynamo.destroy();
    throw e;
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await drain(server);
      await gateway.releaseLimits().catch(() => {});
      await meter.close();
      await pool.close();
      dynamo.destroy();
      limitsDynamo.destroy();
    })());

  return { url: serverUrl(host, port), meter, stop };
}
