export interface BoundedCacheOptions<V> {
  load: (key: string) => Promise<V>;
  /** How long a loaded value may be served; a short one for "no such connection", so junk ids age out fast. */
  ttlMs: (value: V) => number;
  /** Webhook routes key this cache by ids taken from unauthenticated URLs: past this many entries the
   * least recently loaded go, so junk traffic costs queries, never memory. */
  maxEntries: number;
  /** A forced reload waits until this long after the key's previous load, so a flood of failed checks
   * costs one query per interval per key, not one each. */
  minReloadMs?: number;
}

interface Held<V> {
  value: V;
  loadedAt: number;
  expiresAt: number;
}

/**
 * A per-key loading cache with a TTL per value, a cap on entries, and coalesced reloads: what the
 * webhook routes keep per connection (does it exist, what signs for it) so that acknowledging a
 * delivery usually touches neither Postgres nor a decryption.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, Held<V>>();
  private readonly loads = new Map<string, Promise<V>>();

  constructor(private readonly opts: BoundedCacheOptions<V>) {}

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<V> {
    const held = this.entries.get(key);
    if (held && Date.now() < held.expiresAt) return held.value;
    if (held) this.entries.delete(key);
    return this.reload(key);
  }

  /** A value loaded after this call began; concurrent callers share one load. */
  reload(key: string): Promise<V> {
    const pending = this.loads.get(key);
    if (pending) return pending;
    const wait = Math.max(0, (this.opts.minReloadMs ?? 0) - (Date.now() - (this.entries.get(key)?.loadedAt ?? 0)));
    const load = (wait > 0 ? new Promise<void>((r) => setTimeout(r, wait)) : Promise.resolve())
      .then(() => this.opts.load(key))
      .then((value) => { this.keep(key, value); return value; })
      .finally(() => this.loads.delete(key));
    this.loads.set(key, load);
    return load;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private keep(key: string, value: V): void {
    const now = Date.now();
    // Re-inserting moves the key to the end: the Map's order is least recently loaded first.
    this.entries.delete(key);
    this.entries.set(key, { value, loadedAt: now, expiresAt: now + this.opts.ttlMs(value) });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.opts.maxEntries) break;
      this.entries.delete(oldest);
    }
  }
}

/**
 * The limits both webhook routes use for what they keep per connection id (taken from an unauthenticated
 * URL): a minute for a real connection; "no such connection", which is what junk traffic produces, only
 * briefly; and far more entries than one API serves connections.
 */
export const CONNECTION_CACHE_LIMITS = {
  ttlMs: (entry: { exists: boolean }) => (entry.exists ? 60_000 : 5_000),
  maxEntries: 10_000,
};
