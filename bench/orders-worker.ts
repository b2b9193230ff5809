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
import { heartbeat } from '@temporalio/activity';
import type { WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { ConnectionRuntime } from '../activities/connection-runtime';
import { OrderSteps } from '../activities/order-steps';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { BigCommerceOrderStore, BigCommerceRecordMap, type OrderOutcome } from '../db/bigcommerce-orders';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import type { StorePollInput, StorePollResult } from '../workflows/order-types';
import { buildActivityDeps } from '../workers/activity-deps';
import { installWorkerRuntime } from '../workers/runtime';
import { createWorker } from '../workers/worker';

const POLL_PAGE = 250; // activities/store.ts
const IN_FLIGHT = 20; // workers/worker.ts activity slots
const DRAFT = 1;

function modifiedAt(order: Record<string, unknown>): string {
  const t = Date.parse(String(order.date_modified ?? ''));
  return Number.isNaN(t) ? '' : new Date(t).toISOString();
}

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
      const seen = new Set(input.seenAtSince);
      const fresh = orders.filter((o) => !(modifiedAt(o) === input.since && seen.has(Number(o.id))));
      const beat = setInterval(() => heartbeat(), 5_000);
      try {
        let next = 0;
        await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
          while (next < fresh.length) {
            const orderId = Number(fresh[next++]!.id);
            const outcome: OrderOutcome = { orderId, state: 'skipped', payments: [], refunds: [], flags: [], passes: 1 };
            try {
              const reading = await steps.read(orderId);
              outcome.statusId = reading.statusId;
              if (reading.skipReason !== null) outcome.reason = reading.skipReason;
              else {
                let invoice = await steps.ensureInvoice(reading);
                if (invoice.status === DRAFT) invoice = { ...invoice, status: await steps.markSent(invoice.invoiceId) };
                Object.assign(outcome, { invoiceId: invoice.invoiceId, clientId: invoice.clientId, invoiceNumber: invoice.invoiceNumber, invoiceStatus: 'sent', total: invoice.amount, currency: invoice.currency });
                for (const capture of reading.captures) {
                  const p = await steps.recordPayment(invoice, capture);
                  outcome.payments.push({ transactionId: capture.transactionId, paymentId: p.paymentId, amount: capture.amount, method: capture.method });
                }
                for (const refund of reading.refunds) {
                  if (refund.declined) continue;
                  const r = await steps.applyRefund(invoice, refund);
                  outcome.refunds.push({ refundId: refund.refundId, creditNoteId: r.creditNoteId, amount: refund.amount });
                }
                if (invoice.amount !== reading.total) outcome.flags.push(`invoice total ${invoice.amount} differs from the order's total_inc_tax ${reading.total}`);
                outcome.state = outcome.flags.length > 0 ? 'needs_attention' : 'invoiced';
              }
            } catch (err) {
              outcome.state = 'failed';
              outcome.error = err instanceof Error ? err.message : String(err);
            }
            await store.save(input.connectionId, outcome, []);
          }
        }));
      } finally {
        clearInterval(beat);
      }
      let maxModified: string | undefined;
      let idsAtMax: number[] = [];
      for (const o of orders) {
        const m = modifiedAt(o);
        if (!m) continue;
        if (!maxModified || m > maxModified) { maxModified = m; idsAtMax = []; }
        if (m === maxModified) idsAtMax.push(Number(o.id));
      }
      return { signalled: fresh.length, ...(maxModified ? { maxModified } : {}), idsAtMax, more: orders.length === POLL_PAGE };
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installWorkerRuntime(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = createPool(config.databaseUrl);
  await migrate(db);
  const deps = buildActivityDeps(config, db, logger);
  const extra = JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') as Partial<WorkerOptions>;
  const experiments = new Set((process.env.BENCH_EXPERIMENTS ?? '').split(',').map((x) => x.trim()).filter(Boolean));
  if (experiments.has('batch-backfill')) extra.activities = { ...createActivities(deps), ...batchBackfill(deps) };
  const { worker, connection } = await createWorker(config, deps, extra);
  logger.warn({ taskQueue: config.temporal.taskQueue, options: JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}'), experiments: [...experiments] }, 'experiment worker started');
  await worker.run();
  await connection.close();
  await db.end();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
