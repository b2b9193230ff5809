/** How the service talks to an order's workflow (`order/<store>/<id>`), and what the order workflow, the store sweep and their activities exchange: ids, amounts and outcomes, never tokens. */
import { defineQuery, defineSignal } from '@temporalio/workflow';

// The names below are what running workflows and their histories know these by: never rename them.
export const orderChangedSignal = defineSignal<[OrderHint]>('orderChanged');
export const orderStatusQuery = defineQuery<OrderWorkflowStatus>('orderStatus');

export interface OrderWorkflowInput {
  connectionId: string;
  storeHash: string;
  orderId: number;
  /** ORDER_LINGER_SEC of whoever started the run; absent in runs started before it was configurable (60 s). */
  lingerSec?: number;
  /** What the previous run had acknowledged and not yet acted on, carried through continue-as-new. */
  carried?: OrderCarried;
}

export interface OrderCarried {
  pending: boolean;
  /** A retry was asked for and the remembered ids are still to be forgotten. */
  forget: boolean;
  hints: number;
  /** Failed passes in a row: the backoff goes on from here rather than from the start. */
  failures: number;
}

/** Why an order workflow should look at its order again. A retry also forgets what this run remembers. */
export interface OrderHint {
  reason: 'webhook' | 'poll' | 'retry';
  /** The store connection that sent it: a store deleted and connected again reaches the same workflow id. */
  connectionId?: string;
  scope?: string;
  at: string;
}

/**
 * One FreshBooks payment to record: a captured transaction, amounts as 2-decimal strings. The same
 * shape as mapping/bigcommerce's CaptureLine, which activities/order-steps.ts assigns to it (so the
 * compiler keeps the two in step).
 */
export interface CaptureToRecord {
  transactionId: string;
  amount: string;
  currency: string;
  method: string;
  gateway?: string;
  date: string;
}

/** One BigCommerce refund to reflect, in refund order; `declined`: the gateway refunded nothing (mapping's RefundLine). */
export interface RefundToApply {
  refundId: number;
  amount: string;
  tax: string;
  currency: string;
  date: string;
  reason?: string;
  declined: boolean;
}

/** The BigCommerce figures an invoice is built from (the fields orderToInvoice reads). */
export interface OrderSource {
  order: Record<string, unknown>;
  products: Record<string, unknown>[];
  coupons: { code: string }[];
}

export interface OrderReading {
  orderId: number;
  statusId: number;
  status: string;
  /** null: not an order to invoice (reason says why). */
  skipReason: string | null;
  captures: CaptureToRecord[];
  refunds: RefundToApply[];
  /** Marked refunded (4) or partially refunded (14) but BigCommerce holds no refund record. */
  refundedWithoutRecord: boolean;
  currency: string;
  total: string;
  source?: OrderSource;
}

export interface InvoiceRef {
  invoiceId: number;
  invoiceNumber: string;
  clientId: number;
  /** FreshBooks' invoice status code (1 = draft). */
  status: number;
  amount: string;
  currency: string;
  created: boolean;
  /** How the client and items were matched, for the order's events. */
  matched?: { client: string; items: Record<string, string> };
}

/** Where a BigCommerce order stands in FreshBooks. */
export type OrderState = 'skipped' | 'invoiced' | 'needs_attention' | 'failed';

export interface OrderPayment {
  transactionId: string;
  paymentId: number;
  amount: string;
  method: string;
}

export interface OrderRefund {
  refundId: number;
  creditNoteId: number;
  amount: string;
}

export interface OrderOutcome {
  orderId: number;
  state: OrderState;
  reason?: string;
  statusId?: number;
  invoiceId?: number;
  clientId?: number;
  invoiceNumber?: string;
  invoiceStatus?: string;
  total?: string;
  currency?: string;
  payments: OrderPayment[];
  refunds: OrderRefund[];
  /** Things a person must look at (an order marked refunded with no refund record, totals that do not add up). */
  flags: string[];
  error?: string;
  passes: number;
}

export interface OrderEvent {
  kind: string;
  detail: Record<string, unknown>;
}

export interface OrderWorkflowStatus extends OrderOutcome {
  phase: 'working' | 'waiting' | 'backing_off';
  hints: number;
}

export type OrderWorkflow = (input: OrderWorkflowInput) => Promise<OrderOutcome>;
