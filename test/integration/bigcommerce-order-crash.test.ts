import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startHarness, type Harness } from '../support/harness';
import { createStoreConnection, eventually, invoicesNumbered, orderOutcome } from '../support/flows';
import { DEFAULT_TOKEN } from '../../sandbox/bigcommerce';

/** A store of its own: order workflow ids (`order/<store>/<id>`) are global to the Temporal namespace
 * the test files share, and another file's order 100 may still be lingering on its own task queue. */
const STORE = 'crash01';

/**
 * The hardest moment for "exactly one invoice": the invoice exists as a draft and the worker dies
 * before marking it sent, while five copies of the order's webhook arrive at once. The new worker's
 * retry must find the invoice by its number and finish it, never create another.
 */
describe('order workflow: worker killed between creating the invoice and marking it sent', () => {
  let h: Harness;
  let worker: ChildProcess | undefined;
  before(async () => {
    h = await startHarness({ worker: false, bigcommerce: { seedOrders: 0, stores: [{ hash: STORE, token: DEFAULT_TOKEN }] } });
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await h?.close();
  });

  function startWorker(): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], { env: { ...process.env, ...h.env, LOG_LEVEL: 'error' }, stdio: ['ignore', 'ignore', 'inherit'] });
  }

  test('five concurrent webhooks + SIGKILL after the draft: one invoice, marked sent, one payment per capture', async () => {
    worker = startWorker();
    const conn = await createStoreConnection(h, { storeHash: STORE });
    await eventually('hooks registered', () => h.bc.state.hooks(STORE).length >= 4 || undefined, 60_000);
    const secret = (h.bc.state.hooks(STORE)[0] as any).headers['X-Hook-Secret'] as string;
    // Marking sent fails until the fault is lifted: the kill lands while the invoice is a draft.
    h.fb.state.injectFaults({ status5xx: { count: 100_000, status: 503, pathContains: 'invoices/invoices/' } });

    const o = h.bc.state.createOrder(STORE, {
      statusId: 11, billing: { email: 'crash.test@example.org', first_name: 'Cora', last_name: 'Crash' },
      lines: [{ productId: 0, name: 'Headlamp', sku: 'LAMP-1', price: 39.95, quantity: 2, type: 'physical' }], shipping: 6, taxRate: 8.25, giftCertificate: 20,
    }) as any;
    const body = JSON.stringify({ scope: 'store/order/statusUpdated', store_id: '1', data: { type: 'order', id: o.id, status: { previous_status_id: 0, new_status_id: 11 } }, hash: 'x', created_at: Math.floor(Date.now() / 1000), producer: `stores/${STORE}` });
    const replies = await Promise.all(Array.from({ length: 5 }, () => fetch(`${h.apiUrl}/webhooks/bigcommerce/${conn.connectionId}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'X-Hook-Secret': secret }, body,
    })));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200]);

    const draft = await eventually('the draft invoice', () => {
      const found = invoicesNumbered(h, conn.accountId, String(o.id));
      return found.length > 0 ? found : undefined;
    }, 60_000);
    assert.equal(draft[0]!.status, 1, 'still a draft when the worker dies');
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));
    h.fb.state.clearFaults();
    worker = startWorker();

    const outcome = await orderOutcome(h, conn.connectionId, o.id, (x) => x.state === 'invoiced', 120_000);
    const invoices = invoicesNumbered(h, conn.accountId, String(o.id));
    assert.equal(invoices.length, 1, 'exactly one invoice');
    assert.notEqual(invoices[0]!.status, 1, 'marked sent');
    assert.equal(invoices[0]!.amount.amount, Number(o.total_inc_tax).toFixed(2));
    const payments = h.fb.state.list(conn.accountId, 'payments', { 'search[invoiceid]': String(invoices[0]!.id) }).items as any[];
    assert.equal(payments.length, 2, 'the card capture and the gift certificate');
    assert.deepEqual(outcome.payments.map((p: any) => p.method).sort(), ['credit_card', 'gift_certificate']);
    const kinds = outcome.events.map((e: any) => e.kind);
    // Created by the first worker; its retry (or the first worker itself) records it created or found.
    assert.equal(kinds.filter((k: string) => k === 'invoice_created' || k === 'invoice_found').length, 1);
    assert.ok(kinds.includes('invoice_marked_sent'));
  });
});
