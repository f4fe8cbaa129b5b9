import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClientStore } from '../keys/client-store.ts';
import type { TableNames } from '../store/tables.ts';
import { InvoiceStore } from './invoice-store.ts';
import { readSeller } from './seller.ts';
import type { Invoicing } from './statements-job.ts';

/** What closing a month needs to issue invoices, from the config and the stores: one wiring for every home. */
export function invoicing(db: DynamoDBDocumentClient, tables: Pick<TableNames, 'statements'>, clients: Pick<ClientStore, 'getClient'>, env: NodeJS.ProcessEnv): Invoicing {
  return {
    store: new InvoiceStore(db, tables),
    seller: readSeller(env),
    async buyerOf(clientId) {
      const client = await clients.getClient(clientId);
      // Without billing details the provisional buyer is the client's id: its display name is a
      // public nickname, not a legal name.
      return client?.billing ?? { name: clientId };
    },
  };
}
