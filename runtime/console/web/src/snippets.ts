/**
 * Ready-to-copy requests for a feature, built from its manifest's example: a curl command and
 * a JavaScript fetch. The key is never in the text: curl reads $FAASCAPE_API_KEY from the shell
 * and the fetch reads process.env, so a pasted snippet cannot leak a key into a chat or a repo.
 */
import type { CatalogueFeature } from '../../api-types.ts';

export interface SnippetRequest {
  method: string;
  url: string;
  /** the example's own headers, without any x-api-key it might carry */
  headers: [string, string][];
  /** the JSON body as data, when the example has one */
  body?: unknown;
}

/** `invokeUrl` + the example's path and query: "https://h/v1/features/x" + "/between" + "?from=…". */
export function requestOf(invokeUrl: string, example: CatalogueFeature['example']): SnippetRequest {
  const method = (example?.method ?? 'GET').toUpperCase();
  let url = invokeUrl.replace(/\/+$/, '');
  const path = example?.path ?? '';
  if (path) url += path.startsWith('/') ? path : `/${path}`;
  const query = (example?.query ?? '').replace(/^\?/, '');
  if (query) url += `?${query}`;
  const headers = Object.entries(example?.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'x-api-key');
  if (example?.body !== undefined && !headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json']);
  return { method, url, headers, ...(example?.body !== undefined ? { body: example.body } : {}) };
}

/** POSIX single quotes: nothing inside is expanded; a quote is closed, escaped, reopened. */
function sh(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function curlSnippet(r: SnippetRequest): string {
  const lines = [`curl${r.method === 'GET' ? '' : ` -X ${r.method}`} ${sh(r.url)}`];
  // Double quotes on purpose: the shell fills in the key from the environment.
  lines.push(`-H "x-api-key: $FAASCAPE_API_KEY"`);
  for (const [name, value] of r.headers) lines.push(`-H ${sh(`${name}: ${value}`)}`);
  if (r.body !== undefined) lines.push(`--data ${sh(JSON.stringify(r.body))}`);
  return lines.join(' \\\n  ');
}

export function fetchSnippet(r: SnippetRequest): string {
  const q = (s: string) => JSON.stringify(s);
  const headerLines = [`    "x-api-key": process.env.FAASCAPE_API_KEY,`, ...r.headers.map(([n, v]) => `    ${q(n)}: ${q(v)},`)];
  const lines = [
    `// Node 18+ or any server-side JavaScript: keep API keys out of web pages.`,
    `const response = await fetch(${q(r.url)}, {`,
    `  method: ${q(r.method)},`,
    `  headers: {`,
    ...headerLines,
    `  },`,
  ];
  if (r.body !== undefined) lines.push(`  body: JSON.stringify(${JSON.stringify(r.body, null, 2).replace(/\n/g, '\n  ')}),`);
  lines.push(`});`, `console.log(response.status, await response.json());`);
  return lines.join('\n');
}
