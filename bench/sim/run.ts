/**
 * `runSim(options)`: a month of Faascape on AWS, on this machine. The real Lambda handler modules
 * of runtime/aws/ run against the real embedded store (dynalite in its child process, SigV4 with
 * the data dir's credential), with the AWS services around them faked in-process. See
 * bench/sim/README.md for what each figure means and how it is computed.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { tableEnvName } from '../../runtime/aws/config.ts';
import { isSpooledItem } from '../../runtime/aws/spool-landing.ts';
import { createDrainHandler } from '../../runtime/aws/spool-drain-lambda.ts';
import { LaneRecords } from '../../runtime/meter/lane-records.ts';
import { createAggregator } from '../../runtime/services/aggregator.ts';
import { createStatementsHandler } from '../../runtime/aws/statements-lambda.ts';
import { ClientStore } from '../../runtime/keys/client-store.ts';
import { StoreProcess } from '../../runtime/local/embedded-store.ts';
import { jsonLogger } from '../../runtime/logger.ts';
import { StatementStore } from '../../runtime/statements/statement-store.ts';
import { CLOSE_GRACE_MS } from '../../runtime/statements/statements-job.ts';
import { documentClient, localDynamoClient } from '../../runtime/store/dynamo-client.ts';
import { ensureTables } from '../../runtime/store/ensure-tables.ts';
import { TABLES, tableNames, type TableId } from '../../runtime/store/tables.ts';
import { LANE_LAYOUT, lastClosedWindow } from '../../shared/lanes.ts';
import { catalogueJson } from '../../shared/catalogue.ts';
import { parseManifest, type FeatureSpec } from '../../shared/manifest.ts';
import { monthOf, monthStart, nextMonth } from '../../shared/month.ts';
import { Aggregations } from './aggregator.ts';
import { auditStore, type StoreAudit } from './audit.ts';
import { fakeAws } from './fake-aws.ts';
import { FaultPlan } from './faults.ts';
import { idle, install, newActor, newInvocation, scope, StoreProbe, uninstall, type Actor, type FeatureOutcome, type Units } from './instrument.ts';
import { MAX_ITEM_BYTES } from './item-size.ts';
import { checkOptions, DEFAULTS, type SimOptions } from './options.ts';
import { aggregatorFixedPerMonth, ASSUMPTIONS, costPerMillion, gatewayCpuMs, PRICES, PRICES_READ, REGION } from './prices.ts';
import { hashUniform, Sequence } from './rng.ts';
import { Drain, MAX_RECEIVE_COUNT, SpoolQueue, VISIBILITY_TIMEOUT_S } from './spool.ts';
import { LEASES } from '../../runtime/gateway/limits.ts';
import { LIMIT_CLIENTS, runLimitScenario, scenarioLimits, type LimitFigures, type LimitScenario } from './limits.ts';

const GATEWAY_MODULE = new URL('../../runtime/aws/gateway-lambda.ts', import.meta.url).href;
const TABLE_PREFIX = 'faascape-sim-';
const FEATURE_MEMORY_MB = 128;
/** the aggregator's scheduled runs after the traffic, at most (11 simulated minutes apart) */
const AFTER_TRAFFIC_RUNS = 4;

/** Salts of the per-call random draws (rng.ts hashUniform). */
const DRAW = { client: 1, feature: 2, badKey: 3, outcome: 4, kill: 5, killMode: 6, killCall: 7, aggregatorKill: 8 } as const;

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface SimResult {
  ok: boolean;
  failures: string[];
  calls: number;
  served2xx: number;
  records: number;
  aggregatedCalls: number;
  statementCalls: number | null;
  lost: number;
  doubleCounted: number;
  maxItemBytes: number;
  writerAttributes: number;
  wruPerCall: number;
  rruPerCall: number;
  hotPathWriteRoundTrips: number;
  hottestPartitionWritesPerSecond: number;
  costPerMillionUsd: Record<string, number>;
  [more: string]: unknown;
}

/** Counts the Lambda modules' JSON log lines (they write to stdout) instead of printing them. */
class LogTally {
  readonly counts: Record<string, Record<string, number>> = {};
  readonly samples: string[] = [];
  /** the first warnings that carry an error, per message */
  readonly warnSamples: Record<string, string[]> = {};

  take(text: string): void {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let parsed: { level?: string; msg?: string } | undefined;
      try {
        parsed = JSON.parse(line) as { level?: string; msg?: string };
      } catch {
        process.stderr.write(`${line}\n`);
        continue;
      }
      const emf = '_aws' in parsed;
      const level = parsed.level ?? (emf ? 'metric' : '?');
      const msg = parsed.msg ?? (emf ? 'embedded metric format line' : '?');
      const byMsg = (this.counts[level] ??= {});
      byMsg[msg] = (byMsg[msg] ?? 0) + 1;
      if (level === 'error' && this.samples.length < 5) this.samples.push(line.slice(0, 600));
      if (level === 'warn' && 'error' in parsed) {
        const list = (this.warnSamples[msg] ??= []);
        if (list.length < 3) list.push(line.slice(0, 400));
      }
    }
  }
}

/**
 * The catalogue as infra bakes it into the gateway bundle: manifests parsed with parseManifest
 * (defaults applied, prices in micros), then each spec's slug, manifest, price and concurrency.
 */
function catalogue(features: number): FeatureSpec[] {
  return Array.from({ length: features }, (_, f) => {
    const slug = `feat-${String(f + 1).padStart(3, '0')}`;
    return parseManifest(slug, `sim/${slug}/feature.json`, {
      name: `Feature ${f + 1}`,
      description: 'simulated feature',
      version: '1.0.0',
      authors: f % 3 === 0 ? [{ id: `dev-${f % 7}`, weight: 2 }, { id: `dev-${(f % 7) + 1}`, weight: 1 }] : [{ id: `dev-${f % 7}`, weight: 1 }],
      price: { perCall: (0.0002 * (1 + (f % 5))).toFixed(4), perGbSecond: f % 4 === 0 ? '0.000017' : '0', currency: 'EUR' },
      memoryMb: FEATURE_MEMORY_MB,
      timeoutMs: 2000,
    });
  });
}

function gatewayEvent(slug: string, apiKey: string, index: number): APIGatewayProxyEventV2 {
  const path = `/v1/features/${slug}`;
  return {
    version: '2.0',
    routeKey: 'ANY /v1/features/{slug}',
    rawPath: path,
    rawQueryString: '',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'sim',
      domainName: 'api.sim',
      domainPrefix: 'api',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'sim' },
      requestId: `req-${index}`,
      routeKey: 'ANY /v1/features/{slug}',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body: `{"n":${index}}`,
    isBase64Encoded: false,
  };
}

function outcomeOf(u: number): FeatureOutcome {
  if (u < 0.96) return 'ok';
  if (u < 0.98) return 'client_error';
  if (u < 0.995) return 'error';
  return 'timeout';
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const unitsOutOf = (u: Units) => ({ wru: round(u.wru, 1), rru: round(u.rru, 1), requests: u.requests, conditionalFailures: u.conditionalFailures });

function percentile(hist: Map<number, number>, p: number): number {
  const total = [...hist.values()].reduce((a, b) => a + b, 0);
  let seen = 0;
  for (const k of [...hist.keys()].sort((a, b) => a - b)) {
    seen += hist.get(k) ?? 0;
    if (seen >= p * total) return k;
  }
  return 0;
}

export async function runSim(input: Partial<SimOptions> = {}): Promise<SimResult> {
  const o: SimOptions = { ...DEFAULTS, ...input };
  checkOptions(o);
  const say = o.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const wallStart = performance.now();
  const failures: string[] = [];
  const phases: Record<string, number> = {};
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    const t = performance.now();
    try {
      return await fn();
    } catch (e) {
      const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      failures.push(`${name}: ${text}`);
      say(`[sim:aws] ${name} FAILED: ${text}`);
      return undefined;
    } finally {
      phases[name] = round((performance.now() - t) / 1000, 1);
    }
  };

  // ---- the store --------------------------------------------------------------------------------
  let dataDir: string;
  const keepDir = o.dataDir !== undefined;
  if (o.dataDir !== undefined) {
    dataDir = resolve(o.dataDir);
    if (existsSync(dataDir) && readdirSync(dataDir).length > 0) throw new Error(`--data-dir ${dataDir} is not empty: the simulation needs a fresh store`);
    mkdirSync(dataDir, { recursive: true });
  } else dataDir = mkdtempSync(join(tmpdir(), 'faascape-sim-'));
  const store = new StoreProcess(dataDir);
  await store.start();
  const tables = tableNames(TABLE_PREFIX);

  const clock = { t: 0 };
  const simNow = () => clock.t;
  const probe = new StoreProbe(tables, simNow);
  install(probe);

  const savedEnv = { ...process.env };
  const logs = new LogTally();
  const realStdoutWrite = process.stdout.write;
  const features = catalogue(o.features);
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: store.credential.accessKeyId,
    AWS_SECRET_ACCESS_KEY: store.credential.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: store.endpoint,
    SPOOL_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/000000000000/faascape-sim-spool`,
    FEATURE_FUNCTION_PREFIX: 'faascape-sim-feature-',
    PSEUDONYM_SECRET_ARN: `arn:aws:secretsmanager:${REGION}:000000000000:secret:pseudonym`,
    FAASCAPE_CATALOG: catalogueJson(features),
  });
  for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_MAX_ATTEMPTS', 'AWS_RETRY_MODE', 'AWS_ENDPOINT_URL']) delete process.env[k];
  for (const id of Object.keys(TABLES) as TableId[]) process.env[tableEnvName(id)] = tables[id];

  const queue = new SpoolQueue(simNow);
  const spooled = { records: 0, rejections: 0, other: 0 };
  const fake = fakeAws({
    featureMs: o.featureMs,
    onSpool: (body) => {
      queue.send(body);
      const inv = scope.getStore()?.inv;
      if (inv) inv.spoolSends++;
      try {
        const item: unknown = JSON.parse(body);
        if (!isSpooledItem(item)) spooled.other++;
        else if ('record' in item.body) spooled.records++;
        else spooled.rejections++;
      } catch {
        // not JSON: the drain will dead-letter it
        spooled.other++;
      }
    },
  });

  const durationS = o.calls / o.rate;
  const faults = o.faults
    ? new FaultPlan(
        {
          throttleRate: o.throttleRate,
          networkErrorRate: o.networkErrorRate,
          ambiguousRate: o.ambiguousWrites ? o.ambiguousRate : 0,
          outageWindow: [o.outage[0] * durationS, o.outage[1] * durationS],
        },
        o.seed,
      )
    : undefined;
  const draws = new Sequence(o.seed);
  const drain = new Drain(queue, draws, o.faults ? { crashRate: o.drainCrashRate, duplicateRate: o.duplicateDeliveryRate } : undefined, simNow);
  const aggregations = new Aggregations(new Sequence(o.seed ^ 0xa66), o.faults ? { killRate: o.aggregatorKillRate } : undefined, simNow, probe.units.aggregator);
  /** not failures of the invariant, but what a reader of the figures must know */
  const warnings: string[] = [];

  // ---- what the traffic phase measures -----------------------------------------------------------
  const statuses: Record<string, number> = {};
  const answered = new Map<string, number>(); // invocation id → status
  /** per answered call that reached its feature: sequential write calls (design) and write attempts (with the SDK's retries) */
  const writeCallDepths = new Map<number, number>();
  const writeAttemptDepths = new Map<number, number>();
  let served2xx = 0;
  let killedBeforeWrite = 0;
  let killedAfterWrite = 0;
  let containersStarted = 0;
  let extraContainers = 0;
  let anyDepthSum = 0;
  let anyDepthN = 0;
  let writeAttemptsSum = 0;
  let writeCallsSum = 0;
  let spoolSendsSum = 0;
  let latencySum = 0;
  const coldStarts: number[] = [];
  let callsDone = 0;
  let drainDepthSum = 0;
  let trafficDone = false;
  let closeInfo: Record<string, unknown> = {};
  let audit: StoreAudit | undefined;
  let statementCalls: number | null = null;
  const closedMonths: string[] = [];
  let afterTrafficKill: number | undefined;
  const limitScenario: LimitScenario = { instances: o.limitInstances, seconds: o.limitSeconds, rps: o.limitRps, overload: 2, demandPerS: Math.max(4, o.limitRps / 2) };
  let limitFigures: LimitFigures | undefined;
  /** calls and amount of each limited client in the closed statements */
  const limitedInStatement = new Map<string, { calls: number; micros: number }>();

  const progress =
    o.progressMs > 0
      ? setInterval(() => {
          const s = (performance.now() - wallStart) / 1000;
          const units = probe.units.gateway;
          say(
            `[sim:aws] ${s.toFixed(0)} s: calls ${callsDone}/${o.calls} (${(callsDone / Math.max(1, s)).toFixed(0)}/s wall, sim t=${clock.t.toFixed(0)} s) 2xx ${served2xx} containers ${containersStarted}/${o.containers} killed ${killedBeforeWrite + killedAfterWrite}` +
              ` | spool queued ${queue.depth} sent ${queue.stats.sent} dlq ${queue.stats.deadLettered} | aggregator runs ${aggregations.stats.invocations} (killed ${aggregations.stats.killed}, records ${aggregations.stats.records}) | gateway WRU/call ${(units.wru / Math.max(1, callsDone)).toFixed(2)}` +
              ` | heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
          );
        }, o.progressMs)
      : undefined;

  try {
    process.stdout.write = ((chunk: string | Uint8Array) => {
      logs.take(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;

    // ---- setup: tables, clients and their keys ---------------------------------------------------
    const apiKeys: string[] = [];
    const limitKeys = { rate: '', quota: '', cap: '', steady: '' };
    await phase('setup', async () => {
      await scope.run({ actor: newActor('setup', 'setup') }, async () => {
        const setupClient = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
        await ensureTables(setupClient, tables);
        const clientStore = new ClientStore(documentClient(setupClient), tables);
        for (let c = 0; c < o.clients; c += 16) {
          const batch = Array.from({ length: Math.min(16, o.clients - c) }, (_, k) => clientStore.createKey(`client-${String(c + k + 1).padStart(4, '0')}`));
          for (const k of await Promise.all(batch)) apiKeys.push(k.apiKey);
        }
        if (o.limits) {
          const limits = scenarioLimits(limitScenario, features[0] as FeatureSpec);
          for (const role of ['rate', 'quota', 'cap', 'steady'] as const) {
            limitKeys[role] = (await clientStore.createKey(LIMIT_CLIENTS[role])).apiKey;
            await clientStore.setLimits(LIMIT_CLIENTS[role], limits[role]);
          }
        }
        setupClient.destroy();
      });
    });
    if (failures.length) throw new Error(failures.join('; '));
    probe.faults = faults;

    // ---- the month's traffic ---------------------------------------------------------------------
    const containers = Math.min(o.containers, o.calls);
    const base = Math.floor(o.calls / containers);
    const remainder = o.calls % containers;
    let nextContainer = 0;
    let leftover = 0;
    let nextCall = 0;
    const takeQuota = (): { id: number; quota: number } | undefined => {
      if (nextContainer < containers) {
        const id = nextContainer++;
        const quota = base + (id < remainder ? 1 : 0) + leftover;
        leftover = 0;
        return { id, quota };
      }
      if (leftover > 0) {
        const quota = leftover;
        leftover = 0;
        extraContainers++;
        return { id: containers + extraContainers - 1, quota };
      }
      return undefined;
    };

    const retire = async (actor: Actor) => {
      await idle(actor);
      for (const c of actor.clients) c.destroy();
      actor.clients.clear();
    };

    const serveSlot = async () => {
      for (let slot = takeQuota(); slot; slot = takeQuota()) {
        const actor = newActor(`gateway-${slot.id}`, 'gateway');
        const t0 = performance.now();
        const mod = (await scope.run({ actor }, () => import(`${GATEWAY_MODULE}?container=${slot.id}`))) as { handler: Handler };
        coldStarts.push(performance.now() - t0);
        containersStarted++;
        // A share of the containers dies during one of their calls, at its one write (after the
        // feature answered): half as the put starts (nothing reaches the store), half once the
        // store applied it (the answer never comes back). Either way the call gets no answer.
        const dieAt = o.faults && hashUniform(o.seed, slot.id, DRAW.kill) < o.killRate ? Math.floor(hashUniform(o.seed, slot.id, DRAW.killCall) * slot.quota) : -1;
        const died = new Promise<'killed'>((resolve) => {
          actor.onKilled = () => resolve('killed');
        });
        for (let served = 0; served < slot.quota; served++) {
          const i = nextCall++;
          if (i >= o.calls) break;
          const simT = i / o.rate;
          if (simT > clock.t) clock.t = simT;
          const inv = newInvocation(i, simT);
          inv.outcome = outcomeOf(hashUniform(o.seed, i, DRAW.outcome));
          const client = Math.floor(hashUniform(o.seed, i, DRAW.client) * o.clients);
          const feature = features[Math.floor(hashUniform(o.seed, i, DRAW.feature) * o.features)] as FeatureSpec;
          const badKey = hashUniform(o.seed, i, DRAW.badKey) < 0.002;
          // A 401 writes only in the background, after its answer: such a call is never the one to die.
          if (served === dieAt && !badKey) {
            if (hashUniform(o.seed, slot.id, DRAW.killMode) < 0.5) inv.killBeforeWrite = true;
            else inv.killAfterWrites = 1;
          }
          const event = gatewayEvent(feature.slug, badKey ? 'fsk_not-a-key' : (apiKeys[client] as string), i);
          const started = performance.now();
          const r = await Promise.race([scope.run({ actor, inv }, () => mod.handler(event, {} as Context)), died]);
          callsDone++;
          if (r === 'killed') {
            if (inv.killBeforeWrite) killedBeforeWrite++;
            else killedAfterWrite++;
            statuses.unanswered = (statuses.unanswered ?? 0) + 1;
            leftover += slot.quota - served - 1;
            break;
          }
          latencySum += performance.now() - started;
          const status = r.statusCode ?? 0;
          statuses[status] = (statuses[status] ?? 0) + 1;
          const id = r.headers?.['faascape-invocation-id'];
          if (typeof id === 'string') answered.set(id, status);
          if (status >= 200 && status < 300) served2xx++;
          if (inv.featureAnswered) {
            writeCallDepths.set(inv.writeCallDepth, (writeCallDepths.get(inv.writeCallDepth) ?? 0) + 1);
            writeAttemptDepths.set(inv.writeDepth, (writeAttemptDepths.get(inv.writeDepth) ?? 0) + 1);
            anyDepthSum += inv.anyDepth;
            anyDepthN++;
            writeAttemptsSum += inv.writeAttempts;
            writeCallsSum += inv.writeCalls;
            spoolSendsSum += inv.spoolSends;
          }
          if ((i & 1023) === 0) probe.foldSeconds(Math.floor(clock.t) - 30);
        }
        await retire(actor);
      }
    };

    // The aggregator Lambda, on its schedule in simulated time (its own clock is the real one).
    let aggregating: Promise<unknown> | undefined;
    let nextAggregateAt = o.aggregateEverySimS;
    // Once the traffic is over, simulated time jumps from one message's visibility to the next;
    // the drain and the aggregator then run on a clock that jumps with it (the real one + the
    // simulated time skipped), so that a redelivery 3 minutes later finds 3 minutes passed for
    // windows and leases too. Before, both read the real clock, as the modules do.
    let skippedMs = 0;
    const runClock = () => Date.now() + skippedMs;
    const drainLogger = jsonLogger((l) => process.stdout.write(l));
    const scheduler = setInterval(() => {
      if (!aggregating && o.aggregateEverySimS > 0 && clock.t >= nextAggregateAt) {
        nextAggregateAt += o.aggregateEverySimS;
        aggregating = (trafficDone ? aggregations.at(tables, drainLogger, (l) => process.stdout.write(l), runClock) : aggregations.scheduled()).finally(() => {
          aggregating = undefined;
        });
      }
    }, 25);

    const drainLoop = async () => {
      for (;;) {
        if (await drain.runOnce()) continue;
        if (!trafficDone) {
          await sleep(10);
          continue;
        }
        const next = queue.nextVisibleAt();
        if (next === undefined) return;
        // No traffic any more: time moves to the next message's visibility, once the aggregator
        // run it may have started is over (in AWS the two overlap; here the jump would skip it).
        await aggregating;
        if (next > clock.t) {
          skippedMs += (next - clock.t) * 1000;
          clock.t = next;
        }
      }
    };

    await phase('traffic', async () => {
      const drained = drainLoop();
      try {
        await Promise.all(Array.from({ length: Math.min(o.concurrency, containers) }, serveSlot));
        // The limit scenarios run while the spool drain still runs (their spooled records land too).
        if (o.limits) {
          const t = performance.now();
          const figures = await runLimitScenario(
            limitScenario,
            features[0] as FeatureSpec,
            limitKeys,
            async (i, actor) => ((await scope.run({ actor }, () => import(`${GATEWAY_MODULE}?container=limits-${i}`))) as { handler: Handler }).handler,
            gatewayEvent,
            say,
          );
          for (const [id, status] of figures.answered) answered.set(id, status);
          limitFigures = figures;
          phases.limits = round((performance.now() - t) / 1000, 1);
        }
      } finally {
        trafficDone = true;
        drain.useFactory(() => createDrainHandler(new LaneRecords(documentClient(new DynamoDBClient({})), tables, LANE_LAYOUT), drainLogger, runClock));
        await drained;
        clearInterval(scheduler);
        await aggregating;
        await drain.close();
      }
    });
    drainDepthSum = drain.stats.sequentialRoundTrips;
    probe.foldSeconds();

    // ---- the aggregator's schedule after the traffic ------------------------------------------------
    // Records carry the real clock: their windows close 2 minutes after their end, and a run
    // killed during the traffic holds its claim for 10 minutes. The schedule's next runs are
    // played with their clock 11 minutes ahead of now: every window written is closed, every
    // lease is over. With faults, the first of them dies mid-apply and the next takes over.
    // The DynamoDB faults stay on: if the runs cannot catch up under them (AFTER_TRAFFIC_RUNS),
    // that is reported, and the next runs come once the faults are over.
    await phase('aggregate', async () => {
      const logger = jsonLogger((l) => process.stdout.write(l));
      const emit = (l: string) => process.stdout.write(l);
      const start = runClock() + 11 * 60_000;
      if (faults) {
        const items = Math.min(o.clients * o.features, o.calls);
        afterTrafficKill = 1 + Math.floor(hashUniform(o.seed, 0, DRAW.aggregatorKill) * items);
      }
      if (await aggregations.afterTraffic(tables, logger, emit, start, afterTrafficKill, AFTER_TRAFFIC_RUNS)) return;
      const msg = `the aggregator did not catch up in ${AFTER_TRAFFIC_RUNS} scheduled runs after the traffic under the DynamoDB faults (${aggregations.stats.afterTrafficIncomplete} incomplete; see logs and logWarningSamples "aggregator run failed"); it caught up once they were off`;
      if (faults) faults.enabled = false;
      if (!(await aggregations.afterTraffic(tables, logger, emit, start, undefined, 2))) throw new Error('the aggregator did not catch up after the traffic, even without faults');
      warnings.push(msg);
      say(`[sim:aws] warning: ${msg}`);
    });
    if (faults) faults.enabled = false;

    // ---- the month closes -------------------------------------------------------------------------
    const lastMonth = monthOf(Date.now());
    await phase('close', async () => {
      const closeActor = newActor('close', 'close');
      const closeDb = documentClient(new DynamoDBClient({}));
      const realStart = Date.now();
      // The month ran in the present (records carry Date.now): the close runs with its clock moved
      // past that month's end and the close grace. The aggregator's scheduled runs catch up first
      // (the empty windows up to then), as they do in AWS every 5 minutes; then the close, which
      // only reads usage, closes.
      const closeAt = monthStart(nextMonth(lastMonth)) + CLOSE_GRACE_MS + 3600_000;
      const closeClock = () => closeAt + (Date.now() - realStart);
      const caughtUp = await scope.run({ actor: closeActor }, () => createAggregator(closeDb, tables, jsonLogger((l) => process.stdout.write(l)), closeClock).catchUp());
      const handler = createStatementsHandler(closeDb, tables, process.env, jsonLogger((l) => process.stdout.write(l)), closeClock);
      try {
        const res = await scope.run({ actor: closeActor }, () => handler());
        closeInfo = { aggregatorRuns: caughtUp.runs.length, closed: res.closed, appliedUpToWindow: lastClosedWindow(closeAt, LANE_LAYOUT) };
        for (const c of res.closed) closedMonths.push(c.month);
        const statements = new StatementStore(closeDb, tables);
        let calls = 0;
        for (const month of closedMonths) {
          const stored = await scope.run({ actor: closeActor }, () => statements.get(month));
          for (const client of stored?.statement.clients ?? []) {
            for (const line of client.lines) calls += line.calls;
            if (Object.values(LIMIT_CLIENTS).includes(client.clientId as never)) {
              const mine = limitedInStatement.get(client.clientId) ?? { calls: 0, micros: 0 };
              mine.calls += client.lines.reduce((a, l) => a + l.calls, 0);
              mine.micros += client.totalMicros;
              limitedInStatement.set(client.clientId, mine);
            }
          }
          for (const adj of stored?.statement.adjustments ?? []) calls += adj.calls;
        }
        statementCalls = closedMonths.length ? calls : null;
        if (!closedMonths.length) throw new Error('the statements handler closed no month');
      } catch (e) {
        closeInfo = { ...closeInfo, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
        throw e;
      } finally {
        closeDb.destroy();
      }
    });

    // ---- read everything back ---------------------------------------------------------------------
    await phase('audit', async () => {
      const auditClient = new DynamoDBClient({});
      try {
        audit = await scope.run({ actor: newActor('audit', 'audit') }, () => auditStore(auditClient, tables));
      } finally {
        auditClient.destroy();
      }
    });
  } finally {
    if (progress) clearInterval(progress);
    process.stdout.write = realStdoutWrite;
    fake.restore();
    uninstall();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    await store.close();
    if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
  }

  // ---- the figures ------------------------------------------------------------------------------
  const ledger = probe.ledger;
  // Lane puts the caller gave up on (its deadline) may still have been applied: the store says which.
  let unansweredPutsApplied = 0;
  if (audit) {
    const seen = ledger.storedKeys();
    const stored = audit.recordKeys;
    unansweredPutsApplied = probe.confirmUnanswered((pk, sk, b) => {
      let id: string | undefined;
      try {
        id = (JSON.parse(b ?? '') as { record?: { invocationId?: string } }).record?.invocationId;
      } catch {
        return false;
      }
      const key = `${pk}\u0000${sk}`;
      if (id === undefined || !(stored.get(id) ?? []).includes(key) || (seen.get(id) ?? []).includes(key)) return false;
      seen.set(id, [...(seen.get(id) ?? []), key]); // an SDK retry of the same put is the same write
      return true;
    });
  }
  let lost = 0;
  let doubleCounted = 0;
  let lostNon2xx = 0;
  let doubleNon2xx = 0;
  for (const [id, status] of answered) {
    const n = ledger.timesCounted(id) ?? 0;
    const is2xx = status >= 200 && status < 300;
    if (n === 0) is2xx ? lost++ : lostNon2xx++;
    if (n > 1) is2xx ? doubleCounted++ : doubleNon2xx++;
  }
  let billedUnanswered = 0;
  for (const id of ledger.invocations()) if (!answered.has(id) && (ledger.timesCounted(id) ?? 0) > 0) billedUnanswered++;
  const { perItem: ledgerCalls, incrementMismatches, samples: incrementMismatchSamples } = ledger.callsPerItem();
  let ledgerMismatchLines = 0;
  let ledgerStoreMismatches = 0;
  if (audit) {
    for (const key of new Set([...ledgerCalls.keys(), ...audit.lineCalls.keys()])) if ((ledgerCalls.get(key) ?? 0) !== (audit.lineCalls.get(key) ?? 0)) ledgerMismatchLines++;
    // The ledger's lane puts against the store's lane items: the same record keys, id by id.
    const fromLedger = ledger.storedKeys();
    for (const id of new Set([...fromLedger.keys(), ...audit.recordKeys.keys()])) {
      const a = [...(fromLedger.get(id) ?? [])].sort().join('|');
      const b = [...(audit.recordKeys.get(id) ?? [])].sort().join('|');
      if (a !== b) ledgerStoreMismatches++;
    }
  }
  const duplicateRecords = audit ? [...audit.recordKeys.values()].filter((keys) => keys.length > 1).length : 0;
  const aggregatedCalls = audit ? Object.values(audit.aggregatedCallsByMonth).reduce((a, b) => a + b, 0) : 0;
  const writerAttributes = audit?.maxWriterAttributes.count ?? 0;

  // The month's units: the gateway's, the spool drain's and the aggregator's (during and after the
  // traffic); the close (which also catches the aggregator up over the month's empty remainder), setup and audit apart.
  // The limit scenarios' calls are calls of the month too (metered, drained, aggregated): their
  // gateways' units count, except the limits table's (the enforcement, reported apart).
  const limitTableUnits = probe.tableUnits.get('limits:limits') ?? { wru: 0, rru: 0 };
  const limitCallsUnits: Units = { ...probe.units.limits, wru: probe.units.limits.wru - limitTableUnits.wru, rru: probe.units.limits.rru - limitTableUnits.rru };
  const monthUnits: Units[] = [probe.units.gateway, limitCallsUnits, probe.units.drain, probe.units.aggregator];
  const monthWru = monthUnits.reduce((s, u) => s + u.wru, 0);
  const monthRru = monthUnits.reduce((s, u) => s + u.rru, 0);
  const allCalls = o.calls + (limitFigures?.requests ?? 0);
  const mean = (hist: Map<number, number>) => {
    const n = [...hist.values()].reduce((a, b) => a + b, 0);
    return n ? [...hist.entries()].reduce((s, [d, k]) => s + d * k, 0) / n : 0;
  };
  const hotWriteMean = mean(writeCallDepths);
  const hotAttemptMean = mean(writeAttemptDepths);
  const meanAnyDepth = anyDepthN ? anyDepthSum / anyDepthN : 0;
  const spoolSendsPerCall = anyDepthN ? spoolSendsSum / anyDepthN : 0;
  // The gateway's CPU: a call served from its cache, plus each look-up its containers made (the
  // key, and the client for a key without the client's limits): GetItem attempts per call.
  const lookupsPerCall = (probe.units.gateway.requests.GetItem ?? 0) / Math.max(1, o.calls);
  const gatewayCpuMsOnFullCore = ASSUMPTIONS.gatewayCpuMsPerCall + lookupsPerCall * ASSUMPTIONS.gatewayCpuMsPerLookup;
  const gatewayMs = o.featureMs + (meanAnyDepth + spoolSendsPerCall) * ASSUMPTIONS.dynamodbRoundTripMs + gatewayCpuMs(gatewayCpuMsOnFullCore);
  const drainRuns = drain.stats.invocations;
  const drainMs = ASSUMPTIONS.drainOverheadMs + (drainRuns ? (drainDepthSum / drainRuns) * ASSUMPTIONS.dynamodbRoundTripMs : 0);
  const agg = aggregations.stats;
  const aggregatorMs = ASSUMPTIONS.aggregatorOverheadMs + (agg.invocations ? (agg.sequentialRoundTrips / agg.invocations) * ASSUMPTIONS.dynamodbRoundTripMs : 0);
  const sqsRequests = queue.stats.sent + queue.stats.receiveRequests + queue.stats.deleteRequests;
  const cost = costPerMillion({
    calls: allCalls,
    wru: monthWru,
    rru: monthRru,
    gatewayMs,
    containers: containersStarted + (limitFigures?.instances ?? 0),
    featureInvocations: fake.featureInvocations,
    featureMs: o.featureMs,
    featureMemoryMb: FEATURE_MEMORY_MB,
    drainInvocations: drainRuns,
    drainMs,
    aggregatorInvocations: agg.invocations,
    aggregatorMs,
    sqsRequests,
  });
  // An idle aggregator run: state, claim, one round of lane queries (8 at a time), advance.
  const idleRunMs = ASSUMPTIONS.aggregatorOverheadMs + (3 + Math.ceil(LANE_LAYOUT.lanes / 8)) * ASSUMPTIONS.dynamodbRoundTripMs;
  const hottest = probe.hottestByWrites;
  const hottestWcu = probe.hottestByWcu;
  const storeErrors = Object.fromEntries([...probe.errors.entries()].sort());
  const itemTooLarge = [...probe.errors.entries()].filter(([k]) => k.endsWith(':ItemTooLarge')).reduce((n, [, v]) => n + v, 0);
  const unitsOut = (u: Units) => unitsOutOf(u);
  const coldSorted = [...coldStarts].sort((a, b) => a - b);

  if (itemTooLarge > 0) failures.push(`${itemTooLarge} write(s) refused because an item would pass DynamoDB's 400 KB limit (ValidationException): the design's items grew too large at this size`);
  if (audit && audit.itemsOverLimit > 0) failures.push(`${audit.itemsOverLimit} item(s) above 400 KB in the store`);
  if (queue.stats.deadLettered > 0) failures.push(`${queue.stats.deadLettered} spooled item(s) dead-lettered`);
  if (duplicateRecords > 0) failures.push(`${duplicateRecords} invocation id(s) stored under more than one lane key`);
  if (writerAttributes > 1) failures.push(`an item carries ${writerAttributes} w_ attributes (${audit?.maxWriterAttributes.names?.join(', ')}): aggregates must know one feed`);
  if (audit && ledgerMismatchLines > 0) failures.push(`${ledgerMismatchLines} usage line(s) whose stored calls differ from what the ledger says was applied`);
  if (incrementMismatches > 0) failures.push(`${incrementMismatches} applied aggregate update(s) added other calls than the records stored in their windows`);
  if (audit && ledgerStoreMismatches > 0) failures.push(`${ledgerStoreMismatches} invocation id(s) whose lane keys in the store differ from the puts the ledger saw applied`);
  if (ledger.stats.inconsistentClaims > 0) failures.push(`${ledger.stats.inconsistentClaims} aggregator claim(s) over a range that overlaps another`);
  if (ledger.stats.repeatedUpdates > 0) failures.push(`${ledger.stats.repeatedUpdates} aggregate update(s) applied again with a seq their item had already taken`);
  if (ledger.stats.foreignWriterUpdates > 0) failures.push(`${ledger.stats.foreignWriterUpdates} aggregate update(s) by another writer than agg`);
  if (audit && (audit.unreadableLaneItems > 0 || audit.otherRecordItems > 0)) failures.push(`records table: ${audit.unreadableLaneItems} unreadable lane item(s), ${audit.otherRecordItems} item(s) neither lane nor state`);
  if (audit && audit.rejectionsStored !== audit.rejectionsAggregated) failures.push(`rejections: ${audit.rejectionsStored} stored in the lanes, ${audit.rejectionsAggregated} in the R# aggregates`);
  // ---- the limits: what the limited clients were served, against what they agreed to ------------
  let limitsOut: Record<string, unknown> = { ran: false };
  if (o.limits && limitFigures) {
    const f = limitFigures;
    const limits = scenarioLimits(limitScenario, features[0] as FeatureSpec);
    const quota = limits.quota.monthlyQuota ?? 0;
    const cap = limits.cap.monthlySpendCapMicros ?? 0;
    const quotaCalls = limitedInStatement.get(LIMIT_CLIENTS.quota)?.calls ?? 0;
    const capSpent = limitedInStatement.get(LIMIT_CLIENTS.cap)?.micros ?? 0;
    const limitTable = probe.tableUnits.get('limits:limits') ?? { wru: 0, rru: 0 };
    const admitted = [...f.answered.values()].length;
    const rateRatio = f.rateServedPerSecond / f.rateConfiguredPerSecond;
    limitsOut = {
      ran: true,
      instances: f.instances,
      seconds: f.seconds,
      requests: f.requests,
      admitted,
      statuses: f.statuses,
      byClient: f.byClient,
      configured: Object.fromEntries((Object.keys(LIMIT_CLIENTS) as (keyof typeof LIMIT_CLIENTS)[]).map((r) => [LIMIT_CLIENTS[r], limits[r]])),
      limitWruPerCallByClient: Object.fromEntries(
        Object.values(LIMIT_CLIENTS).map((c) => {
          const u = probe.tableUnits.get(`limits:limits:${c}`) ?? { wru: 0, rru: 0, writes: 0, reads: 0, conditionalFailures: 0 };
          const served = f.byClient[c]?.['200'] ?? 0;
          return [c, { ...u, wru: round(u.wru, 1), rru: round(u.rru, 1), served, wruPerServedCall: round(u.wru / Math.max(1, served), 3) }];
        }),
      ),
      steadyRefused: f.steadyRefused,
      quotaCallsInStatement: quotaCalls,
      capSpentMicrosInStatement: capSpent,
      limitTableUnits: { wru: round(limitTable.wru, 1), rru: round(limitTable.rru, 1) },
      limitWruPerRequest: round(limitTable.wru / Math.max(1, f.requests), 3),
      limitRruPerCall: round(limitTable.rru / Math.max(1, admitted), 3),
      rateServedToConfigured: round(rateRatio, 3),
      rateOfferedPerSecond: f.rateOfferedPerSecond,
      missingRetryAfter: f.missingRetryAfter,
      missingRateLimitHeaders: f.missingRateLimitHeaders,
      units: unitsOutOf(probe.units.limits),
    };
    Object.assign(limitsOut, {
      quotaOvershootCalls: Math.max(0, quotaCalls - quota),
      spendOvershootMicros: Math.max(0, capSpent - cap),
      spendOvershootBoundMicros: f.spendOvershootBoundMicros,
      rateServedPerSecond: { [LIMIT_CLIENTS.rate]: f.rateServedPerSecond },
      rateConfiguredPerSecond: { [LIMIT_CLIENTS.rate]: f.rateConfiguredPerSecond },
      // the cost of enforcement at steady load: lease writes per call of the client within its limits
      limitWruPerCall: round((probe.tableUnits.get(`limits:limits:${LIMIT_CLIENTS.steady}`)?.wru ?? 0) / Math.max(1, f.byClient[LIMIT_CLIENTS.steady]?.['200'] ?? 0), 3),
      // and over every limited client's admitted calls (overloaded and refused ones included)
      limitWruPerCallAllLimited: round(limitTable.wru / Math.max(1, admitted), 3),
    });
    if (quotaCalls > quota) failures.push(`the quota of ${quota} calls was passed: ${quotaCalls} calls in the statement`);
    if (capSpent - cap > f.spendOvershootBoundMicros) failures.push(`the spend cap ${cap} was passed by ${capSpent - cap} micros, above the bound ${f.spendOvershootBoundMicros}`);
    // Over a minute the served rate is within ±10 %; a shorter run is held to the design's bound:
    // at most burst + rps × (seconds + the 4 s a slice may reach ahead), at least 90 % of the rate.
    const burst = limits.rate.burst ?? f.rateConfiguredPerSecond;
    const upper = f.seconds >= 60 ? 1.1 : (burst + f.rateConfiguredPerSecond * (f.seconds + LEASES.rateHorizonS)) / (f.rateConfiguredPerSecond * f.seconds);
    // The floor holds for what was asked: a loaded machine may send less than the rate.
    const lower = (0.9 * Math.min(f.rateConfiguredPerSecond, f.rateOfferedPerSecond)) / f.rateConfiguredPerSecond;
    if (rateRatio > upper || rateRatio < lower) {
      failures.push(`the rated client was served ${f.rateServedPerSecond}/s for a rate of ${f.rateConfiguredPerSecond}/s, asked ${f.rateOfferedPerSecond}/s (outside ${lower.toFixed(2)}..${upper.toFixed(2)} ×)`);
    }
    if (f.steadyRefused > 0) failures.push(`${f.steadyRefused} call(s) of the client within its limits were refused`);
    if (f.missingRetryAfter > 0) failures.push(`${f.missingRetryAfter} 429 answer(s) without Retry-After`);
    if (f.missingRateLimitHeaders > 0) failures.push(`${f.missingRateLimitHeaders} answer(s) to a limited client without RateLimit-Policy and RateLimit`);
  }

  const recordsOk = audit !== undefined && audit.records === aggregatedCalls && statementCalls === aggregatedCalls;
  const ok = failures.length === 0 && lost === 0 && doubleCounted === 0 && recordsOk;

  const result: SimResult = {
    ok,
    failures,
    warnings,
    options: {
      calls: o.calls,
      clients: o.clients,
      features: o.features,
      containers: o.containers,
      concurrency: o.concurrency,
      faults: o.faults,
      ambiguousWrites: o.faults && o.ambiguousWrites,
      rate: o.rate,
      seed: o.seed,
      featureMs: o.featureMs,
      aggregateEverySimS: o.aggregateEverySimS,
      dataDir: keepDir ? dataDir : null,
    },
    calls: o.calls,
    served2xx,
    statuses,
    records: audit?.records ?? 0,
    distinctRecords: audit?.distinctRecords ?? 0,
    duplicateRecords,
    aggregatedCalls,
    aggregatedCallsByMonth: audit?.aggregatedCallsByMonth ?? {},
    monthCounters: audit?.monthCounters ?? {},
    statementCalls,
    closedMonths,
    lost,
    doubleCounted,
    lostNon2xx,
    doubleCountedNon2xx: doubleNon2xx,
    billedUnanswered,
    ledgerMismatchLines,
    ledger: {
      ...ledger.stats,
      incrementMismatches,
      incrementMismatchSamples,
      storeMismatches: ledgerStoreMismatches,
      unansweredPutsApplied,
      recordsOutsideClaims: ledger.recordsOutsideClaims(),
      claimedRanges: ledger.claimedRanges(),
    },
    lanes: audit
      ? { tombstones: audit.tombstones, rejectionItems: audit.rejectionItems, rejectionsStored: audit.rejectionsStored, rejectionsAggregated: audit.rejectionsAggregated, aggregatorState: audit.aggregatorState }
      : null,
    maxItemBytes: audit?.largest?.bytes ?? 0,
    maxItem: audit?.largest ?? null,
    maxItemShareOf400KB: audit?.largest ? round(audit.largest.bytes / MAX_ITEM_BYTES, 3) : 0,
    // The items the calls write (usage, records), apart from the statement chunks the close writes (≤ 300 KB by design).
    maxMeteringItem: audit ? (['usage', 'records'] as const).map((t) => ({ table: t, ...audit?.largestPerTable[t] })).sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0))[0] ?? null : null,
    writerAttributes,
    writerAttributesItem: audit?.maxWriterAttributes ?? null,
    largestItemPerTable: audit?.largestPerTable ?? {},
    itemsPerTable: audit?.items ?? {},
    wruPerCall: round(monthWru / allCalls, 3),
    rruPerCall: round(monthRru / allCalls, 3),
    /** the month's calls and the limit scenarios' requests: what the per-call figures and the cost divide by */
    meteredCalls: allCalls,
    unitsSource:
      "dynalite's ConsumedCapacity (ReturnConsumedCapacity TOTAL added to every request by SDK middleware; it applies DynamoDB's 1 KB / 4 KB rounding to max(old, new) item size), plus: byMonth GSI writes of usage lines added (dynalite leaves index writes out), and writes refused by their condition priced at the item's last known size (dynalite returns no capacity with ConditionalCheckFailed). Per call = gateway + spool drain + aggregator (during and after the traffic); the close is separate.",
    gsiWruPerCall: round((probe.gsiWru.gateway + probe.gsiWru.limits + probe.gsiWru.drain + probe.gsiWru.aggregator) / allCalls, 3),
    units: {
      gateway: unitsOut(probe.units.gateway),
      drain: unitsOut(probe.units.drain),
      aggregator: unitsOut(probe.units.aggregator),
      close: unitsOut(probe.units.close),
      setup: unitsOut(probe.units.setup),
      audit: unitsOut(probe.units.audit),
    },
    hotPathWriteRoundTrips: round(hotWriteMean, 3),
    hotPathWriteRoundTripsP50: percentile(writeCallDepths, 0.5),
    hotPathWriteRoundTripsP99: percentile(writeCallDepths, 0.99),
    hotPathWriteRoundTripsMax: writeCallDepths.size ? Math.max(...writeCallDepths.keys()) : 0,
    hotPathWriteRoundTripsHistogram: Object.fromEntries([...writeCallDepths.entries()].sort((a, b) => a[0] - b[0])),
    hotPathWriteAttemptRoundTrips: round(hotAttemptMean, 3),
    hotPathWriteAttemptRoundTripsHistogram: Object.fromEntries([...writeAttemptDepths.entries()].sort((a, b) => a[0] - b[0])),
    hotPathWriteRequestsPerCall: round(anyDepthN ? writeAttemptsSum / anyDepthN : 0, 3),
    hotPathWriteCallsPerCall: round(anyDepthN ? writeCallsSum / anyDepthN : 0, 3),
    hotPathSpoolSendsPerCall: round(spoolSendsPerCall, 4),
    sequentialRoundTripsPerCall: round(meanAnyDepth, 3),
    rate: o.rate,
    hottestPartitionWritesPerSecond: hottest?.writes ?? 0,
    hottestPartition: hottest ?? null,
    hottestPartitionWcuPerSecond: hottestWcu?.wcu ?? 0,
    hottestPartitionByWcu: hottestWcu ?? null,
    hottestPartitions: probe.topPartitions(6),
    partitionLimitNote: 'DynamoDB serves at most 1,000 WRU/s per partition key (and 3,000 RRU/s); a table or GSI partition key above that is throttled whatever the on-demand capacity',
    costPerMillionUsd: cost,
    quotaOvershootCalls: (limitsOut.quotaOvershootCalls as number | undefined) ?? null,
    spendOvershootMicros: (limitsOut.spendOvershootMicros as number | undefined) ?? null,
    spendOvershootBoundMicros: (limitsOut.spendOvershootBoundMicros as number | undefined) ?? null,
    rateServedPerSecond: limitsOut.rateServedPerSecond ?? null,
    rateConfiguredPerSecond: limitsOut.rateConfiguredPerSecond ?? null,
    limitWruPerCall: (limitsOut.limitWruPerCall as number | undefined) ?? null,
    limits: limitsOut,
    costModel: {
      region: REGION,
      pricesRead: PRICES_READ,
      prices: PRICES,
      assumptions: ASSUMPTIONS,
      gatewayBilledMsModelled: round(gatewayMs, 2),
      gatewayLookupsPerCall: round(lookupsPerCall, 3),
      gatewayCpuMsPerCallOnFullCore: round(gatewayCpuMsOnFullCore, 3),
      gatewayCpuMsPerCallBilled: round(gatewayCpuMs(gatewayCpuMsOnFullCore), 2),
      drainBilledMsModelled: round(drainMs, 2),
      aggregatorBilledMsModelled: round(aggregatorMs, 2),
      aggregatorFixedPerMonthUsd: aggregatorFixedPerMonth(LANE_LAYOUT.lanes, idleRunMs),
      note: 'durations = sequential DynamoDB round trips × assumed in-region latency + CPU time (the gateway: its measured CPU per call from its cache, plus its measured CPU per look-up × the look-ups its containers made, × 1769 / its memory MB) (+ the feature ms the gateway waits; this machine’s latencies are not AWS’s); DynamoDB units are measured; no free tier. `platform` = all but apiGateway and the feature Lambdas. The aggregator runs here as often as the compressed month made it run; in AWS it runs 8,640 times a month whatever the traffic (aggregatorFixedPerMonthUsd)',
    },
    containers: {
      planned: o.containers,
      started: containersStarted,
      replacementsForKilled: extraContainers,
      killed: killedBeforeWrite + killedAfterWrite,
      killedBeforeWrite,
      killedAfterWrite,
      coldStartMsP50: round(coldSorted[Math.floor(coldSorted.length / 2)] ?? 0, 2),
      coldStartMsMax: round(coldSorted[coldSorted.length - 1] ?? 0, 2),
    },
    unanswered: statuses.unanswered ?? 0,
    spool: { ...queue.stats, items: spooled, queuedAtEnd: queue.depth, visibilityTimeoutS: VISIBILITY_TIMEOUT_S, maxReceiveCount: MAX_RECEIVE_COUNT, drain: drain.stats },
    aggregator: {
      ...agg,
      incompleteRunsWruPerCall: round(agg.incompleteRunsUnits.wru / allCalls, 3),
      everySimS: o.aggregateEverySimS,
      afterTrafficKilledAfterWrites: afterTrafficKill ?? null,
    },
    faultsInjected: faults ? { ...faults.injected, outageWindowSimS: faults.outageWindow?.map((x) => round(x, 2)) } : null,
    storeErrors,
    close: closeInfo,
    logs: logs.counts,
    logErrorSamples: logs.samples,
    logWarningSamples: logs.warnSamples,
    meanWallLatencyMs: round(callsDone ? latencySum / callsDone : 0, 2),
    storeLatencyMsByTarget: Object.fromEntries([...probe.latency.entries()].sort((a, b) => b[1][1] - a[1][1]).map(([k, [n, ms]]) => [k, { attempts: n, meanMs: round(ms / n, 2) }])),
    simulatedSeconds: round(clock.t, 1),
    wallSeconds: round((performance.now() - wallStart) / 1000, 1),
    phasesSeconds: phases,
  };
  return result;
}
