import { Context, getClient } from '@temporalio/activity';
import { BigCommerceOrderStore, BigCommerceRecordMap, type OrderEvent, type OrderOutcome } from '../db/bigcommerce-orders';
import { OrderLeases } from '../db/order-leases';
import { Workflows } from '../temporal/workflow-starts';
import { blankOutcome, OrderLedger } from '../domain/order-pass';
import type { StorePollInput, StoreSweepResult, SweptOrder } from '../contracts/store';
import { ConnectionRuntime } from './connection-runtime';
import type { ActivityDeps } from './deps';
import { keepAlive } from './heartbeat';
import { OrderSteps } from './order-steps';
import { attemptHolder } from './orders';
import { freshOrders, pageCursor, POLL_PAGE } from './store';

/** Orders of a page worked at once: as many as the worker runs activities (workers/worker.ts). */
const IN_FLIGHT = 20;
/**
 * A page takes no new orders after this long. At FreshBooks' default 3 requests/s a page of 250 new
 * orders needs about eight minutes; stopping early keeps the activity well inside its timeout, and
 * the cursor moves past the finished part only.
 */
const PAGE_BUDGET_MS = 120_000;

/**
 * The sweep works the backlog itself: one activity per page of 250 orders, each order's pass
 * (domain/order-pass.ts, the order workflow's own) run here while this attempt holds the order's
 * lease (taken for the page in one statement, let go with each order's saved outcome). A workflow per
 * order would cost ~7 workflow tasks per order on top of the API calls, and a backlog is many orders. What the batch cannot finish at the first try goes to the order's
 * own workflow, which owns retries, backoff and asking a person: an order whose workflow holds the
 * lease (a webhook got there first), and an order whose pass failed.
 */
export function storeSweepActivities(deps: ActivityDeps, runtime = new ConnectionRuntime(deps)) {
  const map = new BigCommerceRecordMap(deps.db);
  const orders = new BigCommerceOrderStore(deps.db);
  const leases = new OrderLeases(deps.db);
  const workflows = () => new Workflows(getClient(), deps.config.temporal.taskQueue, deps.config.orders.lingerSec);

  async function sweepStoreOrders(input: StorePollInput): Promise<StoreSweepResult> {
    const { connectionId } = input;
    const c = await runtime.storeConnection(connectionId);
    const bc = await runtime.bigcommerce(c);
    const steps = new OrderSteps({ connectionId, bc, fb: runtime.freshbooksWriter(c), map });
    const page = await bc.listOrders({ ...(input.since ? { minDateModified: input.since } : {}), page: input.page, limit: POLL_PAGE });
    const fresh = new Set(freshOrders(page, input));
    const memo = fresh.size > 0 ? await orders.outcomes(connectionId, [...fresh]) : new Map<number, OrderOutcome>();
    const holder = attemptHolder();
    const cancelled = Context.current().cancellationSignal;
    const { storeHash } = c.destination;
    const handOver = (orderId: number) =>
      workflows().orderChanged({ connectionId, storeHash, orderId }, { reason: 'poll', at: new Date().toISOString() });

    const worked: SweptOrder[] = [];
    const handedOver: number[] = [];
    // The page's orders are taken in one statement; one whose workflow holds it is that workflow's.
    const held = await leases.acquireMany(storeHash, [...fresh], holder);
    async function work(orderId: number): Promise<void> {
      if (!held.has(orderId)) {
        // Its own workflow is at it; make sure that workflow looks once more after it lets go.
        handedOver.push(orderId);
        await handOver(orderId);
        return;
      }
      const before = memo.get(orderId) ?? blankOutcome(orderId);
      const ledger = new OrderLedger(structuredClone(before));
      let failed = false;
      try {
        await ledger.pass(steps);
      } catch (err) {
        failed = true;
        ledger.failed('failed', err instanceof Error ? err.message : String(err), { type: err instanceof Error ? err.name : 'unknown', handedTo: 'order workflow' });
      }
      const events = ledger.takeEvents();
      if (events.length > 0 || JSON.stringify(ledger.outcome) !== JSON.stringify(before)) {
        await orders.save(connectionId, { ...ledger.outcome, passes: 1 }, events.map(viaSweep), { storeHash, holder });
      } else {
        await leases.release(storeHash, orderId, holder);
      }
      held.delete(orderId);
      if (failed) {
        handedOver.push(orderId);
        await handOver(orderId);
      } else {
        worked.push(summary(ledger.outcome));
      }
    }

    const finished = page.map((o) => !fresh.has(Number(o.id)));
    const stopAt = Date.now() + PAGE_BUDGET_MS;
    let next = 0;
    let broken = false;
    const lanes = await leases.renewingAll(storeHash, holder, () => keepAlive(() => Promise.allSettled(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < page.length && Date.now() < stopAt && !cancelled.aborted && !broken) {
        const i = next++;
        try {
          if (!finished[i]) await work(Number(page[i]!.id));
        } catch (err) {
          // Saving or handing over failed: stop taking orders, and let the page be tried again.
          broken = true;
          throw err;
        }
        finished[i] = true;
      }
    }))));
    // Orders taken but not reached (the page was cut short) are free again at once.
    await leases.releaseMany(storeHash, [...held], holder);
    // Every lane has finished its order before the attempt fails.
    const broke = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (broke) throw broke.reason;
    const unfinished = finished.indexOf(false);
    const done = unfinished === -1 ? page.length : unfinished;
    return { listed: page.length, worked, handedOver, done, ...pageCursor(page.slice(0, done)), more: page.length === POLL_PAGE || done < page.length };
  }

  return { sweepStoreOrders };
}

function viaSweep(e: OrderEvent): OrderEvent {
  return { kind: e.kind, detail: { ...e.detail, via: 'store sweep' } };
}

function summary(o: OrderOutcome): SweptOrder {
  return {
    orderId: o.orderId, state: o.state, ...(o.invoiceId !== undefined ? { invoiceId: o.invoiceId } : {}),
    paymentIds: o.payments.map((p) => p.paymentId), creditNoteIds: o.refunds.map((r) => r.creditNoteId), ...(o.reason ? { reason: o.reason } : {}),
  };
}
