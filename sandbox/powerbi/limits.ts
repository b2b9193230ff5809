/**
 * The published push-dataset limits (destinations.md B4) and the rolling-window counter that enforces
 * the time-based ones. Rolling, not fixed, windows: a client that only paces per calendar minute must
 * still be caught when it bursts across a minute boundary.
 */

export interface PowerBiLimits {
  rowsPerRequest: number;
  /** POST rows requests of one dataset in flight at once. */
  pendingPerDataset: number;
  postsPerMinutePerDataset: number;
  /** Applies instead of the per-minute budget once the target table holds largeTableRows rows. */
  postsPerHourLargeTable: number;
  largeTableRows: number;
  rowsPerHourPerDataset: number;
  maxStringLength: number;
  maxTables: number;
  maxColumns: number;
  maxRelationships: number;
  /** Rows kept per table under basicFIFO; older rows are evicted silently. */
  fifoRows: number;
  /** Rows a table may hold under retention None; beyond it posts are refused. */
  noneRows: number;
}

export const DEFAULT_LIMITS: PowerBiLimits = {
  rowsPerRequest: 10_000,
  pendingPerDataset: 5,
  postsPerMinutePerDataset: 120,
  postsPerHourLargeTable: 120,
  largeTableRows: 250_000,
  rowsPerHourPerDataset: 1_000_000,
  maxStringLength: 4_000,
  maxTables: 75,
  maxColumns: 75,
  maxRelationships: 75,
  fifoRows: 200_000,
  noneRows: 5_000_000,
};

/** Weighted events in a sliding window: "how many in the last N ms" and "when will there be room". */
export class RollingWindow {
  private readonly events: { at: number; weight: number }[] = [];
  private sum = 0;

  constructor(private readonly windowMs: number) {}

  add(at: number, weight = 1): void {
    this.events.push({ at, weight });
    this.sum += weight;
  }

  total(now: number): number {
    this.prune(now);
    return this.sum;
  }

  /**
   * Milliseconds until adding `weight` keeps the total at or under `limit`; 0 when it already fits.
   * Infinity when the weight alone exceeds the limit (waiting cannot help).
   */
  msUntilRoom(now: number, limit: number, weight = 1): number {
    this.prune(now);
    if (weight > limit) return Infinity;
    let excess = this.sum + weight - limit;
    if (excess <= 0) return 0;
    for (const e of this.events) {
      excess -= e.weight;
      if (excess <= 0) return Math.max(1, e.at + this.windowMs - now);
    }
    return this.windowMs;
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < this.events.length && this.events[drop]!.at <= cutoff) {
      this.sum -= this.events[drop]!.weight;
      drop++;
    }
    if (drop > 0) this.events.splice(0, drop);
  }
}

/** Retry-After is whole seconds; never 0, or a client would spin against a window that is still full. */
export function retryAfterSec(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
