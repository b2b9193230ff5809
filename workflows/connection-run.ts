import { condition, isCancellation, proxyActivities, proxyLocalActivities, uuid4 } from '@temporalio/workflow';
import type { FreshBooksEntity } from '../common/freshbooks-entities';
import type { Activities } from '../contracts/activities';
import type { EntityReading, PassReading, ReconcileOutcome, RunLane, RunPosition } from '../contracts/connection';
import type { ReconciliationTrigger } from '../contracts/reconciliation';
import { NON_RETRYABLE_FAILURES, type FailureType } from '../contracts/failures';
import type {
  ChangeBatchInput, EntityRunStats, MaintenanceRequest, RedeliverRequest, RunSummary, SyncPagesResult, SyncPass, SyncPlan, SyncRequest,
} from '../contracts/sync';
import { describeFailure } from './activity-failure';
import { noteDelivered } from './announce';
import type { Connection } from './connection-state';
import { MAX_PASS_READS, noteRead, readWhole, startReading } from './pass-reading';

/** The steps the connection workflow runs: a sync run page batch by page batch, webhook deliveries, re-deliveries, rebuilds. */

const PAGES_PER_ACTIVITY = 10;
/** Webhook changes fetched and delivered per activity. */
const CHANGES_PER_ACTIVITY = 500;
const PASSES: SyncPass[] = ['changes', 'deleted'];

/**
 * 12 attempts wait 2+4+…+64 s and then 2 min five times: about 12 minutes between the first failure and
 * giving up, so a destination down for five minutes is well inside it. 8 attempts waited 246 s in all and
 * got past a 300 s outage only because each attempt's own HTTP retries took the rest (a webhook batch that
 * gives up waits for the next poll). Retry options are not part of what replay compares.
 */
const CONNECTION_RETRY = {
  initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 12,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
};

function connectionActivities(heartbeatTimeoutSec: number) {
  return proxyActivities<Activities>({ startToCloseTimeout: '10m', heartbeatTimeout: `${heartbeatTimeoutSec}s`, retry: CONNECTION_RETRY });
}

/** Plans from before the heartbeat timeout was configurable: what every activity had then. */
const DEFAULT_HEARTBEAT_TIMEOUT_SEC = 30;
/** Before a plan says otherwise: loading the plan itself, writing the list state. */
export const acts = connectionActivities(DEFAULT_HEARTBEAT_TIMEOUT_SEC);
const actsByTimeout = new Map<number, typeof acts>([[DEFAULT_HEARTBEAT_TIMEOUT_SEC, acts]]);

/**
 * The connection's activities with the heartbeat timeout of its latest plan (the worker's configuration):
 * how long a batch a killed worker held waits before Temporal gives it to another. Timeouts, like retry
 * options, are not part of what replay compares.
 */
export function actsOf(conn: Connection): typeof acts {
  const sec = conn.heartbeatTimeoutSec ?? DEFAULT_HEARTBEAT_TIMEOUT_SEC;
  let a = actsByTimeout.get(sec);
  if (!a) actsByTimeout.set(sec, a = connectionActivities(sec));
  return a;
}

/** The plan a run reads, the record it leaves and the list's row, beside its reading and delivering. */
type Bookkeeping = Pick<Activities, 'loadSyncPlan' | 'recordSyncRun' | 'recordListState'>;

/**
 * The run's plan and its record as local activities ('local-bookkeeping'): a Postgres statement each. As
 * ordinary activities each cost a task-queue round trip, three events and a workflow task of its own. Retried
 * as the connection's other activities are; all are safe to run again. The list row is one too once the main
 * loop writes it ('list-row-in-loop', list-state.ts): two coroutines' local activities completing in one task
 * were replayed in another order than recorded (history-export.test.ts: marker 'loadSyncPlan' met the command
 * 'recordListState'), so only the main loop schedules local activities.
 */
const localBookkeeping = proxyLocalActivities<Bookkeeping>({ startToCloseTimeout: '1m', retry: CONNECTION_RETRY });

/** The bookkeeping activities of this run: local ones, or `ordinary` for runs begun before the change (their histories replay). */
export function bookkeeping(conn: Connection, ordinary: Bookkeeping = actsOf(conn)): Bookkeeping {
  return conn.has('local-bookkeeping') ? localBookkeeping : ordinary;
}

/**
 * Few changes, so the workflow task a local activity holds stays short. Its bound is the ordinary one: an
 * attempt cut off by a shorter timeout could still be sending while its successor sends the same rows.
 */
const LOCAL_DELIVERY_MAX_CHANGES = 10;
const localActs = proxyLocalActivities<Pick<Activities, 'deliverChanges'>>({
  startToCloseTimeout: '10m',
  retry: { maximumAttempts: 1 },
});

/**
 * The reconciliation report reads whole entities when it has to (a 100k-record walk at FreshBooks' pace is
 * minutes, heartbeating): a longer bound, and few attempts, since the loop waits for it after a full run
 * and a report that keeps failing is stored as `failed` by the activity anyway.
 */
const reconcileActs = proxyActivities<Pick<Activities, 'reconcileConnection'>>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '60s',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
});

/** Webhook work, done between page batches and while waiting, so a backfill never holds it up for long. */
export async function handleRealtime(conn: Connection, plan: SyncPlan): Promise<void> {
  const { connectionId, state } = conn;
  if (conn.has('verifiers-beside-work')) {
    confirmVerifiersBeside(conn);
  } else if (state.verifications.length > 0) {
    const ids = state.verifications.splice(0);
    await actsOf(conn).confirmWebhooks({ connectionId, callbackIds: ids }).catch(() => { state.webhookCheckDue = true; });
  }
  if (state.webhookCheckDue) {
    state.webhookCheckDue = false;
    if (plan.webhooks) {
      // Only a check that answered counts: one that failed is tried again at the next poll.
      await actsOf(conn).ensureWebhooks(connectionId).then(() => { state.lastWebhookCheckAt = Date.now(); }, (err) => {
        state.webhookStats.lastError = `callback check failed: ${describeFailure(err).message}`;
      });
    }
  }
  if (state.paused) return;
  while (Object.keys(state.changes).length > 0) {
    if (!await waitForDeliveryWindow(conn, plan)) return;
    const keys = Object.keys(state.changes).slice(0, CHANGES_PER_ACTIVITY);
    const changes = keys.map((k) => state.changes[k]!);
    for (const k of keys) delete state.changes[k];
    // Changes arriving from now on open a window of their own.
    if (Object.keys(state.changes).length === 0) state.changesSince = undefined;
    const streamed = changes.filter((c) => !plan.snapshots.includes(c.entity));
    const snapshotted = [...new Set(changes.filter((c) => plan.snapshots.includes(c.entity)).map((c) => c.entity))];
    try {
      if (streamed.length > 0) {
        const res = await deliverChanges(conn, { connectionId, runKey: uuid4(), changes: streamed });
        if (res.elapsedMs !== undefined) state.webhookStats.lastDeliveryMs = res.elapsedMs;
        state.webhookStats.delivered += res.delivered;
        noteDelivered(conn, plan, res.delivered);
      }
      if (snapshotted.length > 0) {
        const replaced = await actsOf(conn).refreshSnapshots({ connectionId, runKey: uuid4(), entities: snapshotted });
        noteDelivered(conn, plan, replaced.reduce((n, r) => n + (r.replaced ? r.rows : 0), 0));
      }
      state.webhookStats.batches += 1;
      state.webhookStats.lastBatchAt = new Date().toISOString();
      state.webhookStats.lastError = undefined;
    } catch (err) {
      // The changes are dropped, not lost: none of them reached the ledger, so the next poll delivers them.
      const failure = describeFailure(err);
      state.webhookStats.lastError = failure.message;
      if (failure.type === 'SchemaMismatch') state.phase = 'schema_mismatch';
      if (failure.type === 'NeedsReauth') state.phase = 'needs_reauth';
      if (failure.type === 'DestinationReauth') state.phase = 'destination_auth';
      return;
    }
  }
}

/**
 * The verifiers FreshBooks posted, sent back without holding the loop or the lanes ('verifiers-beside-work'):
 * a verification touches no record, so unlike a webhook change it needs no batch boundary, and a new
 * connection's first run need not wait for FreshBooks' verify posts (three rounds of them, one activity
 * each, came before the first page batch: ~0.25 s of a 3.8 s Tableau backfill). A failure asks for the
 * callback check, as before; continue-as-new waits for those in flight.
 */
function confirmVerifiersBeside(conn: Connection): void {
  const { connectionId, state } = conn;
  if (state.verifications.length === 0) return;
  const callbackIds = state.verifications.splice(0);
  conn.confirming += 1;
  void actsOf(conn).confirmWebhooks({ connectionId, callbackIds })
    .catch(() => { state.webhookCheckDue = true; })
    .finally(() => { conn.confirming -= 1; });
}

/**
 * Webhook changes, delivered through the ledger like a poll. A few at a time go first as a local activity (on
 * this machine the activity's own events and second workflow task were most of Temporal's CPU per change); a
 * failure that may pass (a destination outage) goes on as an ordinary activity, with the retries, backoff and
 * `retrying` status every other delivery has. The ledger makes that second attempt skip what the first sent.
 */
async function deliverChanges(conn: Connection, input: ChangeBatchInput): Promise<SyncPagesResult> {
  if (!conn.has('local-first-delivery') || input.changes.length > LOCAL_DELIVERY_MAX_CHANGES) return actsOf(conn).deliverChanges(input);
  try {
    return await localActs.deliverChanges(input);
  } catch (err) {
    if (isCancellation(err) || NON_RETRYABLE_FAILURES.includes(describeFailure(err).type as FailureType)) throw err;
    return actsOf(conn).deliverChanges(input);
  }
}

/**
 * Lets a burst of webhook changes gather into one delivery: waits until the destination's window has run
 * from the oldest pending change (a Tableau Update Data job costs seconds whatever its size). False when
 * stopped or paused meanwhile (the changes stay pending). Histories from before the window replay without it.
 */
async function waitForDeliveryWindow(conn: Connection, plan: SyncPlan): Promise<boolean> {
  const { state } = conn;
  const windowMs = plan.deliveryWindowMs ?? 0;
  if (windowMs <= 0 || state.changesSince === undefined || !conn.has('webhook-delivery-window')) return true;
  const wait = state.changesSince + windowMs - Date.now();
  if (wait > 0) await condition(() => conn.stopped || state.paused, wait);
  return !conn.stopped && !state.paused;
}

/** Rebuild: empty the destination and forget the ledger, then a full run re-sends current state. */
export async function runMaintenance(conn: Connection, req: MaintenanceRequest): Promise<void> {
  const { connectionId, state } = conn;
  try {
    if (req.action === 'update_schema') await actsOf(conn).updateDestinationSchema(connectionId);
    await actsOf(conn).resetDestination(connectionId);
    state.pending = state.pending.filter((p) => p.mode !== 'full');
    state.pending.unshift({ mode: 'full', reason: 'rebuild' });
  } catch (err) {
    const summary: RunSummary = {
      runKey: uuid4(), mode: 'full', reason: 'rebuild', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
      entities: {}, error: describeFailure(err).message,
    };
    state.lastRun = summary;
    await bookkeeping(conn).recordSyncRun(connectionId, summary);
  }
}

export async function runRedelivery(conn: Connection, req: RedeliverRequest, plan: SyncPlan): Promise<void> {
  const { connectionId, state } = conn;
  const summary: RunSummary = { runKey: uuid4(), mode: 'incremental', reason: 'redeliver', startedAt: new Date().toISOString(), entities: {} };
  try {
    await actsOf(conn).prepareDestination(connectionId);
    if (req.recordId) {
      const res = await actsOf(conn).redeliverRecord({ connectionId, runKey: summary.runKey, entity: req.entity, recordId: req.recordId });
      addStats(summary, req.entity, res);
      noteDelivered(conn, plan, res.delivered);
    } else {
      for (const pass of PASSES) {
        let page: number | null = 1;
        while (page) {
          const res: SyncPagesResult = await actsOf(conn).syncPages({
            connectionId, runKey: summary.runKey, entity: req.entity, pass, mode: 'incremental', force: true,
            since: req.from, window: { from: req.from, to: req.to }, startPage: page, maxPages: PAGES_PER_ACTIVITY,
          });
          addStats(summary, req.entity, res);
          noteDelivered(conn, plan, res.delivered);
          page = res.nextPage;
        }
      }
    }
  } catch (err) {
    summary.error = describeFailure(err).message;
  }
  summary.finishedAt = new Date().toISOString();
  state.lastRun = summary;
  await bookkeeping(conn).recordSyncRun(connectionId, summary);
}

export function startRun(request: SyncRequest): RunPosition {
  return {
    summary: { runKey: uuid4(), mode: request.mode, reason: request.reason, startedAt: new Date().toISOString(), entities: {} },
    entityIndex: 0,
    passIndex: 0,
    page: 1,
  };
}

/**
 * Entities one run reads at once ('concurrent-entities'). Most entities of an account are one page, so a
 * run is mostly fixed costs per activity (a workflow-task round trip, the ledger's read and write); three
 * lanes overlap those costs. More lanes would mostly queue: FreshBooks' request budget is per account
 * (every lane takes its tokens), a Postgres warehouse pool holds 4 clients per worker, and webhook
 * deliveries need a slot beside the lanes.
 */
export const ENTITY_LANES = 3;

/**
 * Runs (or resumes) the current run, with webhook work between page batches. Returns false when it
 * stopped early to continue as new.
 */
export async function continueRun(conn: Connection, plan: SyncPlan): Promise<boolean> {
  const { connectionId, state } = conn;
  const pos = state.position!;
  // Every activity that writes makes the destination ready itself (once per worker and TTL); with the
  // first pages read together, a separate activity for it is one more round trip on every poll.
  if (!conn.has('first-pages-together')) await actsOf(conn).prepareDestination(connectionId);
  if (conn.has('concurrent-entities')) {
    if (!await readInLanes(conn, plan)) return false;
  } else {
    // One entity after another, for runs begun before the lanes. Inline on purpose: one more await (a
    // function of its own) between two commands could reorder them against a loop beside this one
    // (announcements, the list row) in the same activation, and old histories must replay command for command.
    const entities = plan.entities;
    for (; pos.entityIndex < entities.length; pos.entityIndex++, pos.passIndex = 0) {
      const entity = entities[pos.entityIndex];
      pos.entity = entity;
      const since = pos.summary.mode === 'full' ? undefined : state.cursors[entity]?.since;
      for (; pos.passIndex < PASSES.length; pos.passIndex++, pos.page = 1, pos.reading = undefined) {
        const pass = PASSES[pos.passIndex];
        while (pos.page > 0) {
          if (conn.hasRealtimeWork()) await handleRealtime(conn, plan);
          if (conn.shouldContinueAsNew()) return false;
          const reading = pos.reading ??= startReading(pos.page);
          const res = await actsOf(conn).syncPages({
            connectionId, runKey: pos.summary.runKey, entity, pass, mode: pos.summary.mode, since,
            startPage: pos.page, maxPages: PAGES_PER_ACTIVITY, ...(reading.total === undefined ? {} : { expectTotal: reading.total }),
          });
          noteBatch(conn, plan, pos.summary, entity, pos, reading, res);
        }
      }
      moveCursor(conn, pos.summary, entity, pos);
    }
  }
  if (plan.snapshots.length > 0) {
    for (const r of await actsOf(conn).refreshSnapshots({ connectionId, runKey: pos.summary.runKey, entities: plan.snapshots })) {
      addStats(pos.summary, r.entity, { records: r.records, delivered: r.replaced ? r.records : 0, rows: r.rows, pagesRead: 0 });
      noteDelivered(conn, plan, r.replaced ? r.rows : 0);
    }
  }
  const incomplete = Object.entries(pos.summary.entities).filter(([, s]) => s?.incomplete).map(([e]) => e);
  // A destination that waits for a whole first sync (Tableau publishes it as one file) gets it now; a
  // failure fails the run, and the next full run calls it again.
  if (plan.finishesFullRun && pos.summary.mode === 'full' && incomplete.length === 0 && conn.has('finish-full-run')) await actsOf(conn).finishFullRun(connectionId);
  pos.summary.finishedAt = new Date().toISOString();
  if (incomplete.length > 0) {
    // Never reported as complete; a full run stays due, so the next poll reads everything again.
    pos.summary.error = `${incomplete.join(', ')}: the list kept changing while it was read (${MAX_PASS_READS} reads); records may have been skipped, the next run reads again`;
  } else if (pos.summary.mode === 'full') {
    state.lastFullSyncAt = Date.now();
  }
  state.lastRun = pos.summary;
  state.position = undefined;
  await bookkeeping(conn).recordSyncRun(connectionId, pos.summary);
  // Each complete full run is followed by its report: does the destination now match the source?
  if (conn.has('reports-after-full-run') && pos.summary.mode === 'full' && incomplete.length === 0) {
    await reconcile(conn, 'full_reconciliation').catch(() => undefined);
  }
  return true;
}

/**
 * Up to ENTITY_LANES entities at once, each lane taking the plan's next entity when its own is read.
 * Webhook work between page batches is done by one lane at a time, and never while a page batch is in
 * flight: a lane that finds it due waits for the batches in flight and holds the others back until it is
 * done, as the one loop did. A page batch delivered after a webhook change of one of its records fetched
 * later would otherwise get the newer `_synced_at`, which the latest views take as the newer version.
 * A lane stops at its next batch boundary once the history is long or another lane failed; the run waits
 * for every lane, so nothing runs on after it has stopped or failed, and the position holds each lane.
 */
async function readInLanes(conn: Connection, plan: SyncPlan): Promise<boolean> {
  const pos = conn.state.position!;
  const entities = plan.entities;
  const batches = { inFlight: 0 };
  let realtimeBusy = false;
  const realtime = async () => {
    if (conn.has('verifiers-beside-work')) confirmVerifiersBeside(conn);
    if (realtimeBusy) {
      await condition(() => !realtimeBusy);
      return;
    }
    if (!conn.hasRealtimeWork()) return;
    realtimeBusy = true;
    try {
      if (batches.inFlight > 0) await condition(() => batches.inFlight === 0);
      await handleRealtime(conn, plan);
    } finally {
      realtimeBusy = false;
    }
  };
  if (pos.lanes === undefined && pos.entityIndex === 0 && conn.has('first-pages-together')) {
    pos.lanes = [];
    if (!await readFirstPages(conn, plan, realtime)) return false;
  }
  const lanes = pos.lanes ??= fromReadingInTurn(pos, entities);
  while (lanes.length < ENTITY_LANES && pos.entityIndex < entities.length) lanes.push(newLane(entities[pos.entityIndex++]));
  let failure: { error: unknown } | undefined;
  const halted = () => failure !== undefined;
  const runLane = async (first: RunLane): Promise<boolean> => {
    let lane: RunLane | undefined = first;
    try {
      while (lane) {
        if (!await readEntity(conn, plan, pos.summary, lane.entity, lane, realtime, halted, batches)) return false;
        moveCursor(conn, pos.summary, lane.entity, lane);
        lanes.splice(lanes.indexOf(lane), 1);
        lane = pos.entityIndex < entities.length ? newLane(entities[pos.entityIndex++]) : undefined;
        if (lane) lanes.push(lane);
      }
      return true;
    } catch (error) {
      failure ??= { error };
      return false;
    }
  };
  const done = await Promise.all([...lanes].map(runLane));
  if (failure) throw failure.error;
  return done.every(Boolean);
}

/**
 * Entities whose first pages one activity reads ('first-pages-together'). Most passes of most accounts are
 * one page, so a quiet poll was two activities per entity (30 for 15) doing one request each; now it is
 * three. Bounded so webhook work, done between activities, waits for at most this many entities' requests.
 */
export const FIRST_PAGES_PER_ACTIVITY = 5;

/**
 * The run's first step: the plan's entities, a few per activity, each read from its first page (changes
 * pass, then deleted pass when the first ended there). An entity read whole is done; one with more pages
 * becomes a lane that goes on from where the activity stopped. Stops handing out entities once ENTITY_LANES
 * lanes are waiting (a big run): the lanes take the rest one entity at a time, as before.
 */
async function readFirstPages(conn: Connection, plan: SyncPlan, realtime: () => Promise<void>): Promise<boolean> {
  const { connectionId, state } = conn;
  const pos = state.position!;
  const { summary } = pos;
  const lanes = pos.lanes!;
  while (pos.entityIndex < plan.entities.length && lanes.length < ENTITY_LANES) {
    await realtime();
    if (conn.shouldContinueAsNew()) return false;
    const chunk = plan.entities.slice(pos.entityIndex, pos.entityIndex + FIRST_PAGES_PER_ACTIVITY);
    const read = await actsOf(conn).syncFirstPages({
      connectionId, runKey: summary.runKey, mode: summary.mode, maxPages: 1,
      entities: chunk.map((entity) => {
        const since = summary.mode === 'full' ? undefined : state.cursors[entity]?.since;
        return since ? { entity, since } : { entity };
      }),
    });
    pos.entityIndex += chunk.length;
    for (const { entity, batches } of read) {
      const lane = newLane(entity);
      // batches[i] read pass i from page 1; it counts only while the lane stands exactly there.
      for (const [i, res] of batches.entries()) {
        if (lane.passIndex !== i || lane.page !== 1) break;
        noteBatch(conn, plan, summary, entity, lane, lane.reading ??= startReading(1), res);
        if (!passRead(lane)) break;
        lane.passIndex += 1;
        lane.page = 1;
        lane.reading = undefined;
      }
      if (lane.passIndex >= PASSES.length) moveCursor(conn, summary, entity, lane);
      else lanes.push(lane);
    }
  }
  return true;
}

/** noteBatch left the pass finished (not on a next page, nor starting it over). */
function passRead(at: EntityReading): boolean {
  return at.page === 0;
}

function newLane(entity: FreshBooksEntity): RunLane {
  return { entity, passIndex: 0, page: 1 };
}

/** A run that older code was reading one entity at a time goes on from where it stood, as the first lane. */
function fromReadingInTurn(pos: RunPosition, entities: FreshBooksEntity[]): RunLane[] {
  if (pos.entityIndex >= entities.length) return [];
  const { passIndex, page, maxUpdatedAt, reading } = pos;
  const lane: RunLane = { entity: entities[pos.entityIndex++]!, passIndex, page, ...(maxUpdatedAt ? { maxUpdatedAt } : {}), ...(reading ? { reading } : {}) };
  return [lane];
}

/**
 * Reads one entity's passes from where `at` stands, page batch by page batch, with webhook work between
 * batches. False when it stopped early (history long, or `halted`), `at` then saying where to go on.
 */
async function readEntity(
  conn: Connection, plan: SyncPlan, summary: RunSummary, entity: FreshBooksEntity, at: EntityReading,
  realtime: () => Promise<void>, halted: () => boolean, batches: { inFlight: number },
): Promise<boolean> {
  const { connectionId, state } = conn;
  const since = summary.mode === 'full' ? undefined : state.cursors[entity]?.since;
  for (; at.passIndex < PASSES.length; at.passIndex++, at.page = 1, at.reading = undefined) {
    const pass = PASSES[at.passIndex];
    while (at.page > 0) {
      await realtime();
      if (conn.shouldContinueAsNew() || halted()) return false;
      const reading = at.reading ??= startReading(at.page);
      batches.inFlight += 1;
      let res: SyncPagesResult;
      try {
        res = await actsOf(conn).syncPages({
          connectionId, runKey: summary.runKey, entity, pass, mode: summary.mode, since,
          startPage: at.page, maxPages: PAGES_PER_ACTIVITY, ...(reading.total === undefined ? {} : { expectTotal: reading.total }),
        });
      } finally {
        batches.inFlight -= 1;
      }
      noteBatch(conn, plan, summary, entity, at, reading, res);
    }
  }
  return true;
}

/**
 * What one page batch of a pass tells the run: its counts, the newest `updated`, and whether the pass was
 * read whole; a pass that was not is read again from page 1 (up to MAX_PASS_READS) or marked incomplete.
 * Synchronous, so the one-entity-at-a-time path's commands stay where they were.
 */
function noteBatch(conn: Connection, plan: SyncPlan, summary: RunSummary, entity: FreshBooksEntity, at: EntityReading, reading: PassReading, res: SyncPagesResult): void {
  addStats(summary, entity, res);
  noteDelivered(conn, plan, res.delivered);
  if (res.maxUpdatedAt && (!at.maxUpdatedAt || res.maxUpdatedAt > at.maxUpdatedAt)) at.maxUpdatedAt = res.maxUpdatedAt;
  noteRead(reading, res);
  at.page = res.nextPage ?? 0;
  if (at.page === 0 && !readWhole(reading)) {
    const stats = summary.entities[entity]!;
    if (reading.reads < MAX_PASS_READS && conn.has('reread-shifted-pass')) {
      // Records may have slid onto pages already read: read the pass again (the ledger drops re-sends).
      stats.rereads = (stats.rereads ?? 0) + 1;
      at.reading = startReading(1, reading.reads + 1);
      at.page = 1;
    } else {
      stats.incomplete = true;
    }
  }
}

/** The cursor only moves once every pass of the entity has been delivered, and read whole. */
function moveCursor({ state }: Connection, summary: RunSummary, entity: FreshBooksEntity, at: EntityReading): void {
  const prev = state.cursors[entity]?.since;
  const whole = !summary.entities[entity]?.incomplete;
  if (whole && at.maxUpdatedAt && (!prev || at.maxUpdatedAt > prev)) state.cursors[entity] = { since: at.maxUpdatedAt };
  at.maxUpdatedAt = undefined;
}

/**
 * A reconciliation report, made by an activity (it reads FreshBooks and the destination, and writes
 * tombstones) that stores the report in Postgres; history holds only its id and verdict.
 */
export function reconcile(conn: Connection, trigger: ReconciliationTrigger): Promise<ReconcileOutcome> {
  return reconcileActs.reconcileConnection({ connectionId: conn.connectionId, trigger });
}

/** A run that failed ends here: its summary, with the error, is recorded and the next poll starts afresh. */
export async function recordFailedRun(conn: Connection, message: string): Promise<void> {
  const { connectionId, state } = conn;
  if (state.position) {
    state.position.summary.error = message;
    state.position.summary.finishedAt = new Date().toISOString();
    state.lastRun = state.position.summary;
    await bookkeeping(conn).recordSyncRun(connectionId, state.position.summary);
  }
  state.position = undefined;
}

function addStats(summary: RunSummary, entity: FreshBooksEntity, res: { records: number; delivered: number; rows: number; pagesRead: number }) {
  const s: EntityRunStats = summary.entities[entity] ?? { records: 0, delivered: 0, rows: 0, pages: 0 };
  s.records += res.records;
  s.delivered += res.delivered;
  s.rows += res.rows;
  s.pages += res.pagesRead;
  summary.entities[entity] = s;
}
