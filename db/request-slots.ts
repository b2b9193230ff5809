import type { KeyedSlots } from '../common/keyed-budget';
import type { Db } from './pool';

export interface SharedSlotsOptions {
  /** How long a slot stays held if its holder never releases it (a crashed worker): the longest a request may run, and some. */
  leaseMs: number;
  /** How often a waiter asks again while every slot is held. */
  pollMs?: number;
  /** Keys whose rows this process has made sure of; bounded so many datasets cannot grow it without end. */
  maxKnownKeys?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Slots per key held in Postgres, so "at most N in flight" holds for every worker process together. A hold
 * is one UPDATE of a free slot (SKIP LOCKED: holders never queue behind each other's row locks); a release
 * frees it at once, a lost release when its lease ends. While Postgres cannot be reached a hold is granted
 * without a slot: the caller's own per-process limit is then all there is, so an outage slows nothing down
 * that it would not slow anyway, and fails nothing.
 */
export class PostgresKeyedSlots implements KeyedSlots {
  private readonly known = new Set<string>();

  constructor(private readonly db: Db, private readonly opts: SharedSlotsOptions) {}

  async hold(key: string, slots: number): Promise<() => void> {
    for (let waited = 0; ; waited++) {
      let slot: number | undefined;
      try {
        slot = await this.tryHold(key, slots);
      } catch {
        return () => undefined;
      }
      if (slot !== undefined) return this.releaser(key, slot);
      // Now and then make sure the key's rows exist (a table emptied by hand would otherwise wait for ever).
      if (waited % 20 === 19) this.known.delete(key);
      const poll = this.opts.pollMs ?? 50;
      await sleep(poll / 2 + Math.random() * poll);
    }
  }

  private async tryHold(key: string, slots: number): Promise<number | undefined> {
    if (!this.known.has(key)) {
      await this.db.query(
        `INSERT INTO request_slots (key, slot) SELECT $1, s FROM generate_series(0, $2::int - 1) s ON CONFLICT DO NOTHING`,
        [key, slots],
      );
      if (this.known.size >= (this.opts.maxKnownKeys ?? 10_000)) this.known.clear();
      this.known.add(key);
    }
    const { rows } = await this.db.query<{ slot: number }>(
      `UPDATE request_slots r SET held_until = clock_timestamp() + $3 * interval '1 millisecond'
        WHERE (r.key, r.slot) = (SELECT key, slot FROM request_slots
                                  WHERE key = $1 AND slot < $2 AND held_until <= clock_timestamp()
                                  ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING r.slot`,
      [key, slots, Math.max(1, Math.round(this.opts.leaseMs))],
    );
    return rows[0]?.slot;
  }

  private releaser(key: string, slot: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // A failed release is not retried: the lease ends it.
      this.db.query(`UPDATE request_slots SET held_until = '-infinity' WHERE key = $1 AND slot = $2`, [key, slot]).catch(() => undefined);
    };
  }
}
