import { rmSync } from 'node:fs';

export interface BenchExit {
  /** `steps`, then the temp dirs removed; once, however often it is called */
  cleanup(): Promise<void>;
  /** whether SIGINT or SIGTERM ended the run */
  interrupted(): boolean;
  /** runs `main`, says why it failed (not after a signal: the cleanup stopped what it waited for), cleans up, and gives its exit code */
  run(name: string, main: () => Promise<number>): Promise<number>;
}

/**
 * A bench's way out. The event loop is held while `steps` run: StoreProcess unrefs its child, and
 * node would quit mid-cleanup (exit code 13) before the temp dirs are removed. SIGINT and SIGTERM
 * clean up and exit 130. `tempDirs` is read when cleaning, so dirs pushed later are removed too.
 */
export function benchExit(steps: () => Promise<void>, tempDirs: readonly string[]): BenchExit {
  let cleaning: Promise<void> | undefined;
  let interrupted = false;
  const cleanup = () =>
    (cleaning ??= (async () => {
      const keepAlive = setInterval(() => {}, 1000);
      try {
        await steps();
      } finally {
        clearInterval(keepAlive);
        for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
      }
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      interrupted = true;
      process.stderr.write(`\n${sig}: cleaning up\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  const run = async (name: string, main: () => Promise<number>) => {
    let code = 1;
    try {
      code = await main();
    } catch (e) {
      if (!cleaning) process.stderr.write(`${name} bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      code = 1;
    } finally {
      await cleanup();
    }
    return code;
  };
  return { cleanup, interrupted: () => interrupted, run };
}
