import { BigCommerceOrderStore, BigCommerceRecordMap, type OrderEvent, type OrderOutcome } from '../db/bigcommerce-orders';
import type { CaptureToRecord, InvoiceRef, OrderReading, RefundToApply } from '../workflows/order-types';
import { ConnectionRuntime } from './connection-runtime';
import type { ActivityDeps } from './deps';
import { translated } from './failures';
import { keepAlive } from './heartbeat';
import { OrderSteps } from './order-steps';

interface OrderRef {
  connectionId: string;
  orderId: number;
}

/** Activities of the order workflow: one step of OrderSteps each, plus saving where the order stands. */
export function orderActivities(deps: ActivityDeps, runtime = new ConnectionRuntime(deps)) {
  const map = new BigCommerceRecordMap(deps.db);
  const orders = new BigCommerceOrderStore(deps.db);

  async function steps(connectionId: string): Promise<OrderSteps> {
    const c = await runtime.storeConnection(connectionId);
    return new OrderSteps({ connectionId, bc: await runtime.bigcommerce(c), fb: runtime.freshbooksWriter(c), map });
  }

  /** Heartbeats while the step waits out a rate limit, so a killed worker's step is retried in seconds, not minutes. */
  const step = <T>(connectionId: string, fn: (s: OrderSteps) => Promise<T>): Promise<T> => translated(() => keepAlive(async () => fn(await steps(connectionId))));

  return {
    async readOrder(input: OrderRef): Promise<OrderReading> {
      return step(input.connectionId, (s) => s.read(input.orderId));
    },
    async ensureInvoice(input: OrderRef & { reading: OrderReading }): Promise<InvoiceRef> {
      return step(input.connectionId, (s) => s.ensureInvoice(input.reading));
    },
    async markInvoiceSent(input: OrderRef & { invoiceId: number }): Promise<number> {
      return step(input.connectionId, (s) => s.markSent(input.invoiceId));
    },
    async recordPayment(input: OrderRef & { invoice: InvoiceRef; capture: CaptureToRecord }): Promise<{ paymentId: number; created: boolean }> {
      return step(input.connectionId, (s) => s.recordPayment(input.invoice, input.capture));
    },
    async applyRefund(input: OrderRef & { invoice: InvoiceRef; refund: RefundToApply }): Promise<{ creditNoteId: number; created: boolean }> {
      return step(input.connectionId, (s) => s.applyRefund(input.invoice, input.refund));
    },
    /** What earlier runs recorded: a new run resumes from it instead of looking everything up again. */
    async loadOrderOutcome(input: OrderRef): Promise<OrderOutcome | null> {
      const row = await orders.get(input.connectionId, input.orderId);
      if (!row) return null;
      const { connectionId: _c, createdAt: _a, updatedAt: _u, ...outcome } = row;
      return { ...outcome, passes: 0 };
    },
    async saveOrderOutcome(input: { connectionId: string; outcome: OrderOutcome; events: OrderEvent[] }): Promise<void> {
      await orders.save(input.connectionId, input.outcome, input.events);
    },
  };
}
