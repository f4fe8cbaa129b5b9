/**
 * The platform's DynamoDB tables, defined once: the local platform creates them in the embedded
 * store from these definitions, and the CDK stack builds its tables from the same objects, so the
 * two can never drift apart.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /**
   * What the index copies of each item: `ALL` (the default) or only the keys. A keys-only index is
   * written when an item enters it (or its index key changes), not when its other attributes do.
   */
  projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  /** short id; the physical name is `${prefix}${id}` */
  id: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes?: IndexDefinition[];
  /** attribute holding an epoch-seconds expiry (DynamoDB TTL in AWS; ignored by dynalite) */
  expiryAttribute?: string;
  /** money data: kept when a stack is deleted */
  retain: boolean;
}

export const TABLES = {
  clients: { id: 'clients', partitionKey: { name: 'clientId', type: 'S' }, retain: true },
  keys: {
    id: 'keys',
    partitionKey: { name: 'keyId', type: 'S' },
    indexes: [{ indexName: 'byClient', partitionKey: { name: 'clientId', type: 'S' }, sortKey: { name: 'createdAt', type: 'N' } }],
    retain: true,
  },
  /**
   * Per-month aggregates. pk = clientId; sk = `U#month#feature#priceKey` for usage lines,
   * `R#month#code` for rejection counters and `D#day#feature` for the client's calls per day.
   * Per-day feature figures (calls, errors, latency histogram buckets h0..hN) are under pk
   * `F#feature`, sk `D#day`; the calls per month under pk `~months`. The byMonth index holds usage lines only (sparse:
   * only they carry `month`), so a statement finds one month's lines without scanning. It holds
   * their keys only (decision 16): the aggregator's updates of a line's counters do not write the
   * index, only the line's first write does; readers fetch the lines from the table, per client.
   */
  usage: {
    id: 'usage',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    indexes: [{ indexName: 'byMonth', partitionKey: { name: 'month', type: 'S' }, sortKey: { name: 'line', type: 'S' }, projection: 'KEYS_ONLY' }],
    retain: true,
  },
  /**
   * The usage log: records grouped per (month, client, feature) and per write batch, so that a
   * statement line can be traced back to its invocations with one Query. Also holds the
   * `pending` markers of batches whose aggregates are not yet applied.
   */
  records: {
    id: 'records',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    expiryAttribute: 'expiresAt',
    retain: true,
  },
  /**
   * Final statements, one partition per month: a `header` item (sha256, closedAt, part counts)
   * and the canonical JSON in `json#NNNN` chunks (an item holds at most 400 KB), plus the
   * `basis#NNNN` chunks: the aggregates the statement billed, so late usage can be told apart.
   */
  statements: { id: 'statements', partitionKey: { name: 'month', type: 'S' }, sortKey: { name: 'sk', type: 'S' }, retain: true },
  /** Console accounts, one per e-mail address: role, linked client or developer id, password hash. */
  accounts: { id: 'accounts', partitionKey: { name: 'email', type: 'S' }, retain: true },
  /**
   * Short-lived console state, keyed by a hash so a leaked table never yields a usable secret:
   * `S#<sha256(session id)>` sessions, `T#<sha256(token)>` one-time sign-in links and
   * `L#<email>` failed sign-in counters. Everything expires (expiresAt, checked in code too).
   */
  /**
   * The community, one table for all of it (no transactions needed anywhere):
   * - threads: pk `T#<thread>`, sk `#meta` (title, feature, author, accepted post) and posts
   *   sk `P#<createdAt>#<post>`;
   * - requests: pk `Q#<request>`, sk `#meta`, and one vote per account, sk `V#<email>` (a
   *   conditional put: repeated votes count once; the count is a Query COUNT, never a counter);
   * - help a developer gave: pk `H#<developer>`, sk `A#<thread>` (accepted answer) or
   *   `R#<feature>` (review), one item each, so a repeat never counts twice;
   * - when an account last looked at its features' threads: pk `D#<email>`, sk `visit` (`at`).
   * The byScope index (sparse: only `#meta` items carry `scope`) lists threads per feature or
   * `general`, and requests (`request`), by creation time.
   */
  community: {
    id: 'community',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    indexes: [{ indexName: 'byScope', partitionKey: { name: 'scope', type: 'S' }, sortKey: { name: 'createdAt', type: 'N' } }],
    retain: true,
  },
  /**
   * Client limits shared by every gateway instance (decision 0013): pk `R#<client>` holds the
   * client's rate bucket, pk `M#<client>#<month>` what the gateways committed of its monthly quota
   * and spend cap. Operational state, rebuilt by use: not retained, expired by TTL.
   */
  limits: { id: 'limits', partitionKey: { name: 'pk', type: 'S' }, expiryAttribute: 'expiresAt', retain: false },
  /**
   * Alerts to clients (issue #16), one partition per client: sk `endpoint#<id>` a webhook endpoint
   * (URL and signing secret), `event#<id>` an event, once per fact, `delivery#<event>#<endpoint>`
   * one event's delivery to one endpoint with its attempts. A delivery still to try carries `due`
   * and `dueAt`, which puts it on the sparse byDue index the sender reads; delivered or given up,
   * it leaves the index. Retained: the delivery log is what a client reads when an alert went astray.
   */
  alerts: {
    id: 'alerts',
    partitionKey: { name: 'clientId', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    indexes: [{ indexName: 'byDue', partitionKey: { name: 'due', type: 'S' }, sortKey: { name: 'dueAt', type: 'N' } }],
    retain: true,
  },
  /**
   * What developers tell finance about being paid (issue #16): sk `payee` holds the payee name and
   * IBAN (checked with mod-97 and the country's length), sk `flag#<month>#<feature>` a line of an
   * earnings statement flagged during its review window. Written by the console for the developer
   * alone; payout runs read it. Retained: it decides where money goes.
   */
  payees: { id: 'payees', partitionKey: { name: 'developerId', type: 'S' }, sortKey: { name: 'sk', type: 'S' }, retain: true },
  sessions: { id: 'sessions', partitionKey: { name: 'id', type: 'S' }, expiryAttribute: 'expiresAt', retain: false },
} as const satisfies Record<string, TableDefinition>;

export type TableId = keyof typeof TABLES;

export type TableNames = Record<TableId, string>;

export function tableNames(prefix: string): TableNames {
  const out = {} as TableNames;
  for (const id of Object.keys(TABLES) as TableId[]) out[id] = `${prefix}${TABLES[id].id}`;
  return out;
}

/** Table names of the embedded store; AWS stages use their own prefix. */
export const LOCAL_TABLE_PREFIX = 'faascape-';

/** Table names of a deployed stage (`npx cdk deploy -c stage=prod` → faascape-prod-*). */
export function stagePrefix(stage: string): string {
  return `faascape-${stage}-`;
}
