import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { ApplicationFailure } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startTemporal } from '../../scripts/dev-stack';
import { installWorkerRuntime } from '../../workers/runtime';
import { workflowBundle } from '../support/harness';
import { eventually } from '../support/flows';
import type { OrderEvent, OrderOutcome } from '../../db/bigcommerce-orders';
import { orderChangedSignal, orderStatusQuery } from '../../contracts/order';
import { customerChangedSignal, storeSyncSignal } from '../../contracts/store';

/**
 * Whatever a workflow acknowledged (a signal, a pending change) survives continue-as-new. A Temporal dev
 * server of this file's own suggests continue-as-new after a few events, so every wake-up of a workflow
 * past its first steps ends its run: a signal that wakes it is the last thing the old run sees. The
 * activities are scripted here (what they would do is not the question), the workflows and Temporal are real.
 */
describe('state carried through continue-as-new', () => {
  let temporal: ChildProcess;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `can-${randomBytes(4).toString('hex')}`;

  // The store workflow's activities: one empty sweep page; client alignments recorded.
  const aligned: number[] = [];
  let sweeps = 0;
  // The order workflow's: the first read waits for the test, every read fails; saves recorded.
  const saves: { outcome: OrderOutcome; events: OrderEvent[] }[] = [];
  let reads = 0;
  let readStarted!: () => void;
  const firstReadStarted = new Promise<void>((r) => { readStarted = r; });
  let releaseRead!: () => void;
  const firstReadReleased = new Promise<void>((r) => { releaseRead = r; });

  const activities = {
    loadStorePlan: async () => ({ status: 'active', pollIntervalSec: 3600 }),
    ensureStoreHooks: async () => ({ scopes: [], created: 0, reactivated: 0, updated: 0 }),
    sweepStoreOrders: async () => { sweeps++; return { listed: 0, worked: [], handedOver: [], done: 0, idsAtMax: [], more: false }; },
    alignClient: async ({ customerId }: { customerId: number }) => { aligned.push(customerId); return true; },
    removeStoreHooks: async () => undefined,
    loadOrderOutcome: async () => saves.at(-1)?.outcome ?? null,
    readOrder: async () => {
      if (reads++ === 0) {
        readStarted();
        await firstReadReleased;
      }
      throw ApplicationFailure.nonRetryable('FreshBooks is down', 'Unavailable');
    },
    saveOrderOutcome: async (input: { outcome: OrderOutcome; events: OrderEvent[] }) => { saves.push({ outcome: input.outcome, events: input.events }); },
  };

  before(async () => {
    installWorkerRuntime('error');
    const t = await startTemporal({ dynamicConfig: ['limit.historyCount.suggestContinueAsNew=15'] });
    temporal = t.child;
    client = new Client({ connection: await Connection.connect({ address: t.address }) });
    worker = await Worker.create({ connection: await NativeConnection.connect({ address: t.address }), taskQueue, workflowBundle: await workflowBundle(), activities });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await client?.connection.close();
    temporal?.kill();
  });

  const runsOf = async (workflowId: string) => {
    const runs: string[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.runId);
    return runs.length;
  };

  test('store: a changed customer and a sync signalled as the run ends are acted on by the next run', async () => {
    const workflowId = `store/conn_can_${randomBytes(3).toString('hex')}`;
    await client.workflow.signalWithStart('storeWorkflow', { workflowId, taskQueue, args: [{ connectionId: 'conn_can' }], signal: storeSyncSignal, signalArgs: [] });
    await eventually('first sweep', () => sweeps >= 1 || undefined);
    const handle = client.workflow.getHandle(workflowId);
    // Past its first sweep the run is long enough to be told to continue as new at its next wake-up.
    await handle.signal(customerChangedSignal, 42);
    await handle.signal(storeSyncSignal);
    await eventually('the customer aligned after continue-as-new', () => aligned.includes(42) || undefined);
    await eventually('the sync swept after continue-as-new', () => sweeps >= 2 || undefined);
    assert.ok((await runsOf(workflowId)) >= 2, 'the workflow continued as new');
    await handle.terminate('test done');
  });

  test('order: a retry, its hint count and the failure count survive continue-as-new', async () => {
    const workflowId = `order/can${randomBytes(3).toString('hex')}/7`;
    const hint = (reason: 'webhook' | 'retry') => ({ reason, at: new Date().toISOString() });
    await client.workflow.signalWithStart('orderWorkflow', { workflowId, taskQueue, args: [{ connectionId: 'conn_can', storeHash: 'can', orderId: 7 }], signal: orderChangedSignal, signalArgs: [hint('webhook')] });
    const handle = client.workflow.getHandle(workflowId);
    await firstReadStarted;
    // Acknowledged while the pass is under way; the pass fails, is saved, and the run continues as new.
    await handle.signal(orderChangedSignal, hint('retry'));
    releaseRead();

    const failuresSaved = () => saves.flatMap((s) => s.events).filter((e) => e.kind === 'failed').map((e) => e.detail.failures);
    await eventually('a second failed pass', () => failuresSaved().length >= 2 || undefined);
    assert.deepEqual(failuresSaved().slice(0, 2), [1, 2], 'the backoff counts on from the first run\'s failure');
    assert.ok(saves.some((s) => s.events.some((e) => e.kind === 'retry_requested')), 'the retry asked for before continue-as-new was carried out');
    assert.ok((await runsOf(workflowId)) >= 2, 'the workflow continued as new');
    const status = await eventually('backing off', async () => {
      const s = await handle.query(orderStatusQuery).catch(() => undefined);
      return s?.phase === 'backing_off' ? s : undefined;
    });
    assert.equal(status.hints, 2, 'hints counted across runs');
    // Backing off (5 minutes after the second failure), not passing again at every new run.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(failuresSaved().length, 2, 'no pass without a reason after continue-as-new');
    await handle.terminate('test done');
  });
});
