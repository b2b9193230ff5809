/** What the order and store workflows and their activities exchange: ids, amounts and outcomes, never tokens. */

export interface OrderWorkflowInput {
  connectionId: string;
  storeHash: string;
  orderId: number;
}

/** Why an order workflow should look at its order again. A retry also forgets what this run remembers. */
export interface OrderHint {
  reason: 'webhook' | 'poll' | 'retry';
  scope?: string;
  at: string;
}

export interface CaptureToRecord {
  transactionId: string;
  /** Decimal string, 2 places, in `currency`. */
  amount: string;
  currency: string;
  method: string;
  gateway?: string;
  /** YYYY-MM-DD */
  date: string;
}

export interface RefundToApply {
  refundId: number;
  amount: string;
  tax: string;
  currency: string;
  date: string;
  reason?: string;
  /** Every payment of the refund was declined by the gateway: nothing was refunded. */
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
