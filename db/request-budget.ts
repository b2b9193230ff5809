import { checkLimits, currentLimits, grantableCost, type BucketLimits, type CountedWindow, type CountingKeyedBudget, type KeyedBudget, type LimitsSource } from '../common/keyed-budget';
import type { Db } from './pool';

export interface SharedBudgetOptions {
  /** Sustained units (requests, unless a caller says what a request costs) per second per key, for all processes together. */
  ratePerSec: number;
  /** Units allowed back to back after an idle period. */
  burst: number;
  /** Paces this process alone while Postgres cannot be reached, so an outage slows requests, never fails them. */
  fallback: KeyedBudget;
  /** Keys whose rows this process has made sure of; bounded so ids from many accounts cannot grow it without end. */
  maxKnownKeys?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How often a request asks again while every place of its window is taken by a request still in flight. */
const HELD_POLL_MS = 50;

/**
 * A token bucket per key held in Postgres, so every worker process draws from one budget per key (a
 * FreshBooks account, a BigCommerce store, a Power BI dataset's posts or rows) instead of each keeping its
 * own (N workers would otherwise send N times the rate). A grant is one row-locked UPDATE on Postgres's
 * clock; a refusal says how long to wait. Within a process, a key's requests queue in arrival order and
 * ask Postgres one at a time. Keys of different services share the table, so callers prefix them.
 */
export class PostgresKeyedBudget implements KeyedBudget, CountingKeyedBudget {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly known = new Set<string>();

  constructor(private readonly db: Db, private readonly opts: SharedBudgetOptions) {
    checkLimits(opts);
  }

  acquire(key: string, cost?: number, limits: LimitsSource = this.opts): Promise<void> {
    return this.queued(key, () => this.take(key, cost, limits)).then(() => undefined);
  }

  /**
   * One unit, also counted in `window` until a while after the returned release is called (the request's
   * reply): in the same row and statement as the token, so it costs one UPDATE more per request, the release.
   */
  acquireCounted(key: string, window: CountedWindow): Promise<() => void> {
    return this.queued(key, () => this.take(key, 1, this.opts, window)).then((hold) => this.releaser(key, hold, window));
  }

  private queued<T>(key: string, step: () => Promise<T>): Promise<T> {
    const turn = (this.tails.get(key) ?? Promise.resolve()).then(step);
    const tail = turn.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    // The map holds only keys with someone queued: the last one out removes its key.
    void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key); });
    return turn;
  }

  private releaser(key: string, hold: string | undefined, window: CountedWindow): () => void {
    let released = hold === undefined;
    return () => {
      if (released) return;
      released = true;
      // A failed release is not retried: the lease ends the hold.
      this.db.query(
        `UPDATE request_budgets SET holds = array_replace(holds, $2::timestamptz, clock_timestamp() + $3 * interval '1 millisecond') WHERE key = $1`,
        [key, hold, Math.max(0, Math.round(window.afterReleaseMs))],
      ).catch(() => undefined);
    };
  }

  pause(key: string, ms: number): void {
    this.opts.fallback.pause(key, ms);
    this.db.query(
      `UPDATE request_budgets SET paused_until = greatest(paused_until, clock_timestamp() + $2 * interval '1 millisecond'),
              refilled_at = greatest(refilled_at, clock_timestamp() + $2 * interval '1 millisecond'), tokens = least(tokens, 1)
        WHERE key = $1`, [key, Math.max(0, Math.round(ms))],
    ).catch(() => undefined); // the local pause above still holds this process back
  }

  /** The hold (as Postgres wrote it) when `window` is given and Postgres granted it; undefined otherwise. */
  private async take(key: string, requested: number | undefined, source: LimitsSource, window?: CountedWindow): Promise<string | undefined> {
    for (;;) {
      const limits = currentLimits(source);
      let granted: { waitMs: number; hold?: string };
      try {
        granted = await this.tryTake(key, grantableCost(requested, limits), limits, window);
      } catch {
        // Paced by this process alone meanwhile; nothing to hold where nobody else can see it.
        await this.opts.fallback.acquire(key, requested, source);
        return undefined;
      }
      if (granted.waitMs <= 0) return granted.hold;
      await sleep(Math.min(granted.waitMs, 5_000));
    }
  }

  /** Wait 0 (and the hold, when counted) when a token was taken, else how long until one may be. */
  private async tryTake(key: string, cost: number, limits: BucketLimits, window?: CountedWindow): Promise<{ waitMs: number; hold?: string }> {
    if (!this.known.has(key)) {
      await this.db.query(
        `INSERT INTO request_budgets (key, tokens, refilled_at) VALUES ($1, $2, clock_timestamp()) ON CONFLICT (key) DO NOTHING`,
        [key, limits.burst],
      );
      if (this.known.size >= (this.opts.maxKnownKeys ?? 10_000)) this.known.clear();
      this.known.add(key);
    }
    // Without a window ($5 null) the holds are left as they are and never limit.
    const { rows } = await this.db.query<{ wait_ms: number; hold: string | null }>(
      `WITH t AS (SELECT clock_timestamp() AS now),
            s AS (SELECT b.key, b.paused_until, b.refilled_at, b.holds,
                         least($3::float8, b.tokens + greatest(0, extract(epoch FROM t.now - b.refilled_at)) * $2::float8) AS avail,
                         ARRAY(SELECT h FROM unnest(b.holds) h, t WHERE h > t.now ORDER BY h) AS live
                    FROM request_budgets b, t WHERE b.key = $1 FOR UPDATE OF b),
            d AS (SELECT s.*, s.paused_until <= t.now AND s.avail >= $4::float8 AS has_token,
                         $5::int IS NULL OR cardinality(s.live) < $5::int AS has_place
                    FROM s, t)
       UPDATE request_budgets b
          SET tokens = CASE WHEN d.has_token AND d.has_place THEN d.avail - $4::float8 ELSE d.avail END,
              refilled_at = greatest(d.refilled_at, t.now),
              holds = CASE WHEN $5::int IS NULL THEN d.holds
                           WHEN d.has_token AND d.has_place THEN d.live || (t.now + $6 * interval '1 millisecond')
                           ELSE d.live END
         FROM d, t WHERE b.key = d.key
       RETURNING CASE WHEN d.has_token AND d.has_place THEN 0
                      ELSE ceil(greatest(extract(epoch FROM d.paused_until - t.now) * 1000, ($4::float8 - d.avail) / $2::float8 * 1000,
                                         CASE WHEN d.has_place THEN 1
                                              -- The oldest place frees at its end, or sooner if it is still in flight and its reply comes.
                                              ELSE least(extract(epoch FROM d.live[1] - t.now) * 1000, ${HELD_POLL_MS}) END, 1)) END::float8 AS wait_ms,
                 CASE WHEN $5::int IS NOT NULL AND d.has_token AND d.has_place THEN (t.now + $6 * interval '1 millisecond')::text END AS hold`,
      [key, limits.ratePerSec, limits.burst, cost, window ? Math.max(1, Math.floor(window.max)) : null, window ? Math.max(1, Math.round(window.leaseMs)) : 0],
    );
    // The row is gone (a table emptied by hand): make it again.
    if (rows.length === 0) {
      this.known.delete(key);
      return { waitMs: 1 };
    }
    const { wait_ms: waitMs, hold } = rows[0]!;
    return hold === null ? { waitMs } : { waitMs, hold };
  }
}
