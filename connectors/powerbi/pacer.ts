/**
 * Client-side pacing of POST rows per dataset, so we stay inside Power BI's limits (B4: 5 pending
 * requests, 120 requests per rolling minute) instead of discovering them through 429s.
 *
 * The minute's budget is spread out, not spent at once: a burst of `burst` requests may go at once, then
 * requests start no faster than the rest of the budget allows over the window. Spending 120 requests in
 * the first seconds would leave a busy dataset with nothing to post for the rest of the minute, while
 * changes pile up behind it; spread out, each request simply carries the rows that arrived meanwhile.
 *
 * One instance per worker process, shared by every activity. It cannot see other processes: with several
 * workers, SharedDatasetPacer puts the same limits in Postgres and keeps this one as each process's own
 * (and its pacing while Postgres is away).
 */

/** What the client paces POST rows with: this process's DatasetPacer, or the SharedDatasetPacer every worker draws on. */
export interface DatasetPacing {
  /** Resolves when a request carrying `rows` rows may start; call the returned function once it has finished. */
  acquire(datasetId: string, rows?: number): Promise<() => void>;
  /** After a 429, hold back new requests for the dataset. */
  pause(datasetId: string, ms: number): void;
}

export interface DatasetPacerOptions {
  maxPending?: number;
  perMinute?: number;
  /** Requests that may start back to back before the spreading applies (default 10). */
  burst?: number;
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
  /** Token bucket that spreads the budget: refilled at (perMinute − burst) per window, capped at burst. */
  tokens: number;
  refilledAtMs: number;
}

export class DatasetPacer implements DatasetPacing {
  private readonly maxPending: number;
  private readonly perMinute: number;
  private readonly windowMs: number;
  private readonly burst: number;
  /** Tokens per ms. With the burst on top, no window ever holds more than perMinute starts. */
  private readonly refillPerMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly lanes = new Map<string, Lane>();

  constructor(opts: DatasetPacerOptions = {}) {
    this.maxPending = Math.max(1, opts.maxPending ?? 5);
    this.perMinute = Math.max(1, opts.perMinute ?? 120);
    this.windowMs = opts.windowMs ?? 60_000;
    this.burst = Math.min(this.perMinute, Math.max(1, opts.burst ?? 10));
    this.refillPerMs = Math.max(this.perMinute - this.burst, 1) / this.windowMs;
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
      lane = { pending: 0, window: [], waiters: [], pausedUntilMs: 0, wakeScheduled: false, tokens: this.burst, refilledAtMs: this.now() };
      this.lanes.set(datasetId, lane);
    }
    return lane;
  }

  private pump(datasetId: string, lane: Lane): void {
    while (lane.waiters.length > 0 && lane.pending < this.maxPending) {
      const now = this.now();
      const cutoff = now - this.windowMs;
      lane.window = lane.window.filter((t) => t > cutoff);
      lane.tokens = Math.min(this.burst, lane.tokens + (now - lane.refilledAtMs) * this.refillPerMs);
      lane.refilledAtMs = now;
      let waitMs = lane.pausedUntilMs - now;
      if (waitMs <= 0 && lane.tokens < 1) waitMs = Math.ceil((1 - lane.tokens) / this.refillPerMs);
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
      lane.tokens -= 1;
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
    // A lane is forgotten only once its window is empty, by which time its bucket is full again.
    if (lane.pending === 0 && lane.waiters.length === 0 && !lane.wakeScheduled && lane.window.length === 0 && lane.pausedUntilMs <= this.now()) {
      this.lanes.delete(datasetId);
    }
  }
}
