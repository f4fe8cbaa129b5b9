import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, monthStart, nextMonth } from '../shared/month.ts';
import { DEFAULT_POLICY } from '../shared/statement.ts';
import { documentClient } from '../runtime/store/dynamo-client.ts';
import { StatementStore } from '../runtime/statements/statement-store.ts';
import { StatementsJob } from '../runtime/statements/statements-job.ts';
import { copyFixtures, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));
const month = monthOf(Date.now());
// The job's clock is injected: "now" is 03:00 UTC on the 1st of next month, so this month has ended.
const afterMonthEnd = monthStart(nextMonth(month)) + 3 * 3600_000;

let t: TestPlatform;
let functionsDir: string;
let job: StatementsJob;

function setManifest(slug: string, change: (m: Record<string, unknown>) => void) {
  const file = join(functionsDir, slug, 'feature.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  change(m);
  writeFileSync(file, JSON.stringify(m));
}

beforeAll(async () => {
  functionsDir = copyFixtures();
  // Two features with different prices (whole cents) and authors, no compute price: every amount below is exact by hand.
  setManifest('echo', (m) => {
    m.price = { perCall: '0.02', perGbSecond: '0', currency: 'EUR' };
    m.authors = [{ id: 'alice', weight: 2 }, { id: 'bob', weight: 1 }];
  });
  setManifest('slow', (m) => {
    m.price = { perCall: '0.01', perGbSecond: '0', currency: 'EUR' };
    m.authors = [{ id: 'carol', weight: 1 }];
  });
  t = await startTestPlatform({ functionsDir });
  job = new StatementsJob({ usage: t.usage, store: new StatementStore(documentClient(t.platform.dynamo), t.platform.tables), policy: DEFAULT_POLICY, clock: () => afterMonthEnd });
  const a = await t.newKey('client-a');
  const b = await t.newKey('client-b');
  const calls: [string, string][] = [
    [a, '/v1/features/echo'], [a, '/v1/features/echo'], [a, '/v1/features/echo'],
    [a, '/v1/features/echo?status=404'], // metered, not billable
    [a, '/v1/features/slow?ms=1'], [a, '/v1/features/slow?ms=1'],
    [b, '/v1/features/echo'],
    [b, '/v1/features/slow?ms=1'], [b, '/v1/features/slow?ms=1'], [b, '/v1/features/slow?ms=1'], [b, '/v1/features/slow?ms=1'], [b, '/v1/features/slow?ms=1'],
    [b, '/v1/features/boom'], // feature error: metered, not billable
  ];
  for (const [key, path] of calls) await (await t.call(key, path)).arrayBuffer();
  await t.platform.meter.settled();
});
afterAll(async () => {
  await t.stop();
  rmSync(functionsDir, { recursive: true, force: true });
});

describe('monthly statements end to end', () => {
  it('previews a draft that matches the statement computed by hand', async () => {
    const s = await job.preview(month);
    // client-a: 3 billable echo × 20,000 + 2 slow × 10,000 = 80,000; client-b: 1 × 20,000 + 5 × 10,000 = 70,000.
    expect(s.clients.map((c) => [c.clientId, c.totalMicros])).toEqual([
      ['client-a', 80_000],
      ['client-b', 70_000],
    ]);
    expect(s.clients[0]?.lines.map((l) => [l.featureId, l.calls, l.billableCalls, l.amountMicros])).toEqual([
      ['echo', 4, 3, 60_000],
      ['slow', 2, 2, 20_000],
    ]);
    // revenue 150,000; developers' pool floor(150,000 × 70 %) = 105,000; the platform keeps 45,000.
    expect(s.totals).toMatchObject({ revenueMicros: 150_000, payoutMicros: 105_000, platformMicros: 45_000 });
    // echo earns 80,000: alice 80,000 × 0.7 × 2/3 = 37,333.33, bob 18,666.67; slow earns 70,000: carol 49,000.
    // Floors sum to 104,999; the last micro goes to the largest remainder: bob (.67).
    expect(s.developers.map((d) => [d.developerId, d.earnedMicros])).toEqual([
      ['alice', 37_333],
      ['bob', 18_667],
      ['carol', 49_000],
    ]);
    // Every balance is under the 10 EUR minimum: all carried, nothing payable.
    expect(s.developers.every((d) => d.payableMicros === 0 && d.carriedOutMicros === d.earnedMicros)).toBe(true);
    expect(s.developers.find((d) => d.developerId === 'alice')?.lines).toEqual([{ featureId: 'echo', revenueMicros: 80_000, weight: 2, totalWeight: 3 }]);
    expect(s.status).toBe('draft');
    expect((await job.preview(month)).status).toBe('draft');
  });

  it('closes the month once: the stored JSON carries its SHA-256, a second close returns it unchanged', async () => {
    const first = await job.close(month);
    expect(first.outcome).toBe('closed');
    expect(first.statement.status).toBe('final');
    expect(first.statement.sha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await job.close(month);
    expect(again.outcome).toBe('already_closed');
    expect(again.json).toBe(first.json);
  });

  it('turns usage that arrives after the close into an adjustment of the next month, never a change to the final one', async () => {
    const a = await t.newKey('client-a');
    await (await t.call(a, '/v1/features/echo')).arrayBuffer();
    await t.platform.meter.settled();
    const final = await job.show(month);
    expect(final.statement.totals.revenueMicros).toBe(150_000);
    const next = await job.preview(nextMonth(month));
    expect(next.adjustments).toEqual([expect.objectContaining({ originalMonth: month, clientId: 'client-a', featureId: 'echo', calls: 1, billableCalls: 1, amountMicros: 20_000 })]);
    expect(next.totals.revenueMicros).toBe(20_000);
    // The carried balances of the closed month come in.
    expect(next.developers.find((d) => d.developerId === 'carol')?.carriedInMicros).toBe(49_000);
  });

  it('refuses to close a month that has not ended, from the CLI, with a clear error', async () => {
    // The real clock is inside `month`, so next month has certainly not ended.
    const open = nextMonth(month);
    const err = await run(process.execPath, [CLI, 'statements', 'close', '--month', open, '--yes'], { env: { ...process.env, FAASCAPE_DATA_DIR: t.dataDir } }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(new RegExp(`${open} has not ended yet`));
  });

  it('statements show --client / --developer of a party not in the closed month is rc 1 with a clear message', async () => {
    const env = { ...process.env, FAASCAPE_DATA_DIR: t.dataDir };
    const fails = (args: string[]) => run(process.execPath, [CLI, 'statements', 'show', '--month', month, ...args], { env }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    await t.clients.ensureClient('globex');
    const nosuch = await fails(['--client', 'nosuch']);
    expect(nosuch.code).toBe(1);
    expect(nosuch.stderr).toMatch(/^faascape: no client "nosuch"/);
    const known = await fails(['--client', 'globex']);
    expect(known.code).toBe(1);
    expect(known.stderr).toContain(`client "globex" has no invoice in ${month}`);
    const dev = await fails(['--developer', 'nobody']);
    expect(dev.code).toBe(1);
    expect(dev.stderr).toMatch(/^faascape: no developer "nobody"/);
  });

  it('shows one party of the final statement from the CLI, as CSV with a header and one row per line', async () => {
    const env = { ...process.env, FAASCAPE_DATA_DIR: t.dataDir };
    const { stdout: csv } = await run(process.execPath, [CLI, 'statements', 'show', '--month', month, '--client', 'client-a', '--format', 'csv'], { env });
    const rows = csv.trim().split('\n').map((r) => r.split(','));
    const header = rows[0] as string[];
    expect(header.slice(0, 3)).toEqual(['month', 'status', 'section']);
    const at = (row: string[], col: string) => row[header.indexOf(col)];
    expect(rows.slice(1).map((r) => [at(r, 'section'), at(r, 'feature_id'), at(r, 'amount_micros')])).toEqual([
      ['client_line', 'echo', '60000'],
      ['client_line', 'slow', '20000'],
      ['client_total', '', '80000'],
    ]);
    const { stdout: dev } = await run(process.execPath, [CLI, 'statements', 'show', '--month', month, '--developer', 'bob', '--format', 'json'], { env });
    const view = JSON.parse(dev) as { developer: { developerId: string; earnedMicros: number }; client?: unknown };
    expect(view.developer).toMatchObject({ developerId: 'bob', earnedMicros: 18_667 });
    expect(dev).not.toContain('alice');
    const { stdout: records } = await run(process.execPath, [CLI, 'usage', 'records', '--month', month, '--client', 'client-b', '--feature', 'slow', '--json'], { env });
    expect((JSON.parse(records) as unknown[]).length).toBe(5);
  }, 30_000);
});
