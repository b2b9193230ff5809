/** What the order and store workflows and their activities exchange: ids, amounts and outcomes, never tokens. */
import type { CaptureLine, RefundLine } from '../mapping/bigcommerce';

export interface OrderWorkflowInput {
  connectionId: string;
  storeHash: string;
  orderId: number;
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

/** One FreshBooks payment to record: a captured transaction, amounts as 2-decimal strings. */
export type CaptureToRecord = CaptureLine;
/** One BigCommerce refund to reflect, in refund order; `declined`: the gateway refunded nothing. */
export type RefundToApply = RefundLine;

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

export interface StorePollInput {
  connectionId: string;
  since?: string;
  /** Orders already handed over at exactly `since` (the filter is inclusive). */
  seenAtSince: number[];
  page: number;
}

export interface StorePollResult {
  signalled: number;
  maxModified?: string;
  idsAtMax: number[];
  more: boolean;
}

export interface HookCheck {
  scopes: string[];
  created: number;
  reactivated: number;
  updated: number;
}

/** One order the sweep worked itself, as the store workflow's history records it. */
export interface SweptOrder {
  orderId: number;
  state: string;
  invoiceId?: number;
  paymentIds: number[];
  creditNoteIds: number[];
  reason?: string;
}

/** One page of the sweep: orders worked in the batch, orders handed to their own workflows, and the cursor. */
export interface StoreSweepResult {
  listed: number;
  worked: SweptOrder[];
  /** Busy with their own workflow, or failed here: their workflows were signalled and retry them. */
  handedOver: number[];
  /** Orders at the front of the page that are done; the cursor moved past these only. */
  done: number;
  maxModified?: string;
  idsAtMax: number[];
  more: boolean;
}
