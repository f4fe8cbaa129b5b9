import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

export interface TypeWarning {
  slug: string;
  /** `functions/hello/index.ts:3:7: TS2322 Type 'string' is not assignable to type 'number'.` */
  text: string;
}

/** tsc's `file(line,col): error TSnnnn: message` as the `file:line:col: TSnnnn message` editors link. */
export function parseTscOutput(output: string, functionsDir: string, cwd = process.cwd()): TypeWarning[] {
  const out: TypeWarning[] = [];
  for (const line of output.split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line.trim());
    if (!m) continue;
    const file = resolve(cwd, m[1] as string);
    const slug = relative(functionsDir, file).split(/[\\/]/)[0] ?? '';
    out.push({ slug, text: `${relative(cwd, file)}:${m[2]}:${m[3]}: ${m[4]} ${m[5]}` });
  }
  return out;
}

/**
 * Type-checks features with the project's TypeScript: esbuild strips types without checking
 * them, so a type error would otherwise run silently. The result is advice (warnings), never a
 * reason to refuse a feature: esbuild's build decides that. Resolves to no warnings when
 * TypeScript is not installed.
 */
export function typeCheck(functionsDir: string, slugs: string[], timeoutMs = 60_000): Promise<TypeWarning[]> {
  if (slugs.length === 0 || !existsSync(TSC)) return Promise.resolve([]);
  const dir = mkdtempSync(join(tmpdir(), 'faascape-tsc-'));
  const config = join(dir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(REPO, 'tsconfig.json'),
      // The features are bundled by esbuild: module resolution as a bundler does it.
      compilerOptions: { noEmit: true, module: 'preserve', moduleResolution: 'bundler', typeRoots: [join(REPO, 'node_modules', '@types')] },
      include: slugs.map((s) => join(functionsDir, s, '**', '*.ts')),
      exclude: slugs.map((s) => join(functionsDir, s, 'node_modules')),
    }),
  );
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [TSC, '-p', config, '--pretty', 'false'], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (_error, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      resolvePromise(parseTscOutput(String(stdout), functionsDir));
    });
  });
}
