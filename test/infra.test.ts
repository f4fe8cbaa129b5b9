import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../infra/app.ts';
import { FaascapeStack } from '../infra/faascape-stack.ts';
import { FeatureFunctions, gatewayTimeout } from '../infra/features.ts';
import { readManifests } from '../runtime/local/load-features.ts';
import { HouseFunction, REPO_ROOT } from '../infra/house-function.ts';
import { LogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import { PlatformTables } from '../infra/tables.ts';
import { DEFAULT_CONCURRENCY, GATEWAY_MARGIN_MS, MAX_TIMEOUT_MS, parseManifest } from '../shared/manifest.ts';
import { DEFAULT_POLICY } from '../shared/statement.ts';
import { TABLES, type TableId } from '../runtime/store/tables.ts';
import { quietCdkBundling } from './helpers/quiet-cdk.ts';

quietCdkBundling();

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

let template: Template;
let resources: Resources;
let houseFunctions: HouseFunction[];
const { specs } = readManifests(`${REPO_ROOT}functions`);

const outdirs: string[] = [];
const outdir = () => {
  const d = mkdtempSync(join(tmpdir(), 'faascape-cdk-'));
  outdirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of outdirs) rmSync(d, { recursive: true, force: true });
});

beforeAll(async () => {
  const { app, stack } = await buildApp({ stage: 'test' }, outdir());
  // With cdk-nag's AwsSolutions pack registered, synth throws on any unacknowledged finding.
  app.synth();
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
  houseFunctions = stack.node.findAll().filter((c): c is HouseFunction => c instanceof HouseFunction);
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const refId = (v: unknown): string | undefined => {
  const o = v as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  return o?.['Fn::GetAtt']?.[0] ?? o?.Ref;
};

function actionsOfRole(roleId: string): string[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => refId(r) === roleId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => [s.Action].flat()));
}

describe('the CDK stack', () => {
  it('bundles quietly: esbuild prints warnings and errors, not sizes and timings of every bundle (npm test output)', () => {
    expect(houseFunctions.length).toBeGreaterThan(specs.length);
    for (const f of houseFunctions) expect(f.bundlingOptions.logLevel, f.node.path).toBe(LogLevel.WARNING);
  });

  it('deploys one Lambda per feature with the memory and timeout of its manifest', () => {
    const features = ofType('AWS::Lambda::Function').filter(([, f]) => (f.Properties.Environment as { Variables: Record<string, string> })?.Variables?.FAASCAPE_FEATURE);
    expect(features).toHaveLength(specs.length);
    for (const spec of specs) {
      const [, fn] = features.find(([, f]) => (f.Properties.Environment as { Variables: Record<string, string> }).Variables.FAASCAPE_FEATURE === spec.slug) ?? [];
      expect(fn?.Properties).toMatchObject({
        MemorySize: spec.manifest.memoryMb,
        Timeout: Math.ceil(spec.manifest.timeoutMs / 1000),
        ReservedConcurrentExecutions: spec.concurrency,
        Architectures: ['arm64'],
        Runtime: 'nodejs24.x',
        // A thrown error's stack names the developer's source line, as it does locally.
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
      });
      // Its log group has Lambda's default name: the console and `faascape logs --stage` find it by slug.
      const group = ofType('AWS::Logs::LogGroup').find(([id]) => id === refId((fn?.Properties.LoggingConfig as { LogGroup?: unknown })?.LogGroup));
      expect(group?.[1].Properties.LogGroupName).toBe(`/aws/lambda/faascape-test-feature-${spec.slug}`);
    }
  });

  it("reserves each feature's declared concurrency for it, and caps it there", () => {
    // The test fixtures declare 1, 2, 4 and 8; the shipped features use the default.
    const fixtures = `${REPO_ROOT}test/fixtures/functions`;
    const { specs: declared } = readManifests(fixtures);
    expect(new Set(declared.map((s) => s.manifest.concurrency))).toEqual(new Set([1, 2, 4, 8]));
    const stack = new Stack(new App({ outdir: outdir() }), 'Features');
    const fns = new FeatureFunctions(stack, 'F', { functionsDir: fixtures, features: declared, functionPrefix: 'faascape-x-feature-' });
    const reserved = Object.values(Template.fromStack(stack).toJSON().Resources as Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => [(r.Properties.Environment as { Variables: Record<string, string> }).Variables.FAASCAPE_FEATURE, r.Properties.ReservedConcurrentExecutions]);
    expect(Object.fromEntries(reserved)).toEqual(Object.fromEntries(declared.map((s) => [s.slug, s.manifest.concurrency])));
    expect(fns.functions.size).toBe(declared.length);
  });

  it('reserves the default concurrency, as the local process pool allows, for a manifest that declares none', () => {
    const undeclared = specs.filter((s) => s.manifest.concurrency === undefined);
    expect(undeclared.length).toBeGreaterThan(0);
    for (const spec of undeclared) {
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ FAASCAPE_FEATURE: spec.slug }) }, ReservedConcurrentExecutions: DEFAULT_CONCURRENCY });
    }
  });

  it('gives the gateway 29 s at most, and at least the slowest feature plus its margin', () => {
    const [, gateway] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('Gateway')) ?? [];
    const featureTimeouts = ofType('AWS::Lambda::Function')
      .filter(([, f]) => (f.Properties.Environment as { Variables: Record<string, string> })?.Variables?.FAASCAPE_FEATURE)
      .map(([, f]) => f.Properties.Timeout as number);
    const timeout = gateway?.Properties.Timeout as number;
    expect(timeout).toBeLessThanOrEqual(29);
    expect(timeout * 1000).toBeGreaterThanOrEqual(Math.max(...featureTimeouts) * 1000 + GATEWAY_MARGIN_MS);
    // The longest timeout a manifest may declare still fits, with the feature Lambda's rounding.
    const longest = parseManifest('slowest', 'x', { ...specs[0]?.manifest, timeoutMs: MAX_TIMEOUT_MS });
    expect(gatewayTimeout([longest]).toSeconds()).toBe(timeout);
    expect(Math.ceil(MAX_TIMEOUT_MS / 1000) * 1000 + GATEWAY_MARGIN_MS).toBeLessThanOrEqual(timeout * 1000);
  });

  it('refuses at synth a feature Lambda slower than the gateway can wait for, naming it', () => {
    // Past the manifest parser (which refuses it already): the Lambda settings hold the same rule.
    const spec = parseManifest('report-builder', 'x', { ...specs[0]?.manifest, timeoutMs: MAX_TIMEOUT_MS });
    const tooSlow = { ...spec, manifest: { ...spec.manifest, timeoutMs: MAX_TIMEOUT_MS + 1 } };
    expect(() => gatewayTimeout([spec, tooSlow])).toThrow(/feature "report-builder" would time out after 28 s/);
  });

  it('refuses to synthesize a feature whose manifest asks for more time than the HTTP API allows', () => {
    const functionsDir = join(outdir(), 'functions');
    mkdirSync(join(functionsDir, 'report-builder'), { recursive: true });
    writeFileSync(join(functionsDir, 'report-builder', 'feature.json'), JSON.stringify({ ...specs[0]?.manifest, timeoutMs: 60_000 }));
    writeFileSync(join(functionsDir, 'report-builder', 'index.ts'), 'export const handler = async () => ({ statusCode: 200, body: "ok" });\n');
    const synth = () => new FaascapeStack(new App({ outdir: outdir() }), 'TooSlow', { stage: 'test', policy: DEFAULT_POLICY, functionsDir, consoleSiteDir: outdir() });
    expect(synth).toThrow(/cannot deploy/);
    expect(synth).toThrow(/report-builder\/feature\.json: timeoutMs: feature "report-builder" asks for 60000 ms, but at most 27000 ms/);
  });

  it('gives feature roles nothing but their own logs: no table, queue, secret, and no tracing into the platform’s traces', () => {
    const features = ofType('AWS::Lambda::Function').filter(([, f]) => (f.Properties.Environment as { Variables: Record<string, string> })?.Variables?.FAASCAPE_FEATURE);
    for (const [, fn] of features) {
      const actions = actionsOfRole(refId(fn.Properties.Role) as string);
      expect(actions.filter((a) => /^(dynamodb|sqs|secretsmanager|lambda):/.test(a))).toEqual([]);
      expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(fn.Properties.TracingConfig).toBeUndefined();
    }
  });

  it('lets only the gateway invoke features, and only feature functions', () => {
    const featureIds = new Set(ofType('AWS::Lambda::Function').filter(([, f]) => (f.Properties.Environment as { Variables: Record<string, string> })?.Variables?.FAASCAPE_FEATURE).map(([id]) => id));
    const invokers = ofType('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('lambda:InvokeFunction'));
    expect(invokers).toHaveLength(1);
    const [, policy] = invokers[0] as [string, Resources[string]];
    const gatewayRole = refId((ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('Gateway')) as [string, Resources[string]])[1].Properties.Role);
    expect((policy.Properties.Roles as unknown[]).map(refId)).toEqual([gatewayRole]);
    const invokeStatements = (policy.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown[] }[] }).Statement.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    const targets = new Set(invokeStatements.flatMap((s) => [s.Resource].flat().map((r) => refId(r) ?? refId((r as { 'Fn::Join': [string, unknown[]] })['Fn::Join']?.[1]?.[0]))));
    expect(targets).toEqual(featureIds);
  });

  it('retains every money table, with point-in-time recovery and encryption', () => {
    const tables = ofType('AWS::DynamoDB::GlobalTable');
    expect(tables).toHaveLength(Object.keys(TABLES).length);
    for (const id of Object.keys(TABLES) as TableId[]) {
      const [, t] = tables.find(([, r]) => r.Properties.TableName === `faascape-test-${id}`) ?? [];
      // Money tables outlive the stack; disposable ones (console sessions) go with a dev stack.
      expect(t?.DeletionPolicy).toBe(TABLES[id].retain ? 'Retain' : 'Delete');
      expect(t?.Properties.Replicas).toEqual([expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })]);
      expect(t?.Properties.SSESpecification).toBeDefined();
      expect(t?.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      const expiry = (TABLES[id] as { expiryAttribute?: string }).expiryAttribute;
      expect(t?.Properties.TimeToLiveSpecification).toEqual(expiry ? { AttributeName: expiry, Enabled: true } : undefined);
    }
    expect(TABLES.accounts.retain).toBe(true);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'faascape-test-records', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'faascape-test-sessions', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
  });

  it("indexes usage lines by month with their keys only, so the aggregator's updates never write the index", () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'faascape-test-usage',
      GlobalSecondaryIndexes: [{ IndexName: 'byMonth', KeySchema: [{ AttributeName: 'month', KeyType: 'HASH' }, { AttributeName: 'line', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
    });
    // The keys' index feeds listKeys (createdAt, revokedAt): it keeps every attribute.
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TableName: 'faascape-test-keys', GlobalSecondaryIndexes: [{ IndexName: 'byClient', Projection: { ProjectionType: 'ALL' } }] });
  });

  it('retains and deletion-protects every table in prod, the disposable sessions table included', () => {
    const stack = new Stack(new App({ outdir: outdir() }), 'Prod');
    new PlatformTables(stack, 'Tables', { namePrefix: 'faascape-prod-', destroyable: false });
    const prod = Object.values(Template.fromStack(stack).toJSON().Resources as Resources).filter((r) => r.Type === 'AWS::DynamoDB::GlobalTable');
    expect(prod).toHaveLength(Object.keys(TABLES).length);
    for (const t of prod) {
      expect(t.DeletionPolicy).toBe('Retain');
      expect(t.Properties.Replicas).toEqual([expect.objectContaining({ DeletionProtectionEnabled: true })]);
    }
  });

  it('closes months at 02:00 UTC on the 1st and aggregates usage every 5 minutes, with alarms on lag and failures', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 2 1 * ? *)' });
    const aggregatorId = ofType('AWS::Lambda::Function').find(([, f]) => String(f.Properties.Description).startsWith('Folds the usage records'))?.[0];
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)', Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [aggregatorId, 'Arn'] } })] });
    // No aggregator run at all must alarm too: a missing lag metric breaches.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Faascape/Metering', MetricName: 'AggregationLagSeconds', Threshold: 900, TreatMissingData: 'breaching' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: aggregatorId } }], Threshold: 0 });
    // Gateways that cannot reach the limits table refuse clients with a quota or a cap.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Faascape/Metering', MetricName: 'LimitStoreUnreachable', Statistic: 'Sum', Threshold: 0 });
    // A stopped aggregator also alarms on Lambda's own count of its runs, which no feature can forge.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: { Ref: aggregatorId } }], Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
  });

  it('tells one SSL-only SNS topic of every alarm, and keeps the pseudonym key when the stack goes', () => {
    const [topicId] = ofType('AWS::SNS::Topic').map(([id]) => id);
    expect(topicId).toBeDefined();
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(10);
    for (const [id, a] of alarms) expect(a.Properties.AlarmActions, id).toEqual([{ Ref: topicId }]);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) }) });
    const [, secret] = ofType('AWS::SecretsManager::Secret')[0] ?? [];
    expect(secret?.DeletionPolicy).toBe('Retain');
  });

  it('spools to an SSL-only queue with a dead-letter queue, and alarms when the DLQ is not empty', () => {
    const queues = ofType('AWS::SQS::Queue');
    const spool = queues.find(([, q]) => q.Properties.RedrivePolicy);
    expect(spool?.[1].Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 10 });
    const dlqId = refId((spool?.[1].Properties.RedrivePolicy as { deadLetterTargetArn: unknown }).deadLetterTargetArn);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('serves the local routes through an HTTP API with access logs and throttling, and outputs its URL', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort();
    expect(routes).toEqual(['ANY /console/api/{proxy+}', 'ANY /v1/features', 'ANY /v1/features/{slug}', 'ANY /v1/features/{slug}/{proxy+}', 'ANY /v1/usage', 'GET /v1/health', 'GET /v1/openapi.json', 'POST /console/api/finance/months/{month}/close', 'POST /console/api/finance/months/{month}/payouts/approve']);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }), DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 1000 }) });
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(['AlarmTopicArn', expect.stringMatching(/^ApiUrl/), 'ConsoleUrl']);
  });

  it('runs cdk-nag for real: an unacknowledged finding fails the synth', () => {
    const app = new App({ outdir: outdir() });
    const stack = new Stack(app, 'Bad');
    new Queue(stack, 'NoDlqNoSsl');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow();
  });
});
