import {
  allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler, uuid4, workflowInfo,
} from '@temporalio/workflow';
import type { FreshBooksEntity } from '../common/freshbooks-entities';
import type { Activities } from '../contracts/activities';
import {
  checkWebhooksSignal, maintenanceSignal, pauseSignal, redeliverSignal, requestSyncSignal, statusQuery, stopSignal, webhookChangesSignal,
  webhookVerifierSignal, type ConnectionState, type ConnectionWorkflowInput, type ConnectionWorkflowStatus, type RunPosition,
} from '../contracts/connection';
import { NON_RETRYABLE_FAILURES, type FailureType } from '../contracts/failures';
import type {
  EntityRunStats, MaintenanceRequest, RedeliverRequest, RunSummary, SyncPagesResult, SyncPass, SyncPlan, SyncRequest,
} from '../contracts/sync';
import { describeFailure } from './activity-failure';
import { MAX_PASS_READS, noteRead, readWhole, startReading } from './pass-reading';

const PAGES_PER_ACTIVITY = 10;
/** Webhook changes fetched and delivered per activity. */
const CHANGES_PER_ACTIVITY = 500;
const MAX_HISTORY_EVENTS = 1_500;

/** Failures only a person can clear (re-authorize, align the schema): wait for them, don't back off and retry. */
const STOPPING_FAILURES: readonly string[] = ['NeedsReauth', 'SchemaMismatch'] satisfies FailureType[];

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  retry: {
    initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
});

/**
 * One long-running workflow per connection: wait for the (jittered) poll timer or a request, read
 * each entity's changes page batch by page batch, deliver them, remember the cursor. A full
 * reconciliation runs periodically to catch deletes and anything the incremental filter missed.
 * Records never enter history: activities take ids and cursors and return counts.
 */
export async function connectionWorkflow(input: ConnectionWorkflowInput): Promise<void> {
  const { connectionId } = input;
  const state: ConnectionState = { ...freshState(), ...input.state };
  let stopped = false;
  let deleted = false;
  let phase: ConnectionWorkflowStatus['phase'] = 'waiting';
  let nextPollAt: number | undefined;
  let currentEntity: FreshBooksEntity | undefined;

  setHandler(requestSyncSignal, (req) => {
    // Bursts of requests collapse into one queued run per mode.
    if (!state.pending.some((p) => p.mode === req.mode)) state.pending.push(req);
  });
  setHandler(redeliverSignal, (req) => { state.redeliveries.push(req); });
  setHandler(pauseSignal, (paused) => { state.paused = paused; });
  setHandler(stopSignal, () => { stopped = true; });
  setHandler(webhookChangesSignal, (changes) => {
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
  setHandler(statusQuery, () => ({
    connectionId,
    phase,
    cursors: state.cursors,
    lastRun: state.lastRun,
    currentRun: state.position && { summary: state.position.summary, entity: currentEntity, page: state.position.page },
    nextPollAt: nextPollAt ? new Date(nextPollAt).toISOString() : undefined,
    consecutiveFailures: state.consecutiveFailures,
    webhooks: { ...state.webhookStats, pending: Object.keys(state.changes).length },
  }));

  const shouldContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS;
  const hasRealtimeWork = () => state.verifications.length > 0 || state.webhookCheckDue || (!state.paused && Object.keys(state.changes).length > 0);
  const hasWork = () => stopped || hasRealtimeWork() || (!state.paused && (state.pending.length > 0 || state.redeliveries.length > 0 || state.maintenance.length > 0));

  /** Webhook work, done between page batches and while waiting, so a backfill never holds it up for long. */
  const handleRealtime = async (plan: SyncPlan): Promise<void> => {
    if (state.verifications.length > 0) {
      const ids = state.verifications.splice(0);
      await acts.confirmWebhooks({ connectionId, callbackIds: ids }).catch(() => { state.webhookCheckDue = true; });
    }
    if (state.webhookCheckDue) {
      state.webhookCheckDue = false;
      if (plan.webhooks) {
        await acts.ensureWebhooks(connectionId).catch((err) => {
          state.webhookStats.lastError = `callback check failed: ${describeFailure(err).message}`;
        });
      }
    }
    if (state.paused) return;
    while (Object.keys(state.changes).length > 0) {
      const keys = Object.keys(state.changes).slice(0, CHANGES_PER_ACTIVITY);
      const changes = keys.map((k) => state.changes[k]!);
      for (const k of keys) delete state.changes[k];
      const streamed = changes.filter((c) => !plan.snapshots.includes(c.entity));
      const snapshotted = [...new Set(changes.filter((c) => plan.snapshots.includes(c.entity)).map((c) => c.entity))];
      try {
        if (streamed.length > 0) {
          const res = await acts.deliverChanges({ connectionId, runKey: uuid4(), changes: streamed });
          state.webhookStats.delivered += res.delivered;
        }
        if (snapshotted.length > 0) await acts.refreshSnapshots({ connectionId, runKey: uuid4(), entities: snapshotted });
        state.webhookStats.batches += 1;
        state.webhookStats.lastBatchAt = new Date().toISOString();
        state.webhookStats.lastError = undefined;
      } catch (err) {
        // The changes are dropped, not lost: none of them reached the ledger, so the next poll delivers them.
        const failure = describeFailure(err);
        state.webhookStats.lastError = failure.message;
        if (failure.type === 'SchemaMismatch') phase = 'schema_mismatch';
        if (failure.type === 'NeedsReauth') phase = 'needs_reauth';
        return;
      }
    }
  };

  while (!stopped) {
    if (!state.position) {
      const plan = await acts.loadSyncPlan(connectionId);
      if (plan.status === 'deleted') { deleted = true; break; }
      phase = state.paused ? 'paused' : plan.status === 'needs_reauth' ? 'needs_reauth' : phase === 'schema_mismatch' ? phase : 'waiting';
      const deadline = Date.now() + jittered(plan.pollIntervalSec * 1000);
      nextPollAt = deadline;
      let woke = true;
      for (;;) {
        woke = await condition(hasWork, Math.max(1, deadline - Date.now()));
        if (stopped || !woke || !hasRealtimeWork()) break;
        await handleRealtime(plan);
        if (shouldContinueAsNew()) break;
      }
      nextPollAt = undefined;
      if (stopped) break;
      if (shouldContinueAsNew() && woke && !hasWork()) break;
      if (state.paused) continue;
      if (!woke) {
        state.pending.push({ mode: isFullDue(state, plan) ? 'full' : 'incremental', reason: 'schedule' });
        // Each scheduled poll also checks the callbacks: re-registers any FreshBooks lost or never verified.
        state.webhookCheckDue = plan.webhooks;
      }

      const maintenance = state.maintenance.shift();
      if (maintenance) {
        await runMaintenance(connectionId, maintenance, state);
        phase = 'waiting';
        continue;
      }
      const redeliver = state.redeliveries.shift();
      if (redeliver) {
        await runRedelivery(connectionId, redeliver, state);
        continue;
      }
      const request = state.pending.shift();
      if (!request) continue;
      state.position = startRun(request);
    }

    phase = 'syncing';
    try {
      const plan = await acts.loadSyncPlan(connectionId);
      if (plan.status !== 'active') {
        // Nothing can succeed until the user acts (re-authorizes); drop this run. The next poll starts a
        // fresh one, and the delivery ledger keeps it from re-sending what was already delivered.
        state.position = undefined;
        continue;
      }
      if (state.webhookCheckDue && plan.webhooks) await handleRealtime(plan);
      const between = async () => { if (hasRealtimeWork()) await handleRealtime(plan); };
      const finished = await continueRun(connectionId, plan, state, (e) => { currentEntity = e; }, shouldContinueAsNew, between);
      if (!finished) break; // history is long: continue as new from the saved position
      state.consecutiveFailures = 0;
    } catch (err) {
      const failure = describeFailure(err);
      state.consecutiveFailures += 1;
      if (state.position) {
        state.position.summary.error = failure.message;
        state.position.summary.finishedAt = new Date().toISOString();
        state.lastRun = state.position.summary;
        await acts.recordSyncRun(connectionId, state.position.summary);
      }
      state.position = undefined;
      if (failure.type === 'SchemaMismatch') phase = 'schema_mismatch';
      else if (!STOPPING_FAILURES.includes(failure.type ?? '')) {
        // Back off before the next scheduled attempt instead of hot-looping on a broken destination.
        phase = 'backing_off';
        await condition(() => stopped, Math.min(60_000 * 2 ** Math.min(state.consecutiveFailures, 6), 3_600_000));
      }
    }
    currentEntity = undefined;
    if (shouldContinueAsNew()) break;
  }

  if (stopped || deleted) {
    // Deleted: its callbacks at FreshBooks go with it (an activity, so it retries until FreshBooks answers).
    await acts.removeWebhooks(connectionId);
    return;
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof connectionWorkflow>({ connectionId, state });
}

function freshState(): ConnectionState {
  return {
    cursors: {}, pending: [{ mode: 'full', reason: 'initial' }], redeliveries: [], paused: false, consecutiveFailures: 0,
    changes: {}, verifications: [], webhookCheckDue: true, maintenance: [], webhookStats: { received: 0, delivered: 0, batches: 0 },
  };
}

/** Rebuild: empty the destination and forget the ledger, then a full run re-sends current state. */
async function runMaintenance(connectionId: string, req: MaintenanceRequest, state: ConnectionState): Promise<void> {
  try {
    if (req.action === 'update_schema') await acts.updateDestinationSchema(connectionId);
    await acts.resetDestination(connectionId);
    state.pending = state.pending.filter((p) => p.mode !== 'full');
    state.pending.unshift({ mode: 'full', reason: 'rebuild' });
  } catch (err) {
    const summary: RunSummary = {
      runKey: uuid4(), mode: 'full', reason: 'rebuild', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
      entities: {}, error: describeFailure(err).message,
    };
    state.lastRun = summary;
    await acts.recordSyncRun(connectionId, summary);
  }
}

function startRun(request: SyncRequest): RunPosition {
  return {
    summary: { runKey: uuid4(), mode: request.mode, reason: request.reason, startedAt: new Date().toISOString(), entities: {} },
    entityIndex: 0,
    passIndex: 0,
    page: 1,
  };
}

const PASSES: SyncPass[] = ['changes', 'deleted'];

/** Runs (or resumes) the current run. Returns false when it stopped early to continue as new. */
async function continueRun(
  connectionId: string,
  plan: SyncPlan,
  state: ConnectionState,
  onEntity: (e: FreshBooksEntity) => void,
  shouldContinueAsNew: () => boolean,
  between: () => Promise<void>,
): Promise<boolean> {
  const pos = state.position!;
  const entities = plan.entities;
  await acts.prepareDestination(connectionId);
  for (; pos.entityIndex < entities.length; pos.entityIndex++, pos.passIndex = 0) {
    const entity = entities[pos.entityIndex];
    onEntity(entity);
    const since = pos.summary.mode === 'full' ? undefined : state.cursors[entity]?.since;
    for (; pos.passIndex < PASSES.length; pos.passIndex++, pos.page = 1, pos.reading = undefined) {
      const pass = PASSES[pos.passIndex];
      while (pos.page > 0) {
        await between();
        if (shouldContinueAsNew()) return false;
        const reading = pos.reading ??= startReading(pos.page);
        const res = await acts.syncPages({
          connectionId, runKey: pos.summary.runKey, entity, pass, mode: pos.summary.mode, since,
          startPage: pos.page, maxPages: PAGES_PER_ACTIVITY, ...(reading.total === undefined ? {} : { expectTotal: reading.total }),
        });
        addStats(pos.summary, entity, res);
        if (res.maxUpdatedAt && (!pos.maxUpdatedAt || res.maxUpdatedAt > pos.maxUpdatedAt)) pos.maxUpdatedAt = res.maxUpdatedAt;
        noteRead(reading, res);
        pos.page = res.nextPage ?? 0;
        if (pos.page === 0 && !readWhole(reading)) {
          const stats = pos.summary.entities[entity]!;
          if (reading.reads < MAX_PASS_READS && patched('reread-shifted-pass')) {
            // Records may have slid onto pages already read: read the pass again (the ledger drops re-sends).
            stats.rereads = (stats.rereads ?? 0) + 1;
            pos.reading = startReading(1, reading.reads + 1);
            pos.page = 1;
          } else {
            stats.incomplete = true;
          }
        }
      }
    }
    // The cursor only moves once every pass of the entity has been delivered, and read whole.
    const prev = state.cursors[entity]?.since;
    const whole = !pos.summary.entities[entity]?.incomplete;
    if (whole && pos.maxUpdatedAt && (!prev || pos.maxUpdatedAt > prev)) state.cursors[entity] = { since: pos.maxUpdatedAt };
    pos.maxUpdatedAt = undefined;
  }
  if (plan.snapshots.length > 0) {
    for (const r of await acts.refreshSnapshots({ connectionId, runKey: pos.summary.runKey, entities: plan.snapshots })) {
      addStats(pos.summary, r.entity, { records: r.records, delivered: r.replaced ? r.records : 0, rows: r.rows, pagesRead: 0 });
    }
  }
  pos.summary.finishedAt = new Date().toISOString();
  const incomplete = Object.entries(pos.summary.entities).filter(([, s]) => s?.incomplete).map(([e]) => e);
  if (incomplete.length > 0) {
    // Never reported as complete; a full run stays due, so the next poll reads everything again.
    pos.summary.error = `${incomplete.join(', ')}: the list kept changing while it was read (${MAX_PASS_READS} reads); records may have been skipped, the next run reads again`;
  } else if (pos.summary.mode === 'full') {
    state.lastFullSyncAt = Date.now();
  }
  state.lastRun = pos.summary;
  state.position = undefined;
  await acts.recordSyncRun(connectionId, pos.summary);
  return true;
}

async function runRedelivery(connectionId: string, req: RedeliverRequest, state: ConnectionState): Promise<void> {
  const summary: RunSummary = { runKey: uuid4(), mode: 'incremental', reason: 'redeliver', startedAt: new Date().toISOString(), entities: {} };
  try {
    await acts.prepareDestination(connectionId);
    if (req.recordId) {
      const res = await acts.redeliverRecord({ connectionId, runKey: summary.runKey, entity: req.entity, recordId: req.recordId });
      addStats(summary, req.entity, res);
    } else {
      for (const pass of PASSES) {
        let page: number | null = 1;
        while (page) {
          const res: SyncPagesResult = await acts.syncPages({
            connectionId, runKey: summary.runKey, entity: req.entity, pass, mode: 'incremental', force: true,
            since: req.from, window: { from: req.from, to: req.to }, startPage: page, maxPages: PAGES_PER_ACTIVITY,
          });
          addStats(summary, req.entity, res);
          page = res.nextPage;
        }
      }
    }
  } catch (err) {
    summary.error = describeFailure(err).message;
  }
  summary.finishedAt = new Date().toISOString();
  state.lastRun = summary;
  await acts.recordSyncRun(connectionId, summary);
}

function addStats(summary: RunSummary, entity: FreshBooksEntity, res: { records: number; delivered: number; rows: number; pagesRead: number }) {
  const s: EntityRunStats = summary.entities[entity] ?? { records: 0, delivered: 0, rows: 0, pages: 0 };
  s.records += res.records;
  s.delivered += res.delivered;
  s.rows += res.rows;
  s.pages += res.pagesRead;
  summary.entities[entity] = s;
}

function isFullDue(state: ConnectionState, plan: SyncPlan): boolean {
  return state.lastFullSyncAt === undefined || Date.now() - state.lastFullSyncAt >= plan.reconcileEveryHours * 3_600_000;
}

/** ±10% so connections created together do not poll together. Math.random is seeded per run: replay-safe. */
function jittered(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}
