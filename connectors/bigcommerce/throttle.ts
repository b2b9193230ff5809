/**
 * Store-quota pacing (§6). Every reply says how many requests are left in the store's window (30 s) and
 * when it refills; all API accounts of a store, and every one of our worker processes, share that quota.
 *
 * Two things hold a request back:
 * - a token bucket per store, shared by every worker when one is given (Postgres), sized from the store's
 *   own quota headers so that no window ever holds more than the quota less a reserve: a burst of a tenth,
 *   the rest spread over the window. Until a store has answered, the smallest plan's pace (150 per 30 s).
 * - this process's last view of the headers: a few requests short of zero we wait for the refill rather
 *   than spend the quota down to a 429, since other apps of the store draw on it too. That wait, and a
 *   429's, are passed on to the shared bucket so every worker waits with us.
 */
import { spreadOver, type BucketLimits, type KeyedBudget } from '../../common/keyed-budget';
import { headerValue, type HttpReply } from '../http';

export interface QuotaState {
  left: number;
  resetAtMs: number;
}

interface StorePlan {
  quota: number;
  windowMs: number;
}

/** Standard/Plus plans; Pro and Enterprise stores say more in their first reply. */
const SMALLEST_PLAN: StorePlan = { quota: 150, windowMs: 30_000 };

export class StoreThrottle {
  private readonly stores = new Map<string, QuotaState>();
  private readonly plans = new Map<string, StorePlan>();

  /**
   * @param budget Draws every request from a bucket per store; without one, only the headers pace (one process, or tests).
   */
  constructor(
    private readonly reserve = 5,
    private readonly now: () => number = Date.now,
    private readonly budget?: KeyedBudget,
  ) {}

  /** Resolves when the store's shared bucket grants this request (at once without a budget). */
  async acquire(store: string): Promise<void> {
    // Read when the request's turn comes: requests queued before the store's first reply then use its plan.
    await this.budget?.acquire(budgetKey(store), 1, () => this.limits(store));
  }

  /**
   * The bucket for a store: no window holds more than the quota less the reserve, which is left to the
   * store's other apps. Until the store has told us its plan, one request at a time at the smallest plan's
   * pace: a guessed burst could be more than a smaller (or busier) window allows.
   */
  limits(store: string): BucketLimits {
    const plan = this.plans.get(store);
    const usable = Math.max(1, (plan ?? SMALLEST_PLAN).quota - this.reserve);
    return spreadOver(usable, plan ? Math.floor(usable / 10) : 1, (plan ?? SMALLEST_PLAN).windowMs);
  }

  /** How long to wait before the next request to this store (0 = go). */
  waitMs(store: string): number {
    const q = this.stores.get(store);
    if (!q || q.left > this.reserve) return 0;
    return Math.max(0, q.resetAtMs - this.now());
  }

  observe(store: string, reply: HttpReply): void {
    const left = Number(headerValue(reply.headers, 'x-rate-limit-requests-left'));
    const resetMs = Number(headerValue(reply.headers, 'x-rate-limit-time-reset-ms'));
    const quota = Number(headerValue(reply.headers, 'x-rate-limit-requests-quota'));
    const windowMs = Number(headerValue(reply.headers, 'x-rate-limit-time-window-ms'));
    if (quota > 0 && windowMs > 0) this.plans.set(store, { quota, windowMs });
    if (!Number.isFinite(left) || !Number.isFinite(resetMs)) return;
    this.stores.set(store, { left, resetAtMs: this.now() + resetMs });
    if (left <= this.reserve && resetMs > 0) this.budget?.pause(budgetKey(store), resetMs);
  }

  /** After a 429: nothing is left until the window refills, for any worker. */
  exhausted(store: string, waitMs: number): void {
    this.stores.set(store, { left: 0, resetAtMs: this.now() + waitMs });
    this.budget?.pause(budgetKey(store), waitMs);
  }
}

function budgetKey(store: string): string {
  return `bigcommerce:${store}`;
}
