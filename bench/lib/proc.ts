/** Linux /proc readings for bench/gateway.ts: child processes' CPU, machine load, other benchmarks. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

let clkTck: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, almost always 100). */
export function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

function pids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The pid of a direct child of `parent` whose command line contains `needle`, if any. */
export function findChildPid(parent: number, needle: string): number | undefined {
  for (const pid of pids()) {
    const f = statFields(pid);
    // after the name: [0]=state, [1]=ppid
    if (f && Number(f[1]) === parent && cmdline(pid).includes(needle)) return pid;
  }
  return undefined;
}

/** User + system CPU time of a process so far, in ms (undefined if it is gone or /proc is missing). */
export function processCpuMs(pid: number): { userMs: number; systemMs: number } | undefined {
  const f = statFields(pid);
  if (!f) return undefined;
  // after the name: utime is field 14 of stat, i.e. index 11 here; stime index 12
  const tick = 1000 / clockTicks();
  return { userMs: Number(f[11]) * tick, systemMs: Number(f[12]) * tick };
}

/** Other processes whose command line contains one of `needles` (not this process). */
export function otherProcesses(needles: string[]): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const pid of pids()) {
    if (pid === process.pid) continue;
    const cmd = cmdline(pid);
    if (needles.some((n) => cmd.includes(n))) out.push({ pid, cmd });
  }
  return out;
}

/** Busy/total CPU time over all cores, for the machine's utilisation during a run. */
export function machineCpu(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  return { busy, total };
}

/**
 * Samples the machine for `ms`: how busy it was, and which other processes used more than
 * `minPct` % of one core meanwhile (another benchmark would depress every figure).
 */
export async function sampleMachine(ms: number, minPct = 10): Promise<{ busyPct: number; busyProcesses: { pid: number; cpuPct: number; cmd: string }[] }> {
  const before = new Map<number, number>();
  for (const pid of pids()) {
    const c = processCpuMs(pid);
    if (c) before.set(pid, c.userMs + c.systemMs);
  }
  const m0 = machineCpu();
  await new Promise((r) => setTimeout(r, ms));
  const m1 = machineCpu();
  const busyProcesses: { pid: number; cpuPct: number; cmd: string }[] = [];
  for (const [pid, t0] of before) {
    if (pid === process.pid) continue;
    const c = processCpuMs(pid);
    if (!c) continue;
    const pct = (100 * (c.userMs + c.systemMs - t0)) / ms;
    if (pct >= minPct) busyProcesses.push({ pid, cpuPct: Math.round(pct), cmd: cmdline(pid).slice(0, 160) });
  }
  busyProcesses.sort((a, b) => b.cpuPct - a.cpuPct);
  return { busyPct: m1.total > m0.total ? (100 * (m1.busy - m0.busy)) / (m1.total - m0.total) : 0, busyProcesses };
}

/** CPU ms of every process now, for `otherCpuSince`. */
export function snapshotCpu(): Map<number, number> {
  const snap = new Map<number, number>();
  for (const pid of pids()) {
    const c = processCpuMs(pid);
    if (c) snap.set(pid, c.userMs + c.systemMs);
  }
  return snap;
}

/**
 * CPU ms used since `before` by processes other than `exclude` (processes started meanwhile count
 * entirely; ones that ended meanwhile, like a finished load generator, are not seen).
 */
export function otherCpuSince(before: Map<number, number>, exclude: (number | undefined)[]): number {
  let ms = 0;
  for (const [pid, now] of snapshotCpu()) {
    if (exclude.includes(pid)) continue;
    ms += now - (before.get(pid) ?? 0);
  }
  return ms;
}

/** Every direct child of `parent` whose command line contains `needle` (feature processes). */
export function childPids(parent: number, needle: string): number[] {
  const out: number[] = [];
  for (const pid of pids()) {
    const f = statFields(pid);
    if (f && Number(f[1]) === parent && cmdline(pid).includes(needle)) out.push(pid);
  }
  return out;
}

/** Resident set size of a process in bytes (0 if it is gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
