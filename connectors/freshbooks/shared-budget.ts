import type { KeyedBudget, KeyedSlots } from '../../common/keyed-budget';
import type { RequestBudget } from './budget';

/**
 * One FreshBooks account's budget for every worker process together: its token bucket (rate, burst) keeps
 * the sustained pace, and at most rate + burst slots, each held from the grant until the reply and for a
 * second after it, keep what FreshBooks sees on arrival inside that budget. The bucket alone bounds grants,
 * not arrivals: a grant that waited on a busy event loop or connection pool before leaving lands beside the
 * next ones (bench:scale at 1,000 connections counted 7 arrivals in one second against 6 allowed, 16 times).
 * A request can only take the slot a reply a second old gave back, so any second at FreshBooks holds at most
 * rate + burst requests; in steady use fewer than half the slots are taken, so it costs no pace.
 */
export class SharedAccountBudget implements RequestBudget {
  private readonly perSecond: number;

  constructor(private readonly bucket: KeyedBudget, private readonly slots: KeyedSlots, limits: { ratePerSec: number; burst: number }) {
    this.perSecond = Math.max(1, Math.floor(limits.ratePerSec + limits.burst));
  }

  async acquire(key: string): Promise<() => void> {
    await this.bucket.acquire(key);
    return this.slots.hold(`freshbooks:${key}:second`, this.perSecond);
  }

  pause(key: string, ms: number): void {
    this.bucket.pause(key, ms);
  }
}

/** How long a FreshBooks request's slot counts after its reply (the window FreshBooks is assumed to count in). */
export const FRESHBOOKS_COUNTED_WINDOW_MS = 1_000;
