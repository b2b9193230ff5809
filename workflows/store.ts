import { condition, continueAsNew, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../contracts/activities';
import { NON_RETRYABLE_FAILURES } from '../contracts/failures';
import {
  customerChangedSignal, legacyStopSignal, STORE_PATCHES, storePlanChangedSignal, storeStatusQuery, storeStopSignal, storeSyncSignal,
  type StoreWorkflowInput, type StoreWorkflowStatus,
} from '../contracts/store';
import { describeFailure } from './activity-failure';


const acts = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 6, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
});

/**
 * `store/<id>` of a BigCommerce store connection: keeps the store's hooks in place (BigCommerce deactivates
 * them after failed deliveries or 90 idle days) and, on a schedule, sweeps orders modified since the
 * last sweep (`min_date_modified`, oldest change first), so an order whose webhook was lost is still
 * invoiced. The sweep works each page of orders in one activity (a backlog of thousands is thousands
 * of passes, not thousands of workflows) and hands what it cannot finish to the order's own workflow,
 * which webhooks start too. This history records, page by page, what became of each order swept.
 */
export async function storeWorkflow(input: StoreWorkflowInput): Promise<void> {
  const { connectionId } = input;
  const status: StoreWorkflowStatus = { connectionId, phase: 'polling', cursor: input.cursor ?? { seenAtSince: [] }, polls: input.polls ?? 0, clientsAligned: 0 };
  let syncRequested = input.carried?.syncRequested ?? true;
  let stopped = false;
  let replan = false;
  const customers = new Set<number>(input.carried?.customers);
  let nextSweepAt = input.carried?.nextSweepAt ?? 0;
  let active = true;
  setHandler(storeSyncSignal, () => { syncRequested = true; });
  setHandler(customerChangedSignal, (id) => { customers.add(id); });
  setHandler(storeStopSignal, () => { stopped = true; });
  setHandler(legacyStopSignal, () => { stopped = true; });
  setHandler(storePlanChangedSignal, () => { replan = true; });
  setHandler(storeStatusQuery, () => status);
  /** Mid-sweep, the next run resumes the sweep at once from the cursor. */
  const continueAsNewNow = (sweepUnfinished = false) => continueAsNew<typeof storeWorkflow>({
    connectionId, cursor: status.cursor, polls: status.polls, carried: { syncRequested: syncRequested || sweepUnfinished, customers: [...customers], nextSweepAt },
    patches: [...STORE_PATCHES],
  });

  for (;;) {
    replan = false;
    const plan = await acts.loadStorePlan(connectionId);
    active = plan.status === 'active';
    if (stopped || plan.status === 'deleted') {
      await acts.removeStoreHooks(connectionId).catch(() => undefined);
      return;
    }
    if (plan.status === 'active' && customers.size > 0) {
      for (const id of [...customers]) {
        customers.delete(id);
        try {
          if (await acts.alignClient({ connectionId, customerId: id })) status.clientsAligned++;
        } catch (err) {
          status.lastError = describeFailure(err).message;
        }
      }
    }
    if (plan.status === 'active' && (syncRequested || Date.now() >= nextSweepAt)) {
      syncRequested = false;
      nextSweepAt = Date.now() + plan.pollIntervalSec * 1000;
      status.phase = 'polling';
      try {
        status.hooks = await acts.ensureStoreHooks(connectionId);
      } catch (err) {
        // Polling still finds every order; the hooks are tried again at the next sweep.
        status.hooks = { scopes: [], created: 0, reactivated: 0, updated: 0, error: describeFailure(err).message };
      }
      try {
        await sweep(plan.backfillSince);
        delete status.lastError;
      } catch (err) {
        status.lastError = describeFailure(err).message;
      }
    }
    status.phase = active ? 'waiting' : 'paused';
    // Paused: requests and changed customers wait (kept, and carried) until the plan says active again.
    const wait = active ? nextSweepAt - Date.now() : plan.pollIntervalSec * 1000;
    await condition(() => stopped || replan || (active && (syncRequested || customers.size > 0)), Math.max(1000, wait));
    if (workflowInfo().continueAsNewSuggested) await continueAsNewNow();
  }

  /**
   * Page by page from the cursor, which moves after every page: a crash, a retry or a continue-as-new
   * resumes where the last page ended, and an order changed mid-sweep (it moves to the end of the
   * date_modified order) shifts no unread order out of reach.
   */
  async function sweep(backfillSince: string | undefined): Promise<void> {
    // Runs that began before the sweep worked orders itself (no input list, no marker) replay the old sweep.
    if (!input.patches?.includes('sweep-works-orders') && !patched('sweep-works-orders')) return signalEachOrder(backfillSince);
    if (!status.cursor.since && backfillSince) status.cursor = { since: backfillSince, seenAtSince: [] };
    let worked = 0;
    let handedOver = 0;
    let pages = 0;
    for (let page = 1; ;) {
      const since = status.cursor.since;
      const r = await acts.sweepStoreOrders({ connectionId, ...(since ? { since } : {}), seenAtSince: status.cursor.seenAtSince, page });
      worked += r.worked.length;
      handedOver += r.handedOver.length;
      pages++;
      if (r.maxModified && r.maxModified !== since) {
        status.cursor = { since: r.maxModified, seenAtSince: r.idsAtMax };
        page = 1;
      } else {
        // Still at the same instant: a page full of orders changed within one second, or a page cut short.
        if (r.maxModified) status.cursor = { since: r.maxModified, seenAtSince: [...new Set([...status.cursor.seenAtSince, ...r.idsAtMax])] };
        if (r.done === r.listed) page++;
      }
      if (!r.more) break;
      if (workflowInfo().continueAsNewSuggested) await continueAsNewNow(true);
    }
    status.polls++;
    status.lastPoll = { at: new Date().toISOString(), signalled: handedOver, worked, pages };
  }

  /** The sweep as it was before 2026-11-21: every order handed to its workflow (kept for those runs' histories). */
  async function signalEachOrder(backfillSince: string | undefined): Promise<void> {
    const since = status.cursor.since ?? backfillSince;
    let signalled = 0;
    let maxModified: string | undefined;
    let idsAtMax: number[] = [];
    for (let page = 1; ; page++) {
      const r = await acts.pollStoreOrders({ connectionId, ...(since ? { since } : {}), seenAtSince: status.cursor.seenAtSince, page });
      signalled += r.signalled;
      if (r.maxModified && (!maxModified || r.maxModified > maxModified)) { maxModified = r.maxModified; idsAtMax = [...r.idsAtMax]; }
      else if (r.maxModified && r.maxModified === maxModified) idsAtMax.push(...r.idsAtMax);
      if (!r.more) break;
    }
    if (maxModified) {
      const seen = maxModified === status.cursor.since ? status.cursor.seenAtSince : [];
      status.cursor = { since: maxModified, seenAtSince: [...new Set([...seen, ...idsAtMax])] };
    } else if (since && !status.cursor.since) {
      status.cursor = { since, seenAtSince: [] };
    }
    status.polls++;
    status.lastPoll = { at: new Date().toISOString(), signalled };
  }
}
