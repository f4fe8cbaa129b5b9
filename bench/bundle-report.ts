/**
 * Bundle report: what each house Lambda ships, bundled exactly as the stack bundles it.
 *
 *   npm run bundle:report                      # every house Lambda: minified, gzipped, top 5 contributors
 *   npm run bundle:report -- --check           # …and exit 1 if the gateway is over its budget (for CI)
 *   npm run bundle:report -- --measure         # …and run the gateway bundle: cold import, memory, CPU per call
 *   npm run bundle:report -- --measure --calls 2000 --cold-starts 7 --memory 256,512,1024 --cpu-prof
 *
 * The Lambdas are found by building the CDK app (infra/app.ts, with bundling skipped) and taking
 * every HouseFunction in it, with its entry and the esbuild options it hands NodejsFunction
 * (infra/house-function.ts: ESM, node24, minified, the banner, the externals, its `define`s such
 * as the gateway's feature catalogue built from functions/). Each is bundled with esbuild's JS API
 * into a temp dir with a metafile. Contributors are grouped by package (`zod`, `@smithy/*`, …, our
 * own code) and ranked by the bytes they put into the minified bundle (esbuild's `bytesInOutput`),
 * with their input bytes beside.
 *
 * `--measure` runs the built gateway bundle in fresh Node processes (this Node: 24), against the
 * embedded store (dynalite) for DynamoDB and a local stub for Lambda Invoke, Secrets Manager and
 * SQS, under the V8 heap flags Lambda sets for each `--memory` size: the time and CPU to import
 * it (its cold-start init: config, catalogue, SDK clients, the secret), its heap and RSS after the
 * import and after N sequential calls, CPU and AWS requests per call, and with `--cpu-prof` where
 * that CPU goes. This machine's cores are not a Lambda's: Lambda gives a function M/1769 of a vCPU,
 * so CPU times stretch by 1769/M there. The figures behind the gateway's memory size
 * (infra/faascape-stack.ts).
 *
 * Progress goes to stderr; the tables to stdout, and last a line of JSON with every figure.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, version as esbuildVersion, type BuildOptions, type Metafile } from 'esbuild';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The gateway's budget: its minified bundle (what Lambda loads at every cold start). */
export const GATEWAY_BUDGET_BYTES = 150_000;
export const GATEWAY_ENTRY = 'runtime/aws/gateway-lambda.ts';

// ---- bundling, as NodejsFunction does it ----------------------------------------------------------

/** What NodejsFunction externalises when `externalModules` is not set (Node >= 18, smithy flag off). */
const CDK_DEFAULT_EXTERNALS = ['@aws-sdk/*'];

const MIRRORED = new Set(['format', 'target', 'minify', 'sourceMap', 'sourceMapMode', 'sourcesContent', 'externalModules', 'define', 'banner', 'footer', 'loader', 'keepNames', 'mainFields', 'inject', 'charset', 'logLevel']);

/**
 * esbuild JS API options equal to the CLI flags NodejsFunction's local bundling passes (aws-cdk-lib
 * aws-lambda-nodejs/lib/bundling.js, buildEsbuildArgs). Options this does not mirror are refused
 * rather than silently ignored, so the report never measures a bundle the stack does not ship.
 */
export function esbuildOptions(entry: string, bundling: BundlingOptions, outdir: string): BuildOptions & { metafile: true; outfile: string } {
  const unmirrored = Object.keys(bundling).filter((k) => !MIRRORED.has(k) && (bundling as Record<string, unknown>)[k] !== undefined);
  if (unmirrored.length) throw new Error(`bundle-report does not mirror the bundling option(s) ${unmirrored.join(', ')} of ${entry}: teach esbuildOptions() them`);
  const esm = bundling.format === 'esm';
  const mode = bundling.sourceMapMode;
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.resolve(REPO_ROOT, entry)],
    bundle: true,
    platform: 'node',
    target: bundling.target ?? 'node24',
    ...(bundling.format ? { format: bundling.format as 'esm' | 'cjs' } : {}),
    outfile: path.join(outdir, esm ? 'index.mjs' : 'index.js'),
    minify: bundling.minify ?? false,
    // `--sourcemap` (the CLI's linked map) unless a mode is named.
    sourcemap: bundling.sourceMap || mode ? (!mode || mode === 'default' ? 'linked' : (mode as 'inline' | 'external' | 'both')) : false,
    sourcesContent: bundling.sourcesContent ?? true,
    external: bundling.externalModules ?? CDK_DEFAULT_EXTERNALS,
    ...(bundling.loader ? { loader: bundling.loader as BuildOptions['loader'] } : {}),
    ...(bundling.define ? { define: bundling.define } : {}),
    ...(bundling.keepNames ? { keepNames: true } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
    ...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
    ...(bundling.inject ? { inject: bundling.inject } : {}),
    ...(bundling.charset ? { charset: bundling.charset as 'utf8' | 'ascii' } : {}),
    metafile: true,
    logLevel: 'silent',
  };
}

export interface Contributor {
  /** a package (`zod`, `@smithy/*` for the whole scope), `(own code)`, or esbuild's `<runtime>` */
  name: string;
  /** bytes it puts into the minified bundle */
  outputBytes: number;
  /** bytes of its source files that esbuild read */
  inputBytes: number;
  files: number;
}

/** The group of a metafile input path: its package under node_modules, or our own code. */
export function groupOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input.startsWith('<') ? input : '(own code)';
  const [first = '', second = ''] = input.slice(at + 'node_modules/'.length).split('/');
  if (first === '@smithy') return '@smithy/*';
  return first.startsWith('@') ? `${first}/${second}` : first;
}

/** Every input of one output, grouped and ranked by bytes in the output (largest first). */
export function contributors(metafile: Metafile, outfile: string): Contributor[] {
  const key = path.relative(REPO_ROOT, outfile);
  const output = metafile.outputs[key] ?? Object.values(metafile.outputs).find((o) => o.entryPoint);
  if (!output) throw new Error(`no output ${key} in the metafile`);
  const groups = new Map<string, Contributor>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = groupOf(input);
    const g = groups.get(name) ?? { name, outputBytes: 0, inputBytes: 0, files: 0 };
    g.outputBytes += bytesInOutput;
    g.inputBytes += metafile.inputs[input]?.bytes ?? 0;
    g.files += 1;
    groups.set(name, g);
  }
  return [...groups.values()].sort((a, b) => b.outputBytes - a.outputBytes || b.inputBytes - a.inputBytes);
}

export interface BundleFigures {
  outfile: string;
  /** the minified bundle as deployed (index.mjs, not its source map) */
  bytes: number;
  /** the same, gzipped (level 9): about what it weighs in the deployment zip */
  gzipBytes: number;
  metafile: Metafile;
  contributors: Contributor[];
  /** every input path (relative to the repo) that made it into the bundle */
  inputs: string[];
  ms: number;
}

/** Bundles one Lambda entry with the stack's options into `outdir`. */
export async function bundleLambda(entry: string, bundling: BundlingOptions, outdir: string): Promise<BundleFigures> {
  const options = esbuildOptions(entry, bundling, outdir);
  const t0 = performance.now();
  const result = await build(options);
  const ms = performance.now() - t0;
  const code = readFileSync(options.outfile);
  const key = path.relative(REPO_ROOT, options.outfile);
  return {
    outfile: options.outfile,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    metafile: result.metafile,
    contributors: contributors(result.metafile, options.outfile),
    inputs: Object.keys(result.metafile.outputs[key]?.inputs ?? {}),
    ms,
  };
}

export interface HouseLambda {
  /** construct paths of the functions sharing this bundle (same entry, same options) */
  ids: string[];
  entry: string;
  bundling: BundlingOptions;
}

/** Every HouseFunction of the app, as infra/app.ts builds it (bundling skipped), one per distinct bundle. */
export async function houseLambdas(): Promise<HouseLambda[]> {
  const { buildApp } = await import('../infra/app.ts');
  const { HouseFunction } = await import('../infra/house-function.ts');
  const outdir = mkdtempSync(path.join(tmpdir(), 'faascape-bundle-report-cdk-'));
  try {
    // `aws:cdk:bundling-stacks` = []: NodejsFunction skips esbuild; we bundle each below ourselves.
    const { stack } = await buildApp({ 'aws:cdk:bundling-stacks': [] }, outdir);
    const byBundle = new Map<string, HouseLambda>();
    for (const c of stack.node.findAll()) {
      if (!(c instanceof HouseFunction)) continue;
      const entry = path.relative(REPO_ROOT, c.entry);
      const key = `${entry}\0${JSON.stringify(c.bundlingOptions)}`;
      const id = c.node.path.slice(stack.node.path.length + 1);
      const seen = byBundle.get(key);
      if (seen) seen.ids.push(id);
      else byBundle.set(key, { ids: [id], entry, bundling: c.bundlingOptions });
    }
    return [...byBundle.values()];
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

// ---- measuring the gateway bundle at run time -----------------------------------------------------

export interface GatewayRun {
  importMs: number;
  /** CPU time of the import: what a fraction of a vCPU stretches */
  importCpuMs: number;
  firstCallMs: number;
  firstCallCpuMs: number;
  calls: number;
  warmCallMsMedian: number;
  warmCallMsP99: number;
  cpuMsPerCall: number;
  afterImport: MemoryFigures;
  afterCalls: MemoryFigures;
  peakRssBytes: number;
  /** AWS requests the gateway made per call (the run that made calls; its first call included) */
  requestsPerCall?: { dynamodb: number; lambda: number; dynamodbOps: Record<string, number> };
}

interface MemoryFigures {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
}

/** The child: imports the bundle (timed), then calls its handler N times, one at a time as Lambda does. */
const DRIVER = String.raw`
import { performance } from 'node:perf_hooks';
const bundle = process.argv[2], calls = Number(process.argv[3]), slug = process.argv[4], apiKeys = (process.env.BENCH_API_KEY ?? '').split(',');
const body = Number(process.env.BENCH_PAYLOAD_KB) > 0 ? JSON.stringify({ data: 'x'.repeat(Number(process.env.BENCH_PAYLOAD_KB) * 1024) }) : '{"iban":"FR7630006000011234567890189"}';
delete process.env.BENCH_API_KEY;
let calling = 0;
const mem = () => { globalThis.gc(); globalThis.gc(); const m = process.memoryUsage(); return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external }; };
const path = '/v1/features/' + slug;
const event = () => ({ version: '2.0', routeKey: 'ANY /v1/features/{slug}', rawPath: path, rawQueryString: '', headers: { 'x-api-key': apiKeys[calling++ % apiKeys.length], 'content-type': 'application/json' },
  requestContext: { accountId: '1', apiId: 'a', domainName: 'x', domainPrefix: 'x', http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '1.2.3.4', userAgent: 'bench' }, requestId: 'r', routeKey: '$default', stage: '$default', time: '', timeEpoch: 0 },
  body, isBase64Encoded: false });
const t0 = performance.now(), c0 = process.cpuUsage();
const { handler } = await import(bundle);
const importMs = performance.now() - t0, ic = process.cpuUsage(c0), importCpuMs = (ic.user + ic.system) / 1000;
const afterImport = mem();
const call = async () => { const r = await handler(event(), {}); if (r.statusCode !== 200) throw new Error('gateway answered ' + r.statusCode + ': ' + r.body); };
let t = performance.now(), c1 = process.cpuUsage();
await call();
const firstCallMs = performance.now() - t, fc = process.cpuUsage(c1), firstCallCpuMs = (fc.user + fc.system) / 1000;
const times = [];
let session;
if (process.env.BENCH_PROFILE && calls > 0) {
  const { Session } = await import('node:inspector/promises');
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
}
const cpu0 = process.cpuUsage();
for (let i = 0; i < calls; i++) { t = performance.now(); await call(); times.push(performance.now() - t); }
const cpu = process.cpuUsage(cpu0);
if (session) { const { profile } = await session.post('Profiler.stop'); (await import('node:fs')).writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile)); }
times.sort((a, b) => a - b);
const afterCalls = mem();
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ importMs, importCpuMs, firstCallMs, firstCallCpuMs, calls, warmCallMsMedian: times[Math.floor(calls / 2)], warmCallMsP99: times[Math.floor(calls * 0.99)], cpuMsPerCall: (cpu.user + cpu.system) / 1000 / calls, afterImport, afterCalls, peakRssBytes }));
`;

/** Local stand-ins for Lambda Invoke, Secrets Manager and SQS (the gateway's other AWS calls). */
function awsStub(payloadKb = 0): Promise<Server> {
  const answer = payloadKb > 0 ? JSON.stringify({ data: 'y'.repeat(payloadKb * 1024) }) : '{"valid":true}';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.url?.startsWith('/2015-03-31/functions/')) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
        res.end(JSON.stringify({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: answer }));
      } else if (target === 'secretsmanager.GetSecretValue') {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:eu-west-3:1:secret:pseudonym', Name: 'pseudonym', SecretString: 'k'.repeat(64) }));
      } else if (target.startsWith('AmazonSQS.')) {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ MessageId: '00000000-0000-0000-0000-000000000000', MD5OfMessageBody: '' }));
      } else {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `stub: ${req.method} ${req.url} ${target}` }));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env, encoding: 'utf8', maxBuffer: 1 << 20, timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`the gateway bundle failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end();
  });
}

export interface CpuShare {
  /** where the code runs from: the bundle, a package of node_modules (the external AWS SDK), Node */
  where: string;
  msPerCall: number;
  pct: number;
}

/** Self time (idle excluded) of a V8 CPU profile by where the code lives, per call. */
export function cpuByWhere(profile: { nodes: { id: number; callFrame: { url: string; functionName: string } }[]; samples?: number[]; timeDeltas?: number[] }, bundleUrl: string, calls: number): CpuShare[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const us = new Map<string, number>();
  const samples = profile.samples ?? [];
  for (const [i, id] of samples.entries()) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    const { url, functionName } = frame;
    const where = url === bundleUrl ? 'the bundle (own code, @middy/core)' : url.includes('node_modules/') ? groupOf(url) : url.startsWith('node:') ? 'Node (node:*)' : url === '' && functionName.startsWith('(') ? functionName : url === '' ? 'Node (native)' : url;
    us.set(where, (us.get(where) ?? 0) + Math.max(0, profile.timeDeltas?.[i + 1] ?? 0));
  }
  const total = [...us.values()].reduce((a, b) => a + b, 0) || 1;
  return [...us.entries()].map(([where, t]) => ({ where, msPerCall: t / 1000 / calls, pct: (100 * t) / total })).sort((a, b) => b.msPerCall - a.msPerCall);
}

export interface FunctionShare {
  /** `name (file:line)` of the function, its file shortened to the package or the bundle */
  fn: string;
  msPerCall: number;
  pct: number;
}

/** Self time (idle excluded) of a V8 CPU profile by function, per call, largest first (top 20). */
export function cpuByFunction(profile: { nodes: { id: number; callFrame: { url: string; functionName: string; lineNumber?: number } }[]; samples?: number[]; timeDeltas?: number[] }, calls: number): FunctionShare[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const us = new Map<string, number>();
  for (const [i, id] of (profile.samples ?? []).entries()) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    const at = frame.url.lastIndexOf('node_modules/');
    const file = at >= 0 ? frame.url.slice(at + 'node_modules/'.length) : frame.url.split('/').at(-1) ?? '';
    const key = `${frame.functionName || '(anonymous)'}${file ? ` (${file}:${(frame.lineNumber ?? 0) + 1})` : ''}`;
    us.set(key, (us.get(key) ?? 0) + Math.max(0, profile.timeDeltas?.[i + 1] ?? 0));
  }
  const total = [...us.values()].reduce((a, b) => a + b, 0) || 1;
  return [...us.entries()].map(([fn, t]) => ({ fn, msPerCall: t / 1000 / calls, pct: (100 * t) / total })).sort((a, b) => b.msPerCall - a.msPerCall).slice(0, 20);
}

/**
 * The V8 heap flags the Lambda Node.js runtime starts node with for a memory size, as its bootstrap
 * (/var/runtime/bootstrap) is published in copies: new space a tenth of the memory (two semi-spaces),
 * old space the rest. Not verified for nodejs24.x; `undefined`: Node's own defaults.
 */
export function lambdaHeapFlags(memoryMb: number | undefined): string[] {
  if (memoryMb === undefined) return [];
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

export interface GatewayMeasure {
  /** the function's memory the V8 flags were set for (undefined: Node's defaults) */
  memoryMb?: number;
  /** with --cpu-prof: the calls' CPU by where the code lives (the profiler adds its own overhead) */
  cpu?: CpuShare[];
  /** with --cpu-prof: the functions with the most self time */
  topFunctions?: FunctionShare[];
  nodeFlags: string[];
  runs: GatewayRun[];
  importMsMedian: number;
  /** the last run, which made the calls */
  callsRun: GatewayRun;
}

/**
 * Runs the built gateway bundle `coldStarts` times in fresh processes per memory size (its V8
 * flags); the last run of each makes `calls` sequential calls to the feature `slug` (one of the
 * catalogue the bundle carries; its Lambda is the stub).
 */
export async function measureGateway(
  bundle: string,
  opts: { slug: string; calls: number; coldStarts: number; memoryMb: (number | undefined)[]; cpuProf?: boolean; profileDir?: string; keys?: number; payloadKb?: number; log: (line: string) => void },
): Promise<GatewayMeasure[]> {
  const { startDynalite } = await import('../runtime/local/dynalite-server.ts');
  const { storeCredential } = await import('../runtime/local/store-credential.ts');
  const { ensureTables } = await import('../runtime/store/ensure-tables.ts');
  const { documentClient, localDynamoClient } = await import('../runtime/store/dynamo-client.ts');
  const { tableNames, TABLES } = await import('../runtime/store/tables.ts');
  const { tableEnvName } = await import('../runtime/aws/config.ts');
  const { ClientStore } = await import('../runtime/keys/client-store.ts');

  const dir = mkdtempSync(path.join(tmpdir(), 'faascape-bundle-measure-'));
  const credential = storeCredential(path.join(dir, 'data'));
  const store = await startDynalite(path.join(dir, 'data', 'store'), { credential });
  const stub = await awsStub(opts.payloadKb);
  const requests = { dynamodb: 0, lambda: 0, ops: new Map<string, number>() };
  store.server.on('request', (req: { headers: Record<string, unknown> }) => {
    requests.dynamodb += 1;
    const op = String(req.headers['x-amz-target'] ?? '?').replace(/^DynamoDB_\d+\./, '');
    requests.ops.set(op, (requests.ops.get(op) ?? 0) + 1);
  });
  stub.on('request', (req: { url?: string }) => {
    if (req.url?.startsWith('/2015-03-31/functions/')) requests.lambda += 1;
  });
  try {
    const endpoint = `http://127.0.0.1:${store.port}`;
    const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const tables = tableNames('faascape-bench-');
    await ensureTables(localDynamoClient({ endpoint, credential }), tables);
    // One key: every call but one every 500 ms finds the key in the gateway's cache (its warm path).
    // More keys, cycled: each call misses the cache and reads its key (the path of a container that
    // serves few calls per client).
    const clientStore = new ClientStore(documentClient(localDynamoClient({ endpoint, credential })), tables);
    const apiKeys: string[] = [];
    for (let k = 0; k < (opts.keys ?? 1); k++) apiKeys.push((await clientStore.createKey(`bench-client-${k}`)).apiKey);
    const driver = path.join(path.dirname(bundle), 'driver.mjs');
    writeFileSync(driver, DRIVER);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-3',
      AWS_ACCESS_KEY_ID: credential.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credential.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_ENDPOINT_URL_LAMBDA: stubUrl,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: stubUrl,
      AWS_ENDPOINT_URL_SQS: stubUrl,
      SPOOL_QUEUE_URL: `${stubUrl}/1/spool`,
      FEATURE_FUNCTION_PREFIX: 'faascape-bench-feature-',
      PSEUDONYM_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-3:1:secret:pseudonym',
      BENCH_API_KEY: apiKeys.join(','),
      ...(opts.payloadKb ? { BENCH_PAYLOAD_KB: String(opts.payloadKb) } : {}),
    };
    for (const id of Object.keys(TABLES) as (keyof typeof TABLES)[]) env[tableEnvName(id)] = tables[id];
    const results: GatewayMeasure[] = [];
    for (const memoryMb of opts.memoryMb) {
      const nodeFlags = lambdaHeapFlags(memoryMb);
      const runs: GatewayRun[] = [];
      let cpu: CpuShare[] | undefined;
      let topFunctions: FunctionShare[] | undefined;
      for (let i = 0; i < opts.coldStarts; i++) {
        const last = i === opts.coldStarts - 1;
        opts.log(`  ${memoryMb === undefined ? "Node's default heap" : `${memoryMb} MB (${nodeFlags.join(' ')})`}: cold start ${i + 1}/${opts.coldStarts}${last ? `, then ${opts.calls} sequential calls` : ''}…`);
        // process.execPath: the Node running this script (24, from the lockfile's `node` package).
        // Asynchronously: the store and the stub the bundle talks to run in this process.
        requests.dynamodb = requests.lambda = 0;
        requests.ops.clear();
        const profileFile = opts.cpuProf && last ? path.join(opts.profileDir ?? dir, `gateway-${memoryMb ?? 'node'}.cpuprofile`) : undefined;
        const out = await run(process.execPath, ['--expose-gc', ...nodeFlags, driver, pathToFileURL(bundle).href, String(last ? opts.calls : 0), opts.slug], { ...env, ...(profileFile ? { BENCH_PROFILE: profileFile } : {}) });
        const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as GatewayRun;
        if (last) r.requestsPerCall = { dynamodb: requests.dynamodb / (opts.calls + 1), lambda: requests.lambda / (opts.calls + 1), dynamodbOps: Object.fromEntries([...requests.ops].map(([op, n]) => [op, n / (opts.calls + 1)])) };
        runs.push(r);
        if (profileFile) {
          const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as Parameters<typeof cpuByWhere>[0];
          cpu = cpuByWhere(profile, pathToFileURL(bundle).href, opts.calls);
          topFunctions = cpuByFunction(profile, opts.calls);
          if (opts.profileDir) opts.log(`  kept the CPU profile: ${profileFile} (open it in Chrome DevTools or speedscope)`);
        }
      }
      const importMs = runs.map((r) => r.importMs).sort((a, b) => a - b);
      results.push({ ...(memoryMb === undefined ? {} : { memoryMb }), nodeFlags, runs, importMsMedian: importMs[Math.floor(importMs.length / 2)] ?? NaN, callsRun: runs.at(-1)!, ...(cpu ? { cpu } : {}), ...(topFunctions ? { topFunctions } : {}) });
    }
    return results;
  } finally {
    stub.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the command ----------------------------------------------------------------------------------

const USAGE = `usage: npm run bundle:report -- [--check] [--measure [--calls N] [--cold-starts N] [--memory MB,…] [--keys N] [--payload-kb N] [--cpu-prof]] [--keep]
  --check          exit 1 if the gateway bundle is over its budget (${GATEWAY_BUDGET_BYTES.toLocaleString('en')} bytes minified)
  --measure        run the gateway bundle: cold import time, heap and RSS, CPU per call
  --calls N        sequential calls in each measured run (default 1000)
  --cold-starts N  fresh processes importing the bundle, per memory size (default 5)
  --keys N         the calls cycle through N API keys of N clients (default 1: the gateway's cache
                   serves the key; 200: every call misses it and reads its key)
  --payload-kb N   each request body and each feature answer N KB (default: a few bytes): the
                   memory a large call takes
  --memory MB,…    Lambda memory sizes whose V8 heap flags to run under; "node" for Node's defaults
                   (default 256,1024)
  --cpu-prof       profile the measured calls (V8 sampling profiler): CPU by where the code lives and
                   the functions with the most self time (with --keep, the .cpuprofile files stay)
  --keep           keep the temp dir with the bundles and metafiles`;

const fmtBytes = (n: number) => `${n.toLocaleString('en')} B`;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      measure: { type: 'boolean', default: false },
      calls: { type: 'string', default: '1000' },
      'cold-starts': { type: 'string', default: '5' },
      memory: { type: 'string', default: '256,1024' },
      'cpu-prof': { type: 'boolean', default: false },
      keys: { type: 'string', default: '1' },
      'payload-kb': { type: 'string', default: '0' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const calls = Number(values.calls);
  const coldStarts = Number(values['cold-starts']);
  const keys = Number(values.keys);
  const payloadKb = Number(values['payload-kb']);
  if (!Number.isInteger(keys) || keys < 1 || !Number.isInteger(payloadKb) || payloadKb < 0) throw new Error(`--keys takes a positive integer, --payload-kb a whole number of KB\n${USAGE}`);
  if (!Number.isInteger(calls) || calls < 1 || !Number.isInteger(coldStarts) || coldStarts < 1) throw new Error(`--calls and --cold-starts take a positive integer\n${USAGE}`);
  const memoryMb = values.memory.split(',').map((m) => (m.trim() === 'node' ? undefined : Number(m)));
  if (memoryMb.some((m) => m !== undefined && !(Number.isInteger(m) && m >= 128 && m <= 10240))) throw new Error(`--memory takes Lambda memory sizes (128 to 10240 MB) or "node"\n${USAGE}`);
  const log = (line: string) => process.stderr.write(`${line}\n`);

  log('building the CDK app (infra/app.ts, bundling skipped) to find every HouseFunction…');
  const lambdas = await houseLambdas();
  log(`  ${lambdas.length} distinct bundles: ${lambdas.map((l) => l.ids.join(' + ')).join(', ')}`);
  const tmp = mkdtempSync(path.join(tmpdir(), 'faascape-bundle-report-'));
  // The AWS SDK is external (the Lambda runtime has it): a bundle run from here resolves ours.
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
  try {
    const results: (HouseLambda & BundleFigures & { name: string; budgetBytes?: number })[] = [];
    for (const [i, l] of lambdas.entries()) {
      const name = l.ids.join(' + ');
      const outdir = path.join(tmp, String(i).padStart(2, '0'));
      mkdirSync(outdir);
      const b = await bundleLambda(l.entry, l.bundling, outdir);
      writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify(b.metafile));
      log(`bundled ${name} (${l.entry}): ${kib(b.bytes)} minified, ${kib(b.gzipBytes)} gzipped, in ${b.ms.toFixed(0)} ms`);
      results.push({ ...l, ...b, name, ...(l.entry === GATEWAY_ENTRY ? { budgetBytes: GATEWAY_BUDGET_BYTES } : {}) });
    }

    const w = Math.max(6, ...results.map((r) => r.name.length));
    console.log();
    console.log(`${pad('Lambda', w)}  ${pad('entry', 36)}  ${lpad('minified', 12)}  ${lpad('gzipped', 11)}  budget`);
    for (const r of results) {
      const budget = r.budgetBytes === undefined ? '' : `${fmtBytes(r.budgetBytes)} ${r.bytes > r.budgetBytes ? 'OVER' : 'ok'}`;
      console.log(`${pad(r.name, w)}  ${pad(r.entry, 36)}  ${lpad(fmtBytes(r.bytes), 12)}  ${lpad(fmtBytes(r.gzipBytes), 11)}  ${budget}`);
    }
    for (const r of results) {
      console.log();
      console.log(`${r.name}: top 5 of ${r.contributors.length} contributors, by bytes in the minified bundle`);
      for (const c of r.contributors.slice(0, 5)) {
        console.log(`  ${pad(c.name, 34)}  ${lpad(fmtBytes(c.outputBytes), 11)}  ${lpad(((100 * c.outputBytes) / r.bytes).toFixed(1), 5)} %   from ${lpad(fmtBytes(c.inputBytes), 12)} of input in ${c.files} files`);
      }
    }

    let measure: GatewayMeasure[] | undefined;
    const gateway = results.find((r) => r.entry === GATEWAY_ENTRY);
    if (values.measure) {
      if (!gateway) throw new Error(`no HouseFunction has the entry ${GATEWAY_ENTRY}`);
      log(`measuring the gateway bundle (${process.version}; dynalite for DynamoDB, a local stub for Lambda, Secrets Manager, SQS)…`);
      // A feature of the catalogue inlined in the bundle (its Lambda is the stub).
      const catalogue = JSON.parse(JSON.parse(gateway.bundling.define?.['process.env.FAASCAPE_CATALOG'] ?? '"[]"') as string) as { slug: string }[];
      const slug = catalogue[0]?.slug;
      if (!slug) throw new Error('the gateway bundle carries no feature to call');
      measure = await measureGateway(gateway.outfile, { slug, calls, coldStarts, memoryMb, cpuProf: values['cpu-prof'], keys, payloadKb, ...(values.keep ? { profileDir: tmp } : {}), log });
      console.log();
      console.log(`Gateway bundle at run time: ${process.version} on this machine (${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores), not a Lambda's CPU share;`);
      console.log(`cold import = the module's init (config, catalogue, SDK clients from node_modules, the secret); calls one at a time, as Lambda sends them;`);
      console.log(`${keys === 1 ? 'one API key (its look-up cached)' : `${keys} API keys in turn (a look-up per call)`}, ${payloadKb ? `${payloadKb} KB request bodies and feature answers` : 'small request bodies and feature answers'}.`);
      if (values['cpu-prof']) console.log('the profiler was on during the calls: their CPU and memory figures include its overhead (run without --cpu-prof for those)');
      console.log(`${pad('V8 heap as for', 16)}  ${lpad('import ms, median', 17)}  ${lpad('import CPU', 10)}  ${lpad('1st call', 9)}  ${lpad('warm median', 11)}  ${lpad('p99', 8)}  ${lpad('CPU/call', 9)}  ${lpad('RSS after import', 16)}  ${lpad(`RSS after ${calls}`, 14)}  ${lpad('peak RSS', 9)}  ${lpad('heap used after', 15)}`);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      for (const m of measure) {
        const c = m.callsRun;
        console.log(
          `${pad(m.memoryMb === undefined ? 'node defaults' : `${m.memoryMb} MB`, 16)}  ${lpad(`${m.importMsMedian.toFixed(0)} ms`, 17)}  ${lpad(`${median(m.runs.map((r) => r.importCpuMs)).toFixed(0)} ms`, 10)}  ${lpad(`${c.firstCallMs.toFixed(1)} ms`, 9)}  ${lpad(`${c.warmCallMsMedian.toFixed(2)} ms`, 11)}  ${lpad(`${c.warmCallMsP99.toFixed(1)} ms`, 8)}  ${lpad(`${c.cpuMsPerCall.toFixed(2)} ms`, 9)}  ${lpad(mib(c.afterImport.rssBytes), 16)}  ${lpad(mib(c.afterCalls.rssBytes), 14)}  ${lpad(mib(c.peakRssBytes), 9)}  ${lpad(mib(c.afterCalls.heapUsedBytes), 15)}`,
        );
      }
      const last = measure.at(-1)?.callsRun;
      if (last?.requestsPerCall) console.log(`per call: ${last.requestsPerCall.dynamodb.toFixed(2)} DynamoDB requests (${Object.entries(last.requestsPerCall.dynamodbOps).map(([op, n]) => `${op} ${n.toFixed(2)}`).join(', ')}), ${last.requestsPerCall.lambda.toFixed(2)} Lambda invokes; import times of every cold start: ${measure.map((m) => m.runs.map((r) => r.importMs.toFixed(0)).join('/')).join(', ')} ms`);
      for (const m of measure.filter((x) => x.cpu)) {
        console.log(`CPU of the ${calls} calls (${m.memoryMb === undefined ? 'node defaults' : `${m.memoryMb} MB`}, with the profiler on), by where the code lives:`);
        for (const c of m.cpu!.slice(0, 8)) console.log(`  ${pad(c.where, 40)}  ${lpad(c.msPerCall.toFixed(2), 6)} ms per call  ${lpad(c.pct.toFixed(1), 5)} %`);
        console.log('  the functions with the most self time:');
        for (const f of m.topFunctions?.slice(0, 12) ?? []) console.log(`    ${pad(f.fn.slice(0, 90), 90)}  ${lpad(f.msPerCall.toFixed(3), 6)} ms  ${lpad(f.pct.toFixed(1), 5)} %`);
      }
    }

    const over = gateway?.budgetBytes !== undefined && gateway.bytes > gateway.budgetBytes;
    console.log();
    console.log(
      JSON.stringify({
        esbuild: esbuildVersion,
        node: process.version,
        lambdas: results.map((r) => ({ ids: r.ids, entry: r.entry, bytes: r.bytes, gzipBytes: r.gzipBytes, ...(r.budgetBytes === undefined ? {} : { budgetBytes: r.budgetBytes, overBudget: r.bytes > r.budgetBytes }), contributors: r.contributors.slice(0, 5) })),
        ...(measure ? { gatewayRuns: measure } : {}),
      }),
    );
    if (values.keep) log(`kept ${tmp}`);
    if (values.check && !gateway) {
      log(`bundle:report --check: no HouseFunction has the entry ${GATEWAY_ENTRY}; nothing to hold to the budget`);
      return 1;
    }
    if (values.check && over && gateway) {
      log(`bundle:report --check: the gateway bundle is ${fmtBytes(gateway.bytes)} minified, over its budget of ${fmtBytes(GATEWAY_BUDGET_BYTES)} by ${fmtBytes(gateway.bytes - GATEWAY_BUDGET_BYTES)}; its largest contributor is ${gateway.contributors[0]?.name}`);
      return 1;
    }
    if (values.check) log(`bundle:report --check: the gateway bundle is within its budget (${fmtBytes(gateway?.bytes ?? 0)} ≤ ${fmtBytes(GATEWAY_BUDGET_BYTES)})`);
    return 0;
  } finally {
    if (!values.keep) rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bundle:report failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(2);
    },
  );
}
