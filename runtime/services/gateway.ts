import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accessOf, type AccessStore } from '../gateway/access.ts';
import { ClientStore } from '../keys/client-store.ts';
import { LimitLedger } from '../limits/limit-ledger.ts';
import { DynamoUsageLog } from '../meter/dynamo-usage-log.ts';
import { testCallsPerDay } from '../../shared/test-calls.ts';
import type { ServicesOver } from './over.ts';

/** What the gateway reads and counts besides its meter and invoker (which differ per home). */
export interface GatewayStores {
  access: AccessStore;
  usage: DynamoUsageLog;
  limits: LimitLedger;
  testCallsPerDay: number;
}

/**
 * The gateway's stores. `limitsDb` must be a client that does not retry on its own (maxAttempts
 * 1): LimitLedger retries itself, knowing which of its writes may be sent twice.
 */
export function gatewayStores(o: Pick<ServicesOver, 'db' | 'tables' | 'env'> & { limitsDb: DynamoDBDocumentClient }): GatewayStores {
  return {
    access: accessOf(new ClientStore(o.db, o.tables)),
    usage: new DynamoUsageLog(o.db, o.tables),
    limits: new LimitLedger(o.limitsDb, o.tables),
    testCallsPerDay: testCallsPerDay(o.env.FAASCAPE_TEST_CALLS_PER_DAY),
  };
}
