import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentClient } from '../../runtime/store/dynamo-client.ts';
import { ClientStore } from '../../runtime/keys/client-store.ts';
import { silentLogger, type Logger } from '../../runtime/logger.ts';
import { DynamoUsageLog } from '../../runtime/meter/dynamo-usage-log.ts';
import { startPlatform, type Platform } from '../../runtime/local/platform.ts';
import { DEFAULT_POLICY } from '../../shared/statement.ts';

export const FIXTURE_FUNCTIONS = fileURLToPath(new URL('../fixtures/functions', import.meta.url));

export interface TestPlatform {
  platform: Platform;
  url: string;
  dataDir: string;
  clients: ClientStore;
  usage: DynamoUsageLog;
  newKey(clientId: string): Promise<string>;
  call(apiKey: string | undefined, path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** A real platform on loopback: its own temp data dir, store process, workers and HTTP server. */
export async function startTestPlatform(
  opts: { functionsDir?: string; dataDir?: string; logger?: Logger; clock?: () => number; watch?: boolean; progress?: (line: string) => void; testCallsPerDay?: number } = {},
): Promise<TestPlatform> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'faascape-test-'));
  const platform = await startPlatform(
    { port: 0, host: '127.0.0.1', dataDir, functionsDir: opts.functionsDir ?? FIXTURE_FUNCTIONS, policy: DEFAULT_POLICY, scheduleCloses: false, watch: opts.watch ?? false, ...(opts.testCallsPerDay ? { testCallsPerDay: opts.testCallsPerDay } : {}) },
    { logger: opts.logger ?? silentLogger, ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.progress ? { progress: opts.progress } : {}) },
  );
  const db = documentClient(platform.dynamo);
  const clients = new ClientStore(db, platform.tables);
  const usage = new DynamoUsageLog(db, platform.tables);
  return {
    platform,
    url: platform.url,
    dataDir,
    clients,
    usage,
    newKey: async (clientId) => (await clients.createKey(clientId)).apiKey,
    call: (apiKey, path, init = {}) =>
      fetch(`${platform.url}${path}`, { ...init, headers: { ...(apiKey ? { 'x-api-key': apiKey } : {}), ...(init.headers as Record<string, string> | undefined) } }),
    stop: async () => {
      await platform.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Changes a feature's manifest in a copied functions dir: its fields, with `patch` over them. */
export function editManifest(functionsDir: string, slug: string, patch: Record<string, unknown>): void {
  const file = join(functionsDir, slug, 'feature.json');
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>), ...patch }));
}

/** A copy of the fixture features that a test may edit (prices, manifests). */
export function copyFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'faascape-functions-'));
  cpSync(FIXTURE_FUNCTIONS, dir, { recursive: true });
  return dir;
}

export async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}
