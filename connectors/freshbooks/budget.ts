/**
 * Client-side request pacing per FreshBooks account.
 *
 * FreshBooks publishes no rate limit (reference/freshbooks.md §6); ~5 req/s/account is the best third-party
 * figure, so we default to 3/s with a small burst. A 429 pauses the whole key, not just the request that
 * got it, because every request for that account would hit the same wall.
 */
import { sleep } from './http';

export interface RequestBudget {
  acquire(key: string): Promise<void>;
  pause(key: string, ms: number): void;
}

interface KeyState {
  tokens: number;
  lastRefillMs: number;
  pausedUntilMs: number;
  /** Acquisitions queue behind each other so waiters are served in arrival order. */
  tail: Promise<void>;
}

export interface TokenBucketOptions {
  /** Sustained requests per second per key. */
  ratePerSec?: number;
  /** Requests allowed back-to-back after an idle period. */
  burst?: number;
  /** Injected for tests. */
  now?: () => number;
}

export class TokenBucketBudget implements RequestBudget {
  private readonly ratePerSec: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly keys = new Map<string, KeyState>();

  constructor(opts: TokenBucketOptions = {}) {
    this.ratePerSec = opts.ratePerSec ?? 3;
    this.burst = Math.max(1, opts.burst ?? 3);
    this.now = opts.now ?? Date.now;
    if (!(this.ratePerSec > 0)) throw new RangeError('ratePerSec must be > 0');
  }

  acquire(key: string): Promise<void> {
    const state = this.state(key);
    const turn = state.tail.then(() => this.waitForToken(state));
    // The queue must survive a rejected waiter (there are none today, but a throw must not wedge the key).
    state.tail = turn.catch(() => undefined);
    return turn;
  }

  pause(key: string, ms: number): void {
    const state = this.state(key);
    state.pausedUntilMs = Math.max(state.pausedUntilMs, this.now() + Math.max(0, ms));
    // A pause also empties the bucket so the burst after it is one request, not a stampede.
    state.tokens = Math.min(state.tokens, 1);
    state.lastRefillMs = Math.max(state.lastRefillMs, state.pausedUntilMs);
  }

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { tokens: this.burst, lastRefillMs: this.now(), pausedUntilMs: 0, tail: Promise.resolve() };
      this.keys.set(key, s);
    }
    return s;
  }

  private async waitForToken(s: KeyState): Promise<void> {
    for (;;) {
      const now = this.now();
      if (now < s.pausedUntilMs) {
        await sleep(s.pausedUntilMs - now);
        continue;
      }
      s.tokens = Math.min(this.burst, s.tokens + (Math.max(0, now - s.lastRefillMs) / 1000) * this.ratePerSec);
      s.lastRefillMs = Math.max(s.lastRefillMs, now);
      if (s.tokens >= 1) {
        s.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - s.tokens) / this.ratePerSec) * 1000));
    }
  }
}
