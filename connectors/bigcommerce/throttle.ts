/**
 * Store-quota pacing from BigCommerce's own headers (§6): every reply says how many requests are left in
 * the 30 s window and when it refills. All API accounts of a store share that quota, so we stop a few
 * requests short of zero and wait for the refill rather than spend it down to a 429.
 */
import { headerValue, type HttpReply } from '../http';

export interface QuotaState {
  left: number;
  resetAtMs: number;
}

export class StoreThrottle {
  private readonly stores = new Map<string, QuotaState>();

  constructor(private readonly reserve = 5, private readonly now: () => number = Date.now) {}

  /** How long to wait before the next request to this store (0 = go). */
  waitMs(store: string): number {
    const q = this.stores.get(store);
    if (!q || q.left > this.reserve) return 0;
    return Math.max(0, q.resetAtMs - this.now());
  }

  observe(store: string, reply: HttpReply): void {
    const left = Number(headerValue(reply.headers, 'x-rate-limit-requests-left'));
    const resetMs = Number(headerValue(reply.headers, 'x-rate-limit-time-reset-ms'));
    if (!Number.isFinite(left) || !Number.isFinite(resetMs)) return;
    this.stores.set(store, { left, resetAtMs: this.now() + resetMs });
  }

  /** After a 429: nothing is left until the window refills. */
  exhausted(store: string, waitMs: number): void {
    this.stores.set(store, { left: 0, resetAtMs: this.now() + waitMs });
  }
}
