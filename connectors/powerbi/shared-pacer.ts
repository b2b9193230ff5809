/**
 * Power BI's per-dataset limits (B4) for every worker process together: 120 POST rows requests per rolling
 * minute, 1,000,000 rows per hour and 5 requests pending. Each process keeps its DatasetPacer (its own share
 * of the same limits, and all the pacing there is while Postgres is unreachable); on top, every request
 * draws from buckets and pending slots kept in Postgres, so N workers writing one dataset stay inside one
 * dataset's limits instead of N times them. A 429 any worker meets pauses the dataset for all of them.
 *
 * Buckets are sized so that no window can hold more than its limit (common/keyed-budget.ts spreadOver).
 */
import { spreadOver, type BucketLimits, type KeyedBudget, type KeyedSlots } from '../../common/keyed-budget';
import type { DatasetPacer, DatasetPacing } from './pacer';

export interface SharedDatasetPacerOptions {
  /** POST rows requests per window per dataset (120). */
  perMinute?: number;
  /** Requests that may start back to back before the spreading applies (10). */
  burst?: number;
  /** The window perMinute applies to (60 s). */
  windowMs?: number;
  /** Rows added per hour per dataset (1,000,000). */
  rowsPerHour?: number;
  /** The window rowsPerHour applies to (1 h). */
  rowsWindowMs?: number;
  /** POST rows requests of one dataset in flight at once (5). */
  maxPending?: number;
}

export class SharedDatasetPacer implements DatasetPacing {
  private readonly posts: BucketLimits;
  private readonly rows: BucketLimits;
  private readonly maxPending: number;

  constructor(
    private readonly local: DatasetPacer,
    private readonly budget: KeyedBudget,
    private readonly slots: KeyedSlots,
    opts: SharedDatasetPacerOptions = {},
  ) {
    const perMinute = Math.max(1, opts.perMinute ?? 120);
    this.posts = spreadOver(perMinute, Math.min(perMinute, Math.max(1, opts.burst ?? 10)), opts.windowMs ?? 60_000);
    const rowsPerHour = Math.max(1, opts.rowsPerHour ?? 1_000_000);
    // A tenth of the hour at once still fits the largest request (10,000 rows) at the default limit.
    this.rows = spreadOver(rowsPerHour, Math.max(1, Math.floor(rowsPerHour / 10)), opts.rowsWindowMs ?? 3_600_000);
    this.maxPending = Math.max(1, opts.maxPending ?? 5);
  }

  async acquire(datasetId: string, rows = 0): Promise<() => void> {
    const releaseLocal = await this.local.acquire(datasetId);
    let releaseSlot: (() => void) | undefined;
    try {
      if (rows > 0) await this.budget.acquire(`powerbi:${datasetId}:rows`, rows, this.rows);
      releaseSlot = await this.slots.hold(`powerbi:${datasetId}:pending`, this.maxPending);
      // The posts token comes last, right before the request leaves: Power BI counts a request when it
      // arrives, and a wait for a slot between grant and arrival would bunch grants spread out on purpose
      // (measured: with the slot last, 121 requests landed in one minute's window).
      await this.budget.acquire(`powerbi:${datasetId}:posts`, 1, this.posts);
    } catch (err) {
      releaseSlot?.();
      releaseLocal();
      throw err;
    }
    let released = false;
    const slot = releaseSlot;
    return () => {
      if (released) return;
      released = true;
      slot();
      releaseLocal();
    };
  }

  pause(datasetId: string, ms: number): void {
    this.local.pause(datasetId, ms);
    this.budget.pause(`powerbi:${datasetId}:posts`, ms);
  }
}
