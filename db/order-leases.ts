import type { Db } from './pool';

/** Someone else (the order workflow, or the store sweep) is working this order right now. */
export class OrderBusyError extends Error {
  override name = 'OrderBusy';
  constructor(readonly orderId: number, readonly holder: string) {
    super(`order ${orderId} is being worked by ${holder}`);
  }
}

/** How long a lease lasts without renewal: what a holder that died costs the next one, at most. */
const TTL_MS = 30_000;
const RETRY_MS = 500;

/**
 * One holder at a time per BigCommerce order, keyed by store and order, not by connection: a store
 * re-connected while an old order workflow still runs has two connections and one set of orders.
 * Neither API has an idempotency key and FreshBooks
 * accepts duplicate invoice numbers, so each "look up, then create" must run while nobody else can do
 * the same for that order. A held lease is renewed while its work runs; a holder that died loses it by
 * expiry. Holders name one attempt of one activity, so a timed-out attempt still running somewhere
 * (a zombie) does not share a lease with its own retry.
 */
export class OrderLeases {
  constructor(private readonly db: Db, private readonly ttlMs = TTL_MS) {}

  /** True if `holder` now holds the order (it was free, expired, or already its own). */
  async acquire(storeHash: string, orderId: number, holder: string): Promise<boolean> {
    return (await this.acquireMany(storeHash, [orderId], holder)).has(orderId);
  }

  /** Many orders at once (a sweep's page): the ones `holder` now holds. */
  async acquireMany(storeHash: string, orderIds: number[], holder: string): Promise<Set<number>> {
    if (orderIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ order_id: string }>(
      `INSERT INTO bigcommerce_order_leases (store_hash, order_id, holder, expires_at)
       SELECT $1, id, $3, now() + $4 * interval '1 millisecond' FROM unnest($2::bigint[]) AS id
       ON CONFLICT (store_hash, order_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
        WHERE bigcommerce_order_leases.holder = EXCLUDED.holder OR bigcommerce_order_leases.expires_at < now()
       RETURNING order_id`,
      [storeHash, orderIds, holder, this.ttlMs]);
    return new Set(rows.map((r) => Number(r.order_id)));
  }

  /** Extends every lease `holder` still has on the store's orders. */
  async renewAll(storeHash: string, holder: string): Promise<void> {
    await this.db.query(`UPDATE bigcommerce_order_leases SET expires_at = now() + $3 * interval '1 millisecond' WHERE store_hash = $1 AND holder = $2`, [storeHash, holder, this.ttlMs]);
  }

  async releaseMany(storeHash: string, orderIds: number[], holder: string): Promise<void> {
    if (orderIds.length > 0) await this.db.query('DELETE FROM bigcommerce_order_leases WHERE store_hash = $1 AND order_id = ANY($2::bigint[]) AND holder = $3', [storeHash, orderIds, holder]);
  }

  /** Renews `holder`'s leases on the store while `fn` runs. */
  renewingAll<T>(storeHash: string, holder: string, fn: () => Promise<T>): Promise<T> {
    return this.renewing(() => this.renewAll(storeHash, holder), fn);
  }

  async release(storeHash: string, orderId: number, holder: string): Promise<void> {
    await this.releaseMany(storeHash, [orderId], holder);
  }

  async holderOf(storeHash: string, orderId: number): Promise<string | null> {
    const { rows } = await this.db.query<{ holder: string }>(
      'SELECT holder FROM bigcommerce_order_leases WHERE store_hash = $1 AND order_id = $2 AND expires_at >= now()', [storeHash, orderId]);
    return rows[0]?.holder ?? null;
  }

  /**
   * Runs `fn` holding the order's lease, renewed while it runs. If another holds it, tries again every
   * half second for up to `waitMs`, then throws OrderBusyError.
   */
  async hold<T>(storeHash: string, orderId: number, holder: string, fn: () => Promise<T>, waitMs = 0): Promise<T> {
    const giveUpAt = Date.now() + waitMs;
    while (!(await this.acquire(storeHash, orderId, holder))) {
      if (Date.now() >= giveUpAt) throw new OrderBusyError(orderId, (await this.holderOf(storeHash, orderId)) ?? 'another holder');
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
    try {
      return await this.renewing(() => this.acquire(storeHash, orderId, holder), fn);
    } finally {
      await this.release(storeHash, orderId, holder).catch(() => undefined);
    }
  }

  /** `fn`, with `renew` every third of a lease's life meanwhile. */
  private async renewing<T>(renew: () => Promise<unknown>, fn: () => Promise<T>): Promise<T> {
    // A failed renewal is not fatal: the lease still runs to its expiry, and the next renewal tries again.
    const timer = setInterval(() => void renew().catch(() => undefined), Math.floor(this.ttlMs / 3));
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }
}
