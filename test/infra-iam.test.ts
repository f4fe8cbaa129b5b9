import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../infra/app.ts';
import type { FaascapeStack } from '../infra/faascape-stack.ts';
import { TABLES } from '../runtime/store/tables.ts';
import { quietCdkBundling } from './helpers/quiet-cdk.ts';

quietCdkBundling();

/**
 * What each platform role may do on each table, read from the synthesized IAM policies: exactly
 * the calls its handler makes (runtime/aws/*, and the stores they wire), nothing broader.
 */

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

let stack: FaascapeStack;
let resources: Record<string, Resource>;
/** table logical id → table id ("usage", "records", ...) */
let tableIds: Map<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'faascape-cdk-iam-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const built = await buildApp({ stage: 'test' }, dir);
  stack = built.stack;
  // With cdk-nag's AwsSolutions pack registered, synth throws on any unacknowledged finding.
  built.app.synth();
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  tableIds = new Map(
    Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable')
      .map(([id, r]) => [id, String(r.Properties.TableName).replace('faascape-test-', '')]),
  );
}, 120_000);

const refId = (v: unknown): string | undefined => {
  const o = v as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  return o?.['Fn::GetAtt']?.[0] ?? o?.Ref;
};
const idOf = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as Parameters<FaascapeStack['getLogicalId']>[0]);

function statementsOf(fn: { node: { defaultChild?: unknown } }): Statement[] {
  const roleId = refId((resources[idOf(fn)] as Resource).Properties.Role);
  expect(roleId).toBeDefined();
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as unknown[]).some((x) => refId(x) === roleId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** A DynamoDB resource as "usage" or "usage/index/byMonth"; anything else (a "*", another service) verbatim. */
function describeResource(r: unknown): string {
  const table = (v: unknown) => {
    const id = (v as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt'];
    return id && id[1] === 'Arn' ? tableIds.get(id[0]) : undefined;
  };
  const direct = table(r);
  if (direct) return direct;
  const join = (r as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join'];
  if (join && join[0] === '' && join[1].length === 2 && table(join[1][0]) && typeof join[1][1] === 'string') return `${table(join[1][0])}${join[1][1]}`;
  return JSON.stringify(r);
}

/** Every DynamoDB action a function's role is allowed, per table or index: `{ usage: ['GetItem', ...] }`. */
function dynamoAccess(fn: { node: { defaultChild?: unknown } }): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const s of statementsOf(fn)) {
    const actions = [s.Action].flat().filter((a) => a.startsWith('dynamodb:'));
    if (!actions.length) continue;
    expect(s.Effect).toBe('Allow');
    // A condition may only narrow a grant to items by partition key: shown as `table[pk=…]`.
    const leading = (s.Condition as { 'ForAllValues:StringEquals'?: { 'dynamodb:LeadingKeys'?: string[] } } | undefined)?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];
    if (s.Condition !== undefined) expect(Object.keys(s.Condition as object)).toEqual(['ForAllValues:StringEquals']);
    for (const r of [s.Resource].flat()) for (const a of actions) (out[`${describeResource(r)}${leading ? `[pk=${leading.join('|')}]` : ''}`] ??= new Set()).add(a.replace('dynamodb:', ''));
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];
const on = (access: Record<string, string[]>, key: string) => access[key] ?? [];

describe('IAM of the platform roles', () => {
  it('lets the gateway read keys, limits and aggregates and put records, but never write aggregates, Scan or delete', () => {
    const access = dynamoAccess(stack.gateway);
    expect(access).toEqual({
      clients: ['GetItem'],
      keys: ['GetItem'],
      usage: ['Query'],
      records: ['PutItem'],
      // the shared limits: a slice is leased by a conditional update, read back when refused
      limits: ['GetItem', 'UpdateItem'],
    });
    // The forbidden, spelled out: no Scan anywhere, nothing that deletes or replaces aggregates.
    for (const actions of Object.values(access)) expect(actions).not.toContain('Scan');
    for (const a of ['Scan', 'DeleteItem', 'PutItem', 'BatchWriteItem']) expect(on(access, 'usage')).not.toContain(a);
    expect(on(access, 'records')).not.toContain('DeleteItem');
    for (const a of ['Scan', 'DeleteItem', 'PutItem']) expect(on(access, 'limits')).not.toContain(a);
    // No index at all, and no table outside its five.
    expect(Object.keys(access).filter((k) => k.includes('/index/'))).toEqual([]);
  });

  it('lets the internet-facing console neither put, update nor delete a statement, nor touch usage records', () => {
    const access = dynamoAccess(stack.console.handler);
    expect(access).toEqual({
      accounts: ['GetItem', 'UpdateItem'],
      sessions: ['DeleteItem', 'GetItem', 'PutItem', 'Scan', 'UpdateItem'],
      clients: ['GetItem', 'PutItem', 'UpdateItem'],
      keys: ['GetItem', 'PutItem', 'UpdateItem'],
      'keys/index/byClient': ['Query'],
      usage: ['GetItem', 'Query'],
      'usage/index/byMonth': ['Query'],
      statements: ['GetItem', 'Query', 'Scan'],
      community: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
      'community/index/byScope': ['Query'],
      // what the gateways count against a client's quota and cap, read only
      limits: ['GetItem'],
      // the signed-in developer's payee and flags: never a delete, never a scan of everyone's IBANs
      payees: ['GetItem', 'PutItem', 'Query'],
      // the signed-in client's webhook endpoints (added, removed), events and deliveries (read, resent)
      alerts: ['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
    });
    for (const a of WRITES) expect(on(access, 'statements'), a).not.toContain(a);
    // Sending webhooks is the alerts Lambda's: the console never reads the due deliveries, nor scans everyone's endpoints.
    expect(access['alerts/index/byDue']).toBeUndefined();
    for (const a of ['Scan', 'BatchWriteItem']) expect(on(access, 'alerts'), a).not.toContain(a);
    for (const a of ['Scan', 'DeleteItem', 'UpdateItem', 'BatchWriteItem']) expect(on(access, 'payees'), a).not.toContain(a);
    for (const a of WRITES) expect(on(access, 'limits'), a).not.toContain(a);
    for (const a of WRITES) expect(on(access, 'usage'), a).not.toContain(a);
    expect(access.records).toBeUndefined();
    // Accounts are created and deleted by the operator's CLI only.
    expect(on(access, 'accounts')).not.toContain('PutItem');
    expect(on(access, 'accounts')).not.toContain('DeleteItem');
  });

  it('lets the finance close and payout approval routes add statement items, and never update or delete one', () => {
    const access = dynamoAccess(stack.console.financeClose);
    expect(access).toEqual({
      sessions: ['GetItem'],
      accounts: ['GetItem'],
      usage: ['GetItem', 'Query'],
      'usage/index/byMonth': ['Query'],
      // The aggregator's state item only: the close refuses while the aggregates trail the month.
      'records[pk=agg]': ['GetItem'],
      statements: ['GetItem', 'PutItem', 'Query'],
      clients: ['GetItem'],
      // An approval reads each developer's payee and flags; the payees are the developers' own to write.
      payees: ['GetItem', 'Query'],
    });
    // PutItem is the only write: BatchWriteItem could delete, and IAM cannot tell one from the other.
    for (const a of ['DeleteItem', 'UpdateItem', 'BatchWriteItem']) expect(on(access, 'statements')).not.toContain(a);
    for (const a of WRITES) expect(on(access, 'payees'), a).not.toContain(a);
  });

  it('lets the aggregator read records and its state and add to aggregates, nothing else', () => {
    expect(dynamoAccess(stack.jobs.aggregator)).toEqual({ usage: ['UpdateItem'], records: ['GetItem', 'Query', 'UpdateItem'] });
  });

  it('lets the alerts Lambda record events and deliveries, read the due ones, and only read clients, usage and invoices', () => {
    const access = dynamoAccess(stack.jobs.alerts);
    expect(access).toEqual({
      // events once per id (conditional PutItem), deliveries claimed and recorded (UpdateItem), a
      // client's endpoints, events and deliveries (Query, GetItem)
      alerts: ['GetItem', 'PutItem', 'Query', 'UpdateItem'],
      // the deliveries due now, on the sparse index
      'alerts/index/byDue': ['Query'],
      // the clients with a spend cap or a quota
      clients: ['Scan'],
      // a client's lines of the month
      usage: ['Query'],
      // last month's issued invoice of each client
      statements: ['GetItem'],
    });
    // It never removes an endpoint (the client's own) nor writes anything outside its table.
    expect(on(access, 'alerts')).not.toContain('DeleteItem');
    for (const table of ['clients', 'usage', 'statements']) expect(on(access, table).filter((a) => WRITES.includes(a)), table).toEqual([]);
  });

  it('lets the statements job read usage, never write it, and add statement and invoice items only', () => {
    const access = dynamoAccess(stack.jobs.statements);
    expect(access).toEqual({
      usage: ['GetItem', 'Query'],
      'usage/index/byMonth': ['Query'],
      // The aggregator's state item only: the close refuses while the aggregates trail.
      'records[pk=agg]': ['GetItem'],
      statements: ['GetItem', 'PutItem', 'Query'],
      clients: ['GetItem'],
    });
    expect(on(access, 'usage').filter((a) => WRITES.includes(a))).toEqual([]);
    // A final statement or invoice is never rewritten or removed.
    for (const a of ['DeleteItem', 'UpdateItem', 'BatchWriteItem']) expect(on(access, 'statements')).not.toContain(a);
  });

  it('gives the two console Lambdas nothing beyond their tables, logs and X-Ray: no feature invoke, queue or secret', () => {
    for (const fn of [stack.console.handler, stack.console.financeClose]) {
      expect(statementsOf(fn).flatMap((s) => [s.Action].flat()).filter((a) => !/^(dynamodb|logs|xray):/.test(a))).toEqual([]);
    }
  });

  it("lets the console API read the features' log groups (FilterLogEvents) and no other, the finance Lambda none", () => {
    /** logs actions of a role → the log group logical ids they apply to */
    const logsAccess = (fn: { node: { defaultChild?: unknown } }) => {
      const out: Record<string, string[]> = {};
      for (const s of statementsOf(fn)) {
        for (const a of [s.Action].flat().filter((x) => x.startsWith('logs:'))) {
          expect(s.Effect).toBe('Allow');
          expect(s.Condition).toBeUndefined();
          for (const r of [s.Resource].flat()) (out[a] ??= []).push(refId(r) ?? JSON.stringify(r));
        }
      }
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.sort()]));
    };
    const ownGroup = (fn: { node: { defaultChild?: unknown } }) => refId((resources[idOf(fn)] as Resource).Properties.LoggingConfig && ((resources[idOf(fn)] as Resource).Properties.LoggingConfig as { LogGroup: unknown }).LogGroup);
    const featureGroups = [...stack.features.functions.values()].map(ownGroup).sort();
    expect(featureGroups.length).toBeGreaterThan(0);
    expect(logsAccess(stack.console.handler)).toEqual({
      'logs:CreateLogStream': [ownGroup(stack.console.handler)],
      'logs:PutLogEvents': [ownGroup(stack.console.handler)],
      // exactly the feature functions' groups: never the gateway's or a job's (they name clients)
      'logs:FilterLogEvents': featureGroups,
    });
    expect(logsAccess(stack.console.financeClose)).toEqual({ 'logs:CreateLogStream': [ownGroup(stack.console.financeClose)], 'logs:PutLogEvents': [ownGroup(stack.console.financeClose)] });
    // No other role reads logs.
    const readers = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).match(/logs:(FilterLogEvents|GetLogEvents|StartQuery|\*)/));
    expect(readers.flatMap(([, r]) => (r.Properties.Roles as unknown[]).map(refId))).toEqual([refId((resources[idOf(stack.console.handler)] as Resource).Properties.Role)]);
  });

  it('lets the spool drain land records and do nothing else: never the aggregates, never a delete', () => {
    expect(dynamoAccess(stack.jobs.drain)).toEqual({ records: ['GetItem', 'PutItem', 'UpdateItem'] });
  });

  it('allows no DynamoDB wildcard and no statement write to any other role', () => {
    const writers = new Map<string, string[]>();
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      for (const s of (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        const actions = [s.Action].flat();
        expect(actions.filter((a) => a.startsWith('dynamodb:') && a.includes('*')), id).toEqual([]);
        if (!actions.some((a) => a.startsWith('dynamodb:'))) continue;
        for (const res of [s.Resource].flat()) {
          const key = describeResource(res);
          // Only this stack's own tables and their named indexes: no "*" and no "/index/*".
          expect(key, id).toMatch(new RegExp(`^(${Object.keys(TABLES).join('|')})(/index/[A-Za-z]+)?$`));
          if (key === 'statements' && actions.some((a) => WRITES.includes(a.replace('dynamodb:', '')))) writers.set(id, (r.Properties.Roles as unknown[]).map((x) => refId(x) as string));
        }
      }
    }
    const roleOf = (fn: { node: { defaultChild?: unknown } }) => refId((resources[idOf(fn)] as Resource).Properties.Role);
    expect([...writers.values()].flat().sort()).toEqual([roleOf(stack.jobs.statements), roleOf(stack.console.financeClose)].sort());
  });
});
