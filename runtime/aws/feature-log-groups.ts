import { FilterLogEventsCommand, ResourceNotFoundException, type CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { DeveloperError } from '../console/api-types.ts';
import { newestFirst, type RecentErrors } from '../console/recent-errors.ts';
import type { FeatureLogEntry } from '../local/feature-logs.ts';
import { featureFunctionName } from './lambda-invoker.ts';

/**
 * A feature's CloudWatch log group: Lambda's default name for its function, which infra/features.ts
 * sets explicitly, so that the console and `faascape logs --stage` find it from the slug alone.
 */
export function featureLogGroupName(functionPrefix: string, slug: string): string {
  return `/aws/lambda/${featureFunctionName(functionPrefix, slug)}`;
}

const LEVELS: Record<string, FeatureLogEntry['level']> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', FATAL: 'error' };
/** `2025-06-01T10:00:00.000Z\t<request id>\tINFO\tmessage`: the Node.js runtime's text format. */
const TEXT_LINE = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\t([^\t]*)\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t([\s\S]*)$/;
/** `2025-06-01T10:00:03.005Z <request id> Task timed out after 3.00 seconds`: Lambda's own. */
const TIMED_OUT = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (\S+) (Task timed out after [\s\S]*)$/;
/** `RequestId: <id> Error: Runtime exited with error: signal: killed`: a crash (out of memory, exit). */
const EXITED = /^RequestId: (\S+) (Error: [\s\S]*)$/;
/** Lambda's report lines around each call: not the feature's. */
const PLATFORM = /^(START|END|REPORT|INIT_START|INIT_REPORT|EXTENSION|TELEMETRY) /;

/** What the runtime writes for an uncaught error: `Invoke Error \t{"errorType","errorMessage","stack":[…]}`. */
function thrown(text: string): { message: string; stack?: string } | undefined {
  const m = /^(Invoke Error|Uncaught Exception|Unhandled Promise Rejection)\s*\t(\{[\s\S]*\})\s*$/.exec(text);
  if (!m) return undefined;
  try {
    const e = JSON.parse(m[2] as string) as { errorType?: string; errorMessage?: string; stack?: string[]; stackTrace?: string[] };
    const stack = e.stack ?? e.stackTrace;
    return { message: `${m[1]}: ${e.errorType ?? 'Error'}: ${e.errorMessage ?? ''}`, ...(Array.isArray(stack) && stack.length ? { stack: stack.join('\n') } : {}) };
  } catch {
    return undefined;
  }
}

const isoOf = (ms: number | undefined) => new Date(ms ?? 0).toISOString();
const requestId = (id: string | undefined) => (id && id !== 'undefined' ? { invocationId: id } : {});

/**
 * One CloudWatch event of a feature's log group as a feature log line, the shape `faascape logs`
 * prints locally. Lambda's text format (`time\trequestId\tLEVEL\tmessage`, thrown errors with
 * their stack, `Task timed out`, runtime exits), its JSON format, and JSON lines in the local
 * shape are read; anything else is the raw message at level info. Lambda's own START, END and
 * REPORT lines are left out (undefined). The invocation id is Lambda's request id of the call.
 */
export function parseLambdaLogEvent(slug: string, event: Pick<FilteredLogEvent, 'timestamp' | 'message'>): FeatureLogEntry | undefined {
  const raw = (event.message ?? '').replace(/\n$/, '');
  if (PLATFORM.test(raw)) return undefined;
  const base = { time: isoOf(event.timestamp), feature: slug };
  const text = TEXT_LINE.exec(raw);
  if (text) {
    const [, time, id, level, message] = text as unknown as [string, string, string, string, string];
    const error = level === 'ERROR' ? thrown(message) : undefined;
    return { ...base, time, ...requestId(id), level: LEVELS[level] ?? 'info', message: error?.message ?? message, ...(error?.stack ? { stack: error.stack } : {}) };
  }
  const timedOut = TIMED_OUT.exec(raw);
  if (timedOut) return { ...base, time: timedOut[1] as string, ...requestId(timedOut[2]), level: 'error', message: timedOut[3] as string };
  const exited = EXITED.exec(raw);
  if (exited) return { ...base, ...requestId(exited[1]), level: 'error', message: (exited[2] as string).trim() };
  if (raw.startsWith('{')) {
    const json = jsonLine(slug, raw, base.time);
    if (json) return json;
  }
  return { ...base, level: 'info', message: raw };
}

/** Lambda's JSON log format, or a line already in the local shape. */
function jsonLine(slug: string, raw: string, time: string): FeatureLogEntry | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const levelText = (str(o.level) ?? 'info').toUpperCase();
  const level = LEVELS[levelText] ?? 'info';
  const stackArr = o.stackTrace ?? o.stack;
  const stack = Array.isArray(stackArr) ? stackArr.join('\n') : str(stackArr);
  const message = str(o.message) ?? (o.errorMessage !== undefined ? `${str(o.errorType) ?? 'Error'}: ${String(o.errorMessage)}` : o.message !== undefined ? JSON.stringify(o.message) : raw);
  const id = str(o.requestId) ?? str(o.invocationId);
  return { time: str(o.timestamp) ?? str(o.time) ?? time, feature: slug, ...requestId(id), level, message, ...(stack ? { stack } : {}) };
}

export interface FilterQuery {
  startTime: number;
  /** up to this time, included (default: now) */
  endTime?: number;
  /** a CloudWatch filter pattern */
  pattern?: string;
  /** stop after this many pages (each up to 1 MB): a bound on what one read costs */
  maxPages?: number;
  /** called when the log group does not exist (no events then) */
  onMissing?: () => void;
}

/** A log group's events from `startTime` on, page by page (an absent group has none). */
export async function* filterEvents(cw: Pick<CloudWatchLogsClient, 'send'>, logGroupName: string, q: FilterQuery): AsyncGenerator<FilteredLogEvent[]> {
  let nextToken: string | undefined;
  for (let page = 0; page < (q.maxPages ?? Infinity); page++) {
    let res;
    try {
      res = await cw.send(new FilterLogEventsCommand({ logGroupName, startTime: q.startTime, ...(q.endTime !== undefined ? { endTime: q.endTime } : {}), ...(q.pattern ? { filterPattern: q.pattern } : {}), ...(nextToken ? { nextToken } : {}) }));
    } catch (e) {
      if (e instanceof ResourceNotFoundException || (e as { name?: string }).name === 'ResourceNotFoundException') {
        q.onMissing?.();
        return;
      }
      throw e;
    }
    yield res.events ?? [];
    nextToken = res.nextToken;
    if (!nextToken) return;
  }
}

/** The terms that pick a feature's errors out of its log group (a thrown error, a timeout, a crash). */
const ERROR_PATTERN = '?ERROR ?FATAL ?"Task timed out" ?"Runtime exited"';

/** The developer page reads a feature's log group a day at a time, newest day first. */
const WINDOW_MS = 86_400_000;

/**
 * The developer page's recent errors in AWS: FilterLogEvents on each feature's log group (the
 * console role may call it on those groups only), error lines only. FilterLogEvents reads forward
 * in time, so each group is read a day at a time from now backwards, until it has given `limit`
 * errors or the window starts: the newest errors come first even when a page cap cuts a read short
 * (at most `maxPages` pages per day and feature). Three features are read at a time.
 */
export function cloudWatchRecentErrors(cw: Pick<CloudWatchLogsClient, 'send'>, functionPrefix: string, opts: { maxPages?: number; now?: () => number } = {}): RecentErrors {
  const ofFeature = async (slug: string, sinceMs: number, limit: number, now: number): Promise<DeveloperError[]> => {
    const out: DeveloperError[] = [];
    for (let end = now + 1; end > sinceMs && out.length < limit; end -= WINDOW_MS) {
      const start = Math.max(sinceMs, end - WINDOW_MS);
      for await (const events of filterEvents(cw, featureLogGroupName(functionPrefix, slug), { startTime: start, endTime: end - 1, pattern: ERROR_PATTERN, maxPages: opts.maxPages ?? 5 })) {
        for (const ev of events) {
          const e = parseLambdaLogEvent(slug, ev);
          if (e?.level === 'error') out.push({ feature: slug, time: e.time, invocationId: e.invocationId ?? null, message: e.message, stack: e.stack ?? null });
        }
      }
    }
    return out;
  };
  return {
    async of(slugs, sinceMs, limit) {
      const now = (opts.now ?? Date.now)();
      const found: DeveloperError[] = [];
      for (let i = 0; i < slugs.length; i += 3) {
        found.push(...(await Promise.all(slugs.slice(i, i + 3).map((slug) => ofFeature(slug, sinceMs, limit, now)))).flat());
      }
      return newestFirst(found, limit);
    },
  };
}
