import { patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  checkWebhooksSignal, maintenanceSignal, pauseSignal, redeliverSignal, requestSyncSignal, statusQuery, stopSignal, webhookChangesSignal,
  webhookVerifierSignal, announceStatus, CONNECTION_PATCHES, type ConnectionListState, type ConnectionPatch, type ConnectionState, type ConnectionWorkflowInput, type ConnectionWorkflowStatus, type RunPosition,
} from '../contracts/connection';

const MAX_HISTORY_EVENTS = 1_500;
/** Behaviour changes that only ever came in the input list (no run wrote a marker for them). */
const INPUT_ONLY_PATCHES: readonly ConnectionPatch[] = [
  'reports-after-full-run', 'list-state-in-postgres', 'local-first-delivery', 'concurrent-entities', 'first-pages-together', 'verifiers-beside-work',
  'plan-reused-after-run', 'callback-check-hourly', 'short-idle-history', 'one-poll-timer', 'plan-reused-for-run', 'local-bookkeeping',
  'list-row-in-loop',
];

/**
 * A connection workflow's state and the messages that change or show it (Temporal's
 * safe-message-handlers sample). Handlers only record what was asked; the workflow's loop acts on it.
 * Everything the status query shows lives in `state`, which continue-as-new hands over whole.
 */
export class Connection {
  readonly connectionId: string;
  readonly state: ConnectionState;
  stopped = false;
  /** An announcement is in flight (not carried: continue-as-new waits for it to end). */
  announcing = false;
  /** The list state is being written (not carried: continue-as-new waits for it to end). */
  listing = false;
  /** From the latest plan (the worker's configuration), for the activities the run schedules; not carried: each loop loads the plan. */
  heartbeatTimeoutSec?: number;
  /** Verifier confirmations in flight ('verifiers-beside-work'; not carried: continue-as-new waits for them). */
  confirming = 0;
  /** Given only by tests, which cannot wait for thousands of events. */
  private readonly maxHistoryEvents?: number;
  private readonly patches: ReadonlySet<ConnectionPatch>;

  constructor(input: ConnectionWorkflowInput) {
    this.connectionId = input.connectionId;
    this.state = { ...freshState(), ...input.state };
    this.maxHistoryEvents = input.maxHistoryEvents;
    this.patches = new Set([...(input.patches ?? []), ...(input.reportsAfterFullRun ? ['reports-after-full-run' as const] : [])]);
  }

  registerHandlers(): void {
    const { state } = this;
    setHandler(requestSyncSignal, (req) => {
      // Bursts of requests collapse into one queued run per mode.
      if (!state.pending.some((p) => p.mode === req.mode)) state.pending.push(req);
    });
    setHandler(redeliverSignal, (req) => { state.redeliveries.push(req); });
    setHandler(pauseSignal, (paused) => { state.paused = paused; });
    setHandler(stopSignal, () => { this.stopped = true; });
    setHandler(webhookChangesSignal, (changes) => {
      if (changes.length > 0) state.changesSince ??= Date.now();
      for (const ch of changes) {
        const key = `${ch.entity}:${ch.recordId}`;
        // The record is fetched whole when delivered, so only "was a delete seen" needs carrying over.
        state.changes[key] = { ...ch, deleted: ch.deleted || !!state.changes[key]?.deleted };
        state.webhookStats.received += 1;
      }
    });
    setHandler(webhookVerifierSignal, (callbackId) => {
      if (!state.verifications.includes(callbackId)) state.verifications.push(callbackId);
    });
    setHandler(checkWebhooksSignal, () => { state.webhookCheckDue = true; });
    setHandler(maintenanceSignal, (req) => {
      if (!state.maintenance.some((m) => m.action === req.action)) state.maintenance.push(req);
    });
    setHandler(statusQuery, () => this.status());
  }

  status(): ConnectionWorkflowStatus {
    const { state } = this;
    return {
      connectionId: this.connectionId,
      phase: shownPhase(state),
      cursors: state.cursors,
      lastRun: state.lastRun,
      currentRun: state.position && currentRun(state.position),
      nextPollAt: state.nextPollAt ? new Date(state.nextPollAt).toISOString() : undefined,
      consecutiveFailures: state.consecutiveFailures,
      webhooks: { ...state.webhookStats, pending: Object.keys(state.changes).length },
      ...announceStatus(state.announce, this.announcing),
    };
  }

  /** What the next run hands over; the history threshold travels with it. */
  continuation(): ConnectionWorkflowInput {
    return {
      connectionId: this.connectionId, state: this.state,
      ...(this.maxHistoryEvents === undefined ? {} : { maxHistoryEvents: this.maxHistoryEvents }),
      // The next run is new history under this code: it has what this code does, whatever this run began with.
      patches: [...CONNECTION_PATCHES],
    };
  }

  /**
   * Whether this run has a behaviour change: from its input, else (a run begun before the input listed it)
   * from its patch marker. Changes made after the input list existed never had a marker: such runs go without them.
   */
  has(patch: ConnectionPatch): boolean {
    if (this.patches.has(patch)) return true;
    return !INPUT_ONLY_PATCHES.includes(patch) && patched(patch);
  }

  /** What the connections list shows of this workflow (contracts/connection.ts ConnectionListState). */
  listState(): ConnectionListState {
    const { state } = this;
    const phase = shownPhase(state);
    return {
      connectionId: this.connectionId,
      phase,
      nextPollAt: state.nextPollAt && phase !== 'paused' ? new Date(state.nextPollAt).toISOString() : null,
      consecutiveFailures: state.consecutiveFailures,
      webhookError: state.webhookStats.lastError ?? null,
    };
  }

  shouldContinueAsNew(): boolean {
    return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (this.maxHistoryEvents ?? MAX_HISTORY_EVENTS);
  }

  /**
   * Whether the main loop writes the list's row (list-state.ts). Only with one poll timer: the older wait
   * starts a timer each time it is awaited, and waking it for the row would add two events per write.
   */
  listsInLoop(): boolean {
    return this.has('list-state-in-postgres') && this.has('list-row-in-loop') && this.has('one-poll-timer');
  }

  /** Webhook work, done between page batches and while waiting. Changes wait while paused; confirmations do not. */
  hasRealtimeWork(): boolean {
    const { state } = this;
    return state.verifications.length > 0 || state.webhookCheckDue || (!state.paused && Object.keys(state.changes).length > 0);
  }

  hasWork(): boolean {
    const { state } = this;
    return this.stopped || this.hasRealtimeWork() || (!state.paused && (state.pending.length > 0 || state.redeliveries.length > 0 || state.maintenance.length > 0));
  }
}

/**
 * The loop sets `phase` when it wakes, and a pause or resume does not wake it (the poll timer runs on):
 * the status says what the flag says meanwhile. A run in progress when paused finishes first.
 */
function shownPhase(state: ConnectionState): ConnectionWorkflowStatus['phase'] {
  const phase = state.phase ?? 'waiting';
  if (state.paused) return state.position ? phase : 'paused';
  return phase === 'paused' ? 'waiting' : phase;
}

/** A run reading several entities at once shows its first lane's. */
function currentRun(pos: RunPosition): NonNullable<ConnectionWorkflowStatus['currentRun']> {
  const lane = pos.lanes?.[0];
  if (pos.lanes) return { summary: pos.summary, ...(lane ? { entity: lane.entity } : {}), page: lane?.page ?? 0 };
  return { summary: pos.summary, entity: pos.entity, page: pos.page };
}

function freshState(): ConnectionState {
  return {
    phase: 'waiting', cursors: {}, pending: [{ mode: 'full', reason: 'initial' }], redeliveries: [], paused: false, consecutiveFailures: 0,
    changes: {}, verifications: [], webhookCheckDue: true, maintenance: [], webhookStats: { received: 0, delivered: 0, batches: 0 },
  };
}
