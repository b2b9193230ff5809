import { Context } from '@temporalio/activity';
import { asOutcome, BigCommerceOrderStore, BigCommerceRecordMap, type OrderEvent, type OrderOutcome } from '../db/bigcommerce-orders';
import { OrderLeases } from '../db/order-leases';
import type { OrderRef } from '../contracts/activities';
import type { CaptureToRecord, InvoiceRef, OrderReading, RefundToApply } from '../contracts/order';
import { ConnectionRuntime } from './connection-runtime';
import type { ActivityDeps } from './deps';
import { keepAlive } from './heartbeat';
import { OrderSteps } from './order-steps';

/** How long a step waits for the store sweep to finish the same order before its attempt fails and is retried. */
const LEASE_WAIT_MS = 60_000;

/** This attempt of this activity, as a lease holder. */
export function attemptHolder(): string {
  const i = Context.current().info;
  return `${i.workflowExecution?.workflowId ?? i.activityType}#${i.activityId}@${i.attempt}`;
}

/** Activities of the order workflow: one step of OrderSteps each, plus saving where the order stands. */
export function orderActivities(deps: ActivityDeps, runtime = new ConnectionRuntime(deps)) {
  const map = new BigCommerceRecordMap(deps.db);
  const orders = new BigCommerceOrderStore(deps.db);
  const leases = new OrderLeases(deps.db);

  async function steps(connectionId: string): Promise<{ steps: OrderSteps; storeHash: string }> {
    const c = await runtime.storeConnection(connectionId);
    return { steps: new OrderSteps({ connectionId, bc: await runtime.bigcommerce(c), fb: runtime.freshbooksWriter(c), map }), storeHash: c.destination.storeHash };
  }

  /** Heartbeats while the step waits out a rate limit, so a killed worker's step is retried in seconds, not minutes. */
  const step = <T>(connectionId: string, fn: (s: OrderSteps, storeHash: string) => Promise<T>): Promise<T> =>
    keepAlive(async () => {
      const s = await steps(connectionId);
      return fn(s.steps, s.storeHash);
    });
  /** A step that may create something: only while this attempt holds the order (the sweep may be working it too). */
  const exclusive = <T>(ref: OrderRef, fn: (s: OrderSteps) => Promise<T>): Promise<T> =>
    step(ref.connectionId, (s, storeHash) => leases.hold(storeHash, ref.orderId, attemptHolder(), () => fn(s), LEASE_WAIT_MS));

  return {
    async readOrder(input: OrderRef): Promise<OrderReading> {
      return step(input.connectionId, (s) => s.read(input.orderId));
    },
    async ensureInvoice(input: OrderRef & { reading: OrderReading }): Promise<InvoiceRef> {
      return exclusive(input, (s) => s.ensureInvoice(input.reading));
    },
    async markInvoiceSent(input: OrderRef & { invoiceId: number }): Promise<number> {
      return step(input.connectionId, (s) => s.markSent(input.invoiceId));
    },
    async recordPayment(input: OrderRef & { invoice: InvoiceRef; capture: CaptureToRecord }): Promise<{ paymentId: number; created: boolean }> {
      return exclusive(input, (s) => s.recordPayment(input.invoice, input.capture));
    },
    async applyRefund(input: OrderRef & { invoice: InvoiceRef; refund: RefundToApply }): Promise<{ creditNoteId: number; created: boolean }> {
      return exclusive(input, (s) => s.applyRefund(input.invoice, input.refund));
    },
    /** What earlier runs recorded: a new run resumes from it instead of looking everything up again. */
    async loadOrderOutcome(input: OrderRef): Promise<OrderOutcome | null> {
      const row = await orders.get(input.connectionId, input.orderId);
      return row ? asOutcome(row) : null;
    },
    async saveOrderOutcome(input: { connectionId: string; outcome: OrderOutcome; events: OrderEvent[] }): Promise<void> {
      await orders.save(input.connectionId, input.outcome, input.events);
    },
  };
}
