import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../logger.ts';
import type { FeatureRegistry, ReloadSummary } from './feature-registry.ts';
import { typeCheck } from './type-check.ts';

/** Editors save in bursts (temp file, rename, chmod): one rebuild per burst. */
const SETTLE_MS = 150;

export interface FeatureWatcher {
  /** resolves when the reloads started so far are done */
  idle(): Promise<void>;
  /** resolves when the type checks started so far are done */
  typesChecked(): Promise<void>;
  close(): Promise<void>;
}

/** What changed, in the words a developer watching `npm start` wants. */
export function describeReload(s: ReloadSummary): string[] {
  const lines: string[] = [];
  if (s.added.length) lines.push(`features: added ${s.added.join(', ')}`);
  if (s.changed.length) lines.push(`features: reloaded ${s.changed.join(', ')} (calls in flight finish on the old code)`);
  if (s.removed.length) lines.push(`features: removed ${s.removed.join(', ')}`);
  for (const p of s.problems) lines.push(`features: ${p.message}`);
  if (s.unavailable.length) lines.push(`features: ${s.unavailable.join(', ')} answer 503 feature_unavailable until fixed`);
  return lines;
}

/**
 * Watches `functions/` (recursively) and reloads the registry after each burst of changes; reloads
 * never overlap, and a change during a reload triggers one more.
 */
export function watchFeatures(functionsDir: string, registry: FeatureRegistry, logger: Logger, progress: (line: string) => void): FeatureWatcher {
  // Type errors are warnings, checked in the background after each build (tsc takes a second or more).
  let checking: Promise<void> = Promise.resolve();
  const checkTypes = (slugs: string[]) => {
    if (slugs.length === 0) return;
    checking = checking.then(async () => {
      for (const w of await typeCheck(functionsDir, slugs)) progress(`features: type warning ${w.text}`);
    });
  };
  checkTypes([...registry.features.keys()]);

  let timer: NodeJS.Timeout | undefined;
  let scheduled = false;
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let busy = false;

  const reload = () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    running = (async () => {
      do {
        again = false;
        try {
          const summary = await registry.reload();
          for (const line of describeReload(summary)) progress(line);
          checkTypes([...summary.added, ...summary.changed]);
        } catch (e) {
          logger.error('feature reload failed', { error: String(e) });
        }
      } while (again);
      busy = false;
    })();
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(functionsDir, { recursive: true }, (_event, file) => {
      // node_modules of a feature change on npm install; the bundle picks them up on the next edit.
      if (file && /(^|[\\/])(node_modules|\.git)([\\/]|$)/.test(file)) return;
      clearTimeout(timer);
      scheduled = true;
      timer = setTimeout(() => {
        scheduled = false;
        reload();
      }, SETTLE_MS);
    });
    watcher.on('error', (e) => logger.warn('watching functions/ stopped', { error: String(e) }));
  } catch (e) {
    logger.warn('cannot watch functions/: restart npm start after a change', { error: String(e) });
  }

  return {
    idle: async () => {
      // A change just written reaches us through inotify within milliseconds: give it that time.
      await new Promise((r) => setTimeout(r, 50));
      while (scheduled || busy) await new Promise((r) => setTimeout(r, 20));
    },
    close: async () => {
      clearTimeout(timer);
      watcher?.close();
      await running;
      await checking;
    },
    typesChecked: () => checking,
  };
}
