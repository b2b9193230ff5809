/**
 * Which BigCommerce orders become FreshBooks invoices (reference/bigcommerce.md §2 "Invoice gate").
 * Paid = a paid status id (labels can be renamed, ids cannot) AND money actually captured: purchase or
 * capture transactions with status "ok". Authorizations and pending transactions are not money.
 */
import { toMicros } from './money';

/** BigCommerce's own paid set: Shipped, Partially Shipped, Awaiting Pickup, Awaiting Shipment, Completed, Awaiting Fulfillment. */
export const PAID_STATUS_IDS: ReadonlySet<number> = new Set([2, 3, 8, 9, 10, 11]);
/** Refunded / Partially Refunded: paid once; invoiced before, never voided because of the refund. */
export const REFUNDED_STATUS_IDS: ReadonlySet<number> = new Set([4, 14]);

const STATUS_NAMES: Record<number, string> = {
  0: 'incomplete', 1: 'pending', 4: 'refunded', 5: 'cancelled', 6: 'declined', 7: 'awaiting payment',
  12: 'manual verification required', 13: 'disputed', 14: 'partially refunded',
};

export interface BcTransaction {
  id: number | string;
  event: string;
  method?: string;
  amount: number | string;
  currency?: string;
  status: string;
  gateway?: string;
}

export type InvoiceDecision =
  | { invoice: true; capturedMicros: bigint; captures: BcTransaction[] }
  | { invoice: false; reason: string };

export function capturedTransactions<T extends BcTransaction>(transactions: readonly T[]): T[] {
  return transactions.filter((t) => (t.event === 'purchase' || t.event === 'capture') && t.status === 'ok');
}

export function invoiceDecision(order: { status_id: number }, transactions: readonly BcTransaction[], alreadyInvoiced = false): InvoiceDecision {
  const status = order.status_id;
  const paidStatus = PAID_STATUS_IDS.has(status) || (alreadyInvoiced && REFUNDED_STATUS_IDS.has(status));
  if (!paidStatus) return { invoice: false, reason: `status ${status} (${STATUS_NAMES[status] ?? 'not a paid status'}) is not paid` };
  const captures = capturedTransactions(transactions);
  const capturedMicros = captures.reduce((sum, t) => sum + toMicros(t.amount), 0n);
  if (capturedMicros <= 0n) return { invoice: false, reason: `status ${status} is paid but no purchase/capture transaction succeeded` };
  return { invoice: true, capturedMicros, captures };
}
