import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The same headers CloudFront adds in AWS: scripts and styles from this origin only (uPlot sets
 * inline styles), never framed, no MIME sniffing, no referrer leaving the site.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * The console's built files, held in memory (a few hundred KB) and served like the S3 bucket
 * behind CloudFront: `/` is index.html, which is never cached so a new build shows at once.
 */
export function staticSite(dir: string): (method: string, path: string) => APIGatewayProxyStructuredResultV2 | undefined {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const file of filesUnder(dir)) {
    const url = `/${relative(dir, file).split(sep).join('/')}`;
    files.set(url, { body: readFileSync(file), type: TYPES[extname(file)] ?? 'application/octet-stream' });
  }
  return (method, path) => {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const url = path === '/' ? '/index.html' : path;
    const file = files.get(url);
    if (!file) return undefined;
    return {
      statusCode: 200,
      headers: { 'content-type': file.type, 'cache-control': url === '/index.html' ? 'no-cache' : 'public, max-age=3600', ...SECURITY_HEADERS },
      body: method === 'HEAD' ? '' : file.body.toString('base64'),
      isBase64Encoded: true,
    };
  };
}
