import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll, scanAll } from '../store/paging.ts';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { partyStatement, type PartyStatement, type Statement, type StatementParty } from '../../shared/statement.ts';
import { weightedCallsByDeveloper } from '../../shared/levels.ts';
import type { UsageAggregate } from '../../shared/usage.ts';
import type { TableNames } from '../store/tables.ts';

/** Items hold at most 400 KB; chunks stay well under it. */
const CHUNK_CHARS = 300_000;

export interface StoredStatement {
  statement: Statement & { sha256: string };
  /** the canonical JSON exactly as stored: what the sha256 was taken over, plus the sha */
  json: string;
  closedAt: number;
}

/** Aggregates billed as regular lines, and late usage billed as adjustments, per original month. */
export interface StatementBasis {
  regular: UsageAggregate[];
  adjusted: Record<string, UsageAggregate[]>;
}

/** A party's part must fit in one item (400 KB); a larger one is cut from the whole on read. */
const MAX_PARTY_CHARS = 350_000;

function partyKey(attempt: string, party: StatementParty): string {
  return 'client' in party ? `party#${attempt}#client#${party.client}` : `party#${attempt}#developer#${party.developer}`;
}

function partyItems(month: string, attempt: string, s: Statement & { sha256: string }) {
  const parties: StatementParty[] = [...s.clients.map((c) => ({ client: c.clientId })), ...s.developers.map((d) => ({ developer: d.developerId }))];
  const texts = parties.map((party) => ({ party, text: JSON.stringify(partyStatement(s, party)) }));
  const fitting = texts.filter((p) => p.text.length <= MAX_PARTY_CHARS);
  return {
    items: fitting.map(({ party, text }) => ({ PutRequest: { Item: { month, sk: partyKey(attempt, party), text } } })),
    complete: fitting.length === texts.length,
  };
}

function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK_CHARS) out.push(text.slice(i, i + CHUNK_CHARS));
  return out.length ? out : [''];
}

export class StatementStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  async isClosed(month: string): Promise<boolean> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.statements, Key: { month, sk: 'header' }, ProjectionExpression: '#m', ExpressionAttributeNames: { '#m': 'month' } }));
    return res.Item !== undefined;
  }

  private async header(month: string): Promise<Record<string, unknown> | undefined> {
    const res = await this.db.send(new GetCommand({ TableName: this.tables.statements, Key: { month, sk: 'header' } }));
    return res.Item;
  }

  /** The chunks of one kind of one close attempt, joined in order. */
  private async chunksOf(month: string, kind: 'json' | 'basis', attempt: string): Promise<string> {
    const items = await queryAll(this.db, {
      TableName: this.tables.statements,
      KeyConditionExpression: '#m = :m AND begins_with(sk, :p)',
      ExpressionAttributeNames: { '#m': 'month' },
      ExpressionAttributeValues: { ':m': month, ':p': `${kind}#${attempt}#` },
    });
    return items
      .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1))
      .map((i) => String(i.text))
      .join('');
  }

  /** The final statement of a month, without its basis (which is often twice its size). */
  async get(month: string): Promise<StoredStatement | undefined> {
    const header = await this.header(month);
    if (!header) return undefined;
    const json = await this.chunksOf(month, 'json', String(header.attempt));
    if (json.length !== Number(header.jsonChars)) throw new Error(`statement ${month} is incomplete in the store`);
    return { statement: JSON.parse(json), json, closedAt: Number(header.closedAt) };
  }

  /**
   * Calls a final statement billed: its month's own (`regular`) and, per original month, the late
   * calls it billed as adjustments. Small, kept in the header; undefined for an open month.
   */
  async billedCalls(month: string): Promise<{ regular: number; adjusted: Record<string, number> } | undefined> {
    const header = await this.header(month);
    if (!header || header.billedCalls === undefined) return undefined;
    return header.billedCalls as { regular: number; adjusted: Record<string, number> };
  }

  /**
   * Billable calls of a closed month per developer, weighted by author weight (what the levels'
   * usage part counts); undefined for an open month.
   */
  async weightedCalls(month: string): Promise<Record<string, number> | undefined> {
    const header = await this.header(month);
    if (!header) return undefined;
    if (header.weightedCalls) return header.weightedCalls as Record<string, number>;
    // Statements closed before levels existed: computed from the basis they billed.
    const basis = await this.basis(month);
    return weightedCallsByDeveloper([...(basis?.regular ?? []), ...Object.values(basis?.adjusted ?? {}).flat()]);
  }

  /** What a final statement billed: needed only to tell late usage apart. */
  async basis(month: string): Promise<StatementBasis | undefined> {
    const header = await this.header(month);
    if (!header) return undefined;
    return JSON.parse(await this.chunksOf(month, 'basis', String(header.attempt))) as StatementBasis;
  }

  /**
   * Stores a final statement. The parts go first, under this attempt's id, and the header last,
   * with a condition: a month has a header only when all its parts are in, a second close can
   * never overwrite the first, and parts of a losing concurrent attempt are never read.
   */
  async putFinal(month: string, json: string, sha256: string, basis: StatementBasis, closedAt: number, statement?: Statement & { sha256: string }): Promise<'stored' | 'exists'> {
    const attempt = randomBytes(6).toString('hex');
    const jsonParts = chunks(json);
    const basisParts = chunks(JSON.stringify(basis));
    const puts = [
      ...jsonParts.map((text, i) => ({ PutRequest: { Item: { month, sk: `json#${attempt}#${String(i).padStart(5, '0')}`, text } } })),
      ...basisParts.map((text, i) => ({ PutRequest: { Item: { month, sk: `basis#${attempt}#${String(i).padStart(5, '0')}`, text } } })),
    ];
    const parties = statement ? partyItems(month, attempt, statement) : undefined;
    if (parties) puts.push(...parties.items);
    if (await this.isClosed(month)) return 'exists';
    // One PutItem per part, 10 at a time (the SDK retries each): the roles that close months get
    // PutItem only, never BatchWriteItem, which IAM cannot tell from a delete.
    for (let i = 0; i < puts.length; i += 10) {
      await Promise.all(puts.slice(i, i + 10).map((p) => this.db.send(new PutCommand({ TableName: this.tables.statements, Item: p.PutRequest.Item }))));
    }
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tables.statements,
          Item: {
            month,
            sk: 'header',
            sha256,
            closedAt,
            attempt,
            jsonChars: json.length,
            status: 'final',
            // Small enough for every listing: the month's totals, and whether party items exist.
            ...(statement && parties ? { totals: statement.totals, parties: parties.complete ? 'all' : 'some' } : {}),
            // What developer levels need from a closed month, computed once, here, at the close.
            weightedCalls: weightedCallsByDeveloper([...basis.regular, ...Object.values(basis.adjusted).flat()]),
            billedCalls: {
              regular: basis.regular.reduce((n, a) => n + a.calls, 0),
              adjusted: Object.fromEntries(Object.entries(basis.adjusted).map(([m, aggs]) => [m, aggs.reduce((n, a) => n + a.calls, 0)])),
            },
          },
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
      return 'stored';
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return 'exists';
      throw e;
    }
  }

  /**
   * One party's part of a final statement (see partyStatement): one item read when the close
   * stored party items, else cut from the whole statement. Undefined when the month is not
   * closed or the party has nothing in it.
   */
  async partyOf(month: string, party: StatementParty): Promise<{ statement: PartyStatement<Statement & { sha256: string }>; closedAt: number } | undefined> {
    const header = await this.header(month);
    if (!header) return undefined;
    const closedAt = Number(header.closedAt);
    if (header.parties) {
      const res = await this.db.send(new GetCommand({ TableName: this.tables.statements, Key: { month, sk: partyKey(String(header.attempt), party) } }));
      if (res.Item) return { statement: JSON.parse(String(res.Item.text)), closedAt };
      // Every party got its item: this one has nothing in the month.
      if (header.parties === 'all') return undefined;
    }
    // Closed before party items existed (or this party's part was too large for one item).
    const whole = await this.get(month);
    if (!whole) return undefined;
    const part = partyStatement(whole.statement, party);
    const present = 'client' in party ? part.clients.length > 0 : part.developers.length > 0;
    return present ? { statement: part, closedAt } : undefined;
  }

  /** A closed month's totals and dates from its header alone (older statements: from the whole). */
  async summary(month: string): Promise<{ closedAt: number; sha256: string; totals: Statement['totals'] } | undefined> {
    const header = await this.header(month);
    if (!header) return undefined;
    if (header.totals) return { closedAt: Number(header.closedAt), sha256: String(header.sha256), totals: header.totals as Statement['totals'] };
    const whole = await this.get(month);
    return whole && { closedAt: whole.closedAt, sha256: whole.statement.sha256, totals: whole.statement.totals };
  }

  /** Months with a final statement, newest first (a scan of headers; the table is small). */
  async closedMonths(): Promise<string[]> {
    const items = await scanAll(this.db, {
      TableName: this.tables.statements,
      FilterExpression: 'sk = :h',
      ExpressionAttributeValues: { ':h': 'header' },
      ProjectionExpression: '#m',
      ExpressionAttributeNames: { '#m': 'month' },
    });
    return items.map((i) => String(i.month)).sort().reverse();
  }
}
