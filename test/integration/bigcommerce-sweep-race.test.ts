import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { defaultPayloadConverter } from '@temporalio/common';
import { createStoreConnection, eventually, invoicesNumbered, orderOutcome } from '../support/flows';
import { EncryptionCodec } from '../../temporal/encryption-codec';
import { OrderLeases } from '../../db/order-leases';
import { DEFAULT_TOKEN, type OrderSpec } from '../../sandbox/bigcommerce';

/** A store of its own: order workflow ids (`order/<store>/<id>`) are global to the shared Temporal namespace. */
const STORE = 'race01';

/**
 * The store sweep works backlog orders itself; webhooks start order workflows. Both may reach one order
 * at once, and FreshBooks would take two invoices with one number: the order's lease in Postgres lets
 * one of them at a time look up and create.
 */
describe('store sweep and order workflows on the same orders', () => {
  let h: Harness;
  let leases: OrderLeases;
  let current: string | undefined;

  /** One connection per test: the store can be connected once at a time, so the last test's goes first. */
  async function connect() {
    if (current) await h.admin(`/api/connections/${current}`, { method: 'DELETE' });
    const conn = await createStoreConnection(h, { storeHash: STORE });
    current = conn.connectionId;
    return conn;
  }

  before(async () => {
    h = await startHarness({ bigcommerce: { seedOrders: 0, rateLimitQuota: 10_000, stores: [{ hash: STORE, token: DEFAULT_TOKEN }] } });
    leases = new OrderLeases(h.db, 120_000);
  });
  after(async () => {
    await h?.close();
  });

  const guest = (i: number): Partial<OrderSpec> & Pick<OrderSpec, 'lines'> => ({
    statusId: 11, billing: { email: `buyer${i % 7}@example.org`, first_name: 'Buyer', last_name: String(i % 7) },
    lines: [{ productId: 0, name: `Hand-made mug ${i % 5}`, sku: `MUG-${i % 5}`, price: 12 + i, quantity: 1 + (i % 3), type: 'physical' }],
    taxRate: 8, shipping: 4.5, ...(i % 4 === 0 ? { giftCertificate: 5 } : {}),
  });
  const orderEvent = (id: number) => JSON.stringify({ scope: 'store/order/statusUpdated', store_id: '1', data: { type: 'order', id }, hash: `h${id}`, created_at: Math.floor(Date.now() / 1000), producer: `stores/${STORE}` });
  const hooksOf = (connectionId: string) => (h.bc.state.hooks(STORE) as any[]).filter((x) => String(x.destination).endsWith(`/${connectionId}`));
  const deliver = (connectionId: string, id: number) => fetch(`${h.apiUrl}/webhooks/bigcommerce/${connectionId}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'X-Hook-Secret': hooksOf(connectionId)[0].headers['X-Hook-Secret'] }, body: orderEvent(id),
  });
  const captures = (o: Record<string, any>) => h.bc.state.orderRecord(STORE, o.id)!.transactions.filter((t) => (t.event === 'purchase' || t.event === 'capture') && t.status === 'ok').length;

  function assertExactlyOnce(accountId: string, o: Record<string, any>): void {
    const invoices = invoicesNumbered(h, accountId, String(o.id));
    assert.equal(invoices.length, 1, `order ${o.id}: one invoice, found ${invoices.length}`);
    assert.equal(invoices[0]!.amount.amount, Number(o.total_inc_tax).toFixed(2), `order ${o.id}: total`);
    assert.notEqual(invoices[0]!.status, 1, `order ${o.id}: marked sent`);
    const payments = h.fb.state.list(accountId, 'payments', { 'search[invoiceid]': String(invoices[0]!.id) }).items as any[];
    assert.equal(payments.length, captures(o), `order ${o.id}: one payment per capture`);
  }

  test('the lease: one holder at a time, its own again, free after release or expiry, renewed while held', async () => {
    await connect();
    const short = new OrderLeases(h.db, 400);
    const id = 999_001;
    assert.equal(await short.acquire(STORE, id, 'a'), true);
    assert.equal(await short.acquire(STORE, id, 'b'), false, 'held by a');
    assert.equal(await short.acquire(STORE, id, 'a'), true, 'a again: renewed');
    assert.equal(await short.holderOf(STORE, id), 'a');
    await short.release(STORE, id, 'b');
    assert.equal(await short.holderOf(STORE, id), 'a', "b cannot release a's lease");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await short.acquire(STORE, id, 'b'), true, 'expired: b takes it');
    await short.release(STORE, id, 'b');
    assert.equal(await short.holderOf(STORE, id), null);

    // Held for three lifetimes by renewal; the other holder is refused throughout, then waits its turn.
    let refused = 0;
    const held = short.hold(STORE, id, 'a', async () => {
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 200));
        if (!(await short.acquire(STORE, id, 'b'))) refused++;
      }
      return 'done';
    });
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(short.hold(STORE, id, 'b', async () => 'never'), { name: 'OrderBusy', message: /being worked by a/ });
    const waited = short.hold(STORE, id, 'b', async () => 'b ran', 5_000);
    assert.equal(await held, 'done');
    assert.equal(refused, 6, 'renewed past its 400 ms lifetime');
    assert.equal(await waited, 'b ran');
  });

  test('an order workflow waits while the order is held, then invoices it once; the sweep hands a held order to its workflow', async () => {
    const conn = await connect();
    await eventually('first sweep done', async () => ((await h.workflows.storeStatus(conn.connectionId))?.polls ?? 0) >= 1 || undefined, 60_000);

    // Webhook path: the sandbox delivers the order's webhook; its workflow reads the order, then waits.
    const a = h.bc.state.createOrder(STORE, guest(1)) as Record<string, any>;
    await leases.acquire(STORE, a.id, 'test: held by hand');
    await eventually('order workflow started', async () => (await h.workflows.orderStatus(STORE, a.id).catch(() => null)) ?? undefined, 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(invoicesNumbered(h, conn.accountId, String(a.id)).length, 0, 'nothing created while another holds the order');
    await leases.release(STORE, a.id, 'test: held by hand');
    const outcomeA = await orderOutcome(h, conn.connectionId, a.id, (x) => x.state === 'invoiced', 90_000);
    assertExactlyOnce(conn.accountId, a);
    assert.ok(outcomeA.events.every((e: any) => e.detail.via === undefined), 'worked by its workflow');

    // Sweep path: no webhook (hooks off), the sweep finds the order held and hands it over.
    for (const hk of hooksOf(conn.connectionId)) h.bc.state.deactivateHook(STORE, hk.id);
    const b = h.bc.state.createOrder(STORE, guest(2)) as Record<string, any>;
    await leases.acquire(STORE, b.id, 'test: held by hand');
    const polls = (await h.workflows.storeStatus(conn.connectionId))!.polls;
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/sync`, { body: {} })).status, 202);
    const swept = await eventually('the sweep', async () => {
      const s = await h.workflows.storeStatus(conn.connectionId);
      return s && s.polls > polls ? s : undefined;
    }, 60_000);
    assert.equal(swept.lastPoll?.signalled, 1, 'handed over to its workflow');
    assert.equal(invoicesNumbered(h, conn.accountId, String(b.id)).length, 0);
    await leases.release(STORE, b.id, 'test: held by hand');
    const outcomeB = await orderOutcome(h, conn.connectionId, b.id, (x) => x.state === 'invoiced', 90_000);
    assertExactlyOnce(conn.accountId, b);
    assert.ok(outcomeB.events.some((e: any) => e.kind === 'invoice_created' && e.detail.via === undefined), 'created by its workflow');
  });

  test('a store deleted and connected again: a webhook moves the order workflow still lingering for the old connection to the new one', async () => {
    // The previous test's orders' workflows linger (60 s) with that test's connection, now deleted here.
    const a = (await h.db.query<{ order_id: string }>('SELECT order_id FROM bigcommerce_orders WHERE connection_id = $1 ORDER BY order_id LIMIT 1', [current])).rows[0]!;
    const orderId = Number(a.order_id);
    assert.equal((await h.workflows.orderStatus(STORE, orderId))?.phase, 'waiting', 'still lingering');
    const handle = h.client.workflow.getHandle(`order/${STORE}/${orderId}`);
    const oldRun = (await handle.describe()).runId;
    const conn = await connect();
    await eventually('hooks registered', () => hooksOf(conn.connectionId).length >= 4 || undefined, 30_000);
    assert.equal((await deliver(conn.connectionId, orderId)).status, 200);
    const outcome = await orderOutcome(h, conn.connectionId, orderId, (x) => x.state === 'invoiced', 60_000);
    assert.equal(invoicesNumbered(h, conn.accountId, String(orderId)).length, 1, 'the invoice the old connection made is found, not made again');
    assert.ok(outcome.events.some((e: any) => e.kind === 'invoice_found'));
    // The lingering run gave way to a run of the new connection's (continue-as-new), not the old one working on.
    const latest = await handle.describe();
    assert.notEqual(latest.runId, oldRun);
    const history = await handle.fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    assert.equal(started.continuedExecutionRunId, oldRun);
    const input = defaultPayloadConverter.fromPayload((await new EncryptionCodec(h.config.payloadKeys).decode(started.input!.payloads as never))[0]!) as { connectionId: string };
    assert.equal(input.connectionId, conn.connectionId);
  });

  test('a slow store: the sweep works a backlog while three webhooks per order start their workflows: one invoice, one payment per capture', async () => {
    // Reading an order's transactions takes a second, so a workflow started by a webhook is still reading
    // while the sweep works (and holds) the same order, and the other way round.
    h.bc.state.injectLatency(1_000, '/transactions');
    const backlog = Array.from({ length: 30 }, (_, i) => h.bc.state.createOrder(STORE, guest(100 + i)) as Record<string, any>);
    const conn = await connect();
    await eventually('hooks registered', () => hooksOf(conn.connectionId).length >= 4 || undefined, 30_000);
    const replies = await Promise.all(backlog.flatMap((o) => [deliver(conn.connectionId, o.id), deliver(conn.connectionId, o.id), deliver(conn.connectionId, o.id)]));
    assert.ok(replies.every((r) => r.status === 200));

    for (const o of backlog) await orderOutcome(h, conn.connectionId, o.id, (x) => x.state === 'invoiced', 120_000);
    // Whichever path saved first, the webhooks' workflows finish their own passes, then linger.
    for (const o of backlog) {
      await eventually(`order ${o.id}'s workflow done`, async () => (await h.workflows.orderStatus(STORE, o.id).catch(() => null))?.phase === 'waiting' || undefined, 120_000);
    }
    h.bc.state.clearFaults();
    const outcomes = [];
    for (const o of backlog) outcomes.push(await orderOutcome(h, conn.connectionId, o.id, (x) => x.state === 'invoiced'));
    for (const o of backlog) assertExactlyOnce(conn.accountId, o);
    // Both paths really met: some orders have steps from the sweep and from their workflow.
    const bySweep = outcomes.filter((x) => x.events.some((e: any) => e.detail.via === 'store sweep')).length;
    const byWorkflow = outcomes.filter((x) => x.events.some((e: any) => e.detail.via === undefined)).length;
    const sweep = (await h.workflows.storeStatus(conn.connectionId))?.lastPoll;
    console.log(`orders with steps by the sweep ${bySweep}, by their workflow ${byWorkflow}; sweep ${JSON.stringify(sweep)}`);
    const both = outcomes.filter((x) => x.events.some((e: any) => e.detail.via === 'store sweep') && x.events.some((e: any) => e.detail.via === undefined));
    assert.ok(both.length > 0, 'the sweep and the workflows worked some of the same orders');
    const created = outcomes.flatMap((x) => x.events).filter((e: any) => e.kind === 'invoice_created');
    assert.equal(created.length, backlog.length, 'each invoice created once, by one path or the other');
  });
});
