import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../contracts/activities';
import { NON_RETRYABLE_FAILURES, type FailureType } from '../contracts/failures';
import { orderChangedSignal, orderStatusQuery, type OrderOutcome, type OrderWorkflowInput, type OrderWorkflowStatus } from '../contracts/order';
import { blankOutcome, OrderLedger, type OrderCalls } from '../domain/order-pass';
import { describeFailure } from './activity-failure';

/** How long a finished order waits for more events before the run ends, unless its input says (ORDER_LINGER_SEC). */
const DEFAULT_LINGER_SEC = 60;
/** After the activity retries are spent, the order is tried again on this schedule until it succeeds. */
const FAILURE_BACKOFF_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 6 * 3_600_000];
/** Failures only a person can clear: retrying on a timer would give the same answer. */
const NEEDS_PERSON: readonly string[] = ['OrderRefused', 'FreshBooksRejected', 'SourceRejected', 'SourceAuth', 'ConnectionNotFound'] satisfies FailureType[];

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_FAILURES },
});

/**
 * `order/<store>/<orderId>`: one paid BigCommerce order becomes exactly one FreshBooks invoice (its
 * number is the order number, looked up before creating), marked sent, with one payment per captured
 * transaction and one credit note per refund, applied one at a time and in order. Webhooks and the poll
 * only say "look again"; every pass reads the order afresh and does what is still missing. The workflow
 * lingers a little to absorb bursts of duplicate events, then ends; the next event starts a new run,
 * which resumes from the saved outcome.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderOutcome> {
  const { connectionId, orderId, carried } = input;
  const lingerMs = (input.lingerSec ?? DEFAULT_LINGER_SEC) * 1000;
  const ref = { connectionId, orderId };
  let ledger = new OrderLedger(blankOutcome(orderId));
  let pending = carried?.pending ?? true;
  let forget = carried?.forget ?? false;
  let hints = carried?.hints ?? 0;
  let failures = carried?.failures ?? 0;
  let phase: OrderWorkflowStatus['phase'] = 'working';
  let reconnected: string | undefined;

  setHandler(orderChangedSignal, (hint) => {
    pending = true;
    hints++;
    if (hint.reason === 'retry') forget = true;
    if (hint.connectionId && hint.connectionId !== connectionId) reconnected = hint.connectionId;
  });
  setHandler(orderStatusQuery, () => ({ ...ledger.outcome, phase, hints }));
  // Handlers first, so a query or signal arriving with the start is never turned away.
  ledger = new OrderLedger((await acts.loadOrderOutcome(ref)) ?? ledger.outcome);

  const calls: OrderCalls = {
    read: () => acts.readOrder(ref),
    ensureInvoice: (reading) => acts.ensureInvoice({ ...ref, reading }),
    markSent: (invoiceId) => acts.markInvoiceSent({ ...ref, invoiceId }),
    recordPayment: (invoice, capture) => acts.recordPayment({ ...ref, invoice, capture }),
    applyRefund: (invoice, refund) => acts.applyRefund({ ...ref, invoice, refund }),
  };

  for (;;) {
    if (!pending) {
      const failed = ledger.outcome.state === 'failed';
      phase = failed ? 'backing_off' : 'waiting';
      const wait = failed ? FAILURE_BACKOFF_MS[Math.min(failures - 1, FAILURE_BACKOFF_MS.length - 1)]! : lingerMs;
      if (!(await condition(() => pending, wait))) {
        if (!failed) break;
        ledger.note('retrying', { after: 'backoff', failures });
      }
    }
    // The store was deleted and connected again while this run lingered: the order is the new connection's now.
    if (reconnected) await continueAsNew<typeof orderWorkflow>({ ...input, connectionId: reconnected, carried: { pending: true, forget, hints, failures } });
    pending = false;
    phase = 'working';
    if (forget) {
      forget = false;
      ledger.forget();
    }
    try {
      await ledger.pass(calls);
      failures = 0;
    } catch (err) {
      const { type, message } = describeFailure(err);
      failures++;
      ledger.failed(type && NEEDS_PERSON.includes(type) ? 'needs_attention' : 'failed', message, { type: type ?? 'unknown', failures });
    }
    await acts.saveOrderOutcome({ connectionId, outcome: { ...ledger.outcome, passes: 1 }, events: ledger.takeEvents() });
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof orderWorkflow>({ ...input, carried: { pending, forget, hints, failures } });
  }
  return ledger.outcome;
}
