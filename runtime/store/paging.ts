import { QueryCommand, ScanCommand, type DynamoDBDocumentClient, type QueryCommandInput, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/** Follows LastEvaluatedKey page by page and returns every item. */
async function allPages(send: (start: Item | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>): Promise<Item[]> {
  const out: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await send(start);
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Queries page by page (1 MB each at most), handing each page over before reading the next. */
export async function forEachQueryPage(db: DynamoDBDocumentClient, input: QueryCommandInput, onPage: (items: Item[]) => void): Promise<void> {
  let start: Item | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    onPage(page.Items ?? []);
    start = page.LastEvaluatedKey;
  } while (start);
}

export function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  return allPages((ExclusiveStartKey) => db.send(new QueryCommand({ ...input, ExclusiveStartKey })));
}

/** Small tables only (clients, statement headers): a Scan reads the whole table. */
export function scanAll(db: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> {
  return allPages((ExclusiveStartKey) => db.send(new ScanCommand({ ...input, ExclusiveStartKey })));
}
