import { QueryCommand, ScanCommand, type DynamoDBDocumentClient, type QueryCommandInput, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;
type Send = (start: Item | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>;

/** Follows LastEvaluatedKey page by page, handing each page over before reading the next. */
async function eachPage(send: Send, onPage: (items: Item[]) => void): Promise<void> {
  let start: Item | undefined;
  do {
    const page = await send(start);
    onPage(page.Items ?? []);
    start = page.LastEvaluatedKey;
  } while (start);
}

async function allPages(send: Send): Promise<Item[]> {
  const out: Item[] = [];
  await eachPage(send, (items) => out.push(...items));
  return out;
}

const query = (db: DynamoDBDocumentClient, input: QueryCommandInput): Send => (ExclusiveStartKey) => db.send(new QueryCommand({ ...input, ExclusiveStartKey }));

/** Queries page by page (1 MB each at most): a reader holds one page, never the whole result. */
export function forEachQueryPage(db: DynamoDBDocumentClient, input: QueryCommandInput, onPage: (items: Item[]) => void): Promise<void> {
  return eachPage(query(db, input), onPage);
}

export function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  return allPages(query(db, input));
}

/** Small tables only (clients, statement headers): a Scan reads the whole table. */
export function scanAll(db: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> {
  return allPages((ExclusiveStartKey) => db.send(new ScanCommand({ ...input, ExclusiveStartKey })));
}
