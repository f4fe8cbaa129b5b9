import { existsSync, watch } from 'node:fs';
import { formatLogLine, logsDir, matches, readFeatureLogs, type FeatureLogEntry, type LogQuery } from '../local/feature-logs.ts';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `10m`, `2h`, `1d`, or an ISO date: the start of what `faascape logs --since` shows. */
export function parseSince(text: string, now: number): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (m) return now - Number(m[1]) * (UNITS[m[2] as string] as number);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new RangeError(`--since takes a duration such as 10m, 2h, 1d, or an ISO date; got "${text}"`);
  return t;
}

function print(entries: FeatureLogEntry[], json: boolean): void {
  for (const e of entries) console.log(json ? JSON.stringify(e) : `${e.time} ${formatLogLine(e)}`);
}

/**
 * Prints a feature's log lines from the data dir; with `follow`, keeps printing new ones until
 * interrupted (the file is appended to by the running platform, and rotated at 5 MB).
 */
export async function showLogs(dataDir: string, slug: string, q: LogQuery, opts: { follow: boolean; json: boolean }): Promise<void> {
  let seen = readFeatureLogs(dataDir, slug, q);
  print(seen, opts.json);
  if (!opts.follow) {
    if (seen.length === 0 && !existsSync(logsDir(dataDir))) console.error(`faascape: no logs yet in ${logsDir(dataDir)} (they appear once npm start runs a feature)`);
    return;
  }
  let last = seen.at(-1);
  const refresh = () => {
    const all = readFeatureLogs(dataDir, slug, q);
    // Lines are appended in order; after a rotation the older file still holds what we printed.
    const from = last ? all.findIndex((e) => e === last || JSON.stringify(e) === JSON.stringify(last)) + 1 : 0;
    const fresh = all.slice(from).filter((e) => matches(e, q));
    print(fresh, opts.json);
    if (fresh.length) last = fresh.at(-1);
    seen = all;
  };
  await new Promise<void>((resolve) => {
    const w = existsSync(logsDir(dataDir)) ? watch(logsDir(dataDir), () => refresh()) : undefined;
    const timer = setInterval(refresh, 1_000);
    const stop = () => {
      clearInterval(timer);
      w?.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
