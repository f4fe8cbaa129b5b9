import { CfnOutput, DefaultStackSynthesizer, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { TableId } from '../runtime/store/tables.ts';
import { HouseFunction, REPO_ROOT } from './house-function.ts';
import { grantTables, tableEnvironment } from './table-access.ts';

/** The console's API routes, on the same HTTP API as the gateway. */
export const CONSOLE_ROUTE = '/console/api/{proxy+}';

/**
 * The console route that writes final statements (finance closes a month), with its own Lambda
 * and role; the more specific route wins over CONSOLE_ROUTE in an HTTP API.
 */
export const FINANCE_CLOSE_ROUTE = { method: HttpMethod.POST, path: '/console/api/finance/months/{month}/close' };

/** Finance approves a month's payout run: the approved run is stored in the statements table. */
export const FINANCE_APPROVE_PAYOUTS_ROUTE = { method: HttpMethod.POST, path: '/console/api/finance/months/{month}/payouts/approve' };

/**
 * Every console route that stores statement items (those marked `writesStatements` in
 * runtime/console), all served by the finance close Lambda; test/infra-console.test.ts holds the
 * two lists together, so a new writing route cannot land on the console Lambda, whose role would
 * refuse its write.
 */
export const FINANCE_WRITE_ROUTES = [FINANCE_CLOSE_ROUTE, FINANCE_APPROVE_PAYOUTS_ROUTE] as const;

/**
 * Content-Security-Policy of the console pages: scripts and everything else from the site itself
 * only (the build emits no inline script); uPlot sets inline styles, hence 'unsafe-inline' for
 * styles alone.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * CloudFront replaces the Host header with the API's own domain (API Gateway routes on it); the
 * console builds absolute URLs (the ready-to-copy invoke URL of a feature) from x-forwarded-host.
 */
const FORWARD_HOST = `function handler(event) {
  var request = event.request;
  request.headers['x-forwarded-host'] = { value: request.headers.host.value };
  return request;
}`;

export interface PlatformConsoleProps {
  api: HttpApi;
  tables: Record<TableId, TableV2>;
  /** the statement policy (developer share, minimum payout): finance closes months from the console */
  policyEnv: Record<string, string>;
  /** esbuild defines of the bundle: the feature catalogue, as for the gateway */
  define: Record<string, string>;
  /** the built web app: index.html and its assets */
  siteDir: string;
  /** dev stages: buckets go with the stack; prod keeps them */
  destroyable: boolean;
  /** feature function names start with it: the console finds each feature's log group from it (runtime/aws/feature-log-groups.ts) */
  featureFunctionPrefix: string;
  /** the feature functions' log groups: the developer page reads their recent errors */
  featureLogGroups: ILogGroup[];
}

/**
 * The web console: its API Lambda behind `ANY /console/api/{proxy+}` on the platform's HTTP API
 * (and a second one, same code, for the routes that store statement items alone: see FINANCE_WRITE_ROUTES), the static app in a private bucket, and one CloudFront distribution that serves both (and the
 * public `/v1/*` API) on a single origin, so the SameSite=Strict session cookie just works.
 */
export class PlatformConsole extends Construct {
  readonly handler: HouseFunction;
  readonly financeClose: HouseFunction;
  readonly bucket: Bucket;
  readonly logs: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: PlatformConsoleProps) {
    super(scope, id);
    const { tables } = props;

    const consoleFunction = (id: string, description: string) =>
      new HouseFunction(this, id, {
        entry: `${REPO_ROOT}runtime/aws/console-lambda.ts`,
        description,
        // Finance previews and closes a month within one request: one full vCPU for it.
        memorySize: 1769,
        timeout: Duration.seconds(29),
        environment: {
          // The handler reads every table name at start; its role decides what it may do with each.
          ...tableEnvironment(tables, ['accounts', 'sessions', 'clients', 'keys', 'usage', 'records', 'statements', 'community', 'limits', 'payees', 'alerts']),
          FEATURE_FUNCTION_PREFIX: props.featureFunctionPrefix,
          ...props.policyEnv,
        },
        define: props.define,
      });

    // The console serves every page to the internet: its role holds exactly the calls its routes
    // make (runtime/console, runtime/community, the statements preview). It writes no usage, no
    // records and no statement; it never reads the usage log.
    this.handler = consoleFunction('Api', 'Faascape console API: sign-in, client, developer and finance pages');
    grantTables(this.handler, tables, {
      // Password sign-in and reset (GetItem, UpdateItem of the hash); accounts are created by the operator's CLI.
      accounts: { actions: ['GetItem', 'UpdateItem'] },
      // Sessions, one-time links (a conditional delete redeems one), failed sign-in counters, and a
      // Scan that ends an account's sessions when its password is reset.
      sessions: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Scan'] },
      // A client's page and spend cap (the client item is created on first use).
      clients: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
      // Keys: created (conditional PutItem), revoked (UpdateItem), listed per client on byClient.
      keys: { actions: ['GetItem', 'PutItem', 'UpdateItem'], queryIndexes: ['byClient'] },
      // A client's month and days, a feature's days (Query); a month's clients on byMonth (keys
      // only) and their lines (Query) for the finance preview and developer levels; a month's call
      // counter (GetItem) for late usage.
      usage: { actions: ['GetItem', 'Query'], queryIndexes: ['byMonth'] },
      // Invoices, earnings and the finance archive: headers (a Scan of them lists the closed
      // months), chunks and party items. Never a PutItem, BatchWriteItem, UpdateItem or DeleteItem.
      statements: { actions: ['GetItem', 'Query', 'Scan'] },
      // Threads, posts, requests, votes and help credits: posts are edited and hidden, votes withdrawn.
      community: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'], queryIndexes: ['byScope'] },
      // A client's quota and spend cap as the gateways count them (one GetItem of its month).
      limits: { actions: ['GetItem'] },
      // The signed-in developer's payee (GetItem, PutItem) and flags (PutItem, Query of its own
      // partition). IAM cannot tell one developer from another here: the developer routes take the
      // id from the session only, never from the request. Payout runs themselves are statement
      // items, approved on the finance close Lambda.
      payees: { actions: ['GetItem', 'PutItem', 'Query'] },
      // The signed-in client's alerts (runtime/console/routes/webhooks.ts): its endpoints added
      // (PutItem) and removed (DeleteItem, endpoint items only), its events and deliveries read
      // (Query of its partition, GetItem of one event), a delivery resent (UpdateItem). IAM cannot
      // tell one client's partition from another's here: the routes take the client id from the
      // session only. Not the byDue index: sending is the alerts Lambda's (infra/jobs.ts).
      alerts: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'] },
    });

    // The developer page's recent errors (GET /console/api/developer/errors): FilterLogEvents on
    // exactly the features' log groups, never the platform's own (the gateway's hold client ids).
    // IAM cannot tell one developer's feature from another's: the route asks only for the
    // signed-in developer's features (the session's id, never one from the request).
    if (props.featureLogGroups.length) {
      this.handler.addToRolePolicy(new PolicyStatement({ actions: ['logs:FilterLogEvents'], resources: props.featureLogGroups.map((g) => g.logGroupArn) }));
    }

    // Finance closes a month from the console (POST …/finance/months/{month}/close), which stores
    // the final statement, as the scheduled statements job does, and approves its payout run (POST
    // …/payouts/approve), stored next to it once and for good. Those writes cannot be split off by
    // key inside the statements table (every item of it is part of a final statement or run, one
    // partition per month), so they are split off by route: this Lambda runs the same console code
    // but serves FINANCE_WRITE_ROUTES only, and it alone of the two may add statement items. It can
    // read a session (the handler checks for a finance session and the CSRF token before the route
    // runs) and what a close or an approval reads; it can never update or delete a statement item.
    this.financeClose = consoleFunction('FinanceClose', 'Faascape console API: finance closes a month and approves its payout run (the console routes that store statements)');
    grantTables(this.financeClose, tables, {
      sessions: { actions: ['GetItem'] },
      // The signed-in account, read again: a finance route trusts the account's role, not the session's.
      accounts: { actions: ['GetItem'] },
      // The close previews again first: a month's clients (byMonth, keys only), their lines (Query)
      // and call counters (GetItem).
      usage: { actions: ['GetItem', 'Query'], queryIndexes: ['byMonth'] },
      // StatementStore.putFinal: the parts, then the header on condition that none exists, then the
      // month's invoices, each number on condition that it is free: PutItem only, so the store's
      // code never overwrites a closed month or an invoice. IAM cannot require those conditions;
      // what it enforces here is no UpdateItem, DeleteItem or BatchWriteItem (which IAM cannot
      // tell from a delete), for this one finance-only route.
      statements: { actions: ['GetItem', 'Query', 'PutItem'] },
      // The buyer of each invoice: the client's billing details.
      clients: { actions: ['GetItem'] },
      // An approval plans the run again: each developer's payee (GetItem) and flags (Query). It
      // never writes one: payees are the developers' own.
      payees: { actions: ['GetItem', 'Query'] },
    });
    // The close refuses while the aggregates trail the month: it reads the aggregator's state, one
    // item of the records table, and IAM holds it to that item's partition key (`agg`).
    this.financeClose.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [tables.records.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['agg'] } },
      }),
    );

    const apig4 = { id: 'AwsSolutions-APIG4', reason: 'Console sessions are verified by the console Lambda (HttpOnly SameSite=Strict cookie, CSRF token, role per route).' };
    for (const route of props.api.addRoutes({ path: CONSOLE_ROUTE, methods: [HttpMethod.ANY], integration: new HttpLambdaIntegration('Console', this.handler) })) {
      Validations.of(route).acknowledge(apig4);
    }
    const financeWrites = new HttpLambdaIntegration('FinanceClose', this.financeClose);
    for (const { path, method } of FINANCE_WRITE_ROUTES) {
      for (const route of props.api.addRoutes({ path, methods: [method], integration: financeWrites })) Validations.of(route).acknowledge(apig4);
    }

    // Access logs of the distribution and of the site bucket. CloudFront standard logging writes
    // with ACLs, so this bucket (only this one) keeps object-writer ownership.
    this.logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: props.destroyable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      autoDeleteObjects: props.destroyable,
    });
    Validations.of(this.logs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This is the access-log bucket itself; logging it into itself would loop.' });

    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3-site/',
      removalPolicy: props.destroyable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      autoDeleteObjects: props.destroyable,
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Faascape console: CSP, HSTS, no framing, no sniffing, same-origin referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONSOLE_CSP, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        // Not no-referrer: that would send `Origin: null` on the console's own POSTs.
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });

    const apiOrigin = new HttpOrigin(Fn.select(2, Fn.split('/', props.api.apiEndpoint)), {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      readTimeout: Duration.seconds(30),
    });
    // The API's answers (features' and the console API's) get HSTS, no sniffing and no framing too;
    // not the pages' CSP, which would break nothing but is the gateway's to set per answer (sandbox).
    const apiHeaders = new ResponseHeadersPolicy(this, 'ApiSecurityHeaders', {
      comment: 'Faascape API: HSTS, no framing, no sniffing',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      },
    });
    const apiBehavior: BehaviorOptions = {
      origin: apiOrigin,
      responseHeadersPolicy: apiHeaders,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // Every header (x-api-key, Authorization, cookies, CSRF token), query string and cookie, but
      // the Host: API Gateway routes on its own domain name.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: false,
    };
    const forwardHost = new CloudFrontFunction(this, 'ForwardHost', {
      comment: 'Passes the viewer Host on as x-forwarded-host',
      code: FunctionCode.fromInline(FORWARD_HOST),
      runtime: FunctionRuntime.JS_2_0,
    });

    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'Faascape web console and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      additionalBehaviors: {
        '/v1/*': apiBehavior,
        '/console/api/*': { ...apiBehavior, functionAssociations: [{ function: forwardHost, eventType: FunctionEventType.VIEWER_REQUEST }] },
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'SMEs and developers use Faascape from any country: no geographic restriction by design.' },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'No WAF web ACL yet (a fixed monthly cost per stage): the API stage is throttled, sign-in attempts are rate-limited per e-mail by the console, API keys are checked in constant time.',
      },
      { id: 'AwsSolutions-CFR4', reason: 'The default *.cloudfront.net certificate pins the minimum viewer TLS to TLSv1; a custom domain with its own certificate (TLSv1.2_2021) lifts it.' },
    );

    this.deploySite(props.siteDir);

    new CfnOutput(Stack.of(this), 'ConsoleUrl', { value: `https://${this.distribution.distributionDomainName}`, description: 'Faascape web console (and the API under /v1 on the same origin)' });
  }

  /**
   * Uploads the built app. The bundles have content-hashed names (app-<hash>.js/.css): cached for a
   * year, immutable, and never pruned, so a browser still holding the previous index.html finds the
   * bundles it names. Everything else (index.html, licenses.txt) is revalidated on every load, so a
   * deploy takes effect at once without a CloudFront invalidation.
   */
  private deploySite(siteDir: string): void {
    // The upload Lambda (CDK's singleton) gets a role of our own: logs to its own group only,
    // instead of the AWS managed basic-execution policy.
    const logGroup = new LogGroup(this, 'DeployLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    const role = new Role(this, 'DeployRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));

    const hashed = ['app-*.js', 'app-*.css'];
    const common = { destinationBucket: this.bucket, prune: false, role, logGroup, memoryLimit: 512 };
    const bundles = new BucketDeployment(this, 'DeployBundles', {
      ...common,
      sources: [Source.asset(siteDir, { exclude: ['*', ...hashed.map((g) => `!${g}`)] })],
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(365)), CacheControl.immutable()],
    });
    const pages = new BucketDeployment(this, 'DeployPages', {
      ...common,
      sources: [Source.asset(siteDir, { exclude: hashed })],
      cacheControl: [CacheControl.noCache()],
    });
    // The bundles a new index.html names are in the bucket before it is.
    pages.node.addDependency(bundles);
    const stack = Stack.of(this);
    const bucketId = stack.getLogicalId(this.bucket.node.defaultChild as CfnResource);
    // The bootstrap asset bucket as cdk-nag spells it: account and region are concrete when the
    // stack's env is (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION), pseudo parameters otherwise.
    const part = (v: string, pseudo: string) => (Token.isUnresolved(v) ? `<${pseudo}>` : v);
    const qualifier = (stack.synthesizer instanceof DefaultStackSynthesizer ? stack.synthesizer.bootstrapQualifier : undefined) ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const assets = `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-${part(stack.account, 'AWS::AccountId')}-${part(stack.region, 'AWS::Region')}/*`;
    Validations.of(role).acknowledge(
      { id: 'AwsSolutions-IAM5[Action::s3:GetObject*]', reason: 'CDK BucketDeployment grant: read the site asset zip and the site objects.' },
      { id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]', reason: 'CDK BucketDeployment grant on the asset bucket and the site bucket only.' },
      { id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: 'CDK BucketDeployment grant: list the asset and site buckets to sync (aws s3 sync).' },
      { id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]', reason: 'CDK BucketDeployment grant (read-write on the site bucket only); the site deployments do not prune.' },
      { id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: 'CDK BucketDeployment grant: abort its own multipart uploads to the site bucket.' },
      { id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`, reason: 'Every object of the site bucket: the deployment replaces the whole site.' },
      { id: `AwsSolutions-IAM5[Resource::${assets}]`, reason: "Read of CDK's bootstrap asset bucket, where the site zip is uploaded under a content hash." },
    );
    // The upload Lambda itself is a singleton at stack level, shared by every BucketDeployment.
    const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!handler || !pages.node.tryFindChild('CustomResourceHandler')) throw new Error('BucketDeployment: its upload Lambda was not found');
    Validations.of(handler).acknowledge({ id: 'AwsSolutions-L1', reason: "CDK's BucketDeployment runs on the Python runtime aws-cdk-lib pins (with its AWS CLI layer); it moves with CDK upgrades." });
  }
}
