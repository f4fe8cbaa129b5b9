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
