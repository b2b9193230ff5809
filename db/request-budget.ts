import { checkLimits, currentLimits, grantableCost, type BucketLimits, type KeyedBudget, type LimitsSource } from '../common/keyed-budget';
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

/**
 * A token bucket per key held in Postgres, so every worker process draws from one budget per key (a
 * FreshBooks account, a BigCommerce store, a Power BI dataset's posts or rows) instead of each keeping its
 * own (N workers would otherwise send N times the rate). A grant is one row-locked UPDATE on Postgres's
 * clock; a refusal says how long to wait. Within a process, a key's requests queue in arrival order and
 * ask Postgres one at a time. Keys of different services share the table, so callers prefix them.
 */
export class PostgresKeyedBudget implements KeyedBudget {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly known = new Set<string>();

  constructor(private readonly db: Db, private readonly opts: SharedBudgetOptions) {
    checkLimits(opts);
  }

  acquire(key: string, cost?: number, limits: LimitsSource = this.opts): Promise<void> {
    const turn = (this.tails.get(key) ?? Promise.resolve()).then(() => this.take(key, cost, limits));
    const tail = turn.catch(() => undefined);
    this.tails.set(key, tail);
    // The map holds only keys with someone queued: the last one out removes its key.
    void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key); });
    return turn;
  }

  pause(key: string, ms: number): void {
    this.opts.fallback.pause(key, ms);
    this.db.query(
      `UPDATE request_budgets SET paused_until = greatest(paused_until, clock_timestamp() + $2 * interval '1 millisecond'),
              refilled_at = greatest(refilled_at, clock_timestamp() + $2 * interval '1 millisecond'), tokens = least(tokens, 1)
        WHERE key = $1`, [key, Math.max(0, Math.round(ms))],
    ).catch(() => undefined); // the local pause above still holds this process back
  }

  private async take(key: string, requested: number | undefined, source: LimitsSource): Promise<void> {
    for (;;) {
      const limits = currentLimits(source);
      let waitMs: number;
      try {
        waitMs = await this.tryTake(key, grantableCost(requested, limits), limits);
      } catch {
        await this.opts.fallback.acquire(key, requested, source);
        return;
      }
      if (waitMs <= 0) return;
      await sleep(Math.min(waitMs, 5_000));
    }
  }

  /** 0 when a token was taken, else how long until one may be. */
  private async tryTake(key: string, cost: number, limits: BucketLimits): Promise<number> {
    if (!this.known.has(key)) {
      await this.db.query(
        `INSERT INTO request_budgets (key, tokens, refilled_at) VALUES ($1, $2, clock_timestamp()) ON CONFLICT (key) DO NOTHING`,
        [key, limits.burst],
      );
      if (this.known.size >= (this.opts.maxKnownKeys ?? 10_000)) this.known.clear();
      this.known.add(key);
    }
    const { rows } = await this.db.query<{ wait_ms: number }>(
      `WITH t AS (SELECT clock_timestamp() AS now),
            s AS (SELECT b.key, b.paused_until, b.refilled_at,
                         least($3::float8, b.tokens + greatest(0, extract(epoch FROM t.now - b.refilled_at)) * $2::float8) AS avail
                    FROM request_budgets b, t WHERE b.key = $1 FOR UPDATE OF b)
       UPDATE request_budgets b
          SET tokens = CASE WHEN s.paused_until <= t.now AND s.avail >= $4::float8 THEN s.avail - $4::float8 ELSE s.avail END,
              refilled_at = greatest(s.refilled_at, t.now)
         FROM s, t WHERE b.key = s.key
       RETURNING CASE WHEN s.paused_until <= t.now AND s.avail >= $4::float8 THEN 0
                      ELSE ceil(greatest(extract(epoch FROM s.paused_until - t.now) * 1000, ($4::float8 - s.avail) / $2::float8 * 1000, 1)) END::float8 AS wait_ms`,
      [key, limits.ratePerSec, limits.burst, cost],
    );
    // The row is gone (a table emptied by hand): make it again.
    if (rows.length === 0) {
      this.known.delete(key);
      return 1;
    }
    return rows[0]!.wait_ms;
  }
}
