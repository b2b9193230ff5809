/**
 * workers/main.ts with Worker options overridden, for `bench/orders.ts` experiments only; production
 * code is unchanged.
 *
 *  - BENCH_WORKER_OPTIONS: a JSON object of Temporal WorkerOptions (plain values only, e.g.
 *    {"maxCachedWorkflows":2000}) passed to workers/worker.ts createWorker as its `extra`.
 *  - BENCH_EXPERIMENTS=batch-backfill: registers one more activity, `backfillStorePage`, which does what
 *    pollStoreOrders does (one page of orders modified since the cursor) but runs each order's steps
 *    itself (OrderSteps, 20 orders in flight, outcome saved) instead of signalling one order workflow per
 *    order. Used with a copy of workflows/ whose store sweep calls it (--workflows-path): it measures
 *    what a page-at-a-time backfill would give, NOT a safe design as it stands (nothing keeps a
 *    webhook-started order workflow from working the same order at the same time).
 */
import { createActivities, type ActivityDeps } from '../activities';
import type { WorkerOptions } from '@temporalio/worker';
import { ConnectionRuntime } from '../activities/connection-runtime';
import { keepAlive } from '../activities/heartbeat';
import { OrderSteps } from '../activities/order-steps';
import { POLL_PAGE, sweepPage } from '../activities/store';
import { BigCommerceOrderStore, BigCommerceRecordMap, type OrderOutcome } from '../db/bigcommerce-orders';
import type { StorePollInput, StorePollResult } from '../workflows/order-types';
import { runWorker } from '../workers/run';
import { workOrder } from './orders-plain';

const IN_FLIGHT = 20; // workers/worker.ts activity slots

function batchBackfill(deps: ActivityDeps) {
  const runtime = new ConnectionRuntime(deps);
  const map = new BigCommerceRecordMap(deps.db);
  const store = new BigCommerceOrderStore(deps.db);
  return {
    async backfillStorePage(input: StorePollInput): Promise<StorePollResult> {
      const c = await runtime.storeConnection(input.connectionId);
      const bc = await runtime.bigcommerce(c);
      const steps = new OrderSteps({ connectionId: input.connectionId, bc, fb: runtime.freshbooksWriter(c), map });
      const orders = await bc.listOrders({ ...(input.since ? { minDateModified: input.since } : {}), page: input.page, limit: POLL_PAGE });
      const { fresh, result } = sweepPage(orders, input);
      let next = 0;
      await keepAlive(() => Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
        while (next < fresh.length) {
          const orderId = fresh[next++]!;
          let outcome: OrderOutcome;
          try {
            outcome = await workOrder(steps, orderId);
          } catch (err) {
            outcome = { orderId, state: 'failed', error: err instanceof Error ? err.message : String(err), payments: [], refunds: [], flags: [], passes: 1 };
          }
          await store.save(input.connectionId, outcome, []);
        }
      })));
      return result;
    },
  };
}

const experiments = new Set((process.env.BENCH_EXPERIMENTS ?? '').split(',').map((x) => x.trim()).filter(Boolean));
runWorker((deps) => ({
  ...(JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') as Partial<WorkerOptions>),
  ...(experiments.has('batch-backfill') ? { activities: { ...createActivities(deps), ...batchBackfill(deps) } } : {}),
})).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
