import { INVOICE_STATUS } from '../common/freshbooks-entities';
import type { CaptureToRecord, InvoiceRef, OrderEvent, OrderOutcome, OrderReading, RefundToApply } from '../contracts/order';

/**
 * What one look at an order does, written once for the two places that do it: the order workflow
 * (each call an activity) and the store sweep's backlog batch (each call made directly, inside one
 * heartbeated activity). Deterministic and free of I/O itself, so the workflow can run it; the calls
 * are the I/O. Each call is safe to repeat (a look-up on our own key comes before every create).
 */
export interface OrderCalls {
  read(orderId: number): Promise<OrderReading>;
  ensureInvoice(reading: OrderReading): Promise<InvoiceRef>;
  markSent(invoiceId: number): Promise<number>;
  recordPayment(invoice: InvoiceRef, capture: CaptureToRecord): Promise<{ paymentId: number; created: boolean }>;
  applyRefund(invoice: InvoiceRef, refund: RefundToApply): Promise<{ creditNoteId: number; created: boolean }>;
}

const DRAFT = 1;

export function blankOutcome(orderId: number): OrderOutcome {
  return { orderId, state: 'skipped', payments: [], refunds: [], flags: [], passes: 0 };
}

/**
 * Where one order stands and the steps taken since it was last saved. What it remembers (invoice,
 * payments, credit notes) is never looked up again; anything it does not remember is looked up before
 * it is created, so a ledger that starts blank, or from an older save, still makes nothing twice.
 */
export class OrderLedger {
  private pending: OrderEvent[] = [];

  constructor(public outcome: OrderOutcome) {}

  /** The steps taken since the last call, for saving with the outcome. */
  takeEvents(): OrderEvent[] {
    return this.pending.splice(0);
  }

  note(kind: string, detail: Record<string, unknown> = {}): void {
    this.pending.push({ kind, detail });
  }

  /** A person asked to retry: look everything up again rather than trust what was remembered. */
  forget(): void {
    this.note('retry_requested');
    this.outcome = { ...this.outcome, flags: [], payments: [], refunds: [] };
    delete this.outcome.invoiceId;
    delete this.outcome.error;
  }

  failed(state: 'failed' | 'needs_attention', error: string, detail: Record<string, unknown>): void {
    this.outcome = { ...this.outcome, state, error };
    this.note('failed', { ...detail, error });
  }

  /** Reads the order afresh and does whatever is still missing: invoice, sent, payments, credit notes. */
  async pass(calls: OrderCalls): Promise<void> {
    const orderId = this.outcome.orderId;
    const reading = await calls.read(orderId);
    this.outcome.statusId = reading.statusId;
    if (reading.skipReason !== null) {
      if (this.outcome.invoiceId === undefined) {
        if (this.outcome.state !== 'skipped' || this.outcome.reason !== reading.skipReason) this.note('skipped', { statusId: reading.statusId, reason: reading.skipReason });
        this.outcome = { ...this.outcome, state: 'skipped', reason: reading.skipReason };
        delete this.outcome.error;
        return;
      }
      // Invoiced, then no longer paid (cancelled, disputed…): the invoice stays; a person decides.
      this.flag(`status ${reading.statusId} (${reading.status}) after invoicing: ${reading.skipReason}`);
    } else {
      const invoice = await this.invoiceFor(reading, calls);
      for (const capture of reading.captures) {
        if (this.outcome.payments.some((p) => p.transactionId === capture.transactionId)) continue;
        const p = await calls.recordPayment(invoice, capture);
        this.outcome.payments.push({ transactionId: capture.transactionId, paymentId: p.paymentId, amount: capture.amount, method: capture.method });
        this.note(p.created ? 'payment_recorded' : 'payment_found', { transactionId: capture.transactionId, paymentId: p.paymentId, amount: capture.amount, method: capture.method });
      }
      // Strictly one at a time, in BigCommerce's order: each waits for the previous one to be recorded.
      for (const refund of reading.refunds) {
        if (this.outcome.refunds.some((r) => r.refundId === refund.refundId)) continue;
        if (refund.declined) {
          this.flag(`refund ${refund.refundId} was declined by the gateway: nothing refunded, nothing recorded`);
          continue;
        }
        const r = await calls.applyRefund(invoice, refund);
        this.outcome.refunds.push({ refundId: refund.refundId, creditNoteId: r.creditNoteId, amount: refund.amount });
        this.note(r.created ? 'refund_applied' : 'refund_found', { refundId: refund.refundId, creditNoteId: r.creditNoteId, amount: refund.amount });
      }
      if (invoice.amount !== reading.total) this.flag(`invoice total ${invoice.amount} differs from the order's total_inc_tax ${reading.total}`);
    }
    if (reading.refundedWithoutRecord) this.flag('refunded_without_record: BigCommerce marks the order refunded but holds no refund record; record the refund by hand');
    this.outcome = { ...this.outcome, state: this.outcome.flags.length > 0 ? 'needs_attention' : 'invoiced' };
    delete this.outcome.reason;
    delete this.outcome.error;
  }

  private flag(f: string): void {
    if (!this.outcome.flags.includes(f)) {
      this.outcome.flags.push(f);
      this.note('flagged', { flag: f });
    }
  }

  private async invoiceFor(reading: OrderReading, calls: OrderCalls): Promise<InvoiceRef> {
    const o = this.outcome;
    let invoice: InvoiceRef;
    if (o.invoiceId !== undefined && o.clientId !== undefined && o.invoiceStatus !== 'draft') {
      invoice = { invoiceId: o.invoiceId, invoiceNumber: o.invoiceNumber ?? String(o.orderId), clientId: o.clientId, status: 0, amount: o.total ?? reading.total, currency: o.currency ?? reading.currency, created: false };
    } else {
      invoice = await calls.ensureInvoice(reading);
      this.note(invoice.created ? 'invoice_created' : 'invoice_found', { invoiceId: invoice.invoiceId, invoiceNumber: invoice.invoiceNumber, amount: invoice.amount, currency: invoice.currency, ...(invoice.matched ? { matched: invoice.matched } : {}) });
      if (invoice.status === DRAFT) {
        invoice = { ...invoice, status: await calls.markSent(invoice.invoiceId) };
        this.note('invoice_marked_sent', { invoiceId: invoice.invoiceId });
      }
    }
    this.outcome = {
      ...this.outcome, invoiceId: invoice.invoiceId, clientId: invoice.clientId, invoiceNumber: invoice.invoiceNumber,
      invoiceStatus: invoice.status ? (INVOICE_STATUS[invoice.status] ?? String(invoice.status)) : (this.outcome.invoiceStatus ?? 'sent'),
      total: invoice.amount, currency: invoice.currency,
    };
    return invoice;
  }
}
