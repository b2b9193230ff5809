import {
  ActivityFailure, ApplicationFailure, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OrderEvent, OrderOutcome } from '../db/bigcommerce-orders';
import type { InvoiceRef, OrderHint, OrderReading, OrderWorkflowInput } from './order-types';

/**
 * `order/<store>/<orderId>`: one paid BigCommerce order becomes exactly one FreshBooks invoice (its
 * number is the order number, looked up before creating), marked sent, with one payment per captured
 * transaction and one credit note per refund, applied one at a time and in order. Webhooks and the poll
 * only say "look again"; every pass reads the order afresh and does what is still missing. The workflow
 * lingers a little to absorb bursts of duplicate events, then ends; the next event starts a new run,
 * which resumes from the saved outcome.
 */
export const orderChangedSignal = defineSignal<[OrderHint]>('orderChanged');
export const orderStatusQuery = defineQuery<OrderWorkflowStatus>('orderStatus');

export interface OrderWorkflowStatus extends OrderOutcome {
  phase: 'working' | 'waiting' | 'backing_off';
  hints: number;
}

/** How long a finished order waits for more events before the run ends. */
const LINGER_MS = 60_000;
/** After the activity retries are spent, the order is tried again on this schedule until it succeeds. */
const FAILURE_BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 6 * 3_600_000];
/** Failures only a person can clear: retrying on a timer would give the same answer. */
const NEEDS_PERSON = ['OrderRefused', 'FreshBooksRejected', 'SourceRejected', 'SourceAuth', 'ConnectionNotFound'];
const DRAFT = 1;
const INVOICE_STATUS: Record<number, string> = { 1: 'draft', 2: 'sent', 3: 'viewed', 4: 'paid', 5: 'auto-paid', 6: 'retry', 7: 'failed', 8: 'partial' };

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10, nonRetryableErrorTypes: [...NEEDS_PERSON, 'NeedsReauth'] },
});

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderOutcome> {
  const { connectionId, orderId } = input;
  const ref = { connectionId, orderId };
  let outcome: OrderOutcome = { orderId, state: 'skipped', payments: [], refunds: [], flags: [], passes: 0 };
  const events: OrderEvent[] = [];
  let pending = true;
  let forget = false;
  let hints = 0;
  let failures = 0;
  let phase: OrderWorkflowStatus['phase'] = 'working';

  setHandler(orderChangedSignal, (hint) => {
    pending = true;
    hints++;
    if (hint.reason === 'retry') forget = true;
  });
  setHandler(orderStatusQuery, () => ({ ...outcome, phase, hints }));
  // Handlers first, so a query or signal arriving with the start is never turned away.
  outcome = (await acts.loadOrderOutcome(ref)) ?? outcome;

  const note = (kind: string, detail: Record<string, unknown> = {}) => events.push({ kind, detail });
  const flag = (f: string) => {
    if (!outcome.flags.includes(f)) {
      outcome.flags.push(f);
      note('flagged', { flag: f });
    }
  };

  async function pass(): Promise<void> {
    const reading = await acts.readOrder(ref);
    outcome.statusId = reading.statusId;
    if (reading.skipReason !== null) {
      if (outcome.invoiceId === undefined) {
        if (outcome.state !== 'skipped' || outcome.reason !== reading.skipReason) note('skipped', { statusId: reading.statusId, reason: reading.skipReason });
        outcome = { ...outcome, state: 'skipped', reason: reading.skipReason };
        return;
      }
      // Invoiced, then no longer paid (cancelled, disputed…): the invoice stays; a person decides.
      flag(`status ${reading.statusId} (${reading.status}) after invoicing: ${reading.skipReason}`);
    } else {
      const invoice = await invoiceFor(reading);
      for (const capture of reading.captures) {
        if (outcome.payments.some((p) => p.transactionId === capture.transactionId)) continue;
        const p = await acts.recordPayment({ ...ref, invoice, capture });
        outcome.payments.push({ transactionId: capture.transactionId, paymentId: p.paymentId, amount: capture.amount, method: capture.method });
        note(p.created ? 'payment_recorded' : 'payment_found', { transactionId: capture.transactionId, paymentId: p.paymentId, amount: capture.amount, method: capture.method });
      }
      // Strictly one at a time, in BigCommerce's order: each waits for the previous one to be recorded.
      for (const refund of reading.refunds) {
        if (outcome.refunds.some((r) => r.refundId === refund.refundId)) continue;
        if (refund.declined) {
          flag(`refund ${refund.refundId} was declined by the gateway: nothing refunded, nothing recorded`);
          continue;
        }
        const r = await acts.applyRefund({ ...ref, invoice, refund });
        outcome.refunds.push({ refundId: refund.refundId, creditNoteId: r.creditNoteId, amount: refund.amount });
        note(r.created ? 'refund_applied' : 'refund_found', { refundId: refund.refundId, creditNoteId: r.creditNoteId, amount: refund.amount });
      }
      if (invoice.amount !== reading.total) flag(`invoice total ${invoice.amount} differs from the order's total_inc_tax ${reading.total}`);
    }
    if (reading.refundedWithoutRecord) flag('refunded_without_record: BigCommerce marks the order refunded but holds no refund record; record the refund by hand');
    outcome = { ...outcome, state: outcome.flags.length > 0 ? 'needs_attention' : 'invoiced' };
    delete outcome.reason;
  }

  async function invoiceFor(reading: OrderReading): Promise<InvoiceRef> {
    let invoice: InvoiceRef;
    if (outcome.invoiceId !== undefined && outcome.clientId !== undefined && outcome.invoiceStatus !== 'draft') {
      invoice = { invoiceId: outcome.invoiceId, invoiceNumber: outcome.invoiceNumber ?? String(orderId), clientId: outcome.clientId, status: 0, amount: outcome.total ?? reading.total, currency: outcome.currency ?? reading.currency, created: false };
    } else {
      invoice = await acts.ensureInvoice({ ...ref, reading });
      note(invoice.created ? 'invoice_created' : 'invoice_found', { invoiceId: invoice.invoiceId, invoiceNumber: invoice.invoiceNumber, amount: invoice.amount, currency: invoice.currency, ...(invoice.matched ? { matched: invoice.matched } : {}) });
      if (invoice.status === DRAFT) {
        invoice = { ...invoice, status: await acts.markInvoiceSent({ ...ref, invoiceId: invoice.invoiceId }) };
        note('invoice_marked_sent', { invoiceId: invoice.invoiceId });
      }
    }
    outcome = {
      ...outcome, invoiceId: invoice.invoiceId, clientId: invoice.clientId, invoiceNumber: invoice.invoiceNumber,
      invoiceStatus: invoice.status ? (INVOICE_STATUS[invoice.status] ?? String(invoice.status)) : (outcome.invoiceStatus ?? 'sent'),
      total: invoice.amount, currency: invoice.currency,
    };
    return invoice;
  }

  for (;;) {
    if (!pending) {
      phase = outcome.state === 'failed' ? 'backing_off' : 'waiting';
      const wait = outcome.state === 'failed' ? FAILURE_BACKOFF_MS[Math.min(failures - 1, FAILURE_BACKOFF_MS.length - 1)]! : LINGER_MS;
      if (!(await condition(() => pending, wait))) {
        if (outcome.state !== 'failed') break;
        note('retrying', { after: 'backoff', failures });
      }
    }
    pending = false;
    phase = 'working';
    if (forget) {
      // A person asked for a retry: look everything up again rather than trust what was remembered.
      forget = false;
      note('retry_requested');
      outcome = { ...outcome, flags: [], payments: [], refunds: [] };
      delete outcome.invoiceId;
      delete outcome.error;
    }
    try {
      await pass();
      failures = 0;
      delete outcome.error;
    } catch (err) {
      const { type, message } = describeFailure(err);
      failures++;
      outcome = { ...outcome, state: type && NEEDS_PERSON.includes(type) ? 'needs_attention' : 'failed', error: message };
      note('failed', { type: type ?? 'unknown', error: message, failures });
    }
    await acts.saveOrderOutcome({ connectionId, outcome: { ...outcome, passes: 1 }, events: events.splice(0) });
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof orderWorkflow>(input);
  }
  return outcome;
}

function describeFailure(err: unknown): { type?: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { ...(cause.type ? { type: cause.type } : {}), message: cause.message };
  return { message: err instanceof Error ? err.message : String(err) };
}
