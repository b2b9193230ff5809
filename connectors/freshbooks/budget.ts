/**
 * Client-side request pacing per FreshBooks account.
 *
 * FreshBooks publishes no rate limit (reference/freshbooks.md §6); ~5 req/s/account is the best third-party
 * figure, so we default to 3/s with a small burst. A 429 pauses the whole key, not just the request that
 * got it, because every request for that account would hit the same wall.
 */
import { LocalKeyedBudget } from '../../common/keyed-budget';

export interface RequestBudget {
  /**
   * Resolves when one request to `key`'s account may leave, with what to call once its reply has come or it
   * failed: a budget that counts requests as FreshBooks sees them (on arrival) holds each until then.
   */
  acquire(key: string): Promise<() => void>;
  pause(key: string, ms: number): void;
}

export interface TokenBucketOptions {
  /** Sustained requests per second per key. */
  ratePerSec?: number;
  /** Requests allowed back-to-back after an idle period. */
  burst?: number;
  /** Injected for tests. */
  now?: () => number;
}

/** This process's own budget per account (one request per token). */
export class TokenBucketBudget implements RequestBudget {
  private readonly bucket: LocalKeyedBudget;

  constructor(opts: TokenBucketOptions = {}) {
    this.bucket = new LocalKeyedBudget({ ratePerSec: opts.ratePerSec ?? 3, burst: Math.max(1, opts.burst ?? 3) }, opts.now);
  }

  async acquire(key: string): Promise<() => void> {
    await this.bucket.acquire(key);
    return () => undefined;
  }

  pause(key: string, ms: number): void {
    this.bucket.pause(key, ms);
  }
}
