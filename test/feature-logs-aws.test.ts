/**
 * Feature logs on a deployed stage (issue 15, Logs): the developer page's recent errors and
 * `faascape logs --stage` read a feature's CloudWatch log group. There is no local CloudWatch:
 * the client is mocked (aws-sdk-client-mock) with the lines Lambda's Node.js runtime writes.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand, ResourceNotFoundException, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cloudWatchRecentErrors, featureLogGroupName, parseLambdaLogEvent } from '../runtime/aws/feature-log-groups.ts';
import { showStageLogs } from '../runtime/cli/logs.ts';
import { program } from '../runtime/cli/program.ts';

const cw = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

const REQ = '6f1c2d3e-0000-4000-8000-000000000001';
const REQ2 = '7a2b3c4d-0000-4000-8000-000000000002';
const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const ev = (ms: number, message: string, id = `e${ms}`): FilteredLogEvent => ({ timestamp: T0 + ms, message, eventId: id, logStreamName: '2026/12/06/[$LATEST]abc' });
const iso = (ms: number) => new Date(T0 + ms).toISOString();

/** What Lambda's Node.js runtime writes for one call that logs a line and throws. */
const THROWING_CALL = [
  ev(0, `START RequestId: ${REQ} Version: $LATEST\n`),
  ev(100, `${iso(100)}\t${REQ}\tINFO\tgreeting Ada for caller c_p--UXSq6QC5tMmgWRSKEkS\n`),
  ev(
    120,
    `${iso(120)}\t${REQ}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: 'Error', errorMessage: 'boom: the feature failed', stack: ['Error: boom: the feature failed', '    at Runtime.handler (/var/task/functions/boom/index.ts:2:9)'] })}\n`,
  ),
  ev(130, `END RequestId: ${REQ}\n`),
  ev(131, `REPORT RequestId: ${REQ}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t\n`),
];

let out: string[];
let err: string[];
beforeEach(() => {
  cw.reset();
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
});
afterEach(() => vi.restoreAllMocks());

describe("reading Lambda's log lines", () => {
  it('reads the text format: level, request id, a thrown error with its stack; leaves out START, END and REPORT', () => {
    const lines = THROWING_CALL.map((e) => parseLambdaLogEvent('boom', e));
    expect(lines[0]).toBeUndefined();
    expect(lines[1]).toEqual({ time: iso(100), feature: 'boom', invocationId: REQ, level: 'info', message: 'greeting Ada for caller c_p--UXSq6QC5tMmgWRSKEkS' });
    expect(lines[2]).toEqual({
      time: iso(120),
      feature: 'boom',
      invocationId: REQ,
      level: 'error',
      message: 'Invoke Error: Error: boom: the feature failed',
      stack: 'Error: boom: the feature failed\n    at Runtime.handler (/var/task/functions/boom/index.ts:2:9)',
    });
    expect(lines.slice(3)).toEqual([undefined, undefined]);
  });

  it('reads timeouts, crashes, the JSON format and raw lines', () => {
    expect(parseLambdaLogEvent('slow', ev(3005, `${iso(3005)} ${REQ2} Task timed out after 3.00 seconds\n\n`))).toEqual({
      time: iso(3005),
      feature: 'slow',
      invocationId: REQ2,
      level: 'error',
      message: 'Task timed out after 3.00 seconds\n',
    });
    expect(parseLambdaLogEvent('hog', ev(9, `RequestId: ${REQ2} Error: Runtime exited with error: signal: killed\nRuntime.ExitError\n`))).toMatchObject({
      invocationId: REQ2,
      level: 'error',
      message: 'Error: Runtime exited with error: signal: killed\nRuntime.ExitError',
    });
    expect(parseLambdaLogEvent('x', ev(1, JSON.stringify({ timestamp: iso(1), level: 'ERROR', requestId: REQ, errorType: 'TypeError', errorMessage: 'no', stackTrace: ['TypeError: no', '    at f'] })))).toEqual({
      time: iso(1),
      feature: 'x',
      invocationId: REQ,
      level: 'error',
      message: 'TypeError: no',
      stack: 'TypeError: no\n    at f',
    });
    expect(parseLambdaLogEvent('x', ev(2, JSON.stringify({ timestamp: iso(2), level: 'WARN', requestId: REQ, message: 'careful' })))).toMatchObject({ level: 'warn', message: 'careful', invocationId: REQ });
    // A raw write (process.stdout.write) is kept as it is; terminal escapes are the printer's to show.
    expect(parseLambdaLogEvent('x', ev(3, 'raw \u001b[2J write\n'))).toEqual({ time: iso(3), feature: 'x', level: 'info', message: 'raw \u001b[2J write' });
  });

  it("names a feature's log group after its function", () => {
    expect(featureLogGroupName('faascape-dev-feature-', 'boom')).toBe('/aws/lambda/faascape-dev-feature-boom');
  });
});

describe('the developer page in AWS: recent errors from the log groups', () => {
  const DAY = 86_400_000;
  /** A log group as CloudWatch filters it: by time (both ends included), pages of `pageSize`. */
  const group = (events: FilteredLogEvent[], pageSize = 100) => (input: { startTime?: number; endTime?: number; nextToken?: string }) => {
    const inWindow = events.filter((e) => (e.timestamp ?? 0) >= (input.startTime ?? 0) && (e.timestamp ?? 0) <= (input.endTime ?? Infinity));
    const from = Number(input.nextToken ?? 0);
    const page = inWindow.slice(from, from + pageSize);
    return { events: page, ...(from + pageSize < inWindow.length ? { nextToken: String(from + pageSize) } : {}) };
  };
  const thrown = (ms: number, id: string, message: string) =>
    ev(ms, `${iso(ms)}\t${id}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: 'Error', errorMessage: message, stack: [`Error: ${message}`, '    at handler (index.ts:2:9)'] })}\n`);

  it("asks each feature's group for its error lines, newest day first, and answers the newest first, at most the limit", async () => {
    cw.on(FilterLogEventsCommand, { logGroupName: '/aws/lambda/faascape-prod-feature-boom' }).callsFake(group([...THROWING_CALL, thrown(5_000, REQ2, 'again')], 2));
    cw.on(FilterLogEventsCommand, { logGroupName: '/aws/lambda/faascape-prod-feature-slow' }).callsFake(group([ev(3_005, `${iso(3_005)} ${REQ2} Task timed out after 3.00 seconds\n`)]));
    cw.on(FilterLogEventsCommand, { logGroupName: '/aws/lambda/faascape-prod-feature-gone' }).rejects(new ResourceNotFoundException({ message: 'no group', $metadata: {} }));

    const errors = await cloudWatchRecentErrors(client, 'faascape-prod-feature-', { now: () => T0 + 10_000 }).of(['boom', 'slow', 'gone'], T0 - 3 * DAY, 2);
    expect(errors).toEqual([
      { feature: 'boom', time: iso(5_000), invocationId: REQ2, message: 'Invoke Error: Error: again', stack: 'Error: again\n    at handler (index.ts:2:9)' },
      { feature: 'slow', time: iso(3_005), invocationId: REQ2, message: 'Task timed out after 3.00 seconds', stack: null },
    ]);
    const calls = cw.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    for (const input of calls) expect(input.filterPattern).toMatch(/ERROR/);
    const boom = calls.filter((i) => i.logGroupName?.endsWith('boom'));
    // boom gave its 2 in the last day (over pages): no older day is read.
    expect(boom.map((i) => [i.startTime, i.endTime])).toEqual(boom.map(() => [T0 + 10_001 - DAY, T0 + 10_000]));
    expect(boom.length).toBeGreaterThan(1);
    // slow had 1 of 2: every day back to the window's start, none overlapping.
    expect(calls.filter((i) => i.logGroupName?.endsWith('slow')).map((i) => [i.startTime, i.endTime])).toEqual([
      [T0 + 10_001 - DAY, T0 + 10_000],
      [T0 + 10_001 - 2 * DAY, T0 + 10_000 - DAY],
      [T0 + 10_001 - 3 * DAY, T0 + 10_000 - 2 * DAY],
      [T0 - 3 * DAY, T0 + 10_000 - 3 * DAY],
    ]);
    // The info line of the call is no error.
    expect(JSON.stringify(errors)).not.toContain('greeting');
  });

  it('finds the newest errors of a chatty feature, whatever older days hold', async () => {
    const old = Array.from({ length: 40 }, (_, i) => thrown(-2 * DAY + i, REQ, `old ${i}`));
    cw.on(FilterLogEventsCommand).callsFake(group([...old, thrown(1_000, REQ2, 'newest')], 5));
    const errors = await cloudWatchRecentErrors(client, 'p-', { now: () => T0 + 10_000, maxPages: 2 }).of(['boom'], T0 - 7 * DAY, 3);
    // The newest day first; of a day with more than the page cap, what the capped read gave (its earliest).
    expect(errors.map((e) => e.message)).toEqual(['Invoke Error: Error: newest', 'Invoke Error: Error: old 9', 'Invoke Error: Error: old 8']);
    expect(cw.commandCalls(FilterLogEventsCommand)).toHaveLength(1 + 1 + 2);
  });
});

describe('faascape logs --stage', () => {
  it('prints the lines of the log group in the local format, from --since, Lambda lines left out', async () => {
    cw.on(FilterLogEventsCommand).resolves({ events: THROWING_CALL });
    await showStageLogs(client, '/aws/lambda/faascape-dev-feature-boom', 'boom', { sinceMs: T0 - 600_000 }, { follow: false, json: false });
    expect(out).toEqual([
      `${iso(100)} [boom 6f1c2d3e] info  greeting Ada for caller c_p--UXSq6QC5tMmgWRSKEkS`,
      `${iso(120)} [boom 6f1c2d3e] error Invoke Error: Error: boom: the feature failed\n    Error: boom: the feature failed\n        at Runtime.handler (/var/task/functions/boom/index.ts:2:9)`,
    ]);
    expect(cw.commandCalls(FilterLogEventsCommand)[0]?.args[0].input).toEqual({ logGroupName: '/aws/lambda/faascape-dev-feature-boom', startTime: T0 - 600_000 });
  });

  it('filters by --invocation with a quoted term, prints --json, and refuses an id that is no id', async () => {
    cw.on(FilterLogEventsCommand).resolves({ events: THROWING_CALL.slice(1, 3) });
    await showStageLogs(client, 'g', 'boom', { invocationId: REQ }, { follow: false, json: true, now: () => T0 });
    expect(cw.commandCalls(FilterLogEventsCommand)[0]?.args[0].input).toEqual({ logGroupName: 'g', startTime: T0 - 3_600_000, filterPattern: `"${REQ}"` });
    expect(out.map((l) => JSON.parse(l) as unknown)).toEqual([
      { time: iso(100), feature: 'boom', invocationId: REQ, level: 'info', message: 'greeting Ada for caller c_p--UXSq6QC5tMmgWRSKEkS' },
      expect.objectContaining({ level: 'error', stack: expect.stringContaining('index.ts:2:9') }),
    ]);
    await expect(showStageLogs(client, 'g', 'boom', { invocationId: '" ?ERROR' }, { follow: false, json: false })).rejects.toThrow(/--invocation/);
  });

  it("with --invocation, a faascape-invocation-id the feature logged brings every line of that Lambda call", async () => {
    const FAASCAPE_ID = '0d9c8b7a-1111-4000-8000-00000000abcd';
    const logged = ev(110, `${iso(110)}\t${REQ}\tINFO\tcall ${FAASCAPE_ID}\n`);
    cw.on(FilterLogEventsCommand, { filterPattern: `"${FAASCAPE_ID}"` }).resolves({ events: [logged] });
    cw.on(FilterLogEventsCommand, { filterPattern: `?"${FAASCAPE_ID}" ?"${REQ}"` }).resolves({ events: [...THROWING_CALL, logged] });
    await showStageLogs(client, 'g', 'boom', { invocationId: FAASCAPE_ID, sinceMs: T0 }, { follow: false, json: false });
    expect(cw.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input.filterPattern)).toEqual([`"${FAASCAPE_ID}"`, `?"${FAASCAPE_ID}" ?"${REQ}"`]);
    expect(out.map((l) => l.split(' ').slice(0, 4).join(' '))).toEqual([`${iso(100)} [boom 6f1c2d3e] info`, `${iso(110)} [boom 6f1c2d3e] info`, `${iso(120)} [boom 6f1c2d3e] error`]);
  });

  it('with --follow, asks again from the last line, each line printed once, until stopped', async () => {
    const stop = new AbortController();
    let n = 0;
    cw.on(FilterLogEventsCommand).callsFake((input: { startTime: number }) => {
      n += 1;
      if (n === 1) return { events: THROWING_CALL.slice(1, 2) };
      // CloudWatch returns again the lines at the start time: they are not printed twice.
      expect(input.startTime).toBe(n === 2 ? T0 + 100 : T0 + 120);
      if (n === 2) return { events: [THROWING_CALL[1] as FilteredLogEvent, THROWING_CALL[2] as FilteredLogEvent] };
      stop.abort();
      return { events: [THROWING_CALL[2] as FilteredLogEvent] };
    });
    await showStageLogs(client, 'g', 'boom', { sinceMs: T0 }, { follow: true, json: false, pollMs: 5, signal: stop.signal });
    expect(out.map((l) => l.split(' ').slice(0, 4).join(' '))).toEqual([`${iso(100)} [boom 6f1c2d3e] info`, `${iso(120)} [boom 6f1c2d3e] error`]);
    expect(n).toBe(3);
  });

  it('says when the stage has no such log group', async () => {
    cw.on(FilterLogEventsCommand).rejects(new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }));
    await showStageLogs(client, '/aws/lambda/faascape-dev-feature-nope', 'nope', {}, { follow: false, json: false });
    expect(out).toEqual([]);
    expect(err.join('\n')).toMatch(/no log group \/aws\/lambda\/faascape-dev-feature-nope/);
  });

  it("is the CLI's `logs <slug> --stage`: the stage's log group of the feature", async () => {
    cw.on(FilterLogEventsCommand).resolves({ events: THROWING_CALL });
    await program.parseAsync(['logs', 'boom', '--stage', 'dev', '--since', '2h', '--invocation', REQ], { from: 'user' });
    const input = cw.commandCalls(FilterLogEventsCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ logGroupName: '/aws/lambda/faascape-dev-feature-boom', filterPattern: `"${REQ}"` });
    expect(Math.abs((input?.startTime ?? 0) - (Date.now() - 7_200_000))).toBeLessThan(60_000);
    expect(out).toHaveLength(2);
  });
});
