import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { creditNoteFor, invoiceNumber, parseInvoiceNumber, type Invoice } from '../../shared/invoice.ts';
import { queryAll } from '../store/paging.ts';
import type { TableNames } from '../store/tables.ts';

/**
 * Final invoices and credit notes, in the statements table (money, retained):
 * - `N#<prefix>-<year>` / `<seq>`: the document itself. A number is taken by writing its document,
 *   conditional on the number being free, so a number exists exactly when its document does: no
 *   gap even if a writer dies between two steps, no number given twice under concurrency;
 * - `N#<prefix>-<year>` / `head`: the highest number known to be taken, a hint only (it may lag);
 *   a writer probes upward from it, reading each taken slot to see whether it is its own;
 * - `<month>` / `invoice#<clientId>`: which number a client's invoice of a month got, so issuing
 *   again (a retried close) returns the same invoice;
 * - `C#<number>` / `credit`: the credit note of an invoice, so an invoice is credited once.
 * Without transactions (the embedded store has none), each step is one conditional write, and
 * every step is safe to repeat.
 */
export class InvoiceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'statements'>,
  ) {}

  private async item(month: string, sk: string): Promise<Record<string, unknown> | undefined> {
    return (await this.db.send(new GetCommand({ TableName: this.tables.statements, Key: { month, sk }, ConsistentRead: true }))).Item;
  }

  async byNumber(number: string): Promise<Invoice | undefined> {
    const n = parseInvoiceNumber(number);
    if (!n) return undefined;
    const item = await this.item(`N#${n.prefix}-${n.year}`, String(n.seq).padStart(6, '0'));
    return item ? (JSON.parse(String(item.json)) as Invoice) : undefined;
  }

  /** The invoice a client got for a month, if it was issued. */
  async ofClient(month: string, clientId: string): Promise<Invoice | undefined> {
    const ref = await this.item(month, `invoice#${clientId}`);
    return ref ? this.byNumber(String(ref.number)) : undefined;
  }

  /** Every invoice issued for a month (credit notes excluded), in number order. */
  async ofMonth(month: string): Promise<Invoice[]> {
    const refs = await queryAll(this.db, {
      TableName: this.tables.statements,
      KeyConditionExpression: '#m = :m AND begins_with(sk, :p)',
      ExpressionAttributeNames: { '#m': 'month' },
      ExpressionAttributeValues: { ':m': month, ':p': 'invoice#' },
    });
    const docs = await Promise.all(refs.map((r) => this.byNumber(String(r.number))));
    return docs.filter((d): d is Invoice => d !== undefined).sort((a, b) => (a.number < b.number ? -1 : 1));
  }

  /** Every document of a prefix and year (invoices and credit notes), in number order. */
  async ofYear(prefix: string, year: number): Promise<Invoice[]> {
    const items = await queryAll(this.db, {
      TableName: this.tables.statements,
      KeyConditionExpression: '#m = :m AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeNames: { '#m': 'month' },
      ExpressionAttributeValues: { ':m': `N#${prefix}-${year}`, ':lo': '000001', ':hi': '999999' },
    });
    return items.map((i) => JSON.parse(String(i.json)) as Invoice).sort((a, b) => (a.number < b.number ? -1 : 1));
  }

  async creditOf(number: string): Promise<Invoice | undefined> {
    const ref = await this.item(`C#${number}`, 'credit');
    return ref ? this.byNumber(String(ref.number)) : undefined;
  }

  /**
   * Writes a document under the next free number of its prefix and year. `draft` is everything
   * but the number; `ownedBy` tells whether a taken slot already holds this very document (from
   * an earlier attempt that died before recording its number), which is then returned as is.
   * The head hint is moved by `advance`, only after the caller recorded the number: an attempt
   * that died before then probes from below its own document and finds it again.
   */
  private async take(prefix: string, year: number, draft: (number: string) => Invoice, ownedBy: (doc: Invoice) => boolean): Promise<Invoice> {
    const partition = `N#${prefix}-${year}`;
    const head = Number((await this.item(partition, 'head'))?.seq ?? 0);
    for (let seq = head + 1; ; seq++) {
      const number = invoiceNumber(prefix, year, seq);
      const doc = draft(number);
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tables.statements,
            Item: { month: partition, sk: String(seq).padStart(6, '0'), json: JSON.stringify(doc), clientId: doc.clientId, kind: doc.kind },
            ConditionExpression: 'attribute_not_exists(sk)',
          }),
        );
        return doc;
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
        const taken = await this.byNumber(number);
        if (taken && ownedBy(taken)) return taken;
      }
    }
  }

  /** Moves the head hint up to `number` (a conditional PutItem: the roles that close months may not update). */
  private async advance(number: string): Promise<void> {
    const n = parseInvoiceNumber(number) as { prefix: string; year: number; seq: number };
    await this.db
      .send(
        new PutCommand({
          TableName: this.tables.statements,
          Item: { month: `N#${n.prefix}-${n.year}`, sk: 'head', seq: n.seq },
          ConditionExpression: 'attribute_not_exists(seq) OR seq < :s',
          ExpressionAttributeValues: { ':s': n.seq },
        }),
      )
      .catch((err: unknown) => {
        // Another writer moved the hint further: nothing to do.
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      });
  }

  /** Records `number` under a reference key once; returns the number recorded first. */
  private async refer(month: string, sk: string, number: string): Promise<string> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tables.statements, Item: { month, sk, number }, ConditionExpression: 'attribute_not_exists(sk)' }));
      return number;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      return String((await this.item(month, sk))?.number);
    }
  }

  /**
   * The invoice of a client for a month: issued once, whatever the retries or concurrent closes.
   * `build` makes the document for a given number (pure).
   */
  async issueInvoice(month: string, clientId: string, prefix: string, year: number, build: (number: string) => Invoice): Promise<Invoice> {
    const known = await this.ofClient(month, clientId);
    if (known) return known;
    const doc = await this.take(prefix, year, build, (d) => d.kind === 'invoice' && d.month === month && d.clientId === clientId);
    const recorded = await this.refer(month, `invoice#${clientId}`, doc.number);
    await this.advance(doc.number);
    // Two concurrent issuers of the same invoice can each take a number; the first recorded wins.
    // The loser's document stays (a number, once given, is never removed: that would be a gap)
    // and is cancelled by a credit note, as an invoice issued in error is.
    if (recorded !== doc.number) {
      await this.issueCreditNote(doc, prefix, year, (n) => creditNoteFor(doc, n, doc.issuedOn));
      return (await this.byNumber(recorded)) as Invoice;
    }
    return doc;
  }

  /** The credit note of an invoice: issued once. */
  async issueCreditNote(invoice: Invoice, prefix: string, year: number, build: (number: string) => Invoice): Promise<Invoice> {
    const known = await this.creditOf(invoice.number);
    if (known) return known;
    const doc = await this.take(prefix, year, build, (d) => d.kind === 'credit_note' && d.corrects === invoice.number);
    const recorded = await this.refer(`C#${invoice.number}`, 'credit', doc.number);
    await this.advance(doc.number);
    return recorded === doc.number ? doc : ((await this.byNumber(recorded)) as Invoice);
  }
}
