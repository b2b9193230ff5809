import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundedCache } from '../../../services/bounded-cache';

/** The per-connection cache both webhook routes key by an id from an unauthenticated URL. */
describe('BoundedCache', () => {
  const counting = (opts: { maxEntries: number; missingTtlMs?: number; minReloadMs?: number }) => {
    const loads: string[] = [];
    const cache = new BoundedCache<{ exists: boolean }>({
      load: async (key) => { loads.push(key); return { exists: key.startsWith('real') }; },
      ttlMs: (e) => (e.exists ? 60_000 : opts.missingTtlMs ?? 5_000),
      maxEntries: opts.maxEntries,
      minReloadMs: opts.minReloadMs,
    });
    return { cache, loads };
  };

  test('junk ids never hold more than maxEntries; the least recently loaded go first', async () => {
    const { cache, loads } = counting({ maxEntries: 100 });
    await cache.get('real-1');
    for (let i = 0; i < 5_000; i++) await cache.get(`junk-${i}`);
    assert.equal(cache.size, 100);
    assert.equal(loads.length, 5_001);
    await cache.get('junk-4999');
    assert.equal(loads.length, 5_001, 'a recent entry is still served from memory');
    await cache.get('real-1');
    assert.equal(loads.length, 5_002, 'the oldest was evicted and is loaded again');
  });

  test('"no such connection" expires on its own short TTL; a real one is kept', async () => {
    const { cache, loads } = counting({ maxEntries: 10, missingTtlMs: 20 });
    await cache.get('real-1');
    await cache.get('junk');
    await new Promise((r) => setTimeout(r, 40));
    await cache.get('real-1');
    await cache.get('junk');
    assert.deepEqual(loads, ['real-1', 'junk', 'junk']);
  });

  test('concurrent reloads of one key share one load; a forced reload waits out minReloadMs', async () => {
    const { cache, loads } = counting({ maxEntries: 10, minReloadMs: 50 });
    await cache.get('real-1');
    const t0 = Date.now();
    const all = await Promise.all(Array.from({ length: 20 }, () => cache.reload('real-1')));
    assert.equal(loads.length, 2);
    assert.ok(all.every((e) => e === all[0]));
    assert.ok(Date.now() - t0 >= 40, 'waited out the interval after the previous load');
  });
});
