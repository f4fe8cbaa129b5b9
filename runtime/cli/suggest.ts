/** "Did you mean …?" for an id typed on the command line: the closest known ids by edit distance. */

/** Levenshtein distance (insertions, deletions, substitutions), case-sensitive. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The known ids close enough to `typed` to be what was meant (at most a third of its length
 * away, at least 1 edit, or containing it / contained in it), closest first, at most `max`.
 */
export function closest(typed: string, known: Iterable<string>, max = 3): string[] {
  const t = typed.toLowerCase();
  const scored: [string, number][] = [];
  for (const k of new Set(known)) {
    const d = editDistance(t, k.toLowerCase());
    const near = d <= Math.max(1, Math.floor(t.length / 3)) || (t.length >= 3 && (k.toLowerCase().includes(t) || t.includes(k.toLowerCase())));
    if (near && k !== typed) scored.push([k, d]);
  }
  return scored
    .sort(([a, da], [b, db]) => da - db || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, max)
    .map(([k]) => k);
}

/** `no client "acmee"; did you mean acme?` plus, when nothing is close, what exists (a few). */
export function unknownId(what: string, typed: string, known: readonly string[], hint?: string): string {
  const near = closest(typed, known);
  const list = known.length === 0 ? `there is none yet` : near.length ? `did you mean ${near.join(' or ')}?` : `known: ${known.slice(0, 8).join(', ')}${known.length > 8 ? `, … (${known.length})` : ''}`;
  return `no ${what} "${typed}"; ${list}${hint ? `\n${hint}` : ''}`;
}
