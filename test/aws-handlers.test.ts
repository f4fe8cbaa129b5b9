import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogueJson } from '../shared/catalogue.ts';
import { parseManifest } from '../shared/manifest.ts';
import { monthOf } from '../shared/month.ts';
import type { UsageBatch } from '../shared/usage.ts';
import { tableEnvName } from '../runtime/aws/config.ts';
import { DirectMeter, SqsSpool } from '../runtime/aws/direct-meter.ts';
import { createDrainHandler } from '../runtime/aws/spool-drain-lambda.ts';
import { createStatementsHandler } from '../runtime/aws/statements-lambda.ts';
import { ClientStore } from '../runtime/keys/client-store.ts';
import { startDynalite, type RunningDynalite } from '../runtime/local/dynalite-server.ts';
import { storeCredential, type StoreCredential } from '../runtime/local/store-credential.ts';
import { silentLogger } from '../runtime/logger.ts';
import { DynamoUsageLog } from '../runtime/meter/dynamo-usage-log.ts';
import { documentClient, localDynamoClient } from '../runtime/store/dynamo-client.ts';
import { ensureTables } from '../runtime/store/ensure-tables.ts';
import { tableNames, TABLES, type TableId } from '../runtime/store/tables.ts';

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
    const records = await new DynamoUsageLog(db(), tables).records(month, 'aws-client', 'iban-check');
    expect(records.map((r) => r.invocationId)).toEqual([id]);
    // The price fixed on the record is the catalogue's, in integer micros (0.001 EUR).
    expect(records[0]?.price).toEqual({ perCallMicros: 1000, perGbSecondMicros: 0, currency: 'EUR' });
    const [agg] = await new DynamoUsageLog(db(), tables).clientAggregates('aws-client', month);
    expect(agg).toMatchObject({ calls: 1, billableCalls: 1 });

    // A handler error and Lambda's own timeout map to 502 and 504, metered, not billed.
    lambdaMock.reset();
    lambdaMock
      .on(InvokeCommand)
      .resolvesOnce({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload('{"errorType":"Error","errorMessage":"boom"}') })
      .resolvesOnce({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload('{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 2.00 seconds"}') })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    // The Lambda logs each failure as one JSON line on stdout (CloudWatch): read here, not printed into the test run.
    const logged = await jsonLinesOnStdout(async () => {
      expect((await handler(event('/v1/features/iban-check', apiKey), {} as Context)).statusCode).toBe(502);
      expect((await handler(event('/v1/features/iban-check', apiKey), {} as Context)).statusCode).toBe(504);
      expect((await handler(event('/v1/features/iban-check', apiKey), {} as Context)).statusCode).toBe(502);
    });
    expect(logged.map((l) => [l.level, l.msg, l.feature])).toEqual([
      ['warn', 'feature threw', 'iban-check'],
      ['error', 'feature invoke failed', 'iban-check'],
    ]);
    expect(logged[1]?.error).toBe('TooManyRequestsException: Rate exceeded');
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

describe('metering inside Lambda, with faults DynamoDB cannot produce locally', () => {
  it('spools a batch the store refused to SQS, and the drain applies it once however often it is delivered', async () => {
    const failing = db();
    const ddbMock = mockClient(failing);
    ddbMock.on(PutCommand).rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const sent: string[] = [];
    sqsMock.on(SendMessageCommand).callsFake((input: { MessageBody: string }) => {
      sent.push(input.MessageBody);
      return { MessageId: 'm' };
    });
    const meter = new DirectMeter(new DynamoUsageLog(failing, tables), new SqsSpool(new SQSClient({ region: 'eu-west-3' }), 'q'), silentLogger);
    await meter.record(record('spooled', 1));
    ddbMock.restore();
    expect(sent).toHaveLength(1);
    const batch = JSON.parse(sent[0] as string) as UsageBatch;
    expect(batch.writerId).toMatch(/^spool-/);

    const drain = createDrainHandler(new DynamoUsageLog(db(), tables), silentLogger);
    const message = (id: string, body: string): SQSEvent['Records'][number] => ({ messageId: id, body } as SQSEvent['Records'][number]);
    const res = await drain({ Records: [message('1', sent[0] as string), message('2', sent[0] as string), message('3', 'not json')] });
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '3' }]);
    await drain({ Records: [message('1', sent[0] as string)] });
    const [agg] = await new DynamoUsageLog(db(), tables).clientAggregates('spooled', month);
    expect(agg).toMatchObject({ calls: 1, billableCalls: 1 });
  });

  it('leaves a batch whose aggregates failed for the sweeper, switches writer, and counts everything once', async () => {
    const flaky = db();
    const ddbMock = mockClient(flaky);
    ddbMock.on(PutCommand).callsFake((input) => db().send(new PutCommand(input)));
    ddbMock.on(UpdateCommand).rejectsOnce(Object.assign(new Error('Throttled'), { name: 'ThrottlingException' }));
    ddbMock.on(UpdateCommand).callsFake((input) => db().send(new UpdateCommand(input)));
    const log = new DynamoUsageLog(flaky, tables);
    const meter = new DirectMeter(log, new SqsSpool(new SQSClient({ region: 'eu-west-3' }), 'q'), silentLogger);
    await meter.record(record('swept', 1)); // committed, not applied: pending
    ddbMock.restore();
    const realLog = new DynamoUsageLog(db(), tables);
    expect((await realLog.committed()).filter((b) => b.records[0]?.clientId === 'swept')).toHaveLength(1);
    const meter2 = new DirectMeter(realLog, new SqsSpool(new SQSClient({ region: 'eu-west-3' }), 'q'), silentLogger);
    await meter2.record(record('swept', 2));

    const statements = createStatementsHandler(db(), tables, {}, silentLogger, () => Date.now());
    expect(await statements({ action: 'sweep' })).toMatchObject({ swept: 1 });
    expect(await statements({ action: 'sweep' })).toMatchObject({ swept: 0 });
    const [agg] = await realLog.clientAggregates('swept', month);
    expect(agg).toMatchObject({ calls: 2, billableCalls: 2 });
  });
});
