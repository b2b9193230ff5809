/**
 * The store API quota (reference §6): a fixed window (30 s) that refills completely when it ends, shared
 * by every client of the store, reported on every response through the `X-Rate-Limit-*` headers.
 */

export interface RateLimitOptions {
  /** Requests per window (Standard/Plus plans: 150). */
  quota?: number;
  windowMs?: number;
  /** false: headers are still sent and counted, but no request is refused (benchmarks). */
  enforce?: boolean;
}

export interface QuotaDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export class StoreQuota {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;

  constructor(
    readonly quota: number,
    readonly windowMs: number,
    readonly enforce: boolean,
  ) {}

  /** Counts one request at `now` (if it is let through) and returns the headers to send. */
  take(now: number): QuotaDecision {
    if (now >= this.windowStart + this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    const allowed = !this.enforce || this.used < this.quota;
    if (allowed) this.used++;
    const headers = this.peek(now);
    // On a 429, X-Retry-After is the wait in seconds.
    if (!allowed) headers['X-Retry-After'] = String(Math.ceil(Number(headers['X-Rate-Limit-Time-Reset-Ms']) / 1000));
    return { allowed, headers };
  }

  /** Headers describing the current window without counting a request (used for injected 429s). */
  peek(now: number): Record<string, string> {
    const inWindow = now < this.windowStart + this.windowMs;
    const resetMs = inWindow ? Math.max(1, this.windowStart + this.windowMs - now) : this.windowMs;
    return {
      'X-Rate-Limit-Time-Window-Ms': String(this.windowMs),
      'X-Rate-Limit-Time-Reset-Ms': String(resetMs),
      'X-Rate-Limit-Requests-Quota': String(this.quota),
      'X-Rate-Limit-Requests-Left': String(inWindow ? Math.max(0, this.quota - this.used) : this.quota),
    };
  }
}
