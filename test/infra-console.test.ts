import { Template } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { Validations } from 'aws-cdk-lib';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../infra/app.ts';
import type { FaascapeStack } from '../infra/faascape-stack.ts';
import { FINANCE_APPROVE_PAYOUTS_ROUTE, FINANCE_CLOSE_ROUTE, FINANCE_WRITE_ROUTES } from '../infra/console.ts';
import { CONSOLE_API_PREFIX } from '../runtime/console/api-types.ts';
import type { ConsoleDeps } from '../runtime/console/deps.ts';
import { consoleRoutes } from '../runtime/console/handler.ts';
import { quietCdkBundling } from './helpers/quiet-cdk.ts';

quietCdkBundling();

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Resources = Record<string, Resource>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown };
type Behavior = { PathPattern?: string; TargetOriginId: string; CachePolicyId: string; OriginRequestPolicyId?: string; AllowedMethods: string[]; ViewerProtocolPolicy: string; Compress: boolean; ResponseHeadersPolicyId?: unknown };
type Origin = { Id: string; DomainName: unknown; OriginAccessControlId?: unknown; S3OriginConfig?: { OriginAccessIdentity?: string }; CustomOriginConfig?: { OriginProtocolPolicy: string; OriginSSLProtocols: string[] } };

let stack: FaascapeStack;
let template: Template;
let resources: Resources;
const dir = mkdtempSync(join(tmpdir(), 'faascape-cdk-console-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const built = await buildApp({ stage: 'test' }, dir);
  stack = built.stack;
  // With cdk-nag's AwsSolutions pack registered, synth throws on any unacknowledged finding.
  built.app.synth();
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (type: string): [string, Resource] => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Resource];
};
const refId = (v: unknown): string | undefined => {
  const o = v as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  return o?.['Fn::GetAtt']?.[0] ?? o?.Ref;
};
const idOf = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as Parameters<FaascapeStack['getLogicalId']>[0]);
/** Logical ids a policy resource (GetAtt, Ref, or a Join of them) refers to. */
const refsIn = (v: unknown): string[] => (JSON.stringify(v).match(/"(?:Ref|Fn::GetAtt)":\s*(?:"|\[")([A-Za-z0-9]+)/g) ?? []).map((m) => m.replace(/.*"([A-Za-z0-9]+)$/, '$1'));

function distribution() {
  const [, d] = only('AWS::CloudFront::Distribution');
  return d.Properties.DistributionConfig as { Origins: Origin[]; DefaultCacheBehavior: Behavior; CacheBehaviors: Behavior[]; DefaultRootObject: string; Logging?: { Bucket: unknown } };
}

describe('the web console in the CDK stack', () => {
  it('keeps the site in a private, SSL-only, encrypted bucket with no public policy', () => {
    const siteId = idOf(stack.console.bucket);
    const site = resources[siteId] as Resource;
    expect(site.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(site.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(site.Properties.WebsiteConfiguration).toBeUndefined();
    expect(site.Properties.LoggingConfiguration).toMatchObject({ DestinationBucketName: { Ref: idOf(stack.console.logs) } });
    // A test stage goes with its stack.
    expect(site.DeletionPolicy).toBe('Delete');

    const [, policy] = ofType('AWS::S3::BucketPolicy').find(([, p]) => refId(p.Properties.Bucket) === siteId) ?? [];
    const statements = (policy?.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const allows = statements.filter((s) => s.Effect === 'Allow');
    for (const s of allows) expect(JSON.stringify(s.Principal)).not.toMatch(/"\*"/);
    // Reading objects: CloudFront only, and only on behalf of this distribution.
    const reads = allows.filter((s) => [s.Action].flat().includes('s3:GetObject'));
    expect(reads).toEqual([
      expect.objectContaining({ Principal: { Service: 'cloudfront.amazonaws.com' }, Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } } }),
    ]);
    expect(refsIn(reads[0]?.Condition)).toContain(idOf(stack.console.distribution));
  });

  it('serves the bucket through CloudFront with an origin access control, not an identity', () => {
    const [oacId, oac] = only('AWS::CloudFront::OriginAccessControl');
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    expect(ofType('AWS::CloudFront::CloudFrontOriginAccessIdentity')).toEqual([]);

    const d = distribution();
    const s3 = d.Origins.find((o) => refId(o.DomainName) === idOf(stack.console.bucket));
    expect(refId(s3?.OriginAccessControlId)).toBe(oacId);
    expect(s3?.S3OriginConfig?.OriginAccessIdentity ?? '').toBe('');
    expect(d.DefaultRootObject).toBe('index.html');
    expect(d.DefaultCacheBehavior).toMatchObject({ TargetOriginId: s3?.Id, ViewerProtocolPolicy: 'redirect-to-https', Compress: true, AllowedMethods: ['GET', 'HEAD'] });
    expect(refId(d.Logging?.Bucket)).toBe(idOf(stack.console.logs));
  });

  it('sends /v1/* and /console/api/* to the HTTP API, uncached, with every viewer header but Host', () => {
    const d = distribution();
    const apiOrigin = d.Origins.find((o) => JSON.stringify(o.DomainName).includes('ApiEndpoint'));
    expect(refsIn(apiOrigin?.DomainName)).toEqual([idOf(stack.node.findChild('Api').node.findChild('Http'))]);
    expect(apiOrigin?.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(d.CacheBehaviors.map((b) => b.PathPattern).sort()).toEqual(['/console/api/*', '/v1/*']);
    for (const b of d.CacheBehaviors) {
      expect(b).toMatchObject({
        TargetOriginId: apiOrigin?.Id,
        CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
        OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
        ViewerProtocolPolicy: 'https-only',
      });
      expect([...b.AllowedMethods].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    }
  });

  it('sends security headers with the pages: a self-only CSP with no inline script', () => {
    const d = distribution();
    const policies = ofType('AWS::CloudFront::ResponseHeadersPolicy');
    const [policyId, policy] = policies.find(([id]) => id === refId(d.DefaultCacheBehavior.ResponseHeadersPolicyId)) ?? [];
    expect(policy).toBeDefined();
    // The API's answers through the CDN: HSTS, no framing, no sniffing (the gateway sets a feature answer's CSP).
    for (const b of d.CacheBehaviors ?? []) {
      const [, api] = policies.find(([id]) => id === refId(b.ResponseHeadersPolicyId)) ?? [];
      expect(api, b.PathPattern).toBeDefined();
      expect(api?.Properties.ResponseHeadersPolicyConfig).toMatchObject({ SecurityHeadersConfig: { StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000 }, FrameOptions: { FrameOption: 'DENY' }, ContentTypeOptions: {} } });
      expect(policyId).not.toBe(refId(b.ResponseHeadersPolicyId));
    }
    const headers = ((policy as Resource).Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: Record<string, Record<string, unknown>> }).SecurityHeadersConfig;
    const csp = String(headers.ContentSecurityPolicy?.ContentSecurityPolicy).split(/;\s*/);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(headers.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31_536_000 });
    expect(headers.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    expect(headers.ContentTypeOptions).toBeDefined();
  });

  it('deploys the built app: hashed bundles cached for good, index.html revalidated on every load', () => {
    const deployments = ofType('Custom::CDKBucketDeployment').map(([id, d]) => ({ id, ...d }));
    expect(deployments).toHaveLength(2);
    for (const d of deployments) {
      expect(refId(d.Properties.DestinationBucketName)).toBe(idOf(stack.console.bucket));
      // Pruning would delete the other deployment's files, and bundles an open tab still needs.
      expect(d.Properties.Prune).toBe(false);
    }
    const cacheControl = (d: Resource) => (d.Properties.SystemMetadata as Record<string, string>)['cache-control'];
    const pages = deployments.find((d) => cacheControl(d) === 'no-cache');
    const bundles = deployments.find((d) => cacheControl(d) === 'public, max-age=31536000, immutable');
    expect(pages && bundles).toBeTruthy();
    expect((resources[pages?.id ?? ''] as { DependsOn?: string[] }).DependsOn).toEqual(expect.arrayContaining([bundles?.id]));

    // Which file went where: the staged assets of each deployment.
    const assetDir = (d: Resource) => {
      const hash = JSON.stringify(d.Properties.SourceObjectKeys).match(/([0-9a-f]{64})\.zip/)?.[1];
      return join(dir, `asset.${hash}`);
    };
    expect(readdirSync(assetDir(pages as Resource)).sort()).toEqual(['index.html', 'licenses.txt']);
    const hashed = readdirSync(assetDir(bundles as Resource)).sort();
    expect(hashed).toHaveLength(2);
    expect(hashed).toEqual(expect.arrayContaining([expect.stringMatching(/^app-[A-Za-z0-9]+\.css$/), expect.stringMatching(/^app-[A-Za-z0-9]+\.js$/)]));
    const html = readFileSync(join(assetDir(pages as Resource), 'index.html'), 'utf8');
    for (const f of hashed) expect(html).toContain(f);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('routes ANY /console/api/{proxy+} to the console Lambda, with the tables and policy it reads', () => {
    const consoleId = idOf(stack.console.handler);
    const fn = resources[consoleId] as Resource;
    expect(fn.Properties).toMatchObject({ Architectures: ['arm64'], Runtime: 'nodejs24.x', TracingConfig: { Mode: 'Active' } });
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).sort()).toEqual(
      ['FAASCAPE_DEVELOPER_SHARE_PERCENT', 'FAASCAPE_MINIMUM_PAYOUT', 'FEATURE_FUNCTION_PREFIX', 'TABLE_ACCOUNTS', 'TABLE_ALERTS', 'TABLE_CLIENTS', 'TABLE_COMMUNITY', 'TABLE_KEYS', 'TABLE_LIMITS', 'TABLE_PAYEES', 'TABLE_RECORDS', 'TABLE_SESSIONS', 'TABLE_STATEMENTS', 'TABLE_USAGE'].sort(),
    );

    const [, route] = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === 'ANY /console/api/{proxy+}') ?? [];
    const integrationId = JSON.stringify(route?.Properties.Target).match(/"Ref":"([A-Za-z0-9]+)"/)?.[1];
    const integration = resources[integrationId ?? ''] as Resource;
    expect(refId(integration.Properties.IntegrationUri)).toBe(consoleId);
  });

  it('serves the finance close from a Lambda of its own, the same console code on the one route that stores statements', () => {
    const closeId = idOf(stack.console.financeClose);
    const close = resources[closeId] as Resource;
    const main = resources[idOf(stack.console.handler)] as Resource;
    expect(close.Properties).toMatchObject({ Architectures: ['arm64'], Runtime: 'nodejs24.x', TracingConfig: { Mode: 'Active' }, MemorySize: main.Properties.MemorySize, Timeout: main.Properties.Timeout });
    // The same bundle and the same environment: only the role differs.
    expect(close.Properties.Code).toEqual(main.Properties.Code);
    expect(close.Properties.Environment).toEqual(main.Properties.Environment);
    expect(close.Properties.Role).not.toEqual(main.Properties.Role);

    const integrationOf = (routeKey: string) => {
      const [, route] = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === routeKey) ?? [];
      const integrationId = JSON.stringify(route?.Properties.Target).match(/"Ref":"([A-Za-z0-9]+)"/)?.[1];
      return refId((resources[integrationId ?? ''] as Resource).Properties.IntegrationUri);
    };
    expect(integrationOf(`${FINANCE_CLOSE_ROUTE.method} ${FINANCE_CLOSE_ROUTE.path}`)).toBe(closeId);
    // Approving a payout run stores it in the statements table: the same Lambda.
    expect(integrationOf(`${FINANCE_APPROVE_PAYOUTS_ROUTE.method} ${FINANCE_APPROVE_PAYOUTS_ROUTE.path}`)).toBe(closeId);
    // Only those routes: every other console call (the payout run's view and file among them) goes to the console Lambda.
    const targets = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => String(r.Properties.RouteKey).includes('/console/')).map(([, r]) => integrationOf(String(r.Properties.RouteKey)));
    expect(targets.filter((t) => t === closeId)).toHaveLength(2);
    expect(FINANCE_WRITE_ROUTES).toHaveLength(2);
  });

  it("names the console's own routes that store statement items: the only routes the close Lambda is given, and all of them", () => {
    const routes = consoleRoutes({} as ConsoleDeps);
    const served = FINANCE_WRITE_ROUTES.map(({ method, path }) => {
      const local = path.slice(CONSOLE_API_PREFIX.length).replace('{month}', '2026-11');
      // API Gateway's {month} is one path segment, as the console's ([^/]+) is.
      const matching = routes.filter((r) => r.path.test(local));
      expect(matching.map((r) => r.method), path).toEqual([method]);
      expect(matching[0]?.access).toBe('finance');
      expect(matching[0]?.csrf).not.toBe(false);
      expect(matching[0]?.writesStatements, path).toBe(true);
      return matching[0];
    });
    // Every route that writes statements locally is routed to the close Lambda in AWS: a writing
    // route left on the console Lambda would be refused by its role.
    expect(routes.filter((r) => r.writesStatements)).toEqual(served);
    // The payout run's view and payment file only read: they stay on the console Lambda.
    for (const p of ['/finance/months/2026-11/payouts', '/finance/months/2026-11/payouts.xml']) expect(routes.filter((r) => r.path.test(p)).map((r) => [r.method, r.writesStatements ?? false])).toEqual([['GET', false]]);
  });

  it('outputs the console URL next to the API URL', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ConsoleUrl?.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [idOf(stack.console.distribution), 'DomainName'] }]] });
    expect(Object.keys(outputs).some((k) => k.startsWith('ApiUrl'))).toBe(true);
  });

  it('passes cdk-nag, fixing access logs and acknowledging the rest with a reason each', () => {
    // beforeAll synthesized with AwsSolutions registered: reaching here means no unacknowledged finding.
    const acknowledged = new Map<string, string>();
    for (const c of stack.console.node.findAll()) {
      for (const m of c.node.metadata) {
        if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(m.data as Record<string, string>)) acknowledged.set(`${c.node.path}|${id.replace(/^annotation::/i, '')}`, reason);
      }
    }
    for (const reason of acknowledged.values()) expect(reason.length).toBeGreaterThan(20);
    const ids = [...acknowledged.keys()].map((k) => k.split('|')[1]);
    // Geo restriction, WAF and the default certificate's TLS floor are acknowledged, with reasons.
    expect(ids).toEqual(expect.arrayContaining(['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR4']));
    // Access logging is fixed rather than acknowledged: the distribution and the site bucket log.
    expect(ids).not.toContain('AwsSolutions-CFR3');
    expect([...acknowledged.keys()].filter((k) => k.endsWith('|AwsSolutions-S1'))).toEqual([`${stack.console.logs.node.path}|AwsSolutions-S1`]);
  });
});
