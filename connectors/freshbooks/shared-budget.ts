import type { CountedWindow, CountingKeyedBudget } from '../../common/keyed-budget';
import type { RequestBudget } from './budget';

/** How long a FreshBooks request counts after its reply: the window FreshBooks is assumed to count in. */
export const FRESHBOOKS_COUNTED_WINDOW_MS = 1_000;

/** A request's place outlives a lost release by the client's 30 s timeout, and some. */
const LEASE_MS = 45_000;

/**
 * One FreshBooks account's budget for every worker process together: its token bucket (rate, burst) keeps the
 * sustained pace, and each request also holds one of rate + burst places from its grant until its reply and a
 * second after, so what FreshBooks sees on arrival stays inside the budget. The bucket alone bounds grants, not
 * arrivals: a grant that waited on a busy event loop before it left lands beside the next ones (bench:scale at
 * 1,000 connections counted 7 arrivals in one second against 6 allowed, 16 times). A request can only take the
 * place of a reply a second old, so any second at FreshBooks holds at most rate + burst. At the sustained rate
 * each request holds its place a little over a second, so about rate of the rate + burst places are taken and
 * the bucket, not the places, sets the pace.
 */
export class SharedAccountBudget implements RequestBudget {
  private readonly window: CountedWindow;

  constructor(private readonly bucket: CountingKeyedBudget, limits: { ratePerSec: number; burst: number }) {
    this.window = { max: Math.max(1, Math.floor(limits.ratePerSec + limits.burst)), afterReleaseMs: FRESHBOOKS_COUNTED_WINDOW_MS, leaseMs: LEASE_MS };
  }

  acquire(key: string): Promise<() => void> {
    return this.bucket.acquireCounted(key, this.window);
  }

  pause(key: string, ms: number): void {
    this.bucket.pause(key, ms);
  }
}
