import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Item sizes by DynamoDB's published rules ("Item sizes and formats", DynamoDB developer guide):
 * an item is the sum of its attributes, each the UTF-8 length of its name plus its value:
 * - String: UTF-8 bytes; Binary: raw bytes;
 * - Number: about 1 byte per 2 significant digits, plus 1 (leading/trailing zeros trimmed);
 * - Boolean and Null: 1 byte;
 * - List and Map: 3 bytes of overhead plus 1 byte per element, plus the elements (a Map's element
 *   names count like attribute names);
 * - Sets: the sum of their elements.
 * The hard limit is 400 KB = 409,600 bytes per item.
 */
export const MAX_ITEM_BYTES = 400 * 1024;

export type RawItem = Record<string, AttributeValue>;

export function numberBytes(n: string): number {
  const mantissa = n.replace(/^[+-]/, '').toLowerCase().split('e')[0] ?? '';
  const significant = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (significant.length === 0) return 1;
  return Math.ceil(significant.length / 2) + 1;
}

export function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + numberBytes(x), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, x) => s + x.byteLength, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((s, x) => s + 1 + valueBytes(x), 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueBytes(x), 0);
  return 0;
}

export function itemBytes(item: RawItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueBytes(value);
  return size;
}

/** Write request units of writing an item of this size: 1 per started KB. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}
