import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepStaleTmpDirs } from './process-pool.ts';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('feature tmp dirs of platforms that died', () => {
  it('are swept; those of running platforms (this one, pid 1) and anything else are left', () => {
    root = mkdtempSync(join(tmpdir(), 'faascape-sweep-test-'));
    // A pid that surely ended: a process that ran and exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const names = [`faascape-${dead}-echo-AbC123`, `faascape-${process.pid}-echo-AbC123`, 'faascape-1-echo-AbC123', 'faascape-echo-AbC123', 'something-else'];
    for (const n of names) mkdirSync(join(root, n));
    expect(sweepStaleTmpDirs(root)).toBe(1);
    expect(names.map((n) => existsSync(join(root, n)))).toEqual([false, true, true, true, true]);
  });
});
