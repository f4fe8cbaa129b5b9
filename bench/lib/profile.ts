/**
 * An in-process CPU profile (node:inspector, V8 sampling profiler) of this process's main thread,
 * summarised by self time. tsx serves TypeScript as transformed code on one long line, so
 * positions are mapped back to the .ts source through tsx's source maps (node:module findSourceMap).
 */
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface ProfileEntry {
  functionName: string;
  /** file:line in the original source when it could be mapped (repo-relative when inside it) */
  location: string;
  selfMs: number;
  selfPct: number;
  /**
   * For native and node-internal entries: the nearest application frame (node_modules or project
   * code) below them on the stack, i.e. who made the call, with its share of this entry's time.
   */
  calledFrom?: { caller: string; pct: number }[];
}

export interface ProfileSummary {
  sampleIntervalUs: number;
  samples: number;
  totalMs: number;
  /** share of the sampled time the main thread was idle (waiting in the event loop) */
  idlePct: number;
  top: ProfileEntry[];
  /** self time grouped by where the code lives: project dirs, node_modules packages, node internals */
  byArea: { area: string; selfMs: number; selfPct: number }[];
}

export async function profile<T>(run: () => Promise<T>, sampleIntervalUs = 1000): Promise<{ result: T; profile: Profiler.Profile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: sampleIntervalUs });
    await session.post('Profiler.start');
    let result: T;
    try {
      result = await run();
    } catch (e) {
      // stop even if the run failed, so the profiler never outlives the bench
      await session.post('Profiler.stop').catch(() => {});
      throw e;
    }
    const stopped = await session.post('Profiler.stop');
    return { result, profile: stopped.profile };
  } finally {
    await session.post('Profiler.disable').catch(() => {});
    session.disconnect();
  }
}

function relativeTo(root: string, file: string): string {
  return file.startsWith(root) ? file.slice(root.length) : file;
}

/** Maps a V8 call frame to "file:line" of the original source. */
function locate(frame: Profiler.ProfileNode['callFrame'], root: string): string {
  const { url, lineNumber, columnNumber } = frame;
  if (!url) return '';
  let file = url;
  let line = lineNumber + 1;
  if (url.startsWith('file://')) {
    try {
      const entry = findSourceMap(url)?.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
      if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
        file = entry.originalSource;
        line = entry.originalLine + 1;
      }
    } catch {
      // no source map: keep the generated position
    }
    try {
      file = fileURLToPath(file);
    } catch {
      // not a file URL after mapping
    }
  }
  return `${relativeTo(root, file)}:${line}`;
}

function areaOf(frame: Profiler.ProfileNode['callFrame'], root: string): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native / builtins)';
  if (url.startsWith('node:')) return 'node internals (node:*)';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return `node_modules: ${pkg}`;
  }
  const rel = relativeTo(root, file);
  if (rel !== file) return `project: ${rel.split('/')[0]}/`;
  return 'other';
}

/**
 * Self time per (function name, source location) and per area. Each sample's time is the delta
 * to the next sample (V8's timeDeltas), which is how DevTools computes self time.
 */
export function summarise(p: Profiler.Profile, root: string, sampleIntervalUs: number, topN = 10): ProfileSummary {
  const byId = new Map<number, Profiler.ProfileNode>();
  for (const node of p.nodes) byId.set(node.id, node);
  const selfUs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i] as number;
    const dt = deltas[i + 1] ?? sampleIntervalUs;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  let totalUs = 0;
  for (const v of selfUs.values()) totalUs += v;

  const parent = new Map<number, number>();
  for (const node of p.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const located = new Map<number, string>();
  const label = (node: Profiler.ProfileNode) => {
    let l = located.get(node.id);
    if (l === undefined) {
      l = `${node.callFrame.functionName || '(anonymous)'} ${locate(node.callFrame, root)}`.trim();
      located.set(node.id, l);
    }
    return l;
  };
  const isApp = (node: Profiler.ProfileNode) => node.callFrame.url !== '' && !node.callFrame.url.startsWith('node:');
  // Frames that only schedule work: never a useful answer to "who called this".
  const GENERIC = new Set(['(root)', 'processTicksAndRejections', 'runMicrotasks', 'processImmediate', 'listOnTimeout', 'processTimers']);
  const callerOf = (node: Profiler.ProfileNode): string => {
    let outermost: Profiler.ProfileNode | undefined;
    for (let id = parent.get(node.id); id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (!n) break;
      if (isApp(n)) return label(n);
      if (!GENERIC.has(n.callFrame.functionName)) outermost = n;
    }
    // No application code on the stack (a node-internal tick, or a native callback V8 could not
    // walk): name the outermost node-internal frame instead.
    return outermost ? `${label(outermost)} (no application frame)` : '(no JS stack)';
  };
  // The profiler's own work (Profiler.stop serialising the profile) is not the gateway's.
  const ownFile = fileURLToPath(import.meta.url);
  const isOwn = (node: Profiler.ProfileNode): boolean => {
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (n?.callFrame.url.startsWith('file://') && fileURLToPath(n.callFrame.url) === ownFile) return true;
    }
    return false;
  };

  const byFn = new Map<string, ProfileEntry & { callers: Map<string, number> }>();
  const byArea = new Map<string, number>();
  let idleUs = 0;
  let ownUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node && isOwn(node)) ownUs += us;
  }
  totalUs -= ownUs;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || isOwn(node)) continue;
    const frame = node.callFrame;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') idleUs += us;
    const location = locate(frame, root);
    const key = `${name} ${location}`;
    const e = byFn.get(key) ?? { functionName: name, location, selfMs: 0, selfPct: 0, callers: new Map<string, number>() };
    e.selfMs += us / 1000;
    if (!isApp(node) && !name.startsWith('(')) {
      const c = callerOf(node);
      e.callers.set(c, (e.callers.get(c) ?? 0) + us);
    }
    byFn.set(key, e);
    const area = areaOf(frame, root);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const pct = (us: number) => (totalUs ? (100 * us) / totalUs : 0);
  const top: ProfileEntry[] = [...byFn.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, topN)
    .map(({ callers, ...e }) => {
      const entry: ProfileEntry = { ...e, selfPct: pct(e.selfMs * 1000) };
      if (callers.size) {
        entry.calledFrom = [...callers.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([caller, us]) => ({ caller, pct: (100 * us) / (e.selfMs * 1000) }));
      }
      return entry;
    });
  return {
    sampleIntervalUs,
    samples: samples.length,
    totalMs: totalUs / 1000,
    idlePct: pct(idleUs),
    top,
    byArea: [...byArea.entries()].map(([area, us]) => ({ area, selfMs: us / 1000, selfPct: pct(us) })).sort((a, b) => b.selfMs - a.selfMs),
  };
}
