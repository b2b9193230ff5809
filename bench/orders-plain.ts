/**
 * The orders benchmark's baseline: BigCommerce paid orders → FreshBooks invoices with the very calls the
 * service makes (activities/order-steps.ts OrderSteps: read → ensureInvoice → markSent when draft →
 * recordPayment per capture → applyRefund per refund), but in a plain loop: no Temporal, no workflow, no
 * lease, no per-activity connection/credential reads. The store is swept the way the store workflow's poll does
 * (v2 orders modified since the backfill instant, oldest first, 250 a page).
 *
 * Concurrency matches the worker's activity slots (workers/worker.ts maxConcurrentActivityTaskExecutions
 * = 20, and the sweep's lanes per page): 20 orders in flight, each order's steps one after the other.
 * The record map (clients, items) is the same Postgres table the activities use, under its own
 * connection id. `saveOutcomes` (an experiment) also saves each order's outcome as the workflow does.
 *
 * Run as a child process by bench/orders.ts (input as JSON in BENCH_ORDERS_PLAIN_INPUT, result as one
 * `PLAIN_RESULT {json}` line on stdout) so its process layout matches the worker's.
 */
import { OrderSteps } from '../activities/order-steps';
import { blankOutcome, OrderLedger } from '../domain/order-pass';
import { POLL_PAGE } from '../activities/store';
import { BigCommerceClient, StoreThrottle } from '../connectors/bigcommerce';
import { FreshBooksWriter } from '../connectors/freshbooks';
import { plainFreshBooksOptions } from './plain-loop';
import { BigCommerceOrderStore, BigCommerceRecordMap, type OrderOutcome } from '../db/bigcommerce-orders';
import { createPool } from '../db/pool';

export interface OrdersPlainInput {
  fbApiBase: string;
  accountId: string;
  accessToken: string;
  requestsPerSec: number;
  bcApiBase: string;
  storeHash: string;
  bcToken: string;
  databaseUrl: string;
  connectionId: string;
  /** ISO instant: the store connection's backfillSince. */
  since: string;
  concurrency: number;
  saveOutcomes?: boolean;
}

export interface StepTime {
  count: number;
  ms: number;
  maxMs: number;
}

export interface OrdersPlainResult {
  listed: number;
  invoiced: number;
  skipped: number;
  payments: number;
  refunds: number;
  /** Orders that threw (the bench fails the run on any). */
  failures: { orderId: number; error: string }[];
  /** Orders whose invoice total differs from total_inc_tax (the workflow flags these). */
  flagged: { orderId: number; flag: string }[];
  elapsedMs: number;
  listMs: number;
  steps: Record<string, StepTime>;
  cpuSec: number;
}


type Timer = <T>(step: string, fn: () => Promise<T>) => Promise<T>;

/**
 * The order workflow's pass (domain/order-pass.ts, which the store sweep runs too) with OrderSteps
 * called directly: the same calls in the same order, with no Temporal and no lease in between.
 */
export async function workOrder(steps: OrderSteps, orderId: number, timed: Timer = (_step, fn) => fn()): Promise<OrderOutcome> {
  const ledger = new OrderLedger(blankOutcome(orderId));
  await ledger.pass({
    read: (id) => timed('readOrder', () => steps.read(id)),
    ensureInvoice: (reading) => timed('ensureInvoice', () => steps.ensureInvoice(reading)),
    markSent: (invoiceId) => timed('markInvoiceSent', () => steps.markSent(invoiceId)),
    recordPayment: (invoice, capture) => timed('recordPayment', () => steps.recordPayment(invoice, capture)),
    applyRefund: (invoice, refund) => timed('applyRefund', () => steps.applyRefund(invoice, refund)),
  });
  return { ...ledger.outcome, passes: 1 };
}

export async function runOrdersPlain(input: OrdersPlainInput, progress: (line: string) => void = () => undefined): Promise<OrdersPlainResult> {
  const cpu0 = process.cpuUsage();
  const db = createPool(input.databaseUrl);
  const bc = new BigCommerceClient({ apiBase: input.bcApiBase, storeHash: input.storeHash, token: input.bcToken, throttle: new StoreThrottle() });
  const fb = new FreshBooksWriter(plainFreshBooksOptions(input));
  const steps = new OrderSteps({ connectionId: input.connectionId, bc, fb, map: new BigCommerceRecordMap(db) });
  const outcomes = new BigCommerceOrderStore(db);
  const result: OrdersPlainResult = {
    listed: 0, invoiced: 0, skipped: 0, payments: 0, refunds: 0, failures: [], flagged: [], elapsedMs: 0, listMs: 0, steps: {}, cpuSec: 0,
  };
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - t;
      const s = (result.steps[name] ??= { count: 0, ms: 0, maxMs: 0 });
      s.count += 1;
      s.ms += ms;
      s.maxMs = Math.max(s.maxMs, ms);
    }
  };

  const started = performance.now();
  try {
    // The sweep: every order modified since the backfill instant, oldest change first.
    const ids: number[] = [];
    for (let page = 1; ; page++) {
      const orders = await timed('listOrders', () => bc.listOrders({ minDateModified: input.since, page, limit: POLL_PAGE }));
      ids.push(...orders.map((o) => Number(o.id)));
      if (orders.length < POLL_PAGE) break;
    }
    result.listed = ids.length;
    result.listMs = performance.now() - started;

    // The order workflow's pass, minus Temporal.
    const one = async (orderId: number): Promise<void> => {
      const outcome = await workOrder(steps, orderId, timed);
      if (outcome.state === 'skipped') result.skipped++;
      else result.invoiced++;
      result.payments += outcome.payments.length;
      result.refunds += outcome.refunds.length;
      for (const flag of outcome.flags) result.flagged.push({ orderId, flag });
      if (input.saveOutcomes) await timed('saveOrderOutcome', () => outcomes.save(input.connectionId, outcome, []));
    };

    let next = 0;
    let done = 0;
    const ticker = setInterval(() => {
      const secs = (performance.now() - started) / 1000;
      progress(`plain t=${secs.toFixed(1)}s ${done}/${ids.length} orders (${(done / secs * 60).toFixed(0)}/min)`);
    }, 5_000);
    try {
      await Promise.all(Array.from({ length: Math.max(1, input.concurrency) }, async () => {
        while (next < ids.length) {
          const orderId = ids[next++]!;
          try {
            await one(orderId);
          } catch (err) {
            result.failures.push({ orderId, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
          }
          done++;
        }
      }));
    } finally {
      clearInterval(ticker);
    }
    result.elapsedMs = performance.now() - started;
  } finally {
    await db.end();
  }
  const cpu = process.cpuUsage(cpu0);
  result.cpuSec = (cpu.user + cpu.system) / 1e6;
  return result;
}

if (require.main === module) {
  const raw = process.env.BENCH_ORDERS_PLAIN_INPUT;
  if (!raw) {
    console.error('BENCH_ORDERS_PLAIN_INPUT is not set (this script is run by bench/orders.ts)');
    process.exit(2);
  }
  runOrdersPlain(JSON.parse(raw) as OrdersPlainInput, (line) => process.stdout.write(`${line}\n`)).then(
    (r) => {
      process.stdout.write(`PLAIN_RESULT ${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err) => {
      console.error(err instanceof Error ? err.stack ?? err.message : err);
      process.exit(1);
    },
  );
}
