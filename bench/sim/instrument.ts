/**
 * Instruments every DynamoDB client of the process (the gateway, drain and statements modules
 * create their own with `new DynamoDBClient({})`, so the hook is on the client classes' `send`):
 * on a client's first request its middleware stack gets two middlewares.
 *
 * - `simOp` (initialize step, once per SDK call): adds `ReturnConsumedCapacity: 'TOTAL'`, keeps
 *   the caller's container "in flight" count, measures the chain of sequential write calls, and
 *   plays a container's death: once a doomed invocation has completed its k-th write (or, for
 *   `killBeforeWrite`, as its first write starts), the container is dead and none of its SDK calls
 *   ever return again (requests already sent still reach the store, as a frozen process's would).
 * - `simAttempt` (deserialize step, once per HTTP attempt, inside the SDK's retry loop): injects
 *   faults, sums ConsumedCapacity, counts requests and per-partition writes per simulated second,
 *   measures sequential round trips per invocation, and records for the ledger what the store
 *   really applied.
 *
 * Who is calling comes from an AsyncLocalStorage scope that the simulation opens around each
 * container's invocation, drain run, aggregator run and close.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { ConditionalCheckFailedException, DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES, type TableId, type TableNames } from '../../runtime/store/tables.ts';
import { appliedBeforeError, type FaultPlan } from './faults.ts';
import { itemBytes, writeUnits, type RawItem } from './item-size.ts';
import { Ledger } from './ledger.ts';

export type ActorKind = 'setup' | 'gateway' | 'limits' | 'drain' | 'aggregator' | 'close' | 'audit';

export interface Actor {
  id: string;
  kind: ActorKind;
  /** SDK clients this actor used: destroyed when the container is retired */
  clients: Set<{ destroy(): void }>;
  inFlight: number;
  killed: boolean;
  /** called once when the actor dies */
  onKilled?: () => void;
  /** called whenever inFlight drops to 0 */
  onIdle?: () => void;
}

export interface Invocation {
  /** call index (gateway) or drain run number */
  index: number;
  /** simulated time of the call, seconds */
  simTime: number;
  simSecond: number;
  /** the fake feature Lambda sets this when it answers */
  featureAnswered: boolean;
  /** the container dies once this many write calls of the invocation completed */
  killAfterWrites?: number;
  /** which calls count towards `killAfterWrites`: writes (default), only writes to the usage table (an aggregator's apply), or any call, reads included */
  killCounts?: 'writes' | 'usage' | 'any';
  /** the container dies as the invocation's first write call starts: nothing reaches the store */
  killBeforeWrite?: boolean;
  writesCompleted: number;
  /** longest chain of sequential write attempts after the feature answered (the SDK's retries count) */
  writeDepth: number;
  /** longest chain of sequential write calls (SDK sends, each with its retries) after the feature answered */
  writeCallDepth: number;
  /** SQS SendMessage calls (the spool) of the invocation */
  spoolSends: number;
  /** longest chain of sequential attempts, reads and writes, over the whole invocation */
  anyDepth: number;
  writeAttempts: number;
  writeCalls: number;
  /** what the fake feature should answer */
  outcome?: FeatureOutcome;
}

export type FeatureOutcome = 'ok' | 'client_error' | 'error' | 'timeout';

export interface Scope {
  actor: Actor;
  inv?: Invocation;
}

export const scope = new AsyncLocalStorage<Scope>();

export function newActor(id: string, kind: ActorKind): Actor {
  return { id, kind, clients: new Set(), inFlight: 0, killed: false };
}

export function newInvocation(index: number, simTime: number): Invocation {
  return { index, simTime, simSecond: Math.floor(simTime), featureAnswered: false, writesCompleted: 0, writeDepth: 0, writeCallDepth: 0, spoolSends: 0, anyDepth: 0, writeAttempts: 0, writeCalls: 0 };
}

/** Resolves when the actor has no SDK call in flight. */
export function idle(actor: Actor): Promise<void> {
  if (actor.inFlight === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const prev = actor.onIdle;
    actor.onIdle = () => {
      actor.onIdle = prev;
      prev?.();
      resolve();
    };
  });
}

/** How the usage table's byMonth index is projected (runtime/store/tables.ts): what an aggregate update costs it. */
const BY_MONTH_KEYS_ONLY = TABLES.usage.indexes.find((i) => i.indexName === 'byMonth')?.projection === 'KEYS_ONLY';

const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const CAPACITY_OPS = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'BatchGetItem', 'Query', 'Scan']);

export interface Units {
  wru: number;
  rru: number;
  /** HTTP attempts per operation */
  requests: Record<string, number>;
  /** write attempts that the store answered with ConditionalCheckFailed (units estimated) */
  conditionalFailures: number;
}

function zeroUnits(): Units {
  return { wru: 0, rru: 0, requests: {}, conditionalFailures: 0 };
}

interface PartitionCount {
  writes: number;
  wcu: number;
}

export interface HotPartition {
  table: string;
  pk: string;
  second: number;
  writes: number;
  wcu: number;
}

type Next = (args: { input: Record<string, unknown>; request?: { headers: Record<string, string> } }) => Promise<{ output?: Record<string, unknown> }>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;
interface Stack {
  add(mw: Middleware, opts: { step: string; name: string; priority?: string }): void;
}

const never = <T>() => new Promise<T>(() => {});

/** What an UpdateItem's `ADD #name :value, …` clause adds to one attribute (whatever its placeholders are called). */
function addedTo(attribute: string, expression: string, names: Record<string, string> | undefined, values: RawItem | undefined): number {
  const clause = /\bADD\s+(.*?)(?:\s+(?:SET|REMOVE|DELETE)\s|$)/s.exec(expression)?.[1] ?? '';
  for (const part of clause.split(',')) {
    const [name, value] = part.trim().split(/\s+/);
    const resolved = name?.startsWith('#') ? names?.[name] : name;
    if (resolved === attribute && value) return Number(values?.[value]?.N ?? 0);
  }
  return 0;
}

/** Everything the middlewares measure, for one simulation run. */
export class StoreProbe {
  readonly units: Record<ActorKind, Units> = { setup: zeroUnits(), gateway: zeroUnits(), limits: zeroUnits(), drain: zeroUnits(), aggregator: zeroUnits(), close: zeroUnits(), audit: zeroUnits() };
  /** units per actor kind and table id (e.g. the limits table's, for the cost of enforcing limits) */
  readonly tableUnits = new Map<string, { wru: number; rru: number; writes: number; reads: number; conditionalFailures: number }>();
  /** `op:ErrorName` → count, as the store (or the injector) answered the attempts */
  readonly errors = new Map<string, number>();
  readonly ledger = new Ledger();
  /** physical table name → its id and partition key attribute */
  private readonly tableInfo = new Map<string, { id: TableId; pk: string; sk?: string }>();
  /** table\0pk\0sk → the WCU of its last write (to price conditional failures, deletes) */
  private readonly itemUnits = new Map<string, number>();
  /** per simulated second: table\0pk → writes, WCU */
  private readonly perSecond = new Map<number, Map<string, PartitionCount>>();
  /** table\0pk → its busiest second (by writes) and its highest WCU in any second */
  private readonly peaks = new Map<string, { second: number; writes: number; wcu: number }>();
  hottestByWrites: HotPartition | undefined;
  hottestByWcu: HotPartition | undefined;
  /** GSI writes added to the table's, per actor kind (dynalite does not count index writes in ConsumedCapacity) */
  readonly gsiWru: Record<ActorKind, number> = { setup: 0, gateway: 0, limits: 0, drain: 0, aggregator: 0, close: 0, audit: 0 };
  /** `op target` → [attempts, total ms] of the attempts that reached the store (wall time, this machine) */
  readonly latency = new Map<string, [number, number]>();
  faults: FaultPlan | undefined;

  constructor(
    tables: TableNames,
    /** the simulated clock, in seconds */
    readonly simNow: () => number,
  ) {
    for (const id of Object.keys(TABLES) as TableId[]) {
      const def = TABLES[id] as { partitionKey: { name: string }; sortKey?: { name: string } };
      this.tableInfo.set(tables[id], { id, pk: def.partitionKey.name, ...(def.sortKey ? { sk: def.sortKey.name } : {}) });
    }
  }

  private countError(op: string, e: unknown): void {
    const name = e instanceof Error ? (/maximum allowed size/.test(e.message) ? 'ItemTooLarge' : e.name) : 'unknown';
    const key = `${op}:${name}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  private partitionWrite(second: number | undefined, table: string, pk: string, wcu: number): void {
    if (second === undefined) return;
    let m = this.perSecond.get(second);
    if (!m) this.perSecond.set(second, (m = new Map()));
    const key = `${table}\u0000${pk}`;
    const c = m.get(key);
    if (c) {
      c.writes++;
      c.wcu += wcu;
    } else m.set(key, { writes: 1, wcu });
  }

  /** Folds the seconds before `beforeSecond` into the peaks and forgets them (bounded memory). */
  foldSeconds(beforeSecond = Infinity): void {
    for (const [second, m] of this.perSecond) {
      if (second >= beforeSecond) continue;
      for (const [key, c] of m) {
        const peak = this.peaks.get(key);
        if (!peak || c.writes > peak.writes) this.peaks.set(key, { second, writes: c.writes, wcu: Math.max(c.wcu, peak?.wcu ?? 0) });
        else if (c.wcu > peak.wcu) peak.wcu = c.wcu;
        const [table = '', pk = ''] = key.split('\u0000');
        if (!this.hottestByWrites || c.writes > this.hottestByWrites.writes) this.hottestByWrites = { table, pk, second, writes: c.writes, wcu: c.wcu };
        if (!this.hottestByWcu || c.wcu > this.hottestByWcu.wcu) this.hottestByWcu = { table, pk, second, writes: c.writes, wcu: c.wcu };
      }
      this.perSecond.delete(second);
    }
  }

  /** The partition keys with the most writes in one simulated second. */
  topPartitions(n: number): { table: string; pk: string; writesPerSecond: number; peakWcuPerSecond: number }[] {
    return [...this.peaks.entries()]
      .sort((a, b) => b[1].writes - a[1].writes || b[1].wcu - a[1].wcu)
      .slice(0, n)
      .map(([key, p]) => {
        const [table = '', pk = ''] = key.split('\u0000');
        return { table, pk, writesPerSecond: p.writes, peakWcuPerSecond: p.wcu };
      });
  }

  private keyOf(table: string, item: Record<string, AttributeValue> | undefined): { pk: string; sk: string } | undefined {
    const info = this.tableInfo.get(table);
    if (!info || !item) return undefined;
    const pk = item[info.pk];
    const sk = info.sk ? item[info.sk] : undefined;
    return { pk: pk?.S ?? pk?.N ?? '?', sk: sk?.S ?? sk?.N ?? '' };
  }

  /** The write attempt reached the store (applied, or refused by its condition). */
  private storeWrites(kind: ActorKind, second: number | undefined, op: string, input: Record<string, unknown>, output: Record<string, unknown> | undefined, conditionFailed: boolean): number {
    let units = 0;
    if (op === 'BatchWriteItem') {
      const requestItems = input.RequestItems as Record<string, { PutRequest?: { Item: RawItem }; DeleteRequest?: { Key: RawItem } }[]>;
      for (const [table, reqs] of Object.entries(requestItems)) {
        for (const r of reqs) {
          const item = r.PutRequest?.Item ?? r.DeleteRequest?.Key;
          const key = this.keyOf(table, item);
          if (!key) continue;
          const ik = `${table}\u0000${key.pk}\u0000${key.sk}`;
          let u: number;
          if (r.PutRequest) {
            u = writeUnits(itemBytes(r.PutRequest.Item));
            this.itemUnits.set(ik, u);
          } else {
            u = this.itemUnits.get(ik) ?? 1;
            this.itemUnits.delete(ik);
          }
          this.partitionWrite(second, table, key.pk, u);
        }
      }
      for (const c of (output?.ConsumedCapacity as { CapacityUnits?: number }[] | undefined) ?? []) units += c.CapacityUnits ?? 0;
      return units;
    }
    const table = String(input.TableName);
    const item = (op === 'PutItem' ? input.Item : input.Key) as RawItem | undefined;
    const key = this.keyOf(table, item);
    const ik = key ? `${table}\u0000${key.pk}\u0000${key.sk}` : '';
    if (conditionFailed) units = this.itemUnits.get(ik) ?? 1;
    else units = (output?.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0;
    if (key) {
      const known = this.itemUnits.has(ik);
      if (!conditionFailed) this.itemUnits.set(ik, units);
      this.partitionWrite(second, table, key.pk, units);
      // The usage lines carry `month`, so they are also written to the byMonth GSI, on the GSI
      // partition of the month (dynalite leaves index writes out of ConsumedCapacity). With
      // projection ALL every update rewrites the index entry: the same units again. With KEYS_ONLY
      // (decision 16) only a line's first write adds its entry (≤ 1 KB: 1 unit); an update that
      // leaves the index keys as they were writes nothing there (AWS, "Provisioned throughput
      // considerations for global secondary indexes"). A write the probe never saw answered may
      // have created the item: the next one is then priced as a creation (an overestimate). A
      // write its condition refused changes nothing: no index write.
      const info = this.tableInfo.get(table);
      if (info?.id === 'usage' && key.sk.startsWith('U#') && !conditionFailed) {
        const month = key.sk.slice(2, 9);
        const index = BY_MONTH_KEYS_ONLY ? (known ? 0 : 1) : units;
        if (index > 0) {
          this.gsiWru[kind] += index;
          this.partitionWrite(second, `${table}.byMonth`, month, index);
          units += index;
        }
      }
    }
    return units;
  }

  private timeAttempt(op: string, input: Record<string, unknown>, ms: number): void {
    let target = '';
    const table = typeof input.TableName === 'string' ? input.TableName : Object.keys((input.RequestItems as object | undefined) ?? {})[0];
    const info = table ? this.tableInfo.get(table) : undefined;
    if (info) {
      target = info.id;
      const key = (op === 'PutItem' ? input.Item : input.Key) as RawItem | undefined;
      const pk = key?.[info.pk]?.S ?? '';
      const sk = (info.sk ? key?.[info.sk]?.S : undefined) ?? '';
      if (info.id === 'usage' && key) target += pk === '~months' ? ' ~months' : pk.startsWith('F#') ? ' F#day' : ` ${sk.slice(0, 2)}`;
      if (info.id === 'records' && (key || op === 'Query')) target += pk === 'agg' ? ' agg-state' : op === 'PutItem' && key?.movedTo ? ' tombstone' : key?.b?.S?.startsWith('{"rejections"') ? ' rejections' : ' lane';
    }
    const k = `${op} ${target}`.trim();
    const t = this.latency.get(k);
    if (t) {
      t[0]++;
      t[1] += ms;
    } else this.latency.set(k, [1, ms]);
  }

  /** Lane puts that got no answer: the ledger learns those the store holds from its final state. */
  private readonly unansweredPuts: Record<string, unknown>[] = [];

  /**
   * After the run: each unanswered lane put whose exact item the store holds (`held(pk, sk, b)`)
   * was applied; the ledger takes it as if its answer had come. Returns how many.
   */
  confirmUnanswered(held: (pk: string, sk: string, b: string | undefined) => boolean): number {
    let n = 0;
    for (const input of this.unansweredPuts) {
      const item = input.Item as RawItem | undefined;
      if (!item?.pk?.S?.startsWith('L') || item.movedTo !== undefined) continue;
      if (held(item.pk.S, item.sk?.S ?? '', item.b?.S)) {
        this.recordEffects('PutItem', input);
        n++;
      }
    }
    return n;
  }

  /** What the store applied that the ledger needs: lane puts, aggregator claims and advances, aggregate updates. */
  private recordEffects(op: string, input: Record<string, unknown>): void {
    const table = String(input.TableName);
    const info = this.tableInfo.get(table);
    if (!info) return;
    if (op === 'PutItem' && info.id === 'records') {
      const item = input.Item as RawItem;
      const pk = item.pk?.S ?? '';
      if (!pk.startsWith('L')) return;
      const movedTo = item.movedTo?.N;
      this.ledger.lanePut(pk, item.sk?.S ?? '', movedTo !== undefined ? { movedTo: Number(movedTo) } : { ...(item.b?.S !== undefined ? { b: item.b.S } : {}) });
    } else if (op === 'UpdateItem' && info.id === 'records') {
      const key = input.Key as RawItem;
      if (key.pk?.S !== 'agg' || key.sk?.S !== 'state') return;
      const values = input.ExpressionAttributeValues as RawItem | undefined;
      const plan = values?.[':plan']?.M;
      if (plan && values?.[':a']?.N !== undefined && plan.to?.N !== undefined) this.ledger.claim(Number(values[':a'].N), Number(plan.to.N));
      else if (String(input.UpdateExpression).includes('REMOVE')) this.ledger.advance();
    } else if (op === 'UpdateItem' && info.id === 'usage') {
      const key = input.Key as RawItem;
      const sk = key.sk?.S ?? '';
      if (!sk.startsWith('U#')) return;
      const names = input.ExpressionAttributeNames as Record<string, string> | undefined;
      const values = input.ExpressionAttributeValues as RawItem | undefined;
      const w = names?.['#w'];
      const seq = values?.[':seq']?.N;
      if (w?.startsWith('w_') && seq) this.ledger.effect(key.pk?.S ?? '', sk, w.slice(2), Number(seq), addedTo('calls', String(input.UpdateExpression), names, values));
    }
  }

  readonly opMiddleware: Middleware = (next, context) => async (args) => {
    const op = (context.commandName ?? '').replace(/Command$/, '');
    if (CAPACITY_OPS.has(op)) args.input.ReturnConsumedCapacity = 'TOTAL';
    const s = scope.getStore();
    if (!s) return next(args);
    const { actor, inv } = s;
    if (actor.killed) return never();
    const isWrite = WRITE_OPS.has(op);
    if (inv && isWrite && inv.killBeforeWrite) {
      // The container dies as it starts its write: the request never leaves it.
      actor.killed = true;
      actor.onKilled?.();
      return never();
    }
    const callDepth = inv && isWrite && inv.featureAnswered ? inv.writeCallDepth + 1 : 0;
    actor.inFlight++;
    let result: Awaited<ReturnType<Next>> | undefined;
    let error: unknown;
    let failed = false;
    try {
      result = await next(args);
    } catch (e) {
      error = e;
      failed = true;
    }
    actor.inFlight--;
    if (actor.inFlight === 0) actor.onIdle?.();
    if (actor.killed) return never();
    if (inv) {
      if (isWrite) {
        inv.writeCalls++;
        if (callDepth > inv.writeCallDepth) inv.writeCallDepth = callDepth;
      }
      const counts = inv.killCounts === 'any' || (isWrite && (inv.killCounts !== 'usage' || this.tableInfo.get(String(args.input.TableName))?.id === 'usage'));
      if (!failed && inv.killAfterWrites !== undefined && counts && ++inv.writesCompleted >= inv.killAfterWrites) {
        actor.killed = true;
        actor.onKilled?.();
        return never();
      }
    }
    if (failed) throw error;
    return result as Awaited<ReturnType<Next>>;
  };

  private perTable(kind: ActorKind, input: Record<string, unknown>, wru: number, rru: number, refused = false): void {
    const id = typeof input.TableName === 'string' ? this.tableInfo.get(input.TableName)?.id : undefined;
    if (!id) return;
    const keys = [`${kind}:${id}`];
    // The limits table by client (pk R#<client> or M#<client>#<month>): the cost of each client's limits.
    const pk = (input.Key as { pk?: { S?: string } } | undefined)?.pk?.S;
    if (id === 'limits' && pk) keys.push(`${kind}:${id}:${pk.split('#')[1]}`);
    for (const key of keys) {
      const u = this.tableUnits.get(key) ?? { wru: 0, rru: 0, writes: 0, reads: 0, conditionalFailures: 0 };
      u.wru += wru;
      u.rru += rru;
      if (rru > 0 || (wru === 0 && !refused)) u.reads++;
      else u.writes++;
      if (refused) u.conditionalFailures++;
      this.tableUnits.set(key, u);
    }
  }

  readonly attemptMiddleware: Middleware = (next) => async (args) => {
    const target = args.request?.headers['x-amz-target'] ?? '';
    const op = target.slice(target.indexOf('.') + 1);
    const s = scope.getStore();
    const kind = s?.actor.kind ?? 'setup';
    const inv = s?.inv;
    const second = inv ? inv.simSecond : Math.floor(this.simNow());
    const units = this.units[kind];
    // Hot partitions are the calls' at rate R: the gateway's writes. The drain's and the aggregator's
    // are left out (after the traffic the clock stands still while they run, which would pile
    // their writes into one simulated second), as are setup, close and audit.
    const countPartitions = kind === 'gateway';
    units.requests[op] = (units.requests[op] ?? 0) + 1;
    const isWrite = WRITE_OPS.has(op);
    const anyDepth = inv ? inv.anyDepth + 1 : 0;
    const trackWrite = inv !== undefined && isWrite && inv.featureAnswered;
    const writeDepth = trackWrite ? inv.writeDepth + 1 : 0;
    try {
      const fault = isWrite && this.faults ? this.faults.decide(inv ? inv.simTime : this.simNow()) : undefined;
      if (fault && !appliedBeforeError(fault)) throw this.faults?.errorBefore(fault as 'throttle' | 'network' | 'outage');
      let result: Awaited<ReturnType<Next>>;
      const sent = performance.now();
      try {
        result = await next(args);
        this.timeAttempt(op, args.input, performance.now() - sent);
      } catch (e) {
        this.timeAttempt(op, args.input, performance.now() - sent);
        if (e instanceof ConditionalCheckFailedException && isWrite) {
          const w = this.storeWrites(kind, countPartitions ? second : undefined, op, args.input, undefined, true);
          units.wru += w;
          this.perTable(kind, args.input, w, 0, true);
          units.conditionalFailures++;
        } else if (op === 'PutItem' && (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === undefined) {
          // No answer at all (the caller's deadline aborted it, the socket closed): the store may
          // have applied it. Only the store can tell: see confirmUnanswered.
          this.unansweredPuts.push(args.input);
        }
        throw e;
      }
      const output = result.output;
      if (isWrite) {
        const w = this.storeWrites(kind, countPartitions ? second : undefined, op, args.input, output, false);
        units.wru += w;
        this.perTable(kind, args.input, w, 0);
        this.recordEffects(op, args.input);
      } else {
        const cc = output?.ConsumedCapacity as { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined;
        let r = 0;
        for (const c of Array.isArray(cc) ? cc : cc ? [cc] : []) r += c.CapacityUnits ?? 0;
        units.rru += r;
        this.perTable(kind, args.input, 0, r);
      }
      if (fault && appliedBeforeError(fault)) throw this.faults?.errorAfter(fault);
      return result;
    } catch (e) {
      this.countError(op, e);
      throw e;
    } finally {
      if (inv) {
        inv.anyDepth = Math.max(inv.anyDepth, anyDepth);
        if (trackWrite) {
          inv.writeDepth = Math.max(inv.writeDepth, writeDepth);
          inv.writeAttempts++;
        }
      }
    }
  };
}

let active: StoreProbe | undefined;
const instrumented = new WeakSet<object>();
type SendFn = (this: { middlewareStack: Stack }, ...args: unknown[]) => unknown;
let originalSend: SendFn | undefined;

/** The client classes whose `send` is hooked (the document client shares its stack with its client). */
const CLASSES = [DynamoDBClient, DynamoDBDocumentClient] as unknown as { prototype: { send: SendFn } }[];

function hook(client: { middlewareStack: Stack }): void {
  const probe = active;
  if (!probe) return;
  const stack = client.middlewareStack;
  if (!instrumented.has(stack)) {
    instrumented.add(stack);
    // Both are looked up through `active` at call time, so a stack instrumented in one run
    // reports to the probe of the run in progress.
    stack.add((next, ctx) => (args) => (active ? active.opMiddleware(next, ctx)(args) : next(args)), { step: 'initialize', name: 'simOp', priority: 'high' });
    stack.add((next, ctx) => (args) => (active ? active.attemptMiddleware(next, ctx)(args) : next(args)), { step: 'deserialize', name: 'simAttempt', priority: 'high' });
  }
  scope.getStore()?.actor.clients.add(client as unknown as { destroy(): void });
}

/** Routes every DynamoDB client's requests of this process through `probe` until `uninstall()`. */
export function install(probe: StoreProbe): void {
  if (active) throw new Error('a simulation is already running in this process');
  active = probe;
  for (const cls of CLASSES) {
    if (Object.hasOwn(cls.prototype, 'send')) throw new Error('DynamoDB client classes already have their own send: the simulation cannot hook them');
  }
  originalSend = (DynamoDBClient.prototype as unknown as { send: SendFn }).send;
  const base = originalSend;
  for (const cls of CLASSES) {
    Object.defineProperty(cls.prototype, 'send', {
      configurable: true,
      writable: true,
      value: function (this: { middlewareStack: Stack }, ...args: unknown[]) {
        hook(this);
        return base.apply(this, args);
      },
    });
  }
}

export function uninstall(): void {
  for (const cls of CLASSES) if (Object.hasOwn(cls.prototype, 'send')) delete (cls.prototype as { send?: SendFn }).send;
  active = undefined;
}
