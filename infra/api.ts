import { CfnOutput, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The same routes as the local platform, all served by the gateway Lambda. */
export const ROUTES: { path: string; methods: HttpMethod[] }[] = [
  { path: '/v1/features/{slug}', methods: [HttpMethod.ANY] },
  { path: '/v1/features/{slug}/{proxy+}', methods: [HttpMethod.ANY] },
  { path: '/v1/features', methods: [HttpMethod.ANY] },
  { path: '/v1/usage', methods: [HttpMethod.ANY] },
  { path: '/v1/health', methods: [HttpMethod.GET] },
  // `/v1/features/{slug}/openapi.json` is under the feature's proxy route above.
  { path: '/v1/openapi.json', methods: [HttpMethod.GET] },
];

export class PlatformApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: { gateway: IFunction; throttle: { rateLimit: number; burstLimit: number } }) {
    super(scope, id);
    this.api = new HttpApi(this, 'Http', { description: 'Faascape public API', createDefaultStage: false });
    const integration = new HttpLambdaIntegration('Gateway', props.gateway);
    for (const r of ROUTES) {
      for (const route of this.api.addRoutes({ path: r.path, methods: r.methods, integration })) {
        // Clients authenticate with API keys inside the gateway (hashed, constant-time); an API Gateway
        // authorizer would add a second Lambda call per request for the same check.
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: 'API keys are verified by the gateway Lambda itself (hashed, constant-time).' });
      }
    }
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    this.stage = new HttpStage(this, 'Default', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: AccessLogFormat.jsonWithStandardFields() },
    });
    new CfnOutput(this, 'Url', { value: this.stage.url, description: 'Faascape API base URL' });
  }
}
