import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogueJson } from '../shared/catalogue.ts';
import { parseManifest } from '../shared/manifest.ts';
import { monthOf } from '../shared/month.ts';
import { LANE_LAYOUT } from '../shared/lanes.ts';
import { tableEnvName } from '../runtime/aws/config.ts';
import { createAggregator } from '../runtime/services/aggregator.ts';
import { LaneMeter, SqsSpool } from '../runtime/aws/lane-meter.ts';
import { LaneRecords, type SpooledItem } from '../runtime/meter/lane-records.ts';
import { createDrainHandler } from '../runtime/aws/spool-drain-lambda.ts';
import { LANDING_LEAD_WINDOWS } from '../runtime/aws/spool-landing.ts';
import { ClientStore } from '../runtime/keys/client-store.ts';
import { startDynalite, type RunningDynalite } from '../runtime/local/dynalite-server.ts';
import { storeCredential, type StoreCredential } from '../runtime/local/store-credential.ts';
import { silentLogger } from '../runtime/logger.ts';
import { DynamoUsageLog } from '../runtime/meter/dynamo-usage-log.ts';
import { documentClient, localDynamoClient } from '../runtime/store/dynamo-client.ts';
import { ensureTables } from '../runtime/store/ensure-tables.ts';
import { scanAll } from '../runtime/store/paging.ts';
import { stagePrefix, tableNames, TABLES, type TableId } from '../runtime/store/tables.ts';
import { openContext } from '../runtime/cli/context.ts';

const tables = tableNames('faascape-awstest-');
const month = monthOf(Date.now());
let dir: string;
let store: RunningDynalite;
let endpoint: string;
let credential: StoreCredential;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'faascape-aws-'));
  credential = storeCredential(dir);
  store = await startDynalite(join(dir, 'store'), { credential });
  endpoint = `http://127.0.0.1:${store.port}`;
  await ensureTables(localDynamoClient({ endpoint, credential }), tables);
});
const savedEnv = { ...process.env };
afterAll(async () => {
  // The gateway module reads its configuration from the environment: leave none behind.
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const db = () => documentClient(localDynamoClient({ endpoint, credential }));
const lambdaMock = mockClient(LambdaClient);
const sqsMock = mockClient(SQSClient);
const secretsMock = mockClient(SecretsManagerClient);
beforeEach(() => {
  lambdaMock.reset();
  sqsMock.reset();
  secretsMock.reset();
});

// The SDK types Payload as its blob adapter; the invoker only reads the bytes, which a Buffer has.
const payload = (json: string) => Buffer.from(json) as unknown as InvokeCommandOutput['Payload'];

function event(path: string, apiKey: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'ANY /v1/features/{slug}',
    rawPath: path,
    rawQueryString: '',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    requestContext: { accountId: '1', apiId: 'a', domainName: 'x', domainPrefix: 'x', http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '1.2.3.4', userAgent: 't' }, requestId: 'r', routeKey: '$default', stage: '$default', time: '', timeEpoch: 0 },
    body: '{"iban":"FR7630006000011234567890189"}',
    isBase64Encoded: false,
  };
}

describe('the gateway Lambda, with the real module, against the embedded store', () => {
  it('invokes the feature Lambda, strips the key from its event, and meters the call before answering', async () => {
    const clients = new ClientStore(db(), tables);
    const { apiKey } = await clients.createKey('aws-client');
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-3',
      // The embedded store refuses any other credential (the mocked services take any).
      AWS_ACCESS_KEY_ID: credential.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credential.secretAccessKey,
      // The real SDK client of the module talks to dynalite through the standard endpoint override.
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      SPOOL_QUEUE_URL: 'https://sqs.eu-west-3.amazonaws.com/1/spool',
      FEATURE_FUNCTION_PREFIX: 'faascape-awstest-feature-',
      PSEUDONYM_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-3:1:secret:pseudonym',
      // As infra inlines it: the specs parsed at synth, as plain data (no parser in the bundle).
      FAASCAPE_CATALOG: catalogueJson([
        parseManifest('iban-check', 'functions/iban-check/feature.json', { name: 'IBAN', description: 'd', version: '1.0.0', authors: [{ id: 'carol', weight: 1 }], price: { perCall: '0.001', perGbSecond: '0', currency: 'EUR' }, memoryMb: 128, timeoutMs: 2000 }),
      ]),
    });
    for (const id of Object.keys(TABLES) as TableId[]) process.env[tableEnvName(id)] = tables[id];
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(64) });
    lambdaMock.on(InvokeCommand).callsFake((input: { FunctionName: string; Payload: Uint8Array }) => {
      const seen = JSON.parse(Buffer.from(input.Payload).toString()) as APIGatewayProxyEventV2;
      const leaked = 'x-api-key' in seen.headers || 'authorization' in seen.headers;
      return { StatusCode: 200, Payload: Buffer.from(JSON.stringify({ statusCode: leaked ? 500 : 200, body: input.FunctionName })) };
    });
    const { handler } = await import('../runtime/aws/gateway-lambda.ts');
    const res = await handler(event('/v1/features/iban-check', apiKey), {} as Context);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('faascape-awstest-feature-iban-check');
    const id = res.headers?.['faascape-invocation-id'];
    const lanes = new LaneRecords(db(), tables, LANE_LAYOUT);
    const records = await lanes.recordsOf(month, 'aws-client', 'iban-check');
    expect(records.map((r) => r.invocationId)).toEqual([id]);
    // Aggregation is off the hot path: nothing until the aggregator folds the closed windows.
    expect(await new DynamoUsageLog(db(), tables).clientAggregates('aws-client', month)).toEqual([]);
    // The price fixed on the record is the catalogue's, in integer micros (0.001 EUR).
    expect(records[0]?.price).toEqual({ perCallMicros: 1000, perGbSecondMicros: 0, currency: 'EUR' });

    // A handler error and Lambda's own timeout map to 502 and 504, metered, not billed.
    lambdaMock.reset();
    lambdaMock
      .on(InvokeCommand)
      .resolvesOnce({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload('{"errorType":"Error","errorMessage":"boom"}'), $metadata: { requestId: 'lambda-req-1' } })
      .resolvesOnce({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload('{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 2.00 seconds"}'), $metadata: { requestId: 'lambda-req-2' } })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    // The Lambda logs each failure as one JSON line on stdout (CloudWatch): read here, not printed into the test run.
    const answered: (string | undefined)[] = [];
    const logged = await jsonLinesOnStdout(async () => {
      for (const status of [502, 504, 502]) {
        const res = await handler(event('/v1/features/iban-check', apiKey), {} as Context);
        expect(res.statusCode).toBe(status);
        answered.push(res.headers?.['faascape-invocation-id'] as string | undefined);
      }
    });
    // A failed call's line names both ids: the client's faascape-invocation-id and Lambda's, which the feature's log carries.
    expect(logged.map((l) => [l.level, l.msg, l.feature, l.invocationId, l.lambdaRequestId])).toEqual([
      ['warn', 'feature threw', 'iban-check', answered[0], 'lambda-req-1'],
      ['warn', 'feature timed out', 'iban-check', answered[1], 'lambda-req-2'],
      ['error', 'feature invoke failed', 'iban-check', answered[2], undefined],
    ]);
    expect(logged[2]?.error).toBe('TooManyRequestsException: Rate exceeded');
    await aggregateEverything();
    const [after] = await new DynamoUsageLog(db(), tables).clientAggregates('aws-client', month);
    expect(after).toMatchObject({ calls: 4, billableCalls: 1, errors: 2, timeouts: 1 });
  });
});

/** The JSON log lines `fn` writes to stdout, kept from the test output and returned parsed; other output passes. */
async function jsonLinesOnStdout(fn: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const write = process.stdout.write;
  process.stdout.write = function (this: typeof process.stdout, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' && chunk.startsWith('{"level"')) {
      lines.push(JSON.parse(chunk) as Record<string, unknown>);
      return true;
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

function record(clientId: string, n: number) {
  return {
    invocationId: `${clientId}-${n}`,
    clientId,
    keyId: 'k',
    featureId: 'f',
    featureVersion: '1.0.0',
    startedAt: Date.now(),
    durationMs: 3,
    billedMs: 3,
    memoryMb: 128,
    requestBytes: 1,
    responseBytes: 1,
    status: 200,
    outcome: 'ok' as const,
    price: { perCallMicros: 1000, perGbSecondMicros: 0, currency: 'EUR' },
    authors: [{ id: 'a', weight: 1 }],
    billable: true,
  };
}

/** The aggregator as its schedule runs it, with a clock past the grace of every window written so far. */
async function aggregateEverything(t = tables, at = Date.now() + 10 * 60_000): Promise<void> {
  const result = await createAggregator(db(), t, silentLogger, () => at).catchUp();
  expect(result.caughtUp).toBe(true);
}

/** Tables of one test: the aggregator's state is per installation, and each test moves its own clock. */
let tableSets = 0;
async function freshTables(): Promise<typeof tables> {
  const t = tableNames(`faascape-awst${++tableSets}-`);
  await ensureTables(localDynamoClient({ endpoint, credential }), t);
  return t;
}

const spoolTo = (sent: string[]) =>
  sqsMock.on(SendMessageCommand).callsFake((input: { MessageBody: string }) => {
    sent.push(input.MessageBody);
    return { MessageId: 'm' };
  });
const message = (id: string, body: string): SQSEvent['Records'][number] => ({ messageId: id, body }) as SQSEvent['Records'][number];
const meterOn = (client: ReturnType<typeof db>, t: typeof tables) =>
  new LaneMeter(new LaneRecords(client, t, LANE_LAYOUT), new SqsSpool(new SQSClient({ region: 'eu-west-3' }), 'q'), silentLogger);

/** A client whose UpdateItem fails where `fails(pk)` says; every other request reaches the store. */
function failingAggregateWrites(fails: (pk: string) => boolean, name: string, message: string) {
  const flaky = db();
  const ddbMock = mockClient(flaky);
  ddbMock.on(UpdateCommand).callsFake((input: { Key: { pk: string } }) => {
    if (fails(input.Key.pk)) throw Object.assign(new Error(message), { name });
    return db().send(new UpdateCommand(input as never));
  });
  ddbMock.on(QueryCommand).callsFake((input) => db().send(new QueryCommand(input as never)));
  ddbMock.on(GetCommand).callsFake((input) => db().send(new GetCommand(input as never)));
  return { flaky, ddbMock };
}

describe('metering inside Lambda, with faults DynamoDB cannot produce locally', () => {
  it('spools a record the store refused to SQS, and the drain lands it once however often it is delivered', async () => {
    const failing = db();
    const ddbMock = mockClient(failing);
    ddbMock.on(PutCommand).rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const sent: string[] = [];
    spoolTo(sent);
    const t = await freshTables();
    await meterOn(failing, t).record(record('spooled', 1));
    ddbMock.restore();
    expect(sent).toHaveLength(1);
    const item = JSON.parse(sent[0] as string) as SpooledItem;
    expect(item).toMatchObject({ id: 'spooled-1', body: { record: { clientId: 'spooled' } } });

    const drain = createDrainHandler(new LaneRecords(db(), t, LANE_LAYOUT), silentLogger);
    const res = await drain({ Records: [message('1', sent[0] as string), message('2', sent[0] as string), message('3', 'not json')] });
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '3' }]);
    await drain({ Records: [message('1', sent[0] as string)] });
    await aggregateEverything(t);
    const [agg] = await new DynamoUsageLog(db(), t).clientAggregates('spooled', month);
    expect(agg).toMatchObject({ calls: 1, billableCalls: 1 });
  });

  it('counts once a record whose write landed although its answer was lost and it was spooled too', async () => {
    const ambiguous = db();
    const ddbMock = mockClient(ambiguous);
    ddbMock.on(PutCommand).callsFake(async (input) => {
      await db().send(new PutCommand(input));
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    });
    const sent: string[] = [];
    spoolTo(sent);
    const t = await freshTables();
    await meterOn(ambiguous, t).record(record('ambiguous', 1));
    ddbMock.restore();
    expect(sent).toHaveLength(1);
    const drain = createDrainHandler(new LaneRecords(db(), t, LANE_LAYOUT), silentLogger);
    expect((await drain({ Records: [message('1', sent[0] as string), message('2', sent[0] as string)] })).batchItemFailures).toEqual([]);
    await aggregateEverything(t);
    const [agg] = await new DynamoUsageLog(db(), t).clientAggregates('ambiguous', month);
    expect(agg).toMatchObject({ calls: 1 });
  });

  it('lands a spooled record in a new window when the one its tombstone named closed before the write (a drain died in between)', async () => {
    const t = await freshTables();
    const lanes = new LaneRecords(db(), t, LANE_LAYOUT);
    const t0 = Date.now();
    const rec = { ...record('late', 1), startedAt: t0 - 30 * 60_000 };
    const first = lanes.keyOf(rec.invocationId, t0 - 30 * 60_000);
    // A drain put the tombstone naming a window twenty minutes ago, then died before writing there.
    expect(await lanes.tomb(first.key, first.window + 10)).toBe(true);
    await aggregateEverything(t, t0); // the aggregator passes that window: nothing can land there any more
    const body = JSON.stringify({ id: rec.invocationId, lane: first.lane, window: first.window, body: { record: rec } } satisfies SpooledItem);
    const drain = createDrainHandler(lanes, silentLogger, () => t0);
    expect((await drain({ Records: [message('1', body)] })).batchItemFailures).toEqual([]);
    expect((await drain({ Records: [message('1', body)] })).batchItemFailures).toEqual([]);
    expect(await lanes.get(first.key)).toEqual({ movedTo: first.window + 30 + LANDING_LEAD_WINDOWS });
    await aggregateEverything(t, t0 + 10 * 60_000);
    const [agg] = await new DynamoUsageLog(db(), t).clientAggregates('late', monthOf(rec.startedAt));
    expect(agg).toMatchObject({ calls: 1 });
  });

  it('an aggregator that dies part-way leaves its claim; the next takes the same windows over after the lease and counts each record once', async () => {
    const own = await freshTables();
    const lanes = new LaneRecords(db(), own, LANE_LAYOUT);
    const meter = new LaneMeter(lanes, new SqsSpool(new SQSClient({ region: 'eu-west-3' }), 'q'), silentLogger);
    for (let i = 0; i < 40; i++) await meter.record({ ...record(`c${i % 4}`, i), featureId: `f${i % 5}` });
    let updates = 0;
    // The claim goes through, then the aggregates: from the third aggregate write on, every
    // write fails (retries included), and the run dies part-way.
    const { flaky, ddbMock } = failingAggregateWrites((pk) => pk !== 'agg' && ++updates >= 3, 'TimeoutError', 'Lambda timed out');
    const later = Date.now() + 10 * 60_000;
    await createAggregator(db(), own, silentLogger, () => Date.now() - 10 * 60_000).catchUp(); // the history before these calls
    await expect(createAggregator(flaky, own, silentLogger, () => later).runOnce()).rejects.toThrow('Lambda timed out');
    ddbMock.restore();
    const claimed = await lanes.state();
    expect(claimed?.plan).toBeDefined();
    // Within the lease another run stays out; after it, it re-applies exactly the claimed windows.
    expect((await createAggregator(db(), own, silentLogger, () => later + 60_000).runOnce()).outcome).toBe('busy');
    const takeover = await createAggregator(db(), own, silentLogger, () => later + 11 * 60_000).runOnce();
    expect(takeover).toMatchObject({ outcome: 'applied', upTo: claimed?.plan?.to, records: 40 });
    const usage = new DynamoUsageLog(db(), own);
    const calls = (await usage.monthAggregates(month)).reduce((n, a) => n + a.calls, 0);
    expect(calls).toBe(40);
    expect(await usage.monthCalls(month)).toBe(40);
    // However many containers and runs wrote, an aggregate item holds one applied-through mark.
    const items = await scanAll(db(), { TableName: own.usage });
    expect(Math.max(...items.map((i) => Object.keys(i).filter((k) => k.startsWith('w_')).length))).toBe(1);
  });

  it('a run that failed part-way resumes its own claim at once, retrying each failed write a few times', async () => {
    const own = await freshTables();
    const lanes = new LaneRecords(db(), own, LANE_LAYOUT);
    await createAggregator(db(), own, silentLogger, () => Date.now() - 10 * 60_000).catchUp();
    const meter = new LaneMeter(lanes, new SqsSpool(new SQSClient({ region: 'eu-west-3' }), 'q'), silentLogger);
    for (let i = 0; i < 30; i++) await meter.record({ ...record(`r${i % 3}`, i), featureId: `f${i % 5}` });
    let failing = 0;
    // Throttled now and then: each aggregate write fails once; one item fails every attempt.
    const { flaky, ddbMock } = failingAggregateWrites((pk) => pk !== 'agg' && (pk === 'r1' || ++failing % 2 === 1), 'ThrottlingException', 'Throttled');
    const aggregator = createAggregator(flaky, own, silentLogger, () => Date.now() + 10 * 60_000);
    await expect(aggregator.runOnce()).rejects.toThrow('Throttled');
    ddbMock.restore();
    // No lease to wait for: the same aggregator goes on with the same windows.
    expect(await aggregator.runOnce()).toMatchObject({ outcome: 'applied', records: 30 });
    const lines = await new DynamoUsageLog(db(), own).monthAggregates(month);
    expect(lines.reduce((n, a) => n + a.calls, 0)).toBe(30);
  });
});

describe('the CLI on a deployed stage (--stage)', () => {
  it('brings the aggregates up to date before it reads them, and refuses while another run holds them', async () => {
    const stage = 'clistage';
    const t = tableNames(stagePrefix(stage));
    await ensureTables(localDynamoClient({ endpoint, credential }), t);
    const lanes = new LaneRecords(db(), t, LANE_LAYOUT);
    // Calls answered ten minutes ago: their windows are closed, and no aggregator has run yet.
    const at = Date.now() - 10 * 60_000;
    const write = async (n: number) => {
      const r = { ...record('cli-client', n), startedAt: at };
      await lanes.put(lanes.keyOf(r.invocationId, at).key, { record: r });
    };
    for (let i = 0; i < 3; i++) await write(i);
    // The CLI's AWS clients take the standard credential chain and endpoint override, as on an operator's machine.
    Object.assign(process.env, { AWS_REGION: 'eu-west-3', AWS_ACCESS_KEY_ID: credential.accessKeyId, AWS_SECRET_ACCESS_KEY: credential.secretAccessKey, AWS_ENDPOINT_URL_DYNAMODB: endpoint });
    const ctx = await openContext(process.env, stage);
    try {
      expect(await ctx.usage.clientAggregates('cli-client', monthOf(at))).toEqual([]);
      await ctx.catchUpUsage();
      expect(await ctx.usage.clientAggregates('cli-client', monthOf(at))).toMatchObject([{ calls: 3, billableCalls: 3 }]);

      // A scheduled run holds the claim (it is still applying, or died within its lease): the CLI
      // must not read aggregates that trail, so it says so instead of closing on them.
      const state = await lanes.state();
      if (!state) throw new Error('no aggregator state after a catch-up');
      await lanes.claim(state, state.applied, { to: state.applied + 1, owner: 'the-scheduled-run', leaseUntil: Date.now() + 600_000 });
      await write(3);
      await expect(ctx.catchUpUsage()).rejects.toThrow(`the aggregates of stage ${stage} trail`);
      expect(await ctx.usage.clientAggregates('cli-client', monthOf(at))).toMatchObject([{ calls: 3 }]);
    } finally {
      await ctx.close();
    }
  });
});
