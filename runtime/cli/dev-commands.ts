/**
 * The developer's commands: `new` (scaffold a feature), `event` (a sample event to start from) and
 * `invoke` (one call in the feature's sandbox, with its logs). Local only: no store, no key.
 */
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { formatLogLine } from '../local/feature-logs.ts';
import { printJson, safe, safeBlock } from './format.ts';
import { invokeFeature, type InvokeReport } from './invoke.ts';
import { createFeature, defaultDeveloperId, nextSteps } from './new-feature.ts';
import { asHttpApiEvent, parseHeaderPair, parseQueryPair, sampleEvent, SampleEventError } from './sample-event.ts';

interface RequestOptions {
  method?: string;
  path?: string;
  query?: string[];
  header?: string[];
  data?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const functionsDirOption = () => new Option('--dir <functionsDir>', 'the folder of features').env('FAASCAPE_FUNCTIONS_DIR').default('functions');

/** The options that describe a request; `invoke` and `event` share them. */
function withRequestOptions(c: Command): Command {
  return c
    .option('--method <method>', 'HTTP method (default GET, or POST with --data)')
    .option('--path <path>', 'the path below /v1/features/<slug>, e.g. /items/42')
    .option('--query <name=value>', 'a query string parameter (repeatable)', collect)
    .option('--header <name:value>', 'a request header (repeatable)', collect)
    .option('--data <json>', 'a JSON request body (content-type application/json unless --header sets another)');
}

function eventOf(slug: string, opts: RequestOptions) {
  if (opts.data !== undefined) {
    try {
      JSON.parse(opts.data);
    } catch (e) {
      throw new SampleEventError(`--data must be JSON (${(e as Error).message}); for another body, edit the body of \`npx faascape event\`'s output and pass it with --event`);
    }
  }
  return sampleEvent({
    slug,
    ...(opts.method !== undefined ? { method: opts.method } : {}),
    ...(opts.path !== undefined ? { path: opts.path } : {}),
    query: (opts.query ?? []).map(parseQueryPair),
    headers: (opts.header ?? []).map(parseHeaderPair),
    ...(opts.data !== undefined ? { body: opts.data } : {}),
  });
}

function readEvent(file: string) {
  const source = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new SampleEventError(`cannot read the event ${source}: ${(e as Error).message}`);
  }
  try {
    return asHttpApiEvent(JSON.parse(text), source);
  } catch (e) {
    if (e instanceof SyntaxError) throw new SampleEventError(`${source}: not JSON (${e.message})`);
    throw e;
  }
}

/** The answer as a client would get it, for a terminal: what the feature wrote escaped (--json has it as it is). */
function printAnswer(r: InvokeReport): void {
  const lines = [`${r.status} ${STATUS_CODES[r.status] ?? ''}`.trimEnd(), ...Object.entries(r.headers).map(([k, v]) => `${safe(k)}: ${safe(v)}`), ''];
  const body = safeBlock(r.body);
  process.stdout.write(`${lines.join('\n')}\n${body}${body.endsWith('\n') || !body ? '' : '\n'}`);
}

function summary(slug: string, r: InvokeReport): string {
  const id = `invocation ${r.invocationId}`;
  const took = `${r.durationMs} ms, billed ${r.billedMs} ms at ${r.memoryMb} MB`;
  if (r.outcome === 'ok') return `${slug} answered ${r.status} in ${took} (${id})${r.isBase64Encoded ? '; the body is base64' : ''}`;
  const code = r.status === 504 ? 'feature_timeout' : 'feature_error';
  // The problem quotes what the feature threw or returned.
  return `${slug} ${safeBlock(r.problem ?? '')} (${took}; a client gets ${r.status} ${code}; ${id})`;
}

export function registerDevCommands(program: Command): void {
  program
    .command('new <slug>')
    .description('create a feature folder functions/<slug>/: a typed handler, feature.json, a passing test and a package.json (npm install, npm test and tsc work inside it)')
    .option('--developer <id>', 'your developer id: the author in feature.json (default: from your user name)')
    .addOption(functionsDirOption())
    .action((slug: string, opts: { developer?: string; dir: string }, command: Command) => {
      const created = createFeature({ functionsDir: resolve(opts.dir), slug, developer: opts.developer ?? defaultDeveloperId() });
      const where = command.getOptionValueSource('dir') === 'cli' ? { functionsDirFlag: opts.dir } : {};
      console.log(nextSteps(created, slug, { cwd: process.cwd(), developerGuessed: opts.developer === undefined, ...where }));
    });

  withRequestOptions(program.command('event [slug]'))
    .description('print a sample HTTP API (payload v2) event for a feature (default hello), as the gateway passes it: a start for invoke --event and for tests')
    .action((slug: string | undefined, opts: RequestOptions) => printJson(eventOf(slug ?? 'hello', opts)));

  withRequestOptions(program.command('invoke <slug>'))
    .description("call a feature once, in its sandboxed process as npm start runs it but with no HTTP, key or metering: prints its answer and its log lines; exits 1 if it throws, times out or returns an invalid result")
    .addOption(new Option('--event <file>', 'send this event as it is (JSON, as `faascape event` prints it; - reads stdin)').conflicts(['data', 'method', 'path', 'query', 'header']))
    .addOption(functionsDirOption())
    .option('--json', 'print {"status","headers","body","isBase64Encoded","invocationId","durationMs","billedMs","error"?,"logs":[...]} only')
    .action(async (slug: string, opts: RequestOptions & { event?: string; dir: string; json?: boolean }) => {
      const event = opts.event !== undefined ? readEvent(opts.event) : eventOf(slug, opts);
      const report = await invokeFeature({
        functionsDir: resolve(opts.dir),
        slug,
        event,
        // As they come: a slow or hanging call shows what it got to.
        ...(opts.json ? {} : { onLog: (entry) => console.error(formatLogLine(entry)) }),
      });
      if (report.outcome !== 'ok') process.exitCode = 1;
      if (opts.json) {
        const { status, headers, body, isBase64Encoded, invocationId, durationMs, billedMs, problem, logs } = report;
        return printJson({ status, headers, body, isBase64Encoded, invocationId, durationMs, billedMs, ...(problem ? { error: problem } : {}), logs });
      }
      printAnswer(report);
      if (report.dropped.length) console.error(`faascape: the gateway leaves out of this answer: ${safe(report.dropped.join(', '))} (a feature sets no cookies and no faascape-* or security headers)`);
      console.error(`faascape: ${summary(slug, report)}`);
    });

  program.addHelpText(
    'after',
    `
Develop a feature (README, "Add your own feature"):
  npx faascape new hello --developer dora                  functions/hello/: handler, manifest, test, package.json
  npx faascape invoke hello --data '{"name":"Ada"}'        one call in its sandbox: its answer and its logs
  npx faascape event hello --query name=Ada > event.json   a sample event to edit...
  npx faascape invoke hello --event event.json             ...and send
  npx vitest run functions/hello                           its tests
  npm start                                                serves it; edits are picked up without a restart`,
  );
}
