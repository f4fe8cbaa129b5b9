import { existsSync, watch } from 'node:fs';
import type { CloudWatchLogsClient, FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { safe, terminalSafeJson } from './format.ts';
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

/**
 * formatLogLine escapes what a feature wrote; on a stage, a feature's own line can also set the
 * time and the request id (Lambda's JSON and text formats are read from what it printed).
 */
function print(entries: FeatureLogEntry[], json: boolean): void {
  for (const e of entries) console.log(json ? terminalSafeJson(JSON.stringify(e)) : `${safe(e.time)} ${formatLogLine(e.invocationId === undefined ? e : { ...e, invocationId: safe(e.invocationId) })}`);
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

/** What `faascape logs --stage` shows without `--since`: the last hour (a log group keeps months). */
export const STAGE_DEFAULT_SINCE_MS = 3_600_000;
/** `--follow` on a stage asks CloudWatch again this often. */
export const STAGE_POLL_MS = 2_000;

export interface StageLogOptions {
  follow: boolean;
  json: boolean;
  now?: () => number;
  pollMs?: number;
  /** ends `--follow` (default: SIGINT or SIGTERM) */
  signal?: AbortSignal;
}

/**
 * Prints a feature's lines from its CloudWatch log group on a deployed stage, in the local format
 * (runtime/aws/feature-log-groups.ts reads Lambda's lines): `--since` (default the last hour),
 * `--invocation` (the lines that contain the id: Lambda's request id of the call, or a
 * faascape-invocation-id the feature logged itself, and then every line of that call),
 * `--follow` polls every 2 s.
 */
export async function showStageLogs(cw: Pick<CloudWatchLogsClient, 'send'>, logGroupName: string, slug: string, q: LogQuery, opts: StageLogOptions): Promise<void> {
  // Loaded here: the local commands need no CloudWatch client.
  const { filterEvents, parseLambdaLogEvent } = await import('../aws/feature-log-groups.ts');
  const now = opts.now ?? Date.now;
  if (q.invocationId !== undefined && !/^[A-Za-z0-9._:-]{1,100}$/.test(q.invocationId)) throw new RangeError(`--invocation takes an invocation id (letters, digits, dashes), got "${q.invocationId}"`);
  // A quoted term matches it anywhere in a line; with several, any of them.
  const terms = new Set(q.invocationId ? [q.invocationId] : []);
  const pattern = () => (terms.size === 0 ? undefined : terms.size === 1 ? `"${[...terms][0]}"` : [...terms].map((t) => `?"${t}"`).join(' '));
  let startTime = q.sinceMs ?? now() - STAGE_DEFAULT_SINCE_MS;
  /** the events already printed at `startTime`, which the next read returns again */
  let printedAtStart = new Set<string>();
  let missing = false;
  const read = async () => {
    const fetchEvents = async () => {
      const out: FilteredLogEvent[] = [];
      const p = pattern();
      for await (const page of filterEvents(cw, logGroupName, { startTime, ...(p ? { pattern: p } : {}), onMissing: () => (missing = true) })) out.push(...page);
      return out;
    };
    let events = await fetchEvents();
    if (q.invocationId) {
      // The faascape-invocation-id a feature logged is in one of its lines, the stack of its throw in
      // another: every line of the Lambda calls the id was found in (a few at most) is shown.
      const calls = new Set(events.map((e) => parseLambdaLogEvent(slug, e)?.invocationId).filter((id): id is string => id !== undefined && !terms.has(id)));
      if (calls.size > 0 && calls.size <= 5) {
        for (const id of calls) terms.add(id);
        events = await fetchEvents();
      }
    }
    events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    const fresh = events.filter((e) => !printedAtStart.has(e.eventId ?? ''));
    print(fresh.map((e) => parseLambdaLogEvent(slug, e)).filter((e) => e !== undefined), opts.json);
    const last = events.at(-1)?.timestamp;
    if (last !== undefined) {
      if (last > startTime) printedAtStart = new Set();
      startTime = last;
      for (const e of events) if (e.timestamp === last) printedAtStart.add(e.eventId ?? '');
    }
  };
  await read();
  if (missing) console.error(`faascape: no log group ${logGroupName} (is the stage deployed, with "${slug}" in it?)`);
  if (!opts.follow) return;
  const signal = opts.signal ?? stopSignal();
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, opts.pollMs ?? STAGE_POLL_MS);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (!signal.aborted) await read();
  }
}

function stopSignal(): AbortSignal {
  const c = new AbortController();
  process.once('SIGINT', () => c.abort());
  process.once('SIGTERM', () => c.abort());
  return c.signal;
}
