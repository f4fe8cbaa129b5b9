import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkEndpointUrl } from './alert-store.ts';
import { isPublicAddress, publicOnlyLookup } from './public-address.ts';
import { postWebhook } from './webhook-post.ts';

// Each a way to the operator's own network that a text check of the host let through (review of 2026-12-06).
const NOT_PUBLIC = [
  'https://[::ffff:127.0.0.1]/x',
  'https://[::ffff:169.254.169.254]/latest',
  'https://[::ffff:7f00:1]/',
  'https://[::]/',
  'https://[::127.0.0.1]/',
  'https://[64:ff9b::a9fe:a9fe]/',
  'https://[2002:7f00:1::]/',
  'https://[fec0::1]/',
  'https://[fd00:ec2::254]/',
  'https://[fe80::1]/',
  'https://100.64.0.1/',
  'https://198.18.0.1/',
  'https://0.0.0.0/',
  'https://2130706433/', // 127.0.0.1 in decimal
  'https://0x7f.1/',
  'https://foo.localhost/',
  'https://metadata.google.internal/',
  'https://printer.local/',
  'https://intranet/',
];

describe('webhook endpoints', () => {
  it('refuse every address and name of the operator’s network, however it is written', () => {
    for (const url of NOT_PUBLIC) expect(() => checkEndpointUrl(url, false), url).toThrow(/public host/);
    // Loopback allowed for local development is 127.0.0.1 itself, not another spelling of it.
    expect(() => checkEndpointUrl('https://[::ffff:127.0.0.1]/x', true)).toThrow(/public host/);
  });

  it('accept public addresses and names', () => {
    for (const url of ['https://hooks.example.com/x', 'https://8.8.8.8/', 'https://[2606:4700:4700::1111]/', 'https://[::ffff:8.8.8.8]/']) expect(checkEndpointUrl(url, false), url).toBe(new URL(url).href);
    expect(isPublicAddress('1.1.1.1')).toBe(true);
    expect(isPublicAddress('not an address')).toBe(false);
  });

  it('connect only to public addresses, checked on the address a name resolves to at delivery (DNS can change)', async () => {
    const resolve = (allowLoopback: boolean) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: string }>((done) => publicOnlyLookup(allowLoopback)('localhost', { family: 4 }, (err, address) => done({ err, address: String(address) })));
    expect((await resolve(false)).err?.code).toBe('ENOTPUBLIC');
    expect(await resolve(true)).toEqual({ err: null, address: '127.0.0.1' });
  });

  it('are checked again when sent: a stored private URL reaches nothing, loopback only when allowed', async () => {
    let hits = 0;
    const receiver = createServer((_req, res) => {
      hits += 1;
      res.end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    try {
      const post = (url: string, allowLoopback: boolean) => postWebhook(url, { 'content-type': 'application/json' }, '{}', { allowLoopback, timeoutMs: 5_000 });
      await expect(post(`http://127.0.0.1:${port}/`, false)).rejects.toThrow(/not a public host/);
      await expect(post(`https://[::ffff:127.0.0.1]:${port}/`, true)).rejects.toThrow(/not a public host/);
      await expect(post(`http://localhost:${port}/`, true)).rejects.toThrow(/not a public host/);
      expect(hits).toBe(0);
      expect(await post(`http://127.0.0.1:${port}/`, true)).toBe(200);
      expect(hits).toBe(1);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
