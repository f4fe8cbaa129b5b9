import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { StatementPolicy } from '../../shared/statement.ts';
import { PolicyError, readPolicy } from '../statements/policy.ts';
import { TEST_CALLS_PER_DAY, testCallsPerDay } from '../../shared/test-calls.ts';

export interface PlatformConfig {
  port: number;
  host: string;
  dataDir: string;
  functionsDir: string;
  policy: StatementPolicy;
  /** close ended months at start and on the 1st at 02:00 UTC (default true) */
  scheduleCloses?: boolean;
  /** rebuild and swap features when `functions/` changes (npm start; default off) */
  watch?: boolean;
  /** test calls an account may make per UTC day, all its test keys together (FAASCAPE_TEST_CALLS_PER_DAY, default 1,000) */
  testCallsPerDay?: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the environment once and reports every problem at once, not the first. */
export function readConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): PlatformConfig {
  const problems: string[] = [];
  const portText = env.PORT ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push(`PORT must be an integer 0-65535, got "${portText}"`);
  const host = env.HOST ?? '127.0.0.1';
  if (!host.trim()) problems.push('HOST must not be empty');
  const dataDir = resolve(cwd, env.FAASCAPE_DATA_DIR || '.faascape');
  const functionsDir = resolve(cwd, env.FAASCAPE_FUNCTIONS_DIR || 'functions');
  if (env.FAASCAPE_FUNCTIONS_DIR && !statSync(functionsDir, { throwIfNoEntry: false })?.isDirectory()) {
    problems.push(`FAASCAPE_FUNCTIONS_DIR is not a directory: ${functionsDir} (unset it for ./functions)`);
  }
  let policy: StatementPolicy | undefined;
  try {
    policy = readPolicy(env);
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    problems.push(...e.message.split('; '));
  }
  let testCalls = TEST_CALLS_PER_DAY;
  try {
    testCalls = testCallsPerDay(env.FAASCAPE_TEST_CALLS_PER_DAY);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length || !policy) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return { port, host, dataDir, functionsDir, policy, testCallsPerDay: testCalls };
}

/** The data dir's settings shared by the platform and the CLI. */
export function dataDirOf(env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  return resolve(cwd, env.FAASCAPE_DATA_DIR || '.faascape');
}
