import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { singleLine } from '../../shared/billing.ts';
import { checkIban } from '../../shared/iban.ts';
import type { Payee, PayoutPlan } from '../../shared/payout-run.ts';
import { PayoutError } from '../../shared/payout-run.ts';
import { toSepaLatin } from '../../shared/sepa.ts';
import type { TableNames } from '../store/tables.ts';

/** A line of an earnings statement a developer flagged for finance during the review window. */
export interface PayoutFlag {
  developerId: string;
  month: string;
  featureId: string;
  note: string;
  at: number;
}

/** An approved run: immutable, and everything its payment file is made from. */
export interface ApprovedRun {
  month: string;
  plan: PayoutPlan;
  approvedAt: number;
  approvedBy: string;
  /** the payment file's message id, fixed at approval so every export is the same file */
  messageId: string;
  executionDate: string;
  debtor: { name: string; iban: string; bic?: string };
}

/** Payees and flags (the `payees` table, the developer's own). */
export class PayeeStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'payees'>,
  ) {}

  async payee(developerId: string): Promise<(Payee & { updatedAt: number }) | undefined> {
    const item = (await this.db.send(new GetCommand({ TableName: this.tables.payees, Key: { developerId, sk: 'payee' } }))).Item;
    return item ? { name: String(item.name), iban: String(item.iban), updatedAt: Number(item.updatedAt) } : undefined;
  }

  async payees(developerIds: readonly string[]): Promise<Map<string, Payee>> {
    const out = new Map<string, Payee>();
    for (const id of developerIds) {
      const p = await this.payee(id);
      if (p) out.set(id, { name: p.name, iban: p.iban });
    }
    return out;
  }

  /** Checks and stores a developer's payee: the IBAN by mod-97 and its country's length. */
  async setPayee(developerId: string, input: { name?: unknown; iban?: unknown }, now: number): Promise<Payee> {
    const name = singleLine(input.name) ?? '';
    const problems: string[] = [];
    if (name.length < 2 || name.length > 70) problems.push('name: the account holder, 2 to 70 characters');
    else {
      // A bank transfer carries the SEPA Latin character set only: refuse now, not at the export.
      const latin = toSepaLatin(name);
      if (!latin.ok) problems.push(`name: "${latin.char}" cannot travel in a SEPA transfer; write the name as the bank account shows it in Latin letters`);
    }
    const iban = checkIban(typeof input.iban === 'string' ? input.iban : '');
    if (!iban.ok) problems.push(`iban: ${iban.reason}`);
    if (problems.length || !iban.ok) throw new PayoutError(`payee: ${problems.join('; ')}`);
    await this.db.send(new PutCommand({ TableName: this.tables.payees, Item: { developerId, sk: 'payee', name, iban: iban.iban, updatedAt: now } }));
    return { name, iban: iban.iban };
  }

  async flag(f: PayoutFlag): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tables.payees, Item: { developerId: f.developerId, sk: `flag#${f.month}#${f.featureId}`, month: f.month, featureId: f.featureId, note: f.note, at: f.at } }));
  }

  async flagsOf(developerId: string, month: string): Promise<PayoutFlag[]> {
    const res = await this.db.send(
      new QueryCommand({ TableName: this.tables.payees, KeyConditionExpression: 'developerId = :d AND begins_with(sk, :p)', ExpressionAttributeValues: { ':d': developerId, ':p': `flag#${month}#` } }),
    );
    return (res.Items ?? []).map((i) => ({ developerId, month, featureId: String(i.featureId), note: String(i.note), at: Number(i.at) }));
  }
}

/** Approved payout runs, in the statements table next to their month's statement (`<month>` / `payout`). */
export class PayoutRunStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'statements'>,
  ) {}

  async get(month: string): Promise<ApprovedRun | undefined> {
    const item = (await this.db.send(new GetCommand({ TableName: this.tables.statements, Key: { month, sk: 'payout' }, ConsistentRead: true }))).Item;
    return item ? (JSON.parse(String(item.json)) as ApprovedRun) : undefined;
  }

  /** Stores an approved run once: a second approval (or a concurrent one) gets the first. */
  async approve(run: ApprovedRun): Promise<{ outcome: 'approved' | 'already_approved'; run: ApprovedRun }> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tables.statements, Item: { month: run.month, sk: 'payout', json: JSON.stringify(run) }, ConditionExpression: 'attribute_not_exists(sk)' }));
      return { outcome: 'approved', run };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      return { outcome: 'already_approved', run: (await this.get(run.month)) as ApprovedRun };
    }
  }
}
