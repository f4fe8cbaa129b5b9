import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** What a normal feature does with files: reads its own bundle, keeps scratch files in /tmp. */
export const handler = async (_event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const self = fileURLToPath(import.meta.url);
  const ownFiles = readdirSync(dirname(self));
  const ownBytes = readFileSync(self).length;
  const scratch = mkdtempSync(join(tmpdir(), 'work-'));
  writeFileSync(join(scratch, 'note.txt'), 'written by the feature');
  const readBack = readFileSync(join(scratch, 'note.txt'), 'utf8');
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ownFiles, ownBytes, tmp: tmpdir(), readBack }) };
};
