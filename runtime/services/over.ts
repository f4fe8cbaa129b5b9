/**
 * The platform's services over its tables, wired in one place (issue #13): `npm start`, the extra
 * gateway processes, the CLI and every Lambda handler build their stores and jobs in this folder,
 * so what a service is made of (the invoicing behind a close, the payer behind payouts, the
 * limits' no-retry client) cannot drift between the homes. What differs between homes is passed
 * in: the document clients (their timeouts and retries), the tables' names, the environment, the
 * clock.
 *
 * One file per wing, so that a Lambda's bundle carries only the wings it imports: esbuild keeps
 * every module a bundle imports (their top levels may have effects), so one file for all would
 * put the close and the console in the gateway (`npm run bundle:report` shows the sizes).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../store/tables.ts';

/** What every wing is built over. */
export interface ServicesOver {
  db: DynamoDBDocumentClient;
  tables: TableNames;
  env: NodeJS.ProcessEnv;
  /** injected time (tests, the demo); default Date.now */
  clock?: () => number;
}
