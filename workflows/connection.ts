import { allHandlersFinished, CancellationScope, condition, continueAsNew, isCancellation, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { RECONCILE_REFUSED_PAUSED, reconcileUpdate, type ConnectionWorkflowInput } from '../contracts/connection';
import type { FailureType } from '../contracts/failures';
import type { SyncPlan } from '../contracts/sync';
import { describeFailure } from './activity-failure';
import { announceLoop } from './announce';
import { acts, bookkeeping, continueRun, handleRealtime, reconcile, recordFailedRun, runMaintenance, runRedelivery, startRun } from './connection-run';
import { Connection } from './connection-state';
import { listRowStale, listStateLoop, sleepListed, writeListRow } from './list-state';

/** Failures only a person can clear (re-authorize, align the schema): wait for them, don't back off and retry. */
const STOPPING_FAILURES: readonly string[] = ['NeedsReauth', 'SchemaMismatch'] satisfies FailureType[];

/**
 * One long-running workflow per connection: wait for the (jittered) poll timer or a request, read
 * each entity's changes page batch by page batch, deliver them, remember the cursor. A full
 * reconciliation runs periodically to catch deletes and anything the incremental filter missed.
 * Records never enter history: activities take ids and cursors and return counts.
 */
export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<void> {
  const conn = new Connection(input);
  conn.registerHandlers();
  // On demand (the API waits for it): runs beside the loop, and continue-as-new waits for it to end. Refused
  // while paused (nothing is delivered meanwhile, so a report would only show the pause); a refusal leaves no history.
  setHandler(reconcileUpdate, () => reconcile(conn, 'on_demand'), {
    validator: () => { if (conn.state.paused) throw new Error(RECONCILE_REFUSED_PAUSED); },
  });
  const { connectionId, state } = conn;
  let deleted = false;
  // Beside the main loop: it only acts once a delivery marked an announcement pending.
  void announceLoop(conn);
  // The list's row in Postgres follows the phase, next poll and webhook error: written by the main loop
  // ('list-row-in-loop'), or for runs begun before it by a loop beside it.
  if (conn.has('list-state-in-postgres') && !conn.listsInLoop()) void listStateLoop(conn);

  // The plan a run just finished with, for the wait that follows it, and the wait's, for the run it starts (see PLAN_REUSE_MS).
  let finished: LoadedPlan | undefined;
  let waited: LoadedPlan | undefined;
  while (!conn.stopped) {
    if (!state.position) {
      const reused = planJustUsed(conn, finished, 'plan-reused-after-run');
      const plan = reused?.plan ?? await bookkeeping(conn, acts).loadSyncPlan(connectionId);
      waited = reused ?? { plan, at: Date.now() };
      finished = undefined;
      conn.heartbeatTimeoutSec = plan.heartbeatTimeoutSec;
      if (plan.status === 'deleted') { deleted = true; break; }
      state.phase = state.paused ? 'paused'
        : plan.status === 'needs_reauth' ? 'needs_reauth'
        : plan.status === 'destination_auth' ? 'destination_auth'
        : state.phase === 'schema_mismatch' ? state.phase : 'waiting';
      if (historyLongForIdle(conn, plan)) {
        // The poll's deadline goes along, so the schedule does not move.
        state.nextPollAt ??= Date.now() + jittered(plan.pollIntervalSec * 1000);
        break;
      }
      const woke = await waitForPollOrWork(conn, plan);
      if (conn.stopped || woke === IDLE_WITH_LONG_HISTORY) break; // the poll's deadline goes along
      if (conn.shouldContinueAsNew() && woke && !conn.hasWork()) break; // the poll timer's deadline goes along
      state.nextPollAt = undefined;
      if (state.paused) continue;
      if (!woke) {
        state.pending.push({ mode: isFullDue(conn, plan) ? 'full' : 'incremental', reason: 'schedule' });
        // Scheduled polls also check the callbacks: re-register any FreshBooks lost or never verified.
        state.webhookCheckDue = plan.webhooks && callbackCheckDue(conn);
      }

      const maintenance = state.maintenance.shift();
      if (maintenance) {
        await runMaintenance(conn, maintenance);
        state.phase = 'waiting';
        continue;
      }
      const redeliver = state.redeliveries.shift();
      if (redeliver) {
        await runRedelivery(conn, redeliver, plan);
        continue;
      }
      const request = state.pending.shift();
      if (!request) continue;
      state.position = startRun(request);
    }

    state.phase = 'syncing';
    if (listRowStale(conn)) await writeListRow(conn);
    try {
      // Not for a sync someone asked for: it may follow a change the plan holds (a new grant or PAT, a status).
      const reused = state.position.summary.reason === 'manual' || waited?.plan.status !== 'active' ? undefined : planJustUsed(conn, waited, 'plan-reused-for-run');
      waited = undefined;
      const plan = reused?.plan ?? await bookkeeping(conn, acts).loadSyncPlan(connectionId);
      const loadedAt = reused?.at ?? Date.now();
      conn.heartbeatTimeoutSec = plan.heartbeatTimeoutSec;
      if (plan.status !== 'active') {
        // Nothing can succeed until the user acts (re-authorizes); drop this run. The next poll starts a
        // fresh one, and the delivery ledger keeps it from re-sending what was already delivered.
        state.position = undefined;
        continue;
      }
      if (state.webhookCheckDue && plan.webhooks) await handleRealtime(conn, plan);
      if (!await continueRun(conn, plan)) break; // history is long: continue as new from the saved position
      state.consecutiveFailures = 0;
      finished = { plan, at: loadedAt };
    } catch (err) {
      const failure = describeFailure(err);
      state.consecutiveFailures += 1;
      await recordFailedRun(conn, failure.message);
      if (failure.type === 'SchemaMismatch') state.phase = 'schema_mismatch';
      else if (failure.type === 'DestinationReauth' && conn.has('stop-on-destination-reauth')) {
        // A Tableau PAT expired or was revoked: the connection waits (destination_auth) for a new one, no retry loop.
        state.phase = 'destination_auth';
      } else if (!STOPPING_FAILURES.includes(failure.type ?? '')) {
        // Back off before the next scheduled attempt instead of hot-looping on a broken destination.
        state.phase = 'backing_off';
        await sleepListed(conn, Math.min(60_000 * 2 ** Math.min(state.consecutiveFailures, 6), 3_600_000));
      }
    }
    if (conn.shouldContinueAsNew()) break;
  }

  if (conn.stopped || deleted) {
    state.nextPollAt = undefined;
    // Deleted: its callbacks at FreshBooks go with it (an activity, so it retries until FreshBooks answers).
    await acts.removeWebhooks(connectionId);
    return;
  }
  // An announcement in flight finishes here, so the next run neither repeats nor loses it.
  await condition(() => allHandlersFinished() && !conn.announcing && !conn.listing && conn.confirming === 0);
  await continueAsNew<typeof connectionWorkflow>(conn.continuation());
}

/**
 * How long a connection whose history is past `idleHistoryEvents` must go without webhook work before it
 * continues as new from the wait ('short-idle-history'). Webhook batches are handled inside the wait, so
 * without this a connection with steady webhooks grew to 1,500 events before continuing and was replayed
 * whole after each eviction. The grace keeps a busy stream from being cut every few dozen changes: a
 * continue-as-new that a signal overtakes is rejected by Temporal (UNHANDLED_COMMAND) and the run replayed,
 * so it is done when no webhook has come for a while.
 */
const IDLE_GRACE_MS = 2_000;
const IDLE_WITH_LONG_HISTORY = 'idle-with-long-history';

/**
 * Waits for the poll timer, handling webhook work as it comes. True when work (or continue-as-new)
 * ended the wait, false when the timer fired, IDLE_WITH_LONG_HISTORY when the run should continue as new
 * before waiting on. A deadline handed over by continue-as-new is kept.
 */
async function waitForPollOrWork(conn: Connection, plan: SyncPlan): Promise<boolean | typeof IDLE_WITH_LONG_HISTORY> {
  const deadline = conn.state.nextPollAt ?? Date.now() + jittered(plan.pollIntervalSec * 1000);
  conn.state.nextPollAt = deadline;
  if (conn.has('one-poll-timer')) return waitOnOneTimer(conn, plan, deadline);
  for (;;) {
    const remaining = Math.max(1, deadline - Date.now());
    const graced = historyLongForIdle(conn, plan) && remaining > IDLE_GRACE_MS;
    const woke = await condition(() => conn.hasWork(), graced ? IDLE_GRACE_MS : remaining);
    if (!woke && graced && !conn.stopped) return IDLE_WITH_LONG_HISTORY;
    if (conn.stopped || !woke || !conn.hasRealtimeWork()) return woke;
    await handleRealtime(conn, plan);
    if (conn.shouldContinueAsNew()) return true;
  }
}

/**
 * The same wait with one timer for the poll, however many webhook batches come meanwhile ('one-poll-timer').
 * A condition with a timeout starts a timer each time it is awaited and cancels it when work comes first: two
 * events and a server timer per webhook batch (7 events a batch, 5 without). The idle grace is one timer too,
 * started again from the last batch only once it has run out.
 */
async function waitOnOneTimer(conn: Connection, plan: SyncPlan, deadline: number): Promise<boolean | typeof IDLE_WITH_LONG_HISTORY> {
  const timers = new CancellationScope();
  let due = false;
  let grace: { fired: boolean } | undefined;
  let lastWorkAt = Date.now();
  const start = (ms: number, fired: () => void) => {
    timers.run(() => sleep(Math.max(1, ms))).then(fired, (err: unknown) => { if (!isCancellation(err)) throw err; });
  };
  start(deadline - Date.now(), () => { due = true; });
  try {
    for (;;) {
      if (!grace && historyLongForIdle(conn, plan) && deadline - Date.now() > IDLE_GRACE_MS) {
        const g: { fired: boolean } = { fired: false };
        grace = g;
        start(lastWorkAt + IDLE_GRACE_MS - Date.now(), () => { g.fired = true; });
      }
      // Only when it is going to wait: work already pending (a new connection's first run) is listed as it starts.
      if (!conn.hasWork() && listRowStale(conn)) await writeListRow(conn);
      await condition(() => conn.hasWork() || due || !!grace?.fired || listRowStale(conn));
      if (!conn.hasWork() && !due && !grace?.fired) continue; // woken for the list's row only: written above
      if (conn.hasWork()) {
        if (conn.stopped || !conn.hasRealtimeWork()) return true;
        await handleRealtime(conn, plan);
        lastWorkAt = Date.now();
        if (conn.shouldContinueAsNew()) return true;
        continue;
      }
      if (due) return false;
      // The grace ran out: idle since, or a batch came during it and the grace starts again from that batch.
      grace = undefined;
      if (Date.now() - lastWorkAt >= IDLE_GRACE_MS) return IDLE_WITH_LONG_HISTORY;
    }
  } finally {
    timers.cancel();
  }
}

/**
 * How old a plan may be and still serve the next step: the wait after a finished run ('plan-reused-after-run'),
 * or the run a short wait started ('plan-reused-for-run': a new connection's first run; never a manual sync, nor
 * with a plan that was not active).
 * A quiet poll takes a second or two, so its own plan is as current as one loaded again; a long run's or a long
 * wait's is not. A change of status in between (a grant needing re-authorization) shows at the next load, as one
 * made just after the load would. Loading it again cost a backfill ~50 ms (an activity and a workflow task)
 * before its first page.
 */
const PLAN_REUSE_MS = 10_000;

interface LoadedPlan { plan: SyncPlan; at: number }

function planJustUsed(conn: Connection, loaded: LoadedPlan | undefined, patch: 'plan-reused-after-run' | 'plan-reused-for-run'): LoadedPlan | undefined {
  if (!loaded || !conn.has(patch)) return undefined;
  return Date.now() - loaded.at <= PLAN_REUSE_MS ? loaded : undefined;
}

/**
 * Callbacks checked on every scheduled poll before 'callback-check-hourly'; now at most hourly. The check is a
 * FreshBooks request and an activity on each of a thousand connections' polls, and what it repairs (a
 * callback FreshBooks dropped) costs only latency meanwhile: the polls still carry every change. A check asked
 * for (the API's POST …/webhooks) is never held back.
 */
const CALLBACK_CHECK_EVERY_MS = 3_600_000;

function callbackCheckDue(conn: Connection): boolean {
  if (!conn.has('callback-check-hourly')) return true;
  const { state } = conn;
  return state.lastWebhookCheckAt === undefined || Date.now() - state.lastWebhookCheckAt >= CALLBACK_CHECK_EVERY_MS;
}

/**
 * Before it waits, or once it has waited IDLE_GRACE_MS with no webhook work, a run whose history is past the
 * plan's `idleHistoryEvents` (the worker's WORKFLOW_IDLE_HISTORY_EVENTS, 200 by default) continues as new
 * ('short-idle-history'). A worker that evicted the workflow from its cache (a thousand connections on one
 * worker, a cache smaller than that) replays the whole history on the next poll or webhook, at about half a
 * millisecond of CPU per event (bench/replay-cost.ts): ~750 ms for 1,500 events. A quiet poll adds ~25 events (~36 before
 * 'local-bookkeeping'), so at 200 this continues as new every several polls and keeps a replay near 100 ms.
 */
function historyLongForIdle(conn: Connection, plan: SyncPlan): boolean {
  const limit = plan.idleHistoryEvents;
  return !!limit && conn.has('short-idle-history') && !conn.hasWork() && workflowInfo().historyLength > limit;
}

function isFullDue({ state }: Connection, plan: SyncPlan): boolean {
  return state.lastFullSyncAt === undefined || Date.now() - state.lastFullSyncAt >= plan.reconcileEveryHours * 3_600_000;
}

/** ±10% so connections created together do not poll together. Math.random is seeded per run: replay-safe. */
function jittered(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}
