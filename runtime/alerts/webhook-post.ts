import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ipLiteral, isAllowedHost, publicOnlyLookup } from './public-address.ts';

/**
 * POSTs one webhook and answers its status. The host is checked again here, not only when the
 * endpoint was registered: an address literal must be public, and a name may only connect to the
 * public addresses it resolves to now (publicOnlyLookup). 127.0.0.1 over http or https only when
 * the operator allows loopback. Redirects are never followed (node:http does not).
 */
export function postWebhook(urlText: string, headers: Record<string, string>, body: string, o: { allowLoopback: boolean; timeoutMs: number }): Promise<number> {
  const url = new URL(urlText);
  const loopback = o.allowLoopback && ipLiteral(url.hostname) === '127.0.0.1';
  if (!isAllowedHost(url.hostname, o.allowLoopback)) return Promise.reject(new Error(`${url.hostname} is not a public host`));
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) return Promise.reject(new Error('https only'));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: publicOnlyLookup(o.allowLoopback),
        // One connection per attempt: nothing kept open to a stranger's host between runs.
        agent: false,
        signal: AbortSignal.timeout(o.timeoutMs),
      },
      (res) => {
        // The answer's body is not read, only drained (the signal bounds how long).
        res.on('error', reject);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.resume();
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
