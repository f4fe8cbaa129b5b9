/**
 * The AWS services around the gateway, faked in-process with aws-sdk-client-mock (which stubs the
 * client classes' `send`, so the clients each gateway module creates are faked too):
 * - Lambda Invoke: a trivial feature that answers after `featureMs` with the outcome planned for
 *   the call (200, a 4xx of its own, a handler error, Lambda's timeout);
 * - SQS SendMessage: the in-memory spool queue;
 * - Secrets Manager: the pseudonym secret.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { scope } from './instrument.ts';

type Payload = InvokeCommandOutput['Payload'];
const payload = (value: unknown): Payload => Buffer.from(JSON.stringify(value)) as unknown as Payload;

export interface FakeAws {
  featureInvocations: number;
  sqsSends: number;
  restore(): void;
}

export function fakeAws(opts: { featureMs: number; onSpool: (body: string) => void }): FakeAws {
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  const secrets = mockClient(SecretsManagerClient);
  const fake: FakeAws = {
    featureInvocations: 0,
    sqsSends: 0,
    restore: () => {
      lambda.restore();
      sqs.restore();
      secrets.restore();
    },
  };
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'p'.repeat(64) });
  lambda.on(InvokeCommand).callsFake(async () => {
    fake.featureInvocations++;
    const inv = scope.getStore()?.inv;
    if (opts.featureMs > 0) await sleep(opts.featureMs);
    if (inv) inv.featureAnswered = true;
    switch (inv?.outcome ?? 'ok') {
      case 'client_error':
        return { StatusCode: 200, Payload: payload({ statusCode: 422, headers: { 'content-type': 'application/json' }, body: '{"error":"unprocessable"}' }) };
      case 'error':
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorType: 'Error', errorMessage: 'boom' }) };
      case 'timeout':
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 2.00 seconds' }) };
      default:
        return { StatusCode: 200, Payload: payload({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }) };
    }
  });
  sqs.on(SendMessageCommand).callsFake((input: { MessageBody?: string }) => {
    fake.sqsSends++;
    opts.onSpool(input.MessageBody ?? '');
    return { MessageId: `m-${fake.sqsSends}` };
  });
  return fake;
}
