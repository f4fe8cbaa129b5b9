import { readFileSync } from 'node:fs';

/** Linux's clock ticks per second for /proc CPU times (USER_HZ: 100 on every Linux node runs on). */
const TICKS_PER_S = 100;

/**
 * What the OS says a process uses: its resident memory (all of it, Buffers included, not only the
 * JavaScript heap) and its CPU time so far. Read from Linux's /proc; undefined elsewhere, or once
 * the process is gone.
 */
export function processUsage(pid: number): { rssBytes: number; cpuMs: number } | undefined {
  try {
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name (in parentheses, and it may hold spaces) come fields 3, 4, …: utime
    // and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!rss || !Number.isFinite(ticks)) return undefined;
    return { rssBytes: Number(rss[1]) * 1024, cpuMs: (ticks * 1000) / TICKS_PER_S };
  } catch {
    return undefined;
  }
}
