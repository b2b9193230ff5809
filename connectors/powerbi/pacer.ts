/**
 * Client-side pacing of POST rows per dataset, so we stay inside Power BI's limits (B4: 5 pending
 * requests, 120 requests per rolling minute) instead of discovering them through 429s.
 *
 * One instance per worker process, shared by every activity. It cannot see other processes: a deployment
 * with several workers writing the same dataset still relies on the client's 429/Retry-After handling,
 * which this pacer only makes rare.
 */

export interface DatasetPacerOptions {
  maxPending?: number;
  perMinute?: number;
  /** The rolling window perMinute applies to (60 s; shorter only in tests). */
  windowMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Lane {
  pending: number;
  /**
   * One entry per request in the current window: Infinity while in flight, then the time it finished.
   * The finish time is never earlier than when the service counted the request, so a slot is never
   * reused before the service has let it go too.
   */
  window: number[];
  waiters: Array<(release: () => void) => void>;
  pausedUntilMs: number;
  wakeScheduled: boolean;
}

export class DatasetPacer {
  private readonly maxPending: number;
  private readonly perMinute: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly lanes = new Map<string, Lane>();

  constructor(opts: DatasetPacerOptions = {}) {
    this.maxPending = Math.max(1, opts.maxPending ?? 5);
    this.perMinute = Math.max(1, opts.perMinute ?? 120);
    this.windowMs = opts.windowMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Resolves when a request for this dataset may start; call the returned function once it has finished. */
  acquire(datasetId: string): Promise<() => void> {
    const lane = this.lane(datasetId);
    return new Promise((resolve) => {
      lane.waiters.push(resolve);
      this.pump(datasetId, lane);
    });
  }

  /** After a 429, hold back new requests for the dataset: every one of them would hit the same wall. */
  pause(datasetId: string, ms: number): void {
    const lane = this.lane(datasetId);
    lane.pausedUntilMs = Math.max(lane.pausedUntilMs, this.now() + Math.max(0, ms));
  }

  inFlight(datasetId: string): number {
    return this.lanes.get(datasetId)?.pending ?? 0;
  }

  private lane(datasetId: string): Lane {
    let lane = this.lanes.get(datasetId);
    if (!lane) {
      lane = { pending: 0, window: [], waiters: [], pausedUntilMs: 0, wakeScheduled: false };
      this.lanes.set(datasetId, lane);
    }
    return lane;
  }

  private pump(datasetId: string, lane: Lane): void {
    while (lane.waiters.length > 0 && lane.pending < this.maxPending) {
      const now = this.now();
      const cutoff = now - this.windowMs;
      lane.window = lane.window.filter((t) => t > cutoff);
      let waitMs = lane.pausedUntilMs - now;
      if (waitMs <= 0 && lane.window.length >= this.perMinute) {
        const oldest = Math.min(...lane.window);
        // All of the window still in flight: the next release pumps again, no timer needed.
        if (oldest === Infinity) return;
        waitMs = oldest + this.windowMs - now;
      }
      if (waitMs > 0) {
        this.wakeAfter(datasetId, lane, waitMs);
        return;
      }
      lane.pending++;
      lane.window.push(Infinity);
      const grant = lane.waiters.shift()!;
      grant(this.releaser(datasetId, lane));
    }
    this.forgetIfIdle(datasetId, lane);
  }

  private releaser(datasetId: string, lane: Lane): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      lane.pending--;
      // In-flight entries are interchangeable, so finishing "the first one" is exact.
      const i = lane.window.indexOf(Infinity);
      if (i !== -1) lane.window[i] = this.now();
      this.pump(datasetId, lane);
    };
  }

  private wakeAfter(datasetId: string, lane: Lane, ms: number): void {
    if (lane.wakeScheduled) return;
    lane.wakeScheduled = true;
    void this.sleep(ms).then(() => {
      lane.wakeScheduled = false;
      this.pump(datasetId, lane);
    });
  }

  private forgetIfIdle(datasetId: string, lane: Lane): void {
    if (lane.pending === 0 && lane.waiters.length === 0 && !lane.wakeScheduled && lane.window.length === 0 && lane.pausedUntilMs <= this.now()) {
      this.lanes.delete(datasetId);
    }
  }
}
