import { afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { ConnectionActivities } from '../../../contracts/activities';
import {
  CONNECTION_PATCHES, checkWebhooksSignal, requestSyncSignal, webhookVerifierSignal, pauseSignal, reconcileUpdate, statusQuery, webhookChangesSignal, type ConnectionListState, type ConnectionWorkflowInput, type ConnectionWorkflowStatus, type RunLane,
} from '../../../contracts/connection';
import type { AnnounceResult, RunSummary, SyncPagesInput, SyncPagesResult, SyncPlan } from '../../../contracts/sync';
import type { connectionWorkflow } from '../../../workflows';
import { workflowBundle as suiteWorkflowBundle } from '../../support/workflow-bundle';
import { installWorkerRuntime } from '../../../workers/runtime';
import { readFirstPages } from '../../../activities/first-pages';

/**
 * The connection workflow's decisions on Temporal's time-skipping test server (a real server whose
 * clock jumps to the next timer): when it polls, which mode a run takes, how it backs off, what it
 * waits for, and what continue-as-new keeps. The activities are stubs: they are this test's boundary.
 */

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;
let queues = 0;

before(async () => {
  installWorkerRuntime('error');
  workflowBundle = await suiteWorkflowBundle();
});

// A server of its own for each test (~0.1 s to start): the time-skipping server keeps a lock for work in flight when
// a run is terminated (temporalio/sdk-java#1138, #3088), and one test's leaked lock made every env.sleep after it
// run in real time (CI, stop 23: eight ten-minute polls past the file's 600 s limit).
beforeEach(async () => {
  const path = process.env.TEMPORAL_TEST_SERVER;
  assert.ok(path, 'TEMPORAL_TEST_SERVER is not set: run scripts/install-tools.sh and source .tools/env');
  env = await startTimeSkipping(path);
});

// The SDK gives the server a fixed 5 s to answer (sdk-core ephemeral_server, not configurable); on a loaded CI machine
// two starts in a row of the 33 missed it (the CI of stop 25). The SDK kills a server that timed out, so it is tried again.
async function startTimeSkipping(path: string, attempts = 3): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
    } catch (err) {
      if (attempt >= attempts || !/did not start within/.test(String(err))) throw err;
    }
  }
}

afterEach(async () => { await env?.teardown(); });

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Activity stubs that answer from a plan the test controls and note every call and recorded run. */
class Stub {
  plan: SyncPlan = { status: 'active', entities: ['invoices'], snapshots: [], webhooks: false, pollIntervalSec: 600, reconcileEveryHours: 24 };
  calls: string[] = [];
  runs: RunSummary[] = [];
  reconciles: string[] = [];
  listStates: ConnectionListState[] = [];
  beforeDeliverChanges: () => Promise<void> = async () => undefined;
  /** What deliverChanges reports it took (the activity measures it). */
  deliveryElapsedMs?: number;
  beforeConfirm: (callbackIds: number[]) => Promise<void> = async () => undefined;
  pagesPerPass = 1;
  announce: () => Promise<AnnounceResult> = async () => ({ ok: true, announced: 1 });
  syncPages: (input: SyncPagesInput) => Promise<SyncPagesResult> = async (input) => ({
    nextPage: input.startPage + input.maxPages <= this.pagesPerPass ? input.startPage + input.maxPages : null, pagesRead: 1, records: 1, delivered: 1, rows: 1,
    maxUpdatedAt: '2026-11-01T00:00:00Z',
  });

  activities(): ConnectionActivities {
    const note = <T>(name: string, value: T) => { this.calls.push(name); return value; };
    return {
      loadSyncPlan: async () => note('loadSyncPlan', { ...this.plan }),
      prepareDestination: async () => note('prepareDestination', undefined),
      finishFullRun: async () => note('finishFullRun', undefined),
      syncPages: async (input) => { note('syncPages', 0); return this.syncPages(input); },
      syncFirstPages: async (input) => { note('syncFirstPages', 0); return readFirstPages(input, this.syncPages); },
      deliverChanges: async ({ changes }) => { await this.beforeDeliverChanges(); return note('deliverChanges', { nextPage: null, pagesRead: 0, records: changes.length, delivered: changes.length, rows: changes.length, ...(this.deliveryElapsedMs === undefined ? {} : { elapsedMs: this.deliveryElapsedMs }) }); },
      refreshSnapshots: async () => note('refreshSnapshots', []),
      redeliverRecord: async () => note('redeliverRecord', { nextPage: null, pagesRead: 0, records: 1, delivered: 1, rows: 1 }),
      resetDestination: async () => note('resetDestination', undefined),
      updateDestinationSchema: async () => note('updateDestinationSchema', []),
      recordSyncRun: async (_id, run) => { this.runs.push(run); note('recordSyncRun', undefined); },
      recordListState: async (state) => { this.listStates.push(state); note('recordListState', undefined); },
      ensureWebhooks: async () => note('ensureWebhooks', { wanted: 0, verified: 0, registered: 0, awaitingVerification: 0 }),
      confirmWebhooks: async ({ callbackIds }) => { await this.beforeConfirm(callbackIds); return note('confirmWebhooks', callbackIds); },
      removeWebhooks: async () => note('removeWebhooks', 0),
      announceDelivery: async () => { note('announceDelivery', 0); return this.announce(); },
      reconcileConnection: async ({ trigger }) => { this.reconciles.push(trigger); return note('reconcileConnection', { reportId: `rec_${this.reconciles.length}`, status: 'clean' as const }); },
    };
  }
}

type Handle = WorkflowHandle<typeof connectionWorkflow>;

/** Starts a connection workflow on a worker with the stubs, runs `body`, then terminates the workflow. */
async function withConnection(stub: Stub, body: (wf: Handle) => Promise<void>, input: Partial<ConnectionWorkflowInput> = {}): Promise<void> {
  const taskQueue = `connection-test-${++queues}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: stub.activities() });
  await worker.runUntil(async () => {
    const wf = await env.client.workflow.start<typeof connectionWorkflow>('connectionWorkflow', {
      taskQueue, workflowId: `connection/${taskQueue}`, args: [{ connectionId: taskQueue, ...input }],
    });
    try {
      await body(wf);
    } finally {
      // A terminate that meets a continue-as-new ends the old run only; a run left going would keep its activities
      // scheduled on a queue no worker polls, and the time-skipping server's clock stays locked for every later test.
      for (let i = 0; i < 5; i++) {
        await wf.terminate('test over').catch(() => undefined);
        if ((await wf.describe().catch(() => undefined))?.status.name !== 'RUNNING') break;
      }
    }
  });
}

/** Waits (in real time; the server's clock only jumps on env.sleep) until `check` holds. */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const status = (wf: Handle): Promise<ConnectionWorkflowStatus> => wf.query(statusQuery);
/** An update asked of a workflow, bounded, so a lost update fails the test instead of hanging it. */
const bounded = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('update not answered in 30 s')), 30_000))]);
const nextPollIn = async (wf: Handle) => Date.parse((await until('a poll timer', async () => (await status(wf)).nextPollAt))) - await env.currentTimeMs();

test('the poll timer fires after the poll interval (±10%) and runs an incremental', async () => {
  const stub = new Stub();
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    assert.deepEqual([stub.runs[0]!.mode, stub.runs[0]!.reason], ['full', 'initial']);
    const wait = await nextPollIn(wf);
    assert.ok(wait >= 540_000 && wait <= 660_000, `poll in ${wait} ms`);
    await env.sleep(wait - 5_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(stub.runs.length, 1, 'no run before the timer');
    await env.sleep(10_000);
    await until('the scheduled run', () => stub.runs.length === 2);
    assert.deepEqual([stub.runs[1]!.mode, stub.runs[1]!.reason], ['incremental', 'schedule']);
  });
});

test('a scheduled run is full once reconcileEveryHours has passed since the last full one', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, pollIntervalSec: 3600, reconcileEveryHours: 1.5 };
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    await env.sleep(await nextPollIn(wf) + 1_000); // ~1 h after the full run: not yet due
    await until('the first scheduled run', () => stub.runs.length === 2);
    await env.sleep(await nextPollIn(wf) + 1_000); // ~2 h: due
    await until('the second scheduled run', () => stub.runs.length === 3);
    assert.deepEqual(stub.runs.map((r) => r.mode), ['full', 'incremental', 'full']);
  });
});

test('after failures it backs off longer each time, and the status counts them', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, pollIntervalSec: 10 };
  stub.syncPages = async () => { throw ApplicationFailure.nonRetryable('destination refused the rows', 'DestinationRejected'); };
  await withConnection(stub, async (wf) => {
    await until('the first failure', () => stub.runs.length === 1);
    const s = await until('backing off', async () => { const s = await status(wf); return s.phase === 'backing_off' && s; });
    assert.equal(s.consecutiveFailures, 1);
    assert.match(s.lastRun?.error ?? '', /destination refused/);
    // Failures come at ~0, ~2 min 10 s (2 min back-off) and ~6 min 20 s (4 min); the fourth not before ~14 min.
    await env.sleep(3 * MIN);
    await until('the second failure', () => stub.runs.length === 2);
    await env.sleep(5 * MIN);
    await until('the third failure', () => stub.runs.length === 3);
    assert.equal((await until('3 failures counted', async () => { const s = await status(wf); return s.consecutiveFailures === 3 && s; })).consecutiveFailures, 3);
    const started = stub.runs.map((r) => Date.parse(r.startedAt));
    const [gap1, gap2] = [started[1]! - started[0]!, started[2]! - started[1]!];
    // 2 min, then 4 min, plus a ~10 s poll each time.
    assert.ok(gap1 >= 2 * MIN && gap1 < 3 * MIN, `first gap ${gap1}`);
    assert.ok(gap2 >= 4 * MIN && gap2 < 5 * MIN, `second gap ${gap2}`);
  });
});

test('a schema mismatch shows in the phase and is tried again only once per poll, not in a loop', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, pollIntervalSec: 600 };
  stub.syncPages = async () => { throw ApplicationFailure.nonRetryable('the table has other columns', 'SchemaMismatch'); };
  await withConnection(stub, async (wf) => {
    await until('the failed run', () => stub.runs.length === 1);
    await until('schema_mismatch', async () => (await status(wf)).phase === 'schema_mismatch');
    await env.sleep(3 * HOUR);
    await new Promise((r) => setTimeout(r, 500));
    const s = await status(wf);
    assert.equal(s.phase, 'schema_mismatch', 'stays until someone aligns the schema');
    // One attempt per ~10 min poll: at most 3 h / 9 min of them, never a hot loop.
    assert.ok(stub.runs.length >= 2 && stub.runs.length <= 21, `${stub.runs.length} attempts in 3 h`);
  });
});

test('needing re-authorization stops the runs until the plan is active again', async () => {
  const stub = new Stub();
  stub.syncPages = async () => {
    stub.plan.status = 'needs_reauth'; // what the real activity does: marks the connection
    throw ApplicationFailure.nonRetryable('FreshBooks refused the token', 'NeedsReauth');
  };
  await withConnection(stub, async (wf) => {
    await until('the failed run', () => stub.runs.length === 1);
    await until('needs_reauth', async () => (await status(wf)).phase === 'needs_reauth');
    const loads = stub.calls.filter((c) => c === 'loadSyncPlan').length;
    await env.sleep(3 * HOUR);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await status(wf)).phase, 'needs_reauth');
    assert.equal(stub.calls.filter((c) => c === 'syncPages').length, 1, 'no run reads FreshBooks meanwhile');
    const polls = stub.calls.filter((c) => c === 'loadSyncPlan').length - loads;
    assert.ok(polls <= 2 * 21, `${polls} plan loads in 3 h: one or two per poll`);
  });
});

test('paused, scheduled runs stop; resumed, they start again', async () => {
  const stub = new Stub();
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    await wf.signal(pauseSignal, true);
    // A pause does not cut the wait short: the timer fires, finds it paused and waits another interval.
    await env.sleep(2 * HOUR);
    await until('paused', async () => (await status(wf)).phase === 'paused');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(stub.runs.length, 1, 'no run while paused');
    await wf.signal(pauseSignal, false);
    await env.sleep(await nextPollIn(wf) + 1_000);
    await until('a scheduled run after resuming', () => stub.runs.length === 2);
    assert.equal(stub.runs[1]!.reason, 'schedule');
  });
});

test('a webhook change is delivered between the page batches of a long run', async () => {
  const stub = new Stub();
  stub.pagesPerPass = 40; // four syncPages calls of 10 pages for the first pass
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  const plain = stub.syncPages;
  stub.syncPages = async (input) => {
    if (input.startPage === 11 && input.pass === 'changes') await held;
    return plain(input);
  };
  await withConnection(stub, async (wf) => {
    setTimeout(release, 40_000).unref(); // never leave the activity (and the worker's shutdown) hanging
    await until('the second page batch', () => stub.calls.filter((c) => c === 'syncPages').length === 2);
    await wf.signal(webhookChangesSignal, [{ entity: 'invoices', recordId: '7', deleted: false, receivedAt: new Date().toISOString() }]);
    release();
    await until('the run', () => stub.runs.length === 1);
    const syncs = stub.calls.flatMap((c, i) => (c === 'syncPages' ? [i] : []));
    const delivered = stub.calls.indexOf('deliverChanges');
    assert.ok(delivered > syncs[1]! && delivered < syncs[2]!, `calls: ${stub.calls.join(' ')}`);
    assert.equal((await status(wf)).webhooks.delivered, 1);
  });
});

test('everything the status shows survives continue-as-new', async () => {
  const stub = new Stub();
  // A day-long window keeps the announcement pending, so the status shows it owed on both sides.
  stub.plan = { ...stub.plan, webhooks: true, pollIntervalSec: 6 * 3600, announce: { windowSec: 86_400 } };
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    await wf.signal(webhookChangesSignal, [{ entity: 'invoices', recordId: '7', deleted: false, receivedAt: new Date().toISOString() }]);
    await until('the change delivered', async () => (await status(wf)).webhooks.batches === 1);
    stub.syncPages = async () => { throw ApplicationFailure.nonRetryable('the table has other columns', 'SchemaMismatch'); };
    await wf.signal('requestSync', { mode: 'incremental', reason: 'manual' });
    await until('schema_mismatch', async () => { const s = await status(wf); return s.phase === 'schema_mismatch' && s.nextPollAt; });
    const before = await status(wf);
    const { runId } = await wf.describe();
    // Each callback check is a few events: enough of them cross the lowered history threshold.
    for (let i = 0; i < 40 && (await wf.describe()).runId === runId; i++) {
      const checks = stub.calls.filter((c) => c === 'ensureWebhooks').length;
      await wf.signal(checkWebhooksSignal);
      await until('the check', () => stub.calls.filter((c) => c === 'ensureWebhooks').length > checks);
    }
    await until('continued as new', async () => (await wf.describe()).runId !== runId);
    const after = await until('the new run answers', async () => { try { return await status(wf); } catch { return undefined; } });
    assert.deepEqual(after, before);
    assert.equal(before.consecutiveFailures, 1);
    assert.ok(before.cursors.invoices?.since && before.lastRun?.error && before.webhooks.delivered === 1);
    assert.deepEqual(before.looker, { pending: true });
  }, { maxHistoryEvents: 120 });
});

const change = (recordId: string) => [{ entity: 'invoices' as const, recordId, deleted: false, receivedAt: new Date().toISOString() }];
const announcements = (stub: Stub) => stub.calls.filter((c) => c === 'announceDelivery').length;
/** Lets the worker act on what the last env.sleep made due before the test looks. */
const settle = () => new Promise((r) => setTimeout(r, 300));

test('a burst of deliveries is one announcement at the end of its window; a later change gets its own window', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, webhooks: true, pollIntervalSec: 6 * 3600, announce: { windowSec: 60 } };
  const plain = stub.syncPages;
  stub.syncPages = async (input) => ({ ...(await plain(input)), delivered: 0 }); // the initial run changes nothing
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    assert.equal((await status(wf)).looker, undefined, 'nothing changed, nothing owed');
    for (let i = 0; i < 10; i++) await wf.signal(webhookChangesSignal, change(String(i)));
    await until('ten changes delivered', async () => (await status(wf)).webhooks.delivered === 10);
    assert.equal((await status(wf)).looker?.pending, true);
    await env.sleep(50_000);
    await settle();
    assert.equal(announcements(stub), 0, 'not before the window ends');
    await env.sleep(11_000);
    await until('one announcement', () => announcements(stub) === 1);
    const s = await until('announced', async () => { const s = await status(wf); return !!s.looker?.lastTriggeredAt && s; });
    assert.equal(s.looker?.pending, false);
    await wf.signal(webhookChangesSignal, change('late'));
    await until('the late change delivered', async () => (await status(wf)).webhooks.delivered === 11);
    await env.sleep(30_000);
    await settle();
    assert.equal(announcements(stub), 1, 'a window after the last one at the earliest');
    await env.sleep(31_000);
    await until('the second announcement', () => announcements(stub) === 2);
  });
});

test('a run started by current code carries its behaviour changes in its input and writes no patch marker (markers are plain JSON, outside the codec); a run from before the list still writes one', async () => {
  // Patch markers only: a local activity's result is a marker too, and goes through the codec.
  const markers = async (wf: Handle) => ((await wf.fetchHistory()).events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length;
  for (const [input, expected] of [[{ patches: [...CONNECTION_PATCHES] }, 0], [{}, 1]] as [Partial<ConnectionWorkflowInput>, number][]) {
    const stub = new Stub();
    stub.plan = { ...stub.plan, webhooks: true, pollIntervalSec: 6 * 3600, announce: { windowSec: 60 }, deliveryWindowMs: 1_000 };
    await withConnection(stub, async (wf) => {
      await until('the initial run', () => stub.runs.length === 1);
      await wf.signal(webhookChangesSignal, change('1'));
      await env.sleep(2_000);
      await until('the change delivered', async () => (await status(wf)).webhooks.delivered >= 1);
      await env.sleep(61_000);
      await until('announced', () => announcements(stub) >= 1);
      assert.equal(await markers(wf) > 0 ? 1 : 0, expected, `markers with input ${JSON.stringify(input)}`);
    }, input);
  }
});

test('with a delivery window, a burst of webhook changes is one delivery at the end of the window; a later change opens its own', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, webhooks: true, pollIntervalSec: 6 * 3600, deliveryWindowMs: 2_000 };
  stub.deliveryElapsedMs = 300;
  const deliveries = () => stub.calls.filter((c) => c === 'deliverChanges').length;
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    for (let i = 0; i < 10; i++) await wf.signal(webhookChangesSignal, change(String(i)));
    await until('ten changes pending', async () => (await status(wf)).webhooks.pending === 10);
    await settle();
    assert.equal(deliveries(), 0, 'nothing delivered before the window has run');
    await env.sleep(2_500);
    await until('the burst delivered', async () => (await status(wf)).webhooks.delivered === 10);
    assert.equal(deliveries(), 1, 'ten changes, one delivery');
    assert.equal((await status(wf)).webhooks.batches, 1);
    assert.equal((await status(wf)).webhooks.lastDeliveryMs, 300, 'the status shows how long the delivery took, as the activity measured it');
    await wf.signal(webhookChangesSignal, change('late'));
    await until('the late change pending', async () => (await status(wf)).webhooks.pending === 1);
    await settle();
    assert.equal(deliveries(), 1, 'the late change waits for a window of its own');
    await env.sleep(2_500);
    await until('the late change delivered', async () => (await status(wf)).webhooks.delivered === 11);
    assert.equal(deliveries(), 2);
  });
});

test('failed announcements back off without holding up deliveries, and the status shows the error until one succeeds', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, webhooks: true, pollIntervalSec: 6 * 3600, announce: { windowSec: 5 } };
  let failing = true;
  stub.announce = async () => (failing ? { ok: false, error: 'Looker answered PATCH /datagroups/{id} with HTTP 503', retryAfterMs: 20_000 } : { ok: true, announced: 1 });
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    await env.sleep(6_000);
    await until('the first attempt', () => announcements(stub) === 1);
    const s = await until('the error shown', async () => { const s = await status(wf); return !!s.looker?.lastError && s; });
    assert.match(s.looker!.lastError!, /503/);
    assert.equal(s.looker!.pending, true);
    // Deliveries go on while Looker is down.
    await wf.signal(webhookChangesSignal, change('during-outage'));
    await until('delivered during the outage', async () => (await status(wf)).webhooks.delivered === 1);
    await env.sleep(10_000);
    await settle();
    assert.equal(announcements(stub), 1, 'Retry-After (20 s) is honoured');
    failing = false;
    await env.sleep(11_000);
    await until('the retry', () => announcements(stub) === 2);
    const ok = await until('recovered', async () => { const s = await status(wf); return !!s.looker?.lastTriggeredAt && s; });
    assert.deepEqual([ok.looker!.pending, ok.looker!.lastError], [false, undefined]);
  });
});

test('a reconciliation report follows each complete full run, not an incremental one; on demand it answers the stored report, and a paused connection refuses', async () => {
  const stub = new Stub();
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    await until('its report', () => stub.reconciles.length === 1);
    assert.deepEqual(stub.reconciles, ['full_reconciliation']);
    await env.sleep(await nextPollIn(wf) + 1_000);
    await until('the scheduled incremental run', () => stub.runs.length === 2);
    assert.equal(stub.runs[1]!.mode, 'incremental');
    assert.deepEqual(stub.reconciles, ['full_reconciliation'], 'no report after an incremental run');

    // Asked while the workflow waits for its next poll; bounded, so a lost update fails the test instead of hanging it.
    await until('waiting for the next poll', async () => { const s = await status(wf); return !s.currentRun && s.phase === 'waiting' && s.nextPollAt; });
    assert.deepEqual(await bounded(wf.executeUpdate(reconcileUpdate)), { reportId: 'rec_2', status: 'clean' });
    assert.deepEqual(stub.reconciles, ['full_reconciliation', 'on_demand']);
    await wf.signal(pauseSignal, true);
    await assert.rejects(bounded(wf.executeUpdate(reconcileUpdate)), (err: Error) => err.name === 'WorkflowUpdateFailedError' && /paused/.test(String((err as { cause?: Error }).cause?.message)));
    assert.equal(stub.reconciles.length, 2, 'refused before any activity');
  }, { reportsAfterFullRun: true });
});

test('a run started before reports existed (its input lacks the flag) makes none after its full run, so its history replays; its continuation has the flag', async () => {
  const stub = new Stub();
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    assert.equal((await status(wf)).lastRun?.mode, 'full');
    assert.deepEqual(stub.reconciles, [], 'no report activity scheduled');
    assert.deepEqual(await bounded(wf.executeUpdate(reconcileUpdate)), { reportId: 'rec_1', status: 'clean' }, 'on demand it still answers');
  });
});

const current = { patches: [...CONNECTION_PATCHES] };
const lastListed = (stub: Stub) => stub.listStates[stub.listStates.length - 1];

test('a run started by current code keeps its list row in step: run start and end, pause and resume, backing off; webhook batches write nothing', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, webhooks: true };
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    const waiting = await until('waiting listed', () => { const s = lastListed(stub); return s?.phase === 'waiting' && s.nextPollAt ? s : undefined; });
    assert.ok(stub.listStates.some((s) => s.phase === 'syncing'), `the run's start is listed: ${JSON.stringify(stub.listStates)}`);
    assert.equal(waiting.nextPollAt, (await status(wf)).nextPollAt, 'the listed next poll is the timer\'s');
    assert.equal(waiting.connectionId, (await wf.describe()).workflowId.replace('connection/', ''));

    // Webhook batches are the hot path: delivered, counted in the status, and no list write.
    const writes = stub.listStates.length;
    for (let i = 0; i < 5; i++) {
      await wf.signal(webhookChangesSignal, change(String(100 + i)));
      await until('the change delivered', async () => (await status(wf)).webhooks.batches === i + 1);
    }
    await settle();
    assert.equal(stub.listStates.length, writes, `webhook batches wrote list rows: ${JSON.stringify(stub.listStates.slice(writes))}`);

    // A pause wakes nothing in the loop, yet the list shows it (and no next poll); a resume brings the poll back.
    await wf.signal(pauseSignal, true);
    await until('paused listed', () => lastListed(stub)?.phase === 'paused' && lastListed(stub)?.nextPollAt === null);
    await wf.signal(pauseSignal, false);
    await until('resumed listed', () => lastListed(stub)?.phase === 'waiting' && lastListed(stub)?.nextPollAt === waiting.nextPollAt);

    // A failed run backs off, and says so with its failure count.
    stub.syncPages = async () => { throw ApplicationFailure.nonRetryable('the destination is down', 'DestinationUnavailable'); };
    await wf.signal('requestSync', { mode: 'incremental', reason: 'manual' });
    await until('backing off listed', () => lastListed(stub)?.phase === 'backing_off' && lastListed(stub)?.consecutiveFailures === 1);
    // A pause during the back-off shows at once, not when the back-off ends.
    await wf.signal(pauseSignal, true);
    await until('paused while backing off listed', () => lastListed(stub)?.phase === 'paused');
  }, current);
});

test('a webhook error shows in the list row once, and clears with the next batch that succeeds', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, webhooks: true };
  let fail = true;
  await withConnection(stub, async (wf) => {
    await until('waiting listed', () => lastListed(stub)?.phase === 'waiting' && lastListed(stub)?.nextPollAt);
    stub.beforeDeliverChanges = async () => { if (fail) throw ApplicationFailure.nonRetryable('FreshBooks answered 500', 'SourceUnavailable'); };
    await wf.signal(webhookChangesSignal, change('1'));
    await until('error listed', () => lastListed(stub)?.webhookError?.includes('FreshBooks answered 500'));
    fail = false;
    await wf.signal(webhookChangesSignal, change('2'));
    await until('error cleared', () => lastListed(stub)?.webhookError === null && lastListed(stub));
  }, current);
});

test('a run started before the list row existed (its input lacks the change) writes none, so its history replays', async () => {
  const stub = new Stub();
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    await wf.signal(pauseSignal, true);
    await until('paused', async () => (await status(wf)).phase === 'paused');
    await settle();
    assert.equal(stub.listStates.length, 0);
  }, { patches: CONNECTION_PATCHES.filter((p) => p !== 'list-state-in-postgres') });
});

// ---- several entities at once ('concurrent-entities') ----------------------------------------------

const FIVE: SyncPlan['entities'] = ['invoices', 'clients', 'payments', 'expenses', 'bills'];
/** Runs begun before 'first-pages-together': every batch of every entity goes through the lanes. */
const lanesOnly = { patches: CONNECTION_PATCHES.filter((p) => p !== 'first-pages-together') };

/** Pages answered per entity: each batch's newest `updated` grows with its page, so the cursor shows which batches counted. */
function pagedSyncPages(stub: Stub, opts: { holdMs?: number; inFlight?: { now: number; max: number } } = {}) {
  const entityHour = (e: string) => String(10 + FIVE.indexOf(e as never)).padStart(2, '0');
  return async (input: SyncPagesInput): Promise<SyncPagesResult> => {
    const f = opts.inFlight;
    if (f) f.max = Math.max(f.max, ++f.now);
    try {
      if (opts.holdMs) await new Promise((r) => setTimeout(r, opts.holdMs));
      const next = input.startPage + input.maxPages;
      return {
        nextPage: next <= stub.pagesPerPass ? next : null, pagesRead: 1, records: 1, delivered: 1, rows: 1,
        maxUpdatedAt: `2026-11-01T${entityHour(input.entity)}:${String(input.startPage).padStart(2, '0')}:00Z`,
      };
    } finally {
      if (f) f.now -= 1;
    }
  };
}

/** Each entity's batches, in the order they were asked for: `pass:startPage`. */
function batchesByEntity(calls: SyncPagesInput[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of calls) (out[c.entity] ??= []).push(`${c.pass}:${c.startPage}`);
  return out;
}

test('with concurrent-entities a run reads three entities at once; each entity reads its passes in order, and only a wholly read entity moves its cursor', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, entities: FIVE };
  stub.pagesPerPass = 20; // two batches per pass
  const inFlight = { now: 0, max: 0 };
  const asked: SyncPagesInput[] = [];
  const paged = pagedSyncPages(stub, { holdMs: 150, inFlight });
  stub.syncPages = async (input) => {
    asked.push(input);
    const res = await paged(input);
    // bills' deleted pass keeps shifting under the reader: never read whole.
    return input.entity === 'bills' && input.pass === 'deleted' ? { ...res, shifted: true } : res;
  };
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    assert.equal(inFlight.max, 3, 'three entities read at once, never more');
    const byEntity = batchesByEntity(asked);
    for (const e of ['invoices', 'clients', 'payments', 'expenses']) {
      assert.deepEqual(byEntity[e], ['changes:1', 'changes:11', 'deleted:1', 'deleted:11'], `${e}: passes in order, each page batch once`);
    }
    // Read three times (MAX_PASS_READS), then given up on: incomplete.
    assert.deepEqual(byEntity.bills, ['changes:1', 'changes:11', 'deleted:1', 'deleted:11', 'deleted:1', 'deleted:11', 'deleted:1', 'deleted:11']);
    const s = await status(wf);
    assert.deepEqual(s.cursors, {
      invoices: { since: '2026-11-01T10:11:00Z' }, clients: { since: '2026-11-01T11:11:00Z' }, payments: { since: '2026-11-01T12:11:00Z' },
      expenses: { since: '2026-11-01T13:11:00Z' },
    }, 'bills, not read whole, keeps no cursor');
    const run = stub.runs[0]!;
    assert.equal(run.entities.bills?.incomplete, true);
    assert.match(run.error ?? '', /bills/);
    for (const e of ['invoices', 'clients', 'payments', 'expenses'] as const) assert.equal(run.entities[e]?.pages, 4);
  }, lanesOnly);
});

test('with concurrent-entities webhook work is done by one lane at a time, never beside a page batch (a batch landing after a newer webhook version would win the latest view)', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, entities: FIVE, webhooks: true };
  stub.pagesPerPass = 60;
  const batches = { now: 0, max: 0 };
  const paged = pagedSyncPages(stub, { holdMs: 30, inFlight: batches });
  let delivering = 0;
  let maxDelivering = 0;
  const overlaps: string[] = [];
  stub.syncPages = async (input) => {
    if (delivering > 0) overlaps.push(`${input.entity}:${input.pass}:${input.startPage} began during a delivery`);
    return paged(input);
  };
  stub.beforeDeliverChanges = async () => {
    maxDelivering = Math.max(maxDelivering, ++delivering);
    if (batches.now > 0) overlaps.push(`a delivery began beside ${batches.now} page batch(es)`);
    await new Promise((r) => setTimeout(r, 200));
    delivering -= 1;
  };
  await withConnection(stub, async (wf) => {
    const syncs = () => stub.calls.filter((c) => c === 'syncPages').length;
    for (let i = 1; i <= 4; i++) {
      await until(`batch ${i * 6}`, () => syncs() >= i * 6);
      await wf.signal(webhookChangesSignal, change(String(i)));
    }
    await until('the run', () => stub.runs.length === 1);
    assert.equal(batches.max, 3, 'the lanes did read at once');
    assert.equal(maxDelivering, 1, 'never two webhook deliveries at once');
    assert.deepEqual(overlaps, []);
    assert.equal((await status(wf)).webhooks.delivered, 4);
  }, lanesOnly);
});

// ---- verifications beside the work ('verifiers-beside-work') ------------------------------------------

/**
 * A run reading FIVE in lanes, invoices' batches long, while a verifier arrives mid-run: what the
 * confirmation overlapped, and whether a batch begun before the verifier came was still in flight when
 * the confirmation began (the lanes were not drained for it).
 */
async function verifierMidRun(input: Partial<ConnectionWorkflowInput>) {
  const stub = new Stub();
  stub.plan = { ...stub.plan, entities: FIVE, webhooks: true };
  stub.pagesPerPass = 40;
  const paged = pagedSyncPages(stub);
  const inFlight = new Map<number, number>();
  let next = 0;
  let signalAt = Infinity;
  let confirming = 0;
  let batchesStartedDuringConfirm = 0;
  const atConfirm: { batches: number; olderThanVerifier: number }[] = [];
  const confirmed: number[] = [];
  stub.syncPages = async (i) => {
    if (confirming > 0) batchesStartedDuringConfirm += 1;
    const id = next++;
    inFlight.set(id, Date.now());
    try {
      await new Promise((r) => setTimeout(r, i.entity === 'invoices' ? 600 : 30));
      return await paged(i);
    } finally {
      inFlight.delete(id);
    }
  };
  stub.beforeConfirm = async (ids) => {
    atConfirm.push({ batches: inFlight.size, olderThanVerifier: [...inFlight.values()].filter((t) => t < signalAt).length });
    confirming += 1;
    await new Promise((r) => setTimeout(r, 300));
    confirming -= 1;
    confirmed.push(...ids);
  };
  await withConnection(stub, async (wf) => {
    await until('an invoices batch in flight beside the others', () => stub.calls.filter((c) => c === 'syncPages').length >= 6 && inFlight.size >= 2);
    signalAt = Date.now();
    await wf.signal(webhookVerifierSignal, 77);
    await until('the run', () => stub.runs.length === 1);
    await until('the confirmation', () => confirmed.length > 0);
  }, input);
  return { atConfirm, batchesStartedDuringConfirm, confirmed };
}

test('with verifiers-beside-work a verifier FreshBooks posts mid-run is confirmed beside the page batches: none is waited for, and they go on meanwhile', async () => {
  const r = await verifierMidRun(current);
  assert.deepEqual(r.confirmed, [77], 'confirmed once');
  assert.ok(r.atConfirm[0]!.olderThanVerifier > 0, `a batch begun before the verifier was still in flight (${JSON.stringify(r.atConfirm)})`);
  assert.ok(r.batchesStartedDuringConfirm > 0, 'page batches kept starting during the confirmation');
});

test('without verifiers-beside-work (runs begun before it) a verifier still waits for the batches in flight and holds the lanes', async () => {
  const r = await verifierMidRun({ patches: CONNECTION_PATCHES.filter((p) => p !== 'verifiers-beside-work') });
  assert.deepEqual(r.confirmed, [77]);
  assert.deepEqual(r.atConfirm, [{ batches: 0, olderThanVerifier: 0 }], 'no batch in flight during the confirmation');
  assert.equal(r.batchesStartedDuringConfirm, 0);
});

test('with concurrent-entities a run continued as new mid-run resumes every lane where it stood: each page batch read once, cursors as an uninterrupted run', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, entities: FIVE };
  stub.pagesPerPass = 30; // three batches per pass: lanes are mid-pass when the history runs long
  const asked: SyncPagesInput[] = [];
  const paged = pagedSyncPages(stub, { holdMs: 10 });
  stub.syncPages = async (input) => { asked.push(input); return paged(input); };
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    const byEntity = batchesByEntity(asked);
    for (const e of FIVE) assert.deepEqual(byEntity[e], ['changes:1', 'changes:11', 'changes:21', 'deleted:1', 'deleted:11', 'deleted:21'], `${e}: every batch once, in order`);
    const s = await status(wf);
    for (const [i, e] of FIVE.entries()) assert.deepEqual(s.cursors[e], { since: `2026-11-01T${10 + i}:21:00Z` }, `${e}: cursor`);
    assert.equal(stub.runs[0]!.error, undefined);
    for (const e of FIVE) assert.equal(stub.runs[0]!.entities[e]?.pages, 6);

    // What the hand-overs carried: at least one with several lanes, one of them mid-pass.
    const carried: RunLane[][] = [];
    // From the current run back: each run's start names the run that continued into it, and that run's last event holds what it handed over.
    let runId: string | undefined = (await wf.describe()).runId;
    while (runId) {
      const started: { continuedExecutionRunId?: string | null } | null | undefined = (await env.client.workflow.getHandle(wf.workflowId, runId).fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
      runId = started?.continuedExecutionRunId ?? undefined;
      if (!runId) break;
      const can = (await env.client.workflow.getHandle(wf.workflowId, runId).fetchHistory()).events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
      const [input] = (can?.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload<ConnectionWorkflowInput>(p as never));
      if (input?.state?.position?.lanes) carried.push(input.state.position.lanes);
    }
    assert.ok(carried.length >= 2, `continued as new mid-run ${carried.length} times`);
    assert.ok(carried.some((lanes) => lanes.length >= 2 && lanes.some((l) => l.page > 1 || l.passIndex > 0)), `lanes carried: ${JSON.stringify(carried)}`);
  }, { ...lanesOnly, maxHistoryEvents: 60 });
});

test('a run that older code was reading one entity at a time goes on from its entity, pass and page when continued with concurrent-entities', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, entities: FIVE };
  stub.pagesPerPass = 20;
  const asked: SyncPagesInput[] = [];
  const paged = pagedSyncPages(stub);
  stub.syncPages = async (input) => { asked.push(input); return paged(input); };
  const summary: RunSummary = { runKey: 'older', mode: 'full', reason: 'initial', startedAt: '2026-11-01T00:00:00Z', entities: {} };
  const state = {
    cursors: {}, pending: [], redeliveries: [], paused: false, consecutiveFailures: 0, changes: {}, verifications: [], webhookCheckDue: false,
    maintenance: [], webhookStats: { received: 0, delivered: 0, batches: 0 },
    // clients' deleted pass, its second batch next; the first batch saw a newer `updated` than any left.
    position: { summary, entityIndex: 1, passIndex: 1, page: 11, entity: 'clients' as const, maxUpdatedAt: '2026-11-01T23:00:00Z', reading: { items: 149, total: 150, shifted: false, reads: 1, fromStart: true } },
  } satisfies ConnectionWorkflowInput['state'];
  await withConnection(stub, async (wf) => {
    await until('the resumed run', () => stub.runs.length === 1);
    const byEntity = batchesByEntity(asked);
    assert.equal(byEntity.invoices, undefined, 'the entity already read is not read again');
    assert.deepEqual(byEntity.clients, ['deleted:11'], 'clients goes on at its page');
    assert.deepEqual(asked.find((a) => a.entity === 'clients')?.expectTotal, 150, 'with what its pass had reported');
    for (const e of ['payments', 'expenses', 'bills']) assert.deepEqual(byEntity[e], ['changes:1', 'changes:11', 'deleted:1', 'deleted:11']);
    assert.deepEqual((await status(wf)).cursors.clients, { since: '2026-11-01T23:00:00Z' });
    assert.equal(stub.runs[0]!.runKey, 'older');
  }, { ...current, state });
});

// ---- first pages together ('first-pages-together') ------------------------------------------------

test('with first-pages-together a quiet run is one activity for five entities: each pass read once from page 1, in order, every cursor moved', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, entities: FIVE };
  const asked: SyncPagesInput[] = [];
  const paged = pagedSyncPages(stub);
  stub.syncPages = async (input) => { asked.push(input); return paged(input); };
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    assert.equal(stub.calls.filter((c) => c === 'syncFirstPages').length, 1);
    assert.equal(stub.calls.filter((c) => c === 'syncPages').length, 0, 'no page batch left for the lanes');
    const byEntity = batchesByEntity(asked);
    for (const e of FIVE) assert.deepEqual(byEntity[e], ['changes:1', 'deleted:1'], e);
    assert.deepEqual(Object.keys(byEntity), FIVE, 'entities in the plan\'s order');
    const s = await status(wf);
    for (const [i, e] of FIVE.entries()) assert.deepEqual(s.cursors[e], { since: `2026-11-01T${10 + i}:01:00Z` }, `${e}: cursor`);
    for (const e of FIVE) assert.equal(stub.runs[0]!.entities[e]?.pages, 2);
    assert.equal(stub.runs[0]!.error, undefined);
  }, current);
});

test('with first-pages-together an entity with more pages goes on in a lane from its next page, and a pass whose list moved is read again before its deleted pass', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, entities: [...FIVE, 'items', 'bill_vendors'] };
  const asked: SyncPagesInput[] = [];
  let billsShifted = false;
  stub.syncPages = async (input) => {
    asked.push(input);
    const pages = input.entity === 'invoices' ? 20 : 1;
    const next = input.startPage + input.maxPages;
    const res: SyncPagesResult = { nextPage: next <= pages ? next : null, pagesRead: 1, records: 1, delivered: 1, rows: 1, maxUpdatedAt: `2026-11-02T00:00:${String(input.startPage).padStart(2, '0')}Z` };
    // bills' first read of its changes pass sees the list move under it.
    if (input.entity === 'bills' && input.pass === 'changes' && !billsShifted) { billsShifted = true; return { ...res, shifted: true }; }
    return res;
  };
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    assert.equal(stub.calls.filter((c) => c === 'syncFirstPages').length, 2, 'seven entities, five per activity');
    const byEntity = batchesByEntity(asked);
    assert.deepEqual(byEntity.invoices, ['changes:1', 'changes:2', 'changes:12', 'deleted:1', 'deleted:11'], 'invoices goes on from page 2 in a lane');
    assert.deepEqual(byEntity.bills, ['changes:1', 'changes:1', 'deleted:1'], 'bills reads its changes pass again, then its deleted pass');
    for (const e of ['clients', 'payments', 'expenses', 'items', 'bill_vendors']) assert.deepEqual(byEntity[e], ['changes:1', 'deleted:1'], e);
    const s = await status(wf);
    assert.deepEqual(s.cursors.invoices, { since: '2026-11-02T00:00:12Z' });
    assert.equal(stub.runs[0]!.entities.bills?.rereads, 1);
    assert.equal(stub.runs[0]!.error, undefined);
  }, current);
});

// ---- quiet polls ('plan-reused-after-run', 'callback-check-hourly') --------------------------------

test('a scheduled poll loads the plan once (the wait after it reuses the run\'s), and checks the callbacks only once an hour has passed since the last check', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, webhooks: true, pollIntervalSec: 600 };
  const count = (name: string) => stub.calls.filter((c) => c === name).length;
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    assert.equal(count('ensureWebhooks'), 1, 'the first run checks the callbacks');
    const firstCheckAt = Date.parse(stub.runs[0]!.startedAt);
    let checkedAgainAt: number | undefined;
    for (let poll = 2; poll <= 9 && checkedAgainAt === undefined; poll++) {
      const wait = await nextPollIn(wf);
      const [plans, checks] = [count('loadSyncPlan'), count('ensureWebhooks')];
      await env.sleep(wait + 1_000);
      await until(`poll ${poll}`, () => stub.runs.length === poll);
      await until('the wait after it', async () => (await status(wf)).nextPollAt);
      const run = stub.runs[poll - 1]!;
      assert.equal(run.reason, 'schedule');
      assert.equal(count('loadSyncPlan') - plans, 1, `poll ${poll}: the plan loaded once`);
      const sinceFirst = Date.parse(run.startedAt) - firstCheckAt;
      if (count('ensureWebhooks') > checks) checkedAgainAt = sinceFirst;
      else assert.ok(sinceFirst < HOUR + MIN, `poll ${poll}, ${Math.round(sinceFirst / MIN)} min after the first check: not checked`);
    }
    assert.ok(checkedAgainAt !== undefined && checkedAgainAt >= HOUR - MIN, `checked again ${checkedAgainAt && Math.round(checkedAgainAt / MIN)} min after the first check`);
  }, current);
});

test('a new connection\'s first run reuses the plan its wait just loaded (\'plan-reused-for-run\'); a manual sync loads it again', async () => {
  const loadsBeforeFirstRead = async (patches: typeof CONNECTION_PATCHES[number][]) => {
    const stub = new Stub();
    stub.plan = { ...stub.plan, webhooks: true };
    await withConnection(stub, async () => {
      await until('the initial run', () => stub.runs.length === 1);
    }, { patches });
    return stub.calls.slice(0, stub.calls.findIndex((c) => c === 'syncFirstPages' || c === 'syncPages')).filter((c) => c === 'loadSyncPlan').length;
  };
  assert.equal(await loadsBeforeFirstRead([...CONNECTION_PATCHES]), 1);
  assert.equal(await loadsBeforeFirstRead(CONNECTION_PATCHES.filter((p) => p !== 'plan-reused-for-run')), 2);

  const stub = new Stub();
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    const loads = stub.calls.filter((c) => c === 'loadSyncPlan').length;
    // Within seconds of the plan the wait holds: someone who just changed the connection asks for a sync.
    await wf.signal(requestSyncSignal, { mode: 'incremental', reason: 'manual' });
    await until('the manual run', () => stub.runs.length === 2);
    assert.equal(stub.calls.filter((c) => c === 'loadSyncPlan').length - loads, 1, 'the manual run loads the plan');
  }, current);
});

test('the run\'s activities take the heartbeat timeout the plan gives (the worker\'s ACTIVITY_HEARTBEAT_TIMEOUT_SEC); a plan without one keeps 30 s', async () => {
  const heartbeatsOf = async (wf: Handle, activity: string) => {
    const history = await wf.fetchHistory();
    return (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === activity)
      .map((a) => Number(a!.heartbeatTimeout?.seconds ?? 0));
  };
  const quick = new Stub();
  quick.plan = { ...quick.plan, heartbeatTimeoutSec: 5 };
  await withConnection(quick, async (wf) => {
    await until('the initial run', () => quick.runs.length === 1);
    const seconds = await heartbeatsOf(wf, 'syncPages');
    assert.ok(seconds.length > 0);
    assert.deepEqual([...new Set(seconds)], [5]);
    assert.deepEqual([...new Set(await heartbeatsOf(wf, 'recordSyncRun'))], [5]);
  });
  const older = new Stub();
  await withConnection(older, async (wf) => {
    await until('the initial run', () => older.runs.length === 1);
    assert.deepEqual([...new Set(await heartbeatsOf(wf, 'syncPages'))], [30]);
  });
});

/** The status of a run begun by continue-as-new, once it waits for its next poll. */
const continuedRunWaiting = (wf: Handle) => until('a continued run waiting', async () => {
  try {
    const started = (await wf.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
    if (!started?.continuedExecutionRunId) return undefined;
    const s = await status(wf);
    return s.phase === 'waiting' && s.nextPollAt ? s : undefined;
  } catch { return undefined; }
});

test('a run whose history is past the plan\'s idleHistoryEvents continues as new before it waits ("short-idle-history"), keeping its poll time, cursors and last run', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, pollIntervalSec: 600, idleHistoryEvents: 12 };
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    // The initial run ended past the limit: the wait after it is a continued run's.
    const waiting = await continuedRunWaiting(wf);
    const wait = Date.parse(waiting.nextPollAt!) - await env.currentTimeMs();
    assert.ok(wait >= 500_000 && wait <= 660_000, `the poll is still due ~10 min after the run: in ${wait} ms`);
    assert.deepEqual(waiting.cursors.invoices, { since: '2026-11-01T00:00:00Z' });
    assert.equal(waiting.lastRun?.runKey, stub.runs[0]!.runKey);
    const events = await until('the new run\'s poll timer', async () => {
      const h = (await wf.fetchHistory()).events ?? [];
      return h.some((e) => e.timerStartedEventAttributes) ? h : undefined;
    });
    assert.ok(events.length < 30, `the new run's history is short: ${events.length} events`);
    const timer = events.find((e) => e.timerStartedEventAttributes)!.timerStartedEventAttributes!;
    assert.ok(Math.abs(Number(timer.startToFireTimeout?.seconds) * 1000 - wait) < 5_000, 'its timer fires at the carried poll time');
  }, current);
});

test('a run past idleHistoryEvents that webhooks keep busy goes on; it continues as new once they pause for 2 s, keeping its poll time and counts', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, webhooks: true, pollIntervalSec: 600, idleHistoryEvents: 12 };
  const runOf = async (wf: Handle) => (await wf.describe()).runId;
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    // The initial run ended past the limit, so the one waiting now is its continuation.
    const waiting = await continuedRunWaiting(wf);
    const busyRun = await runOf(wf);
    // Each change is a signal, a workflow task and a delivery: eight take the run well past 12 events, but
    // none comes 2 s after the last, so the run goes on.
    const delivered = waiting.webhooks.delivered;
    for (let i = 0; i < 8; i++) {
      await wf.signal(webhookChangesSignal, change(`busy-${i}`));
      await until(`change ${i}`, async () => (await status(wf)).webhooks.delivered === delivered + i + 1);
    }
    assert.equal(await runOf(wf), busyRun, 'no continue-as-new while changes keep coming');
    assert.ok((await wf.fetchHistory()).events!.length > 12);
    await env.sleep(3_000);
    await until('continued as new after the pause', async () => (await runOf(wf)) !== busyRun);
    const after = await until('the new run waiting', async () => {
      try { const s = await status(wf); return s.phase === 'waiting' && s.nextPollAt ? s : undefined; } catch { return undefined; }
    });
    assert.equal(after.nextPollAt, waiting.nextPollAt, 'the poll is still due when it was');
    assert.equal(after.webhooks.delivered, delivered + 8);
    assert.equal(stub.runs.length, 1, 'no poll run in between');
  }, current);
});

/** Timer events of the workflow's current run. */
const timerEvents = async (wf: Handle) => {
  const events = (await wf.fetchHistory()).events ?? [];
  return { started: events.filter((e) => e.timerStartedEventAttributes).length, canceled: events.filter((e) => e.timerCanceledEventAttributes).length };
};

test('with one-poll-timer webhook batches during the wait start no timer: the poll timer alone runs, and still fires on time', async () => {
  const batches = async (patches: ConnectionWorkflowInput['patches']) => {
    const stub = new Stub();
    stub.plan = { ...stub.plan, webhooks: true, pollIntervalSec: 600 };
    let timers = { started: 0, canceled: 0 };
    await withConnection(stub, async (wf) => {
      await until('the initial run', () => stub.runs.length === 1);
      await until('waiting', async () => (await status(wf)).nextPollAt);
      const before = await timerEvents(wf);
      for (let i = 0; i < 6; i++) {
        await wf.signal(webhookChangesSignal, change(`t-${i}`));
        await until(`batch ${i}`, async () => (await status(wf)).webhooks.batches === i + 1);
      }
      const after = await timerEvents(wf);
      timers = { started: after.started - before.started, canceled: after.canceled - before.canceled };
      // The poll is still due when it was: it fires and runs.
      await env.sleep(660_000);
      await until('the scheduled poll', () => stub.runs.length === 2);
    }, { patches });
    return timers;
  };
  assert.deepEqual(await batches([...CONNECTION_PATCHES]), { started: 0, canceled: 0 }, 'six batches, no timer started or cancelled');
  const without = await batches(CONNECTION_PATCHES.filter((p) => p !== 'one-poll-timer'));
  assert.deepEqual(without, { started: 6, canceled: 6 }, 'runs from before the change still start and cancel one per batch (their histories replay)');
});

test('with one-poll-timer a run past idleHistoryEvents still continues as new 2 s after its last batch, not while batches keep coming', async () => {
  const stub = new Stub();
  stub.plan = { ...stub.plan, webhooks: true, pollIntervalSec: 600, idleHistoryEvents: 12 };
  await withConnection(stub, async (wf) => {
    await until('the initial run', () => stub.runs.length === 1);
    const waiting = await continuedRunWaiting(wf);
    const busyRun = (await wf.describe()).runId;
    const delivered = waiting.webhooks.delivered;
    const from = await env.currentTimeMs();
    for (let i = 0; i < 8; i++) {
      await wf.signal(webhookChangesSignal, change(`g-${i}`));
      await until(`change ${i}`, async () => (await status(wf)).webhooks.delivered === delivered + i + 1);
    }
    assert.equal((await wf.describe()).runId, busyRun, 'no continue-as-new while changes keep coming');
    // The poll timer, and a grace timer per 2 s that passed (one per batch before the change: 1 + 8).
    const graces = Math.ceil((await env.currentTimeMs() - from) / 2_000) + 1;
    const { started } = await timerEvents(wf);
    assert.ok(started <= 1 + graces && started < 1 + 8, `${started} timers for 8 batches in ${graces - 1} grace periods`);
    await env.sleep(3_000);
    await until('continued as new after the pause', async () => (await wf.describe()).runId !== busyRun);
    const after = await until('the new run waiting', async () => {
      try { const s = await status(wf); return s.phase === 'waiting' && s.nextPollAt ? s : undefined; } catch { return undefined; }
    });
    assert.equal(after.nextPollAt, waiting.nextPollAt, 'the poll is still due when it was');
    assert.equal(after.webhooks.delivered, delivered + 8);
  }, current);
});

test('with local-bookkeeping a quiet poll\'s plan and run record are local activities, and with list-row-in-loop its list rows too: it schedules its pages only', async () => {
  const pollActivities = async (patches: ConnectionWorkflowInput['patches']) => {
    const stub = new Stub();
    stub.plan = { ...stub.plan, pollIntervalSec: 600 };
    let seen = { scheduled: [] as string[], markers: 0 };
    await withConnection(stub, async (wf) => {
      await until('the initial run', () => stub.runs.length === 1);
      await until('waiting listed', () => lastListed(stub)?.phase === 'waiting');
      const from = (await wf.fetchHistory()).events!.length;
      await env.sleep(660_000);
      await until('the scheduled poll', () => stub.runs.length === 2);
      await until('waiting listed again', () => stub.listStates.filter((s) => s.phase === 'waiting').length >= 2);
      await settle();
      const events = (await wf.fetchHistory()).events!.slice(from);
      seen = {
        scheduled: events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => !!n).sort(),
        markers: events.filter((e) => e.markerRecordedEventAttributes).length,
      };
      assert.equal(stub.runs[1]!.mode, 'incremental');
    }, { patches });
    return seen;
  };
  const current = await pollActivities([...CONNECTION_PATCHES]);
  assert.deepEqual(current.scheduled, ['syncFirstPages']);
  assert.ok(current.markers >= 4, `the plan, the run record and the two list rows (syncing, waiting) as markers: ${current.markers}`);
  // The list row beside the loop, an ordinary activity, is written as often as the list's state changes meanwhile (twice, or more on a busy machine).
  const besideListRows = (names: string[]) => names.filter((n) => n !== 'recordListState');
  const local = await pollActivities(CONNECTION_PATCHES.filter((p) => p !== 'list-row-in-loop'));
  assert.deepEqual(besideListRows(local.scheduled), ['syncFirstPages']);
  assert.ok(local.scheduled.includes('recordListState'), 'runs begun before list-row-in-loop keep the list row beside the loop');
  assert.ok(local.markers >= 2, `the plan and the run record as markers: ${local.markers}`);
  const ordinary = await pollActivities(CONNECTION_PATCHES.filter((p) => p !== 'local-bookkeeping' && p !== 'list-row-in-loop'));
  assert.deepEqual(besideListRows(ordinary.scheduled), ['loadSyncPlan', 'recordSyncRun', 'syncFirstPages'], 'runs begun before the change keep ordinary activities (their histories replay)');
  assert.equal(ordinary.markers, 0);
  // Not asserted, since the list-row writes and the workflow tasks around them vary with the machine's load: on a
  // quiet machine a quiet poll added 25 events against 36, so a run reaches WORKFLOW_IDLE_HISTORY_EVENTS (and a
  // replay its length) that much later.
});
