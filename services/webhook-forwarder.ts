import type { Logger } from '../common/logger';
import type { WebhookChange } from '../contracts/sync';
import type { InboxEntry, WebhookInbox } from '../db/webhook-inbox';
import { GroupCommit } from '../common/group-commit';

export interface WebhookForwarderOptions {
  /** Changes per signal. */
  maxBatch?: number;
  /**
   * Connections forwarded at once. The inbox's reads and deletes share the API's database pool with the
   * inserts acknowledgements wait for; a burst over many connections must not queue those behind it.
   */
  maxActive?: number;
  /** First wait after a failed signal; doubles up to maxRetryMs. */
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** How often to look for changes no instance is forwarding, and how old they must be to count. */
  sweepEveryMs?: number;
  staleAfterMs?: number;
}

interface Lane {
  /** Poked while forwarding: look at the inbox again before letting the lane go. */
  again: boolean;
}

/** Waits ms, or less if the signal aborts first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Moves acknowledged webhook changes from the inbox into the connections' workflows. One signal per
 * connection in flight at a time, carrying everything that waited meanwhile: the acknowledgement no
 * longer waits for Temporal, and a burst costs a few signals instead of one per webhook. A failed signal
 * leaves its rows in place and is retried with backoff; rows left by an instance that stopped (or by one
 * that failed for good) are found by the sweep of any instance.
 */
export class WebhookForwarder {
  private readonly lanes = new Map<string, Lane>();
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private sweeping?: NodeJS.Timeout;
  private active = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly o: Required<WebhookForwarderOptions>;
  /**
   * Lanes reading or clearing the inbox meanwhile share one query: a burst over many connections costs a
   * few statements, not two per signal (at 500 acks/s over 100 connections those were most of Postgres' work).
   */
  private readonly takes: GroupCommit<string, InboxEntry[]>;
  private readonly dones: GroupCommit<{ connectionId: string; entries: InboxEntry[] }>;

  constructor(
    private readonly inbox: WebhookInbox,
    /** Must give up (reject) when the signal aborts: stop() waits for sends in flight. */
    private readonly send: (connectionId: string, changes: WebhookChange[], signal: AbortSignal) => Promise<void>,
    private readonly logger: Logger,
    opts: WebhookForwarderOptions = {},
  ) {
    this.o = { maxBatch: 500, maxActive: 6, firstRetryMs: 250, maxRetryMs: 30_000, sweepEveryMs: 5_000, staleAfterMs: 10_000, ...opts };
    this.takes = new GroupCommit(async (ids) => {
      const taken = await inbox.take([...new Set(ids)], this.o.maxBatch);
      return ids.map((id) => taken.get(id) ?? []);
    });
    this.dones = new GroupCommit((signalled) => inbox.done(signalled));
  }

  /** A change for this connection is in the inbox: forward it (with whatever else waits) soon. */
  poke(connectionId: string): void {
    if (this.stopped) return;
    const lane = this.lanes.get(connectionId);
    if (lane) {
      lane.again = true;
      return;
    }
    const fresh: Lane = { again: false };
    this.lanes.set(connectionId, fresh);
    const run = this.forward(connectionId, fresh).finally(() => {
      this.lanes.delete(connectionId);
      this.running.delete(run);
    });
    this.running.add(run);
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  startSweeping(): void {
    this.sweeping ??= setInterval(() => void this.sweep(), this.o.sweepEveryMs);
    this.sweeping.unref();
  }

  /**
   * Stops taking new work and gives up signals in flight, resolving once none is left, so the Temporal
   * connection can be closed after it (a retry timer firing on a closed connection throws outside any
   * caller). Rows not yet forwarded stay in the inbox for another instance; a signal given up after
   * Temporal took it is delivered again from there, where the delivery ledger drops a version already sent.
   */
  async stop(): Promise<void> {
    if (this.sweeping) clearInterval(this.sweeping);
    this.stopping.abort();
    await Promise.allSettled([...this.running]);
  }

  /** Connections this instance is forwarding right now (for tests and metrics). */
  busy(): number {
    return this.lanes.size;
  }

  async sweep(): Promise<void> {
    try {
      for (const id of await this.inbox.waiting(this.o.staleAfterMs, 1_000)) this.poke(id);
    } catch (err) {
      this.logger.warn({ err: describe(err) }, 'webhook inbox sweep failed');
    }
  }

  private async forward(connectionId: string, lane: Lane): Promise<void> {
    let retryMs = this.o.firstRetryMs;
    for (;;) {
      lane.again = false;
      try {
        if (!(await this.forwardOnce(connectionId)) && !lane.again) return;
        retryMs = this.o.firstRetryMs;
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn({ connectionId, err: describe(err), retryInMs: retryMs }, 'forwarding webhook changes failed; they stay in the inbox');
        await pause(retryMs, this.stopping.signal);
        retryMs = Math.min(retryMs * 2, this.o.maxRetryMs);
      }
      if (this.stopped) return;
    }
  }

  /** One signal with the connection's oldest waiting changes; false when none were waiting. */
  private async forwardOnce(connectionId: string): Promise<boolean> {
    await this.slot();
    try {
      const entries = await this.takes.submit(connectionId);
      if (entries.length === 0) return false;
      if (this.stopped) return false;
      await this.sendUntilStopped(connectionId, entries.map((e) => e.change));
      await this.dones.submit({ connectionId, entries });
      return true;
    } finally {
      this.release();
    }
  }

  /**
   * One send, given up when the forwarder stops. Each send gets an abort signal of its own: Temporal's
   * client adds an abort listener to the signal of every call it makes and never removes it, so handing
   * it the forwarder's one long-lived signal kept a listener (and its call) per webhook signal for the
   * life of the process, each added after a walk over all the earlier ones (EventTarget refuses duplicates).
   */
  private async sendUntilStopped(connectionId: string, changes: WebhookChange[]): Promise<void> {
    const call = new AbortController();
    const stop = () => call.abort();
    this.stopping.signal.addEventListener('abort', stop, { once: true });
    try {
      await this.send(connectionId, changes, call.signal);
    } finally {
      this.stopping.signal.removeEventListener('abort', stop);
    }
  }

  private slot(): Promise<void> {
    if (this.active < this.o.maxActive) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  /** Hands the slot straight to the next waiter, if any. */
  private release(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.active -= 1;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
