/** BigCommerce order → FreshBooks invoice: pure functions, no I/O. */
export { orderToInvoice, orderDate, type BcOrder, type BcOrderProduct, type BcCoupon, type FreshBooksLine, type InvoiceDraft, type InvoicePlan } from './order-invoice';
export { invoiceDecision, capturedTransactions, PAID_STATUS_IDS, REFUNDED_STATUS_IDS, type BcTransaction, type InvoiceDecision } from './paid-gate';
export { toMicros, microsToAmount, roundToCents, type Micros } from './money';
export { paymentType, tenderLabel, capturesToRecord, refundsToApply, type BcRefund, type CaptureLine, type RefundLine, type FreshBooksPaymentType } from './payments';
