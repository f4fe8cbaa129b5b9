import { afterAll, beforeAll } from 'vitest';

/**
 * aws-cdk-lib writes `Bundling asset <construct path>...` to stderr for every bundle it builds,
 * unconditionally (core/lib/asset-staging.js); a synth of the stack builds dozens. A test file
 * that synthesizes calls this once, so `npm test` prints what failed and little else. Anything
 * else written to stderr passes through.
 */
export function quietCdkBundling(): void {
  let restore: (() => void) | undefined;
  beforeAll(() => {
    const write = process.stderr.write;
    process.stderr.write = function (this: typeof process.stderr, chunk: unknown, ...rest: unknown[]) {
      if (typeof chunk === 'string' && chunk.startsWith('Bundling asset ')) return true;
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof process.stderr.write;
    restore = () => {
      process.stderr.write = write;
    };
  });
  afterAll(() => restore?.());
}
