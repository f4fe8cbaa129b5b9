import { parseArgs } from 'node:util';

/** A number option of a bench script: its default when absent, else ≥ min (`_` allowed: 10_000), else usage and exit 2. */
export function numberOption(usage: string): (name: string, text: string | undefined, fallback: number, min: number) => number {
  return (name, text, fallback, min) => {
    if (text === undefined) return fallback;
    const n = Number(text.replaceAll('_', ''));
    if (!Number.isFinite(n) || n < min) {
      process.stderr.write(`--${name} must be a number ≥ ${min}, got "${text}"\n${usage}\n`);
      process.exit(2);
    }
    return n;
  };
}

/**
 * A bench script's command line: each of `names` takes a value (`--rounds 3`); --help prints
 * `usage` and exits 0; an unknown option is an error (parseArgs, strict). `num` reads a number
 * option, saying `usage` when it is wrong.
 */
export function benchArgs<N extends string>(usage: string, names: readonly N[]): { args: { [K in N]?: string }; num: ReturnType<typeof numberOption> } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const name of names) options[name] = { type: 'string' };
  const { values } = parseArgs({ options, strict: true });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return { args: values as { [K in N]?: string }, num: numberOption(usage) };
}
