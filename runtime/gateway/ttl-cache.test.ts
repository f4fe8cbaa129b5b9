import { describe, expect, it } from 'vitest';
import { TtlCache } from './access.ts';

describe('the key and limits cache', () => {
  it('stays within its size by dropping the entry loaded longest ago, so a flood of new keys does not push out a key in use', async () => {
    const cache = new TtlCache<string>(100, 20);
    let hotLoads = 0;
    const get = (key: string, now: number) =>
      cache.get(key, now, async () => {
        if (key === 'hot') hotLoads += 1;
        return `${key}@${now}`;
      });
    for (let t = 0; t < 1_000; t += 10) {
      // The key in use is asked every 10 ms, and a new key comes in as often (ten a ttl, fewer than the twenty it holds).
      expect(await get('hot', t)).toMatch(/^hot@/);
      await get(`flood-${t}`, t);
    }
    // Loaded once a ttl (at 0, 100, … 900), never again in between: the flood never pushed it out.
    expect(hotLoads).toBe(10);
    expect(cache.size).toBeLessThanOrEqual(20);
  });

  it('serves a stale entry when a reload fails, and refuses an unknown key then', async () => {
    const cache = new TtlCache<string>(100, 3);
    await cache.get('k', 0, async () => 'v');
    expect(await cache.get('k', 500, async () => Promise.reject(new Error('store down')))).toBe('v');
    await expect(cache.get('other', 500, async () => Promise.reject(new Error('store down')))).rejects.toMatchObject({ status: 503 });
  });
});
