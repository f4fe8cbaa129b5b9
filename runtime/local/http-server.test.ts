import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createHttpServer, drain, listen, serverUrl } from './http-server.ts';

describe('the local servers', () => {
  it('are reached on loopback when they listen on every IPv4 interface, and IPv6 hosts are bracketed', () => {
    expect(serverUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
    expect(serverUrl('127.0.0.1', 1)).toBe('http://127.0.0.1:1');
    expect(serverUrl('::1', 8080)).toBe('http://[::1]:8080');
  });

  it('let a request in flight finish when they drain, then take no connection', async () => {
    let release: () => void = () => {};
    let arrived: () => void = () => {};
    const inHandler = new Promise<void>((r) => (arrived = r));
    const server = createServer((_req, res) => {
      release = () => res.end('done');
      arrived();
    });
    const port = await listen(server, 0, '127.0.0.1');
    const inFlight = fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    await inHandler;
    let drained = false;
    const draining = drain(server).then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(drained).toBe(false);
    const released = performance.now();
    release();
    expect(await inFlight).toBe('done');
    await draining;
    // The client keeps its connection alive: drained once it is idle, not after the 2 s cut-off.
    expect(performance.now() - released).toBeLessThan(1_500);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('say which port is taken', async () => {
    const first = createServer();
    const port = await listen(first, 0, '127.0.0.1');
    try {
      await expect(listen(createServer(), port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await drain(first);
    }
  });

  it('answer 500 to a result they cannot write, and keep serving: it never ends the process', async () => {
    const errors: unknown[] = [];
    const server = createHttpServer(async (event) => (event.rawPath === '/bad' ? { statusCode: 200, headers: { 'x-a': 'a\r\nset-cookie: pwn=1' }, body: 'x' } : { statusCode: 200, body: 'ok' }), (e) => errors.push(e));
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const bad = await fetch(`http://127.0.0.1:${port}/bad`);
      expect(bad.status).toBe(500);
      expect(bad.headers.getSetCookie()).toEqual([]);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('internal_error');
      expect(errors).toHaveLength(1);
      expect(await (await fetch(`http://127.0.0.1:${port}/good`)).text()).toBe('ok');
    } finally {
      await drain(server);
    }
  });

  it('hold at most so many request bodies at once: the next gets 503 server_busy, and the room comes back', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const server = createHttpServer(
      async (event) => {
        if (event.rawPath === '/hold') await gate;
        return { statusCode: 200, body: String(event.body?.length ?? 0) };
      },
      () => {},
      1_000_000,
    );
    const port = await listen(server, 0, '127.0.0.1');
    const post = (path: string, bytes: number) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(bytes) });
    try {
      // 990 kB held while its handler waits; 64 kB more do not fit.
      const held = post('/hold', 990_000);
      while (!(await fetch(`http://127.0.0.1:${port}/probe`, { method: 'POST', body: 'x'.repeat(20_000) }).then((r) => r.status === 503))) await new Promise((r) => setTimeout(r, 20));
      const busy = await post('/other', 64_000);
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('server_busy');
      release();
      expect(await (await held).text()).toBe('990000');
      // Its body given back, the same request fits again.
      expect((await post('/other', 64_000)).status).toBe(200);
    } finally {
      release();
      await drain(server);
    }
  });
});

