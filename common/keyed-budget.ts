/**
 * Keyed token buckets: a budget of requests (or of anything a request costs, such as rows) per key, with a
 * pause for a key that the far side said to leave alone (a 429). The shape both the per-process buckets
 * below and the Postgres-backed ones (db/request-budget.ts) implement, so a connector can take either.
 */

export interface BucketLimits {
  /** Sustained units per second. */
  ratePerSec: number;
  /** Units that may go back to back after an idle period; also the most one bucket holds. */
  burst: number;
}

/** Limits, or where to read them when a request's turn comes (a queued request then uses what was learned meanwhile). */
export type LimitsSource = BucketLimits | (() => BucketLimits);

export interface KeyedBudget {
  /**
   * Resolves when `cost` units (default 1) may be spent on `key`. `limits` replaces the budget's own for
   * this key when a caller only learns them at run time (a store's plan from its quota headers).
   */
  acquire(key: string, cost?: number, limits?: LimitsSource): Promise<void>;
  /** Nothing more for `key` until `ms` from now, and no burst right after. */
  pause(key: string, ms: number): void;
}

/**
 * A bucket that lets no window of `windowMs` hold more than `limit`: `burst` at once, the rest spread over
 * the window (burst + rate × window ≤ limit). Grants are timed where the bucket lives but counted by the
 * service on arrival, after a network hop whose length varies, so two grants a full window apart can land
 * a little less than that apart: 2 % of the limit is left unspent (measured: sized to exactly the limit,
 * one request too many landed in a window).
 */
export function spreadOver(limit: number, burst: number, windowMs: number): BucketLimits {
  const usable = Math.max(1, limit - Math.ceil(limit * 0.02));
  const b = Math.max(1, Math.min(burst, usable));
  return { burst: b, ratePerSec: Math.max(1, usable - b) / (windowMs / 1000) };
}

/** Never grants more than the bucket can hold: a cost above the burst would otherwise wait for ever. */
export function grantableCost(cost: number | undefined, limits: BucketLimits): number {
  return Math.min(Math.max(cost ?? 1, 0), limits.burst);
}

export function currentLimits(source: LimitsSource): BucketLimits {
  return checkLimits(typeof source === 'function' ? source() : source);
}

export function checkLimits(limits: BucketLimits): BucketLimits {
  if (!(limits.ratePerSec > 0)) throw new RangeError('ratePerSec must be > 0');
  if (!(limits.burst >= 1)) throw new RangeError('burst must be >= 1');
  return limits;
}

interface KeyState {
  tokens: number;
  lastRefillMs: number;
  pausedUntilMs: number;
  /** Acquisitions queue behind each other so waiters are served in arrival order. */
  tail: Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Token buckets held by this process alone: what one process honours by itself, and the fallback of the shared ones. */
export class LocalKeyedBudget implements KeyedBudget {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly limits: BucketLimits, private readonly now: () => number = Date.now) {
    checkLimits(limits);
  }

  acquire(key: string, cost?: number, limits: LimitsSource = this.limits): Promise<void> {
    const state = this.state(key, currentLimits(limits));
    const turn = state.tail.then(() => this.waitForTokens(state, cost, limits));
    // The queue must survive a rejected waiter: a throw must not wedge the key.
    state.tail = turn.catch(() => undefined);
    return turn;
  }

  pause(key: string, ms: number): void {
    const state = this.state(key, this.limits);
    state.pausedUntilMs = Math.max(state.pausedUntilMs, this.now() + Math.max(0, ms));
    // A pause also empties the bucket so the burst after it is one request, not a stampede.
    state.tokens = Math.min(state.tokens, 1);
    state.lastRefillMs = Math.max(state.lastRefillMs, state.pausedUntilMs);
  }

  private state(key: string, limits: BucketLimits): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { tokens: limits.burst, lastRefillMs: this.now(), pausedUntilMs: 0, tail: Promise.resolve() };
      this.keys.set(key, s);
    }
    return s;
  }

  private async waitForTokens(s: KeyState, requested: number | undefined, source: LimitsSource): Promise<void> {
    for (;;) {
      const limits = currentLimits(source);
      const cost = grantableCost(requested, limits);
      const now = this.now();
      if (now < s.pausedUntilMs) {
        await realSleep(s.pausedUntilMs - now);
        continue;
      }
      s.tokens = Math.min(limits.burst, s.tokens + (Math.max(0, now - s.lastRefillMs) / 1000) * limits.ratePerSec);
      s.lastRefillMs = Math.max(s.lastRefillMs, now);
      if (s.tokens >= cost) {
        s.tokens -= cost;
        return;
      }
      await realSleep(Math.ceil(((cost - s.tokens) / limits.ratePerSec) * 1000));
    }
  }
}

/**
 * Requests a far side counts on arrival, per window: at most `max` may be granted and not yet a window past
 * their reply. Each holds its place from the grant until its release plus `afterReleaseMs`, or until `leaseMs`
 * after the grant if it is never released (a process that died with it).
 */
export interface CountedWindow {
  max: number;
  afterReleaseMs: number;
  leaseMs: number;
}

/** A budget that can also count each grant in a window until its request's reply (db/request-budget.ts). */
export interface CountingKeyedBudget extends Pick<KeyedBudget, 'pause'> {
  /** One unit of `key`, held in `window` until a while after the returned release is called. */
  acquireCounted(key: string, window: CountedWindow): Promise<() => void>;
}

/** At most `slots` holders of a key at once (requests in flight), whoever holds them. */
export interface KeyedSlots {
  /** Resolves with the release once one of the key's `slots` is free; release exactly when the request has finished. */
  hold(key: string, slots: number): Promise<() => void>;
}
