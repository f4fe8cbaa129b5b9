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
import { createStatementsHandler } from '../../runtime/aws/statements-lambda.ts';
import { ClientStore } from '../../runtime/keys/client-store.ts';
import { StoreProcess } from '../../runtime/local/embedded-store.ts';
import { jsonLogger } from '../../runtime/logger.ts';
import { StatementStore } from '../../runtime/statements/statement-store.ts';
import { CLOSE_GRACE_MS } from '../../runtime/statements/statements-job.ts';
import { documentClient, localDynamoClient } from '../../runtime/store/dynamo-client.ts';
import { ensureTables } from '../../runtime/store/ensure-tables.ts';
import { TABLES, tableNames, type TableId } from '../../runtime/store/tables.ts';
import { parseManifest, type FeatureSpec } from '../../shared/manifest.ts';
import { monthOf, monthStart, nextMonth } from '../../shared/month.ts';
import { auditStore, type StoreAudit } from './audit.ts';
import { fakeAws } from './fake-aws.ts';
import { FaultPlan } from './faults.ts';
import { idle, install, newActor, newInvocation, scope, StoreProbe, uninstall, type Actor, type FeatureOutcome, type Units } from './instrument.ts';
import { MAX_ITEM_BYTES } from './item-size.ts';
import { checkOptions, DEFAULTS, type SimOptions } from './options.ts';
import { ASSUMPTIONS, costPerMillion, PRICES, PRICES_READ, REGION } from './prices.ts';
import { hashUniform, Sequence } from './rng.ts';
import { Drain, MAX_RECEIVE_COUNT, SpoolQueue, VISIBILITY_TIMEOUT_S } from './spool.ts';

const GATEWAY_MODULE = new URL('../../runtime/aws/gateway-lambda.ts', import.meta.url).href;
const STATEMENTS_MODULE = new URL('../../runtime/aws/statements-lambda.ts', import.meta.url).href;
const TABLE_PREFIX = 'faascape-sim-';
const FEATURE_MEMORY_MB = 128;

/** Salts of the per-call random draws (rng.ts hashUniform). */
const DRAW = { client: 1, feature: 2, badKey: 3, outcome: 4, kill: 5, killAt: 6, killCall: 7 } as const;

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
      const level = parsed.level ?? '?';
      const byMsg = (this.counts[level] ??= {});
      byMsg[parsed.msg ?? '?'] = (byMsg[parsed.msg ?? '?'] ?? 0) + 1;
      if (level === 'error' && this.samples.length < 5) this.samples.push(line.slice(0, 600));
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

function catalogueJson(specs: FeatureSpec[]): string {
  return JSON.stringify(specs.map((s) => ({ slug: s.slug, manifest: s.manifest, price: s.price, concurrency: s.concurrency })));
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
  const fake = fakeAws({
    featureMs: o.featureMs,
    onSpool: (body) => {
      queue.send(body);
      try {
        probe.ledger.batch(JSON.parse(body));
      } catch {
        // not a batch: the drain will dead-letter it
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

  // ---- what the traffic phase measures -----------------------------------------------------------
  const statuses: Record<string, number> = {};
  const answered = new Map<string, number>(); // invocation id → status
  const writeDepths = new Map<number, number>();
  let served2xx = 0;
  let killed = 0;
  let containersStarted = 0;
  let extraContainers = 0;
  let anyDepthSum = 0;
  let anyDepthN = 0;
  let writeAttemptsSum = 0;
  let writeCallsSum = 0;
  let latencySum = 0;
  const coldStarts: number[] = [];
  let callsDone = 0;
  let sweeps = 0;
  let sweepFailures = 0;
  let sweptBatches = 0;
  let drainDepthSum = 0;
  let trafficDone = false;
  let closeInfo: Record<string, unknown> = {};
  let audit: StoreAudit | undefined;
  let statementCalls: number | null = null;
  const closedMonths: string[] = [];

  const progress =
    o.progressMs > 0
      ? setInterval(() => {
          const s = (performance.now() - wallStart) / 1000;
          const units = probe.units.gateway;
          say(
            `[sim:aws] ${s.toFixed(0)} s: calls ${callsDone}/${o.calls} (${(callsDone / Math.max(1, s)).toFixed(0)}/s wall, sim t=${clock.t.toFixed(0)} s) 2xx ${served2xx} containers ${containersStarted}/${o.containers} killed ${killed}` +
              ` | spool queued ${queue.depth} sent ${queue.stats.sent} dlq ${queue.stats.deadLettered} | sweeps ${sweeps} | gateway WRU/call ${(units.wru / Math.max(1, callsDone)).toFixed(1)}` +
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
    await phase('setup', async () => {
      await scope.run({ actor: newActor('setup', 'setup') }, async () => {
        const setupClient = localDynamoClient({ endpoint: store.endpoint, credential: store.credential });
        await ensureTables(setupClient, tables);
        const clientStore = new ClientStore(documentClient(setupClient), tables);
        for (let c = 0; c < o.clients; c += 16) {
          const batch = Array.from({ length: Math.min(16, o.clients - c) }, (_, k) => clientStore.createKey(`client-${String(c + k + 1).padStart(4, '0')}`));
          for (const k of await Promise.all(batch)) apiKeys.push(k.apiKey);
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
        // A share of the containers dies during one of its calls, after 1 to 7 of its writes (the
        // commit, the five apply writes, the settle): its module is dropped, the call unanswered.
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
          if (served === dieAt) inv.killAfterWrites = 1 + Math.floor(hashUniform(o.seed, slot.id, DRAW.killAt) * 7);
          const client = Math.floor(hashUniform(o.seed, i, DRAW.client) * o.clients);
          const feature = features[Math.floor(hashUniform(o.seed, i, DRAW.feature) * o.features)] as FeatureSpec;
          const badKey = hashUniform(o.seed, i, DRAW.badKey) < 0.002;
          const event = gatewayEvent(feature.slug, badKey ? 'fsk_not-a-key' : (apiKeys[client] as string), i);
          const started = performance.now();
          const r = await Promise.race([scope.run({ actor, inv }, () => mod.handler(event, {} as Context)), died]);
          callsDone++;
          if (r === 'killed') {
            killed++;
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
            writeDepths.set(inv.writeDepth, (writeDepths.get(inv.writeDepth) ?? 0) + 1);
            anyDepthSum += inv.anyDepth;
            anyDepthN++;
            writeAttemptsSum += inv.writeAttempts;
            writeCallsSum += inv.writeCalls;
          }
          if ((i & 1023) === 0) probe.foldSeconds(Math.floor(clock.t) - 30);
        }
        await retire(actor);
      }
    };

    // The statements Lambda's sweep, on its schedule in simulated time.
    let sweeping: Promise<void> | undefined;
    let nextSweepAt = o.sweepEverySimS;
    const sweepActor = newActor('sweep', 'sweep');
    const sweepOnce = async () => {
      sweeps++;
      try {
        const mod = (await import(`${STATEMENTS_MODULE}?sweeper=1`)) as { handler: (e: { action: 'sweep' }) => Promise<{ swept: number }> };
        const res = await scope.run({ actor: sweepActor, inv: newInvocation(sweeps, clock.t) }, () => mod.handler({ action: 'sweep' }));
        sweptBatches += res.swept;
      } catch (e) {
        // The schedule runs it again in 5 minutes, as EventBridge would.
        sweepFailures++;
        if (sweepFailures <= 3) say(`[sim:aws] sweep failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    };
    const sweeper = setInterval(() => {
      if (!sweeping && o.sweepEverySimS > 0 && clock.t >= nextSweepAt) {
        nextSweepAt += o.sweepEverySimS;
        sweeping = sweepOnce().finally(() => {
          sweeping = undefined;
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
        // No traffic any more: time moves to the next message's visibility.
        if (next > clock.t) clock.t = next;
      }
    };

    await phase('traffic', async () => {
      const drained = drainLoop();
      try {
        await Promise.all(Array.from({ length: Math.min(o.concurrency, containers) }, serveSlot));
      } finally {
        trafficDone = true;
        await drained;
        clearInterval(sweeper);
        await sweeping;
        await drain.close();
      }
    });
    drainDepthSum = drain.stats.sequentialRoundTrips;
    probe.foldSeconds();
    if (faults) faults.enabled = false;

    // ---- the month closes -------------------------------------------------------------------------
    const lastMonth = monthOf(Date.now());
    await phase('close', async () => {
      const closeActor = newActor('close', 'close');
      const closeDb = documentClient(new DynamoDBClient({}));
      const realStart = Date.now();
      // The month ran in the present (records carry Date.now): the close runs with its clock moved
      // past that month's end and the close grace.
      const closeAt = monthStart(nextMonth(lastMonth)) + CLOSE_GRACE_MS + 3600_000;
      const handler = createStatementsHandler(closeDb, tables, process.env, jsonLogger((l) => process.stdout.write(l)), () => closeAt + (Date.now() - realStart));
      try {
        const res = await scope.run({ actor: closeActor }, () => handler({}));
        closeInfo = { swept: res.swept, closed: res.closed };
        for (const c of res.closed) closedMonths.push(c.month);
        const statements = new StatementStore(closeDb, tables);
        let calls = 0;
        for (const month of closedMonths) {
          const stored = await scope.run({ actor: closeActor }, () => statements.get(month));
          for (const client of stored?.statement.clients ?? []) for (const line of client.lines) calls += line.calls;
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
  let ledgerMismatchLines = 0;
  if (audit) {
    const fromLedger = ledger.callsPerItem();
    for (const key of new Set([...fromLedger.keys(), ...audit.lineCalls.keys()])) if ((fromLedger.get(key) ?? 0) !== (audit.lineCalls.get(key) ?? 0)) ledgerMismatchLines++;
  }
  const duplicateRecords = audit ? [...audit.recordIds.values()].reduce((n, c) => n + (c > 1 ? c - 1 : 0), 0) : 0;
  const aggregatedCalls = audit ? Object.values(audit.aggregatedCallsByMonth).reduce((a, b) => a + b, 0) : 0;

  const monthUnits: Units[] = [probe.units.gateway, probe.units.drain, probe.units.sweep];
  const monthWru = monthUnits.reduce((s, u) => s + u.wru, 0);
  const monthRru = monthUnits.reduce((s, u) => s + u.rru, 0);
  const hotWriteInvocations = [...writeDepths.values()].reduce((a, b) => a + b, 0);
  const hotWriteMean = hotWriteInvocations ? [...writeDepths.entries()].reduce((s, [d, n]) => s + d * n, 0) / hotWriteInvocations : 0;
  const meanAnyDepth = anyDepthN ? anyDepthSum / anyDepthN : 0;
  const gatewayMs = o.featureMs + meanAnyDepth * ASSUMPTIONS.dynamodbRoundTripMs + ASSUMPTIONS.gatewayOverheadMs;
  const drainRuns = drain.stats.invocations;
  const drainMs = ASSUMPTIONS.drainOverheadMs + (drainRuns ? (drainDepthSum / drainRuns) * ASSUMPTIONS.dynamodbRoundTripMs : 0);
  const sqsRequests = queue.stats.sent + queue.stats.receiveRequests + queue.stats.deleteRequests;
  const cost = costPerMillion({
    calls: o.calls,
    wru: monthWru,
    rru: monthRru,
    gatewayMs,
    containers: containersStarted,
    featureInvocations: fake.featureInvocations,
    featureMs: o.featureMs,
    featureMemoryMb: FEATURE_MEMORY_MB,
    drainInvocations: drainRuns,
    drainMs,
    sqsRequests,
  });
  const hottest = probe.hottestByWrites;
  const hottestWcu = probe.hottestByWcu;
  const storeErrors = Object.fromEntries([...probe.errors.entries()].sort());
  const itemTooLarge = [...probe.errors.entries()].filter(([k]) => k.endsWith(':ItemTooLarge')).reduce((n, [, v]) => n + v, 0);
  const unitsOut = (u: Units) => ({ wru: round(u.wru, 1), rru: round(u.rru, 1), requests: u.requests, conditionalFailures: u.conditionalFailures });
  const coldSorted = [...coldStarts].sort((a, b) => a - b);

  if (itemTooLarge > 0) failures.push(`${itemTooLarge} write(s) refused because an item would pass DynamoDB's 400 KB limit (ValidationException): the design's items grew too large at this size`);
  if (audit && audit.itemsOverLimit > 0) failures.push(`${audit.itemsOverLimit} item(s) above 400 KB in the store`);
  if (queue.stats.deadLettered > 0) failures.push(`${queue.stats.deadLettered} spooled batch(es) dead-lettered`);
  const recordsOk = audit !== undefined && audit.records === aggregatedCalls && statementCalls === aggregatedCalls;
  const ok = failures.length === 0 && lost === 0 && doubleCounted === 0 && recordsOk;

  const result: SimResult = {
    ok,
    failures,
    options: { calls: o.calls, clients: o.clients, features: o.features, containers: o.containers, concurrency: o.concurrency, faults: o.faults, ambiguousWrites: o.ambiguousWrites, rate: o.rate, seed: o.seed, featureMs: o.featureMs, sweepEverySimS: o.sweepEverySimS, dataDir: keepDir ? dataDir : null },
    calls: o.calls,
    served2xx,
    statuses,
    records: audit?.records ?? 0,
    distinctRecords: audit?.distinctRecords ?? 0,
    duplicateRecords,
    pendingBatchesLeft: audit?.pendingBatches ?? null,
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
    maxItemBytes: audit?.largest?.bytes ?? 0,
    maxItem: audit?.largest ?? null,
    maxItemShareOf400KB: audit?.largest ? round(audit.largest.bytes / MAX_ITEM_BYTES, 3) : 0,
    // The items the calls write (usage, records), apart from the statement chunks the close writes (≤ 300 KB by design).
    maxMeteringItem: audit ? (['usage', 'records'] as const).map((t) => ({ table: t, ...audit?.largestPerTable[t] })).sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0))[0] ?? null : null,
    largestItemPerTable: audit?.largestPerTable ?? {},
    itemsPerTable: audit?.items ?? {},
    wruPerCall: round(monthWru / o.calls, 3),
    rruPerCall: round(monthRru / o.calls, 3),
    unitsSource:
      "dynalite's ConsumedCapacity (ReturnConsumedCapacity TOTAL added to every request by SDK middleware; it applies DynamoDB's 1 KB / 4 KB rounding to max(old, new) item size), plus: byMonth GSI writes of usage lines added (dynalite leaves index writes out), and writes refused by their condition priced at the item's last known size (dynalite returns no capacity with ConditionalCheckFailed). Per call = gateway + spool drain + sweeps; the close is separate.",
    gsiWruPerCall: round(probe.gsiWru / o.calls, 3),
    units: { gateway: unitsOut(probe.units.gateway), drain: unitsOut(probe.units.drain), sweep: unitsOut(probe.units.sweep), close: unitsOut(probe.units.close), setup: unitsOut(probe.units.setup), audit: unitsOut(probe.units.audit) },
    hotPathWriteRoundTrips: round(hotWriteMean, 3),
    hotPathWriteRoundTripsP50: percentile(writeDepths, 0.5),
    hotPathWriteRoundTripsP99: percentile(writeDepths, 0.99),
    hotPathWriteRoundTripsMax: writeDepths.size ? Math.max(...writeDepths.keys()) : 0,
    hotPathWriteRoundTripsHistogram: Object.fromEntries([...writeDepths.entries()].sort((a, b) => a[0] - b[0])),
    hotPathWriteRequestsPerCall: round(anyDepthN ? writeAttemptsSum / anyDepthN : 0, 3),
    hotPathWriteCallsPerCall: round(anyDepthN ? writeCallsSum / anyDepthN : 0, 3),
    sequentialRoundTripsPerCall: round(meanAnyDepth, 3),
    rate: o.rate,
    hottestPartitionWritesPerSecond: hottest?.writes ?? 0,
    hottestPartition: hottest ?? null,
    hottestPartitionWcuPerSecond: hottestWcu?.wcu ?? 0,
    hottestPartitionByWcu: hottestWcu ?? null,
    hottestPartitions: probe.topPartitions(6),
    partitionLimitNote: 'DynamoDB serves at most 1,000 WRU/s per partition key (and 3,000 RRU/s); a table or GSI partition key above that is throttled whatever the on-demand capacity',
    costPerMillionUsd: cost,
    costModel: {
      region: REGION,
      pricesRead: PRICES_READ,
      prices: PRICES,
      assumptions: ASSUMPTIONS,
      gatewayBilledMsModelled: round(gatewayMs, 2),
      drainBilledMsModelled: round(drainMs, 2),
      note: 'gateway duration = feature ms + sequential DynamoDB round trips per call × assumed in-region latency + overhead (this machine’s latencies are not AWS’s); DynamoDB units are measured; no free tier',
    },
    containers: {
      planned: o.containers,
      started: containersStarted,
      replacementsForKilled: extraContainers,
      killedMidBatch: killed,
      coldStartMsP50: round(coldSorted[Math.floor(coldSorted.length / 2)] ?? 0, 2),
      coldStartMsMax: round(coldSorted[coldSorted.length - 1] ?? 0, 2),
    },
    spool: { ...queue.stats, queuedAtEnd: queue.depth, visibilityTimeoutS: VISIBILITY_TIMEOUT_S, maxReceiveCount: MAX_RECEIVE_COUNT, drain: drain.stats },
    sweeps: { runs: sweeps, failures: sweepFailures, batchesApplied: sweptBatches, everySimS: o.sweepEverySimS },
    faultsInjected: faults ? { ...faults.injected, outageWindowSimS: faults.outageWindow?.map((x) => round(x, 2)) } : null,
    storeErrors,
    close: closeInfo,
    logs: logs.counts,
    logErrorSamples: logs.samples,
    meanWallLatencyMs: round(callsDone ? latencySum / callsDone : 0, 2),
    storeLatencyMsByTarget: Object.fromEntries([...probe.latency.entries()].sort((a, b) => b[1][1] - a[1][1]).map(([k, [n, ms]]) => [k, { attempts: n, meanMs: round(ms / n, 2) }])),
    simulatedSeconds: round(clock.t, 1),
    wallSeconds: round((performance.now() - wallStart) / 1000, 1),
    phasesSeconds: phases,
  };
  return result;
}
