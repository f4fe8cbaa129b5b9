import { Agent } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface LocalStoreOptions {
  endpoint: string;
  /**
   * The installation's store credential (runtime/local/store-credential.ts): the embedded store
   * refuses every request not signed with it.
   */
  credential: { accessKeyId: string; secretAccessKey: string };
  /** SDK attempts per call; kept low locally so an outage fails over to the spool quickly */
  maxAttempts?: number;
  /**
   * A request that gets no answer in this time fails (a hung store must fail over to the spool,
   * not stall every response). Short for the gateway's meter; long for statement closes.
   */
  requestTimeoutMs?: number;
}

/** A DynamoDB client for the embedded store: the real SDK, pointed at loopback. */
export function localDynamoClient(opts: LocalStoreOptions): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: opts.endpoint,
    region: 'local',
    credentials: { accessKeyId: opts.credential.accessKeyId, secretAccessKey: opts.credential.secretAccessKey },
    maxAttempts: opts.maxAttempts ?? 2,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1_000,
      requestTimeout: opts.requestTimeoutMs ?? 30_000,
      // Without this, @smithy/node-http-handler 4.x only logs when the timeout elapses.
      throwOnRequestTimeout: true,
      httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
    }),
  });
}

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
