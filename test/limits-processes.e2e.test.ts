/**
 * Issue #14: the local platform keeps its client limits when run as several gateway processes
 * over one store. A test platform runs one gateway; a second gateway runs in a child process over
 * the same data dir (runtime/local/gateway-process.ts). Calls go to both over real HTTP, in turn
 * and at once, and the rate, the monthly quota and the spend cap hold across them (decision 0013).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../shared/month.ts';
import { LimitLedger } from '../runtime/limits/limit-ledger.ts';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import { FIXTURE_FUNCTIONS, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const CHILD = fileURLToPath(new URL('./helpers/gateway-child.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const ECHO = '/v1/features/echo';
const month = monthOf(Date.now());

interface Child {
  proc: ChildProcess;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** The second gateway: its own process (and process group, for its feature hosts), same data dir. */
async function startChild(dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', TSX, CHILD, dataDir, FIXTURE_FUNCTIONS, 'local-gw2'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(proc.pid as number), signal);
    } catch {
      // gone
    }
  };
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return killGroup('SIGKILL');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    // Its feature hosts end with it; anything left of its group does not outlive the test.
    killGroup('SIGKILL');
  };
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the second gateway did not start in 30 s:\n${err}`)), 30_000);
    lines.on('line', (line) => {
      try {
        const { url: u } = JSON.parse(line) as { url?: string };
        if (u) {
          clearTimeout(timer);
          resolve(u);
        }
      } catch {
        // not the ready line
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the second gateway exited before it was ready:\n${err}`));
    });
  });
  return { proc, url, output: () => err, stop };
}

interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
  policy: string | null;
  rateLimit: string | null;
}

async function call(base: string, key: string): Promise<Answer> {
  const res = await fetch(`${base}${ECHO}`, { headers: { 'x-api-key': key } });
  const body = (await res.json()) as { error?: { code: string } };
  return {
    status: res.status,
    ...(body.error ? { code: body.error.code } : {}),
    retryAfter: res.headers.get('retry-after'),
    policy: res.headers.get('ratelimit-policy'),
    rateLimit: res.headers.get('ratelimit'),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const served = (answers: Answer[]) => answers.filter((a) => a.status === 200).length;

let t: TestPlatform;
let child: Child;
let urls: string[];
let ledger: LimitLedger;
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestPlatform();
  ledger = new LimitLedger(documentClient(t.platform.dynamo), t.platform.tables);
  for (const c of ['quota40', 'capped', 'rated']) keys[c] = await t.newKey(c);
  await t.clients.setLimits('quota40', { monthlyQuota: 40 });
  await t.clients.setLimits('capped', { monthlySpendCapMicros: 10_000 });
  await t.clients.setLimits('rated', { rps: 5, burst: 5 });
  child = await startChild(t.dataDir);
  urls = [t.url, child.url];
  await sleep(600); // limits are cached for at most 500 ms
});

afterAll(async () => {
  await child?.stop();
  await t?.stop();
});

describe('client limits over two gateway processes on one store', () => {
  it('runs a second gateway process that serves the same features, keys and pseudonyms', async () => {
    expect(child.proc.pid).not.toBe(process.pid);
    expect(new URL(child.url).port).not.toBe(new URL(t.url).port);
    const key = await t.newKey('both');
    const seen = [];
    for (const base of urls) {
      const res = await fetch(`${base}${ECHO}`, { headers: { 'x-api-key': key } });
      expect(res.status).toBe(200);
      seen.push(((await res.json()) as { authorizer: { lambda: { clientId: string } } }).authorizer.lambda.clientId);
    }
    expect(seen[0]).toMatch(/^c_/);
    expect(seen[1]).toBe(seen[0]);
  });

  it('holds the rate across both: served ≤ burst + rps × (elapsed + 4 s), 429 rate_limited with Retry-After', async () => {
    const key = keys.rated as string;
    const answers: Answer[] = [];
    const start = Date.now();
    // Two calls every 50 ms, one to each process, for 3 s: ~120 calls at a client allowed 5/s.
    const inflight: Promise<void>[] = [];
    for (let i = 0; Date.now() - start < 3_000; i++) {
      for (const base of urls) inflight.push(call(base, key).then((a) => void answers.push(a)));
      await sleep(50);
    }
    await Promise.all(inflight);
    const elapsedS = (Date.now() - start) / 1000;
    const ok = served(answers);
    // Asked more than the rate (how much more depends on this machine's load): some are refused.
    expect(answers.length).toBeGreaterThan(ok);
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(5 + 5 * (elapsedS + 4));
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.length).toBe(answers.length - ok);
    for (const a of refused) {
      expect(a).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    for (const a of answers) {
      expect(a.policy).toBe('"rate";q=5;w=1');
      expect(a.rateLimit).toMatch(/^"rate";r=\d+;t=\d+$/);
    }
  });

  it('never passes the spend cap across both: the served calls cost ≤ the cap, then 429 spend_cap_reached', async () => {
    const key = keys.capped as string;
    const answers: Answer[] = [];
    // echo costs 0.002 EUR a call and reserves 2,007 µ (its price and its largest compute): ≤ 5 calls fit in 0.01 EUR.
    for (let round = 0; round < 3; round++) {
      answers.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => call(urls[i % 2] as string, key)))));
    }
    const ok = served(answers);
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(ok).toBeLessThanOrEqual(5);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a).toMatchObject({ status: 429, code: 'spend_cap_reached' });
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
    }
    // Both meters applied (GET /v1/usage settles the meter of the process it asks), then what the
    // platform reports the client spent: the served calls, at most the cap.
    await (await fetch(`${child.url}/v1/usage`, { headers: { 'x-api-key': key } })).arrayBuffer();
    await t.platform.meter.settled();
    const usage = (await (await t.call(key, '/v1/usage')).json()) as { totalMicros: number; features: { featureId: string; calls: number; billableCalls?: number; amountMicros: number }[] };
    const echo = usage.features.find((f) => f.featureId === 'echo');
    expect(echo?.calls).toBe(ok);
    expect(usage.totalMicros).toBeGreaterThanOrEqual(ok * 2_000);
    expect(usage.totalMicros).toBeLessThanOrEqual(10_000);
    const committed = await ledger.monthCommitted('capped', month);
    expect(committed.micros).toBeLessThanOrEqual(10_000);
    expect(committed.capRefused).toBe(10_000);
    // Still refused at both, whichever is asked.
    for (const base of urls) expect(await call(base, key)).toMatchObject({ status: 429, code: 'spend_cap_reached' });
  });

  it('never passes the monthly quota across both, and the whole quota is usable once the slices are back', async () => {
    const key = keys.quota40 as string;
    const answers: Answer[] = [];
    // 120 calls in 6 rounds of 20 at once, half to each process.
    for (let round = 0; round < 6; round++) {
      answers.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => call(urls[i % 2] as string, key)))));
    }
    const first = served(answers);
    expect(first).toBeLessThanOrEqual(40);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a).toMatchObject({ status: 429, code: 'quota_exceeded' });
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
      expect(a.rateLimit).toMatch(/^"month";r=\d+;t=\d+$/);
    }
    expect(answers.find((a) => a.status === 200)?.policy).toMatch(/^"month";q=40;w=\d+$/);

    // The second process stops: what its slices did not use goes back to the shared item. The
    // platform's own slice it serves itself. Calling on, the served calls reach the quota, never more.
    await child.stop();
    expect(child.proc.exitCode).toBe(0);
    // Nothing went wrong in it (the fixtures' broken manifest aside, which it reports as the platform does).
    const troubles = child.output().split('\n').filter((l) => /"level":"(error|warn)"/.test(l) && !l.includes('broken-manifest'));
    expect(troubles).toEqual([]);
    let total = first;
    const deadline = Date.now() + 20_000;
    while (total < 40 && Date.now() < deadline) {
      const batch = await Promise.all(Array.from({ length: 4 }, () => call(t.url, key)));
      for (const a of batch.filter((x) => x.status !== 200)) expect(a).toMatchObject({ status: 429, code: 'quota_exceeded' });
      total += served(batch);
      expect(total).toBeLessThanOrEqual(40);
      if (total < 40) await sleep(250);
    }
    expect(total).toBe(40);
    const after = await Promise.all(Array.from({ length: 10 }, () => call(t.url, key)));
    expect(served(after)).toBe(0);
    await sleep(1_100); // past the refusal the gateway repeats without asking the store
    expect(await call(t.url, key)).toMatchObject({ status: 429, code: 'quota_exceeded' });

    await t.platform.meter.settled();
    const usage = (await (await t.call(key, '/v1/usage')).json()) as { features: { featureId: string; calls: number }[] };
    expect(usage.features.find((f) => f.featureId === 'echo')?.calls).toBe(40);
    expect((await ledger.monthCommitted('quota40', month)).calls).toBe(40);
  });
});
