import { execSync } from 'node:child_process';
import { openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * What a stranger's code would try, run inside the platform's sandbox. Each attempt reports
 * "denied: <why>" or "ALLOWED: <what it got>"; the test asserts that nothing is allowed. The test
 * tells it where things are (a real attacker would guess: the data dir is ./.faascape, ports can
 * be scanned), so that a denial is the sandbox's doing, not a wrong guess.
 */
type Attempts = Record<string, string>;

async function attempt(out: Attempts, name: string, f: () => unknown): Promise<void> {
  try {
    const got = await f();
    out[name] = `ALLOWED: ${String(typeof got === 'string' ? got : JSON.stringify(got)).slice(0, 120)}`;
  } catch (e) {
    const err = e as { code?: string; name?: string; message?: string };
    out[name] = `denied: ${err.code ?? err.name ?? 'Error'} ${String(err.message ?? '').slice(0, 100)}`;
  }
}

async function storeScan(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<unknown> {
  const db = new DynamoDBClient({ endpoint, region: 'local', credentials, maxAttempts: 1 });
  try {
    const tables = (await db.send(new ListTablesCommand({}))).TableNames ?? [];
    const keys = tables.find((t) => t.endsWith('keys'));
    const items = keys ? ((await db.send(new ScanCommand({ TableName: keys }))).Items ?? []) : [];
    return { tables, keyItems: items.length };
  } finally {
    db.destroy();
  }
}

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const q = event.queryStringParameters ?? {};
  if (q.mode === 'html') {
    // A page that, on the console's origin, would read the signed-in user's session.
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'faascape_session=planted; Path=/', 'content-security-policy': "script-src 'unsafe-inline'" },
      cookies: ['faascape_session=planted2; Path=/'],
      body: `<!doctype html><title>hostile</title><p id="out">waiting</p><script>
        fetch('/console/api/session', { credentials: 'include' }).then((r) => r.text()).then((t) => { document.title = 'stolen ' + t; document.getElementById('out').textContent = 'stolen ' + t; }, (e) => { document.title = 'failed ' + e; });
      </script>`,
    };
  }
  if (q.mode === 'badheader') {
    // Headers no HTTP server may write: a CR LF to split the answer and plant a cookie, a name with a space.
    return { statusCode: 200, headers: q.name === 'space' ? { 'bad name': 'x' } : { 'x-a': 'a\r\nSet-Cookie: pwn=1' }, body: 'split' };
  }
  const out: Attempts = {};
  const dataDir = q.dataDir ?? '.faascape';
  const ppid = process.ppid;
  await attempt(out, 'readDataDir', () => readdirSync(dataDir));
  await attempt(out, 'readSecret', () => readFileSync(join(dataDir, 'secret'), 'utf8'));
  await attempt(out, 'readOperatorToken', () => readFileSync(join(dataDir, 'operator-token'), 'utf8'));
  await attempt(out, 'readStoreCredential', () => readFileSync(join(dataDir, 'store-credential'), 'utf8'));
  await attempt(out, 'readStoreFiles', () => readdirSync(join(dataDir, 'store')));
  await attempt(out, 'readOtherFeature', () => readdirSync(join(dataDir, 'build', 'well-behaved')));
  await attempt(out, 'readSource', () => readdirSync(q.functionsDir ?? 'functions'));
  await attempt(out, 'readEtcPasswd', () => readFileSync('/etc/passwd', 'utf8'));
  await attempt(out, 'readOwnEnviron', () => readFileSync('/proc/self/environ', 'utf8'));
  await attempt(out, 'readParentEnviron', () => readFileSync(`/proc/${ppid}/environ`, 'utf8'));
  await attempt(out, 'readParentMem', () => openSync(`/proc/${ppid}/mem`, 'r'));
  await attempt(out, 'readParentCmdline', () => readFileSync(`/proc/${ppid}/cmdline`, 'utf8'));
  await attempt(out, 'writeOutsideTmp', () => writeFileSync(join(dataDir, 'planted'), 'x'));
  await attempt(out, 'spawnProcess', () => execSync('id').toString());
  await attempt(out, 'startWorker', () => new Worker('1', { eval: true }).threadId);
  const addon = q.addon ?? '/tmp/evil.node';
  await attempt(out, 'loadAddon', () => createRequire(import.meta.url)(addon));
  await attempt(out, 'dlopen', () => process.dlopen({ exports: {} } as NodeJS.Module, addon));
  await attempt(out, 'processBinding', () => (process as unknown as { binding(n: string): unknown }).binding('fs'));
  await attempt(out, 'killParent', () => process.kill(ppid, 0));
  await attempt(out, 'killGroup', () => process.kill(0, 0));
  await attempt(out, 'killGroupNegative', () => process.kill(-ppid, 0));
  // Raw bytes to the platform's terminal: a fake platform line and an escape sequence. Nothing to
  // deny from inside; the test checks the platform captured and labelled them instead.
  writeSync(2, '\u001b[2J{"level":"info","msg":"fake platform line"}\n');
  writeSync(1, 'raw stdout \u001b[31mred\n');
  await attempt(out, 'reniceParent', () => os.setPriority(ppid, 19));
  await attempt(out, 'inspector', async () => (await import('node:inspector')).open(0));
  await attempt(out, 'wasi', async () => new (await import('node:wasi')).WASI({ version: 'preview1' }));
  if (q.store) {
    const endpoint = `http://127.0.0.1:${q.store}`;
    await attempt(out, 'storeUnsigned', async () => {
      const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' });
      const text = await res.text();
      if (res.status !== 200) throw Object.assign(new Error(text), { code: `HTTP ${res.status}` });
      return text;
    });
    await attempt(out, 'storeGuessedCredential', () => storeScan(endpoint, { accessKeyId: 'local', secretAccessKey: 'local' }));
  }
  // What of the caller's browser session reached us, and what it opens on the console API.
  const cookie = [...(event.cookies ?? []), event.headers?.cookie ?? ''].filter(Boolean).join('; ');
  out.sawCookie = cookie ? `ALLOWED: ${cookie}` : 'denied: no cookie in the event';
  out.sawCsrf = event.headers?.['x-csrf-token'] ? `ALLOWED: ${event.headers['x-csrf-token']}` : 'denied: no csrf token in the event';
  out.sawProxyCredential = event.headers?.['proxy-authorization'] ? `ALLOWED: ${event.headers['proxy-authorization']}` : 'denied: no proxy credential in the event';
  if (q.gateway) {
    await attempt(out, 'consoleWithCookie', async () => {
      const res = await fetch(`http://127.0.0.1:${q.gateway}/console/api/session`, { headers: cookie ? { cookie } : {} });
      const text = await res.text();
      if (res.status !== 200) throw Object.assign(new Error(text), { code: `HTTP ${res.status}` });
      return text;
    });
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(out) };
};
