import type { RequestBudget } from './budget';

/** What a process's FreshBooks pacing cost since the last report. */
export interface PacingTally {
  /** 429s waited out (each pauses the budget), and the seconds FreshBooks said to wait. */
  rateLimited: { events: number; seconds: number };
  /** Requests that had to wait for a token (or behind a 429 pause), and for how long in total. */
  budgetWait: { events: number; seconds: number };
}

export interface MeteredBudgetOptions {
  /** Receives the tally; a rejection puts it back, to go with the next report. */
  report(tally: PacingTally): Promise<void>;
  /** How long events gather before one report: a backfill waits on nearly every request. */
  reportAfterMs?: number;
  onReportError?(err: unknown): void;
  now?: () => number;
}

/** A wait shorter than this is the promise queue, not the budget. */
const WAIT_FLOOR_MS = 1;

const empty = (): PacingTally => ({ rateLimited: { events: 0, seconds: 0 }, budgetWait: { events: 0, seconds: 0 } });

/**
 * A RequestBudget that also counts what pacing cost, for the metrics people alert on ("FreshBooks is
 * throttling us", "syncs spend their time waiting for the budget"). The worker is not where /metrics is
 * served, so the counts are reported (to Postgres) a little after they happen; a report is scheduled
 * only when there is something to report, so an idle worker holds no timer.
 */
export class MeteredBudget implements RequestBudget {
  private tally = empty();
  private scheduled: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly inner: RequestBudget, private readonly o: MeteredBudgetOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  async acquire(key: string): Promise<() => void> {
    const started = this.now();
    const release = await this.inner.acquire(key);
    const waited = this.now() - started;
    if (waited >= WAIT_FLOOR_MS) {
      this.tally.budgetWait.events += 1;
      this.tally.budgetWait.seconds += waited / 1000;
      this.schedule();
    }
    return release;
  }

  /** Called by the client on a 429 it is about to wait out, with FreshBooks' Retry-After (or our backoff). */
  pause(key: string, ms: number): void {
    this.inner.pause(key, ms);
    this.tally.rateLimited.events += 1;
    this.tally.rateLimited.seconds += Math.max(0, ms) / 1000;
    this.schedule();
  }

  /** Reports what has gathered now (a test, or a process about to stop). */
  async flush(): Promise<void> {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
    const t = this.tally;
    if (t.rateLimited.events === 0 && t.budgetWait.events === 0) return;
    this.tally = empty();
    try {
      await this.o.report(t);
    } catch (err) {
      // Kept, not lost: added back to whatever gathered meanwhile and sent with the next report.
      this.tally.rateLimited.events += t.rateLimited.events;
      this.tally.rateLimited.seconds += t.rateLimited.seconds;
      this.tally.budgetWait.events += t.budgetWait.events;
      this.tally.budgetWait.seconds += t.budgetWait.seconds;
      this.o.onReportError?.(err);
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = setTimeout(() => { void this.flush(); }, this.o.reportAfterMs ?? 1_000);
    // Never what keeps a process alive.
    this.scheduled.unref();
  }
}
