/**
 * `faascape invoke`: one call of one feature in the runtime `npm start` uses (its own sandboxed
 * process, its timeout and memory), with nothing else around it: no HTTP, no key, no limits, no
 * metering, no store. What the developer gets back is what a client would (the gateway's reading
 * of the handler's result) plus everything the feature logged, stack traces included.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DomainError } from '../../shared/errors.ts';
import { ManifestError, parseManifest, SLUG } from '../../shared/manifest.ts';
import { billedMsOf } from '../../shared/usage.ts';
import { errorResponse, errors } from '../gateway/errors.ts';
import { interpretResult } from '../gateway/feature-result.ts';
import { FEATURE_RESPONSE_HEADERS } from '../gateway/handler.ts';
import type { InvokeOutcome } from '../gateway/invoker.ts';
import { silentLogger } from '../logger.ts';
import { boundEntry, type FeatureLogEntry } from '../local/feature-logs.ts';
import { buildFeature } from '../local/load-features.ts';
import { ProcessPool } from '../local/process-pool.ts';

export interface InvokeReport {
  invocationId: string;
  /** ok: the feature answered (whatever its status); anything else is a failure of the feature */
  outcome: 'ok' | 'error' | 'timeout' | 'invalid_result';
  status: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  durationMs: number;
  /** what the call would be billed for, were it metered */
  billedMs: number;
  memoryMb: number;
  logs: FeatureLogEntry[];
  /** why it failed, in the developer's words (the client only gets the status and code) */
  problem?: string;
  /** what the gateway leaves out of the feature's answer: cookies and reserved headers */
  dropped: string[];
}

export function checkSlug(slug: string): void {
  if (!SLUG.test(slug)) {
    throw new DomainError('invalid_request', `"${slug}" is not a valid feature slug: lowercase letters, digits and dashes, at most 48, starting and ending with a letter or digit (e.g. hello-world)`);
  }
}

/** Reads and validates `<functionsDir>/<slug>/feature.json`, as `npm start` would. */
export function readFeatureSpec(functionsDir: string, slug: string) {
  checkSlug(slug);
  const file = join(functionsDir, slug, 'feature.json');
  if (!existsSync(file)) throw new DomainError('not_found', `no feature "${slug}": ${file} does not exist (npx faascape new ${slug} creates one)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ManifestError(file, [`not valid JSON (${(e as Error).message})`]);
  }
  return parseManifest(slug, file, raw);
}

const preview = (v: unknown) => {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/**
 * Builds the feature into a private temp folder, runs one call in a process pool holding only it,
 * and always ends its processes and removes the build, whatever happens.
 */
export async function invokeFeature(opts: {
  functionsDir: string;
  slug: string;
  event: APIGatewayProxyEventV2;
  /** each line as the feature writes it (the report has them all too) */
  onLog?: (entry: FeatureLogEntry) => void;
}): Promise<InvokeReport> {
  const spec = readFeatureSpec(opts.functionsDir, opts.slug);
  const requestId = opts.event.requestContext?.requestId;
  // The gateway's invocation id is the event's request id: keep them one, as it does.
  const invocationId = typeof requestId === 'string' && requestId ? requestId : randomUUID();
  const logs: FeatureLogEntry[] = [];
  const outDir = mkdtempSync(join(tmpdir(), `faascape-invoke-${spec.slug}-`));
  try {
    const built = await buildFeature(opts.functionsDir, spec, outDir);
    if (!built.ok) throw built.problem;
    const sink = {
      write(raw: FeatureLogEntry) {
        // Bounded as the log file bounds it: `invoke --json` prints these whole.
        const entry = boundEntry(raw);
        logs.push(entry);
        opts.onLog?.(entry);
      },
    };
    const pool = new ProcessPool(new Map([[spec.slug, built.feature]]), silentLogger, sink);
    let outcome: InvokeOutcome;
    try {
      outcome = await pool.invoke({ feature: spec, invocationId, event: opts.event });
    } finally {
      await pool.close();
    }
    const base = { invocationId, durationMs: Math.round(outcome.durationMs * 1000) / 1000, billedMs: billedMsOf(outcome.durationMs), memoryMb: spec.manifest.memoryMb, logs, dropped: [] as string[] };
    // What a client gets when a feature fails: the gateway's error, never the feature's words.
    const failure = (status: 502 | 504, kind: InvokeReport['outcome'], problem: string): InvokeReport => {
      const r = errorResponse(status === 504 ? errors.featureTimeout(spec.manifest.timeoutMs) : errors.featureError(), FEATURE_RESPONSE_HEADERS);
      return { ...base, outcome: kind, status, headers: (r.headers ?? {}) as Record<string, string>, body: r.body ?? '', isBase64Encoded: false, problem };
    };
    if (outcome.kind === 'timeout') return failure(504, 'timeout', `timed out after ${spec.manifest.timeoutMs} ms (timeoutMs in feature.json); its process was stopped`);
    if (outcome.kind === 'error') return failure(502, 'error', `failed: ${outcome.message}`);
    const answer = interpretResult(outcome.result);
    if (!answer) {
      return failure(502, 'invalid_result', `returned what the gateway cannot answer with: ${preview(outcome.result)} (return an object with an integer statusCode 200-599, string headers and a string body, or any JSON value)`);
    }
    const raw = outcome.result as { headers?: Record<string, unknown> };
    const rawHeaders = typeof raw === 'object' && raw !== null && typeof raw.headers === 'object' && raw.headers !== null ? Object.keys(raw.headers) : [];
    const dropped = [...rawHeaders.filter((h) => !(h.toLowerCase() in answer.headers)).map((h) => `header ${h}`), ...(answer.cookies.length ? [`${answer.cookies.length} cookie(s)`] : [])];
    return { ...base, outcome: 'ok', status: answer.statusCode, headers: { ...answer.headers, ...FEATURE_RESPONSE_HEADERS }, body: answer.body, isBase64Encoded: answer.isBase64Encoded, dropped };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
