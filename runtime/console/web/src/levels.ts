/**
 * Developer levels for the catalogue and the community pages: GET /developers once per visit,
 * kept as id → level so each author shows a badge without a request of its own.
 */
import { useEffect, useState } from 'preact/hooks';
import type { LevelName } from '../../community-types.ts';
import { community } from './endpoints.ts';

export type LevelMap = ReadonlyMap<string, LevelName>;

let loaded: LevelMap | undefined;
let pending: Promise<LevelMap> | undefined;

function loadLevels(): Promise<LevelMap> {
  pending ??= community.developers().then(
    (d) => (loaded = new Map(d.developers.map((x) => [x.developerId, x.level]))),
    // Badges are extras: without them the authors still show, and the next page tries again.
    () => {
      pending = undefined;
      return new Map<string, LevelName>();
    },
  );
  return pending;
}

/** id → level, or undefined until the one request has answered. */
export function useLevels(): LevelMap | undefined {
  const [levels, setLevels] = useState(loaded);
  useEffect(() => {
    if (loaded) return;
    let live = true;
    void loadLevels().then((m) => live && setLevels(m));
    return () => {
      live = false;
    };
  }, []);
  return levels;
}
