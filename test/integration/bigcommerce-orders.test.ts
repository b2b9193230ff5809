import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness';
import { createStoreConnection, decodedHistory, eventually, invoicesNumbered, orderOutcome } from '../support/flows';
import { orderWorkflowId, storeWorkflowId } from '../../contracts/ids';
import { DEFAULT_STORE_HASH as STORE, DEFAULT_TOKEN, type OrderSpec } from '../../sandbox/bigcommerce';

/**
 * BigCommerce paid orders → FreshBooks (real Temporal, real Postgres, both sandboxes): one invoice per
 * paid order whatever arrives how often, totals to the cent, payments per captured transaction, refunds
 * one at a time, nothing for unpaid orders, and every step visible through the API.
 */
describe('BigCommerce → FreshBooks orders', () => {
  let h: Harness;
  let conn: Awaited<ReturnType<typeof createStoreConnection>>;
  let customerId: number;
  let product: { id: number; variantId: number; sku: string; name: string };

  before(async () => {
    // A Pro plan's quota (450 per 30 s): the client still paces on the headers, but a file of tests does not
    // spend most of its time waiting for windows to refill.
    h = await startHarness({ bigcommerce: { seedOrders: 0, rateLimitQuota: 450, webhooks: { retryDelaysMs: [200, 400], timeoutMs: 5_000 } } });
    conn = await createStoreConnection(h);
    const c = h.bc.state.createCustomer(STORE, { email: 'Ada.Lovelace@example.com', firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines' });
    customerId = Number(c.id);
    const p = h.bc.state.createProduct(STORE, { name: 'Trail Tent 2P', sku: 'TENT-2P', price: 249.99, variants: [{ sku: 'TENT-2P-GRN', options: { Colour: 'Green' } }] }) as any;
    product = { id: p.id, variantId: p.variants[0].id, sku: 'TENT-2P-GRN', name: 'Trail Tent 2P' };
    // The connection's hooks exist before any order is placed.
    await eventually('hooks registered', () => h.bc.state.hooks(STORE).length >= 4 || undefined);
  });
  after(async () => {
    await h?.close();
  });

  const order = (spec: Partial<OrderSpec> & Pick<OrderSpec, 'lines'>) => h.bc.state.createOrder(STORE, { statusId: 11, ...spec }) as Record<string, any>;
  const invoiced = (orderId: number) => orderOutcome(h, conn.connectionId, orderId, (o) => o.state === 'invoiced' || o.state === 'needs_attention' || o.state === 'failed');
  const hookSecret = () => (h.bc.state.hooks(STORE)[0] as any).headers['X-Hook-Secret'] as string;
  const deliver = (body: unknown, headers: Record<string, string> = { 'X-Hook-Secret': hookSecret() }) =>
    fetch(`${h.apiUrl}/webhooks/bigcommerce/${conn.connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const orderEvent = (id: number, scope = 'store/order/statusUpdated') => ({ scope, store_id: '1025646', data: { type: 'order', id }, hash: `h${id}`, created_at: Math.floor(Date.now() / 1000), producer: `stores/${STORE}` });

  test('hooks: one per scope, pointed at us, carrying a secret header; the token is never Bearer', () => {
    const hooks = h.bc.state.hooks(STORE) as any[];
    assert.deepEqual(hooks.map((x) => x.scope).sort(), ['store/customer/*', 'store/order/*', 'store/product/*', 'store/sku/*']);
    for (const hook of hooks) {
      assert.equal(hook.destination, `${h.apiUrl}/webhooks/bigcommerce/${conn.connectionId}`);
      assert.ok(hook.is_active);
      assert.ok(String(hook.headers['X-Hook-Secret']).length >= 32);
    }
  });

  test('totals reconcile to the cent: coupon, manual discount, shipping, tax-exclusive and -inclusive, custom product, gift certificate, another currency', async () => {
    const cases: Record<string, Partial<OrderSpec> & Pick<OrderSpec, 'lines'>> = {
      couponShippingTaxExclusive: { customerId, lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 249.99, quantity: 2 }], taxRate: 8.875, shipping: 12.5, coupon: { code: 'TRAIL10', amount: 10 } },
      manualDiscountTaxInclusive: { customerId, taxInclusive: true, taxRate: 20, lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 119.99, quantity: 3 }], manualDiscount: 7.77, handling: 2.5, wrapping: 1.25, shipping: 4.99 },
      customProductGuest: { billing: { email: 'guest.buyer@example.net', first_name: 'Gus', last_name: 'Guest' }, lines: [{ productId: 0, name: 'Custom engraving', sku: 'ENGRAVE-1', price: 15.5, quantity: 1, type: 'digital' }], taxRate: 7.25 },
      giftCertificateTender: { customerId, lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 60, quantity: 1 }], taxRate: 5, shipping: 5, giftCertificate: 25 },
      otherCurrency: { customerId, currency: 'EUR', displayCurrency: 'EUR', taxInclusive: true, taxRate: 19, lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 89.9, quantity: 2 }], shipping: 4.9 },
    };
    for (const [name, spec] of Object.entries(cases)) {
      const o = order(spec);
      const outcome = await invoiced(o.id);
      assert.equal(outcome.state, 'invoiced', `${name}: ${JSON.stringify(outcome)}`);
      const invoices = invoicesNumbered(h, conn.accountId, String(o.id));
      assert.equal(invoices.length, 1, `${name}: one invoice`);
      const inv = invoices[0]!;
      const total = Number(o.total_inc_tax).toFixed(2);
      assert.equal(inv.amount.amount, total, `${name}: invoice total = total_inc_tax`);
      assert.equal(inv.amount.code, o.default_currency_code ?? o.currency_code, `${name}: transactional currency`);
      assert.notEqual(inv.status, 1, `${name}: not a draft`);
      const captures = (await (await fetch(`${h.bcApiBase}/stores/${STORE}/v3/orders/${o.id}/transactions`, { headers: { 'X-Auth-Token': DEFAULT_TOKEN } })).json() as any).data
        .filter((t: any) => (t.event === 'purchase' || t.event === 'capture') && t.status === 'ok');
      assert.equal(outcome.payments.length, captures.length, `${name}: a payment per captured transaction`);
      const paid = h.fb.state.list(conn.accountId, 'payments', { 'search[invoiceid]': String(inv.id) }).items as any[];
      assert.equal(paid.length, captures.length, `${name}: payments in FreshBooks`);
      const paidCents = paid.reduce((s, p) => s + Math.round(Number(p.amount.amount) * 100), 0);
      assert.equal(paidCents, Math.round(Number(total) * 100), `${name}: payments add up to the total`);
      if (name === 'giftCertificateTender') assert.ok(outcome.payments.some((p: any) => p.method === 'gift_certificate'), 'the gift certificate is a payment of its own');
    }
  });

  test('unpaid, incomplete and declined orders produce nothing, with the reason; one paid later is invoiced then', async () => {
    const lines = [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 20, quantity: 1 }];
    const unpaid = order({ customerId, statusId: 7, lines, payment: 'authorize' });
    const incomplete = order({ customerId, statusId: 0, lines });
    const declined = order({ customerId, statusId: 6, lines });
    for (const o of [unpaid, incomplete, declined]) {
      const outcome = await orderOutcome(h, conn.connectionId, o.id, (x) => x.state === 'skipped');
      assert.match(outcome.reason, /not paid|no purchase\/capture/);
      assert.equal(invoicesNumbered(h, conn.accountId, String(o.id)).length, 0);
    }
    // Captured and moved to Awaiting Fulfillment: the status webhook brings it in.
    h.bc.state.addTransaction(STORE, unpaid.id, { event: 'capture', amount: Number(unpaid.total_inc_tax), method: 'credit_card', gateway: 'stripe' });
    h.bc.state.setOrderStatus(STORE, unpaid.id, 11);
    const later = await invoiced(unpaid.id);
    assert.equal(later.state, 'invoiced');
    assert.equal(invoicesNumbered(h, conn.accountId, String(unpaid.id)).length, 1);
    assert.equal(later.payments.length, 1);
  });

  test('the same webhook five times at once: one invoice, one payment', async () => {
    const o = order({ customerId, lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 33.33, quantity: 3 }], taxRate: 8 });
    const replies = await Promise.all(Array.from({ length: 5 }, () => deliver(orderEvent(o.id))));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200]);
    const outcome = await invoiced(o.id);
    await h.bc.state.idle();
    assert.equal(outcome.state, 'invoiced');
    assert.equal(invoicesNumbered(h, conn.accountId, String(o.id)).length, 1);
    const inv = invoicesNumbered(h, conn.accountId, String(o.id))[0]!;
    assert.equal((h.fb.state.list(conn.accountId, 'payments', { 'search[invoiceid]': String(inv.id) }).items as any[]).length, 1);
  });

  test('429s on both sides: BigCommerce (X-Retry-After) and FreshBooks (Retry-After) are waited out, the order is invoiced once', async () => {
    const before = h.bc.state.stats;
    const limited = before.rateLimited + before.faultsInjected;
    h.bc.state.injectFaults([{ status: 429, count: 2, retryAfterMs: 1_000, scope: 'v3' }]);
    h.fb.state.injectFaults({ rateLimit: { count: 2, retryAfterSec: 1, pathContains: 'payments/payments' } });
    const t0 = Date.now();
    const o = order({ customerId, lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 14.2, quantity: 2 }], taxRate: 6 });
    const outcome = await invoiced(o.id);
    assert.equal(outcome.state, 'invoiced');
    assert.ok(Date.now() - t0 >= 2_000, 'both waits were honoured');
    assert.ok(h.bc.state.stats.faultsInjected + h.bc.state.stats.rateLimited >= limited + 2, 'BigCommerce answered 429');
    assert.equal(invoicesNumbered(h, conn.accountId, String(o.id)).length, 1);
    assert.equal(outcome.payments.length, 1);
  });

  test('two refunds together are applied one after the other; a refund delivered twice is applied once', async () => {
    const o = order({ customerId, lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 40, quantity: 3 }], taxRate: 10 });
    await invoiced(o.id);
    const lineId = ((await (await fetch(`${h.bcApiBase}/stores/${STORE}/v2/orders/${o.id}/products`, { headers: { 'X-Auth-Token': DEFAULT_TOKEN } })).json()) as any[])[0].id;
    const r1 = h.bc.state.addRefund(STORE, o.id, { items: [{ item_type: 'PRODUCT', item_id: lineId, quantity: 1 }], reason: 'damaged' }) as any;
    const r2 = h.bc.state.addRefund(STORE, o.id, { items: [{ item_type: 'PRODUCT', item_id: lineId, quantity: 1 }], reason: 'changed mind' }) as any;
    await Promise.all([deliver(orderEvent(o.id, 'store/order/refund/created')), deliver(orderEvent(o.id, 'store/order/refund/created'))]);
    const outcome = await orderOutcome(h, conn.connectionId, o.id, (x) => x.refunds.length === 2);
    assert.deepEqual(outcome.refunds.map((r: any) => r.refundId), [r1.id, r2.id]);
    const notes = h.fb.state.listCreditNotes(conn.accountId, {}).items as any[];
    const mine = notes.filter((n) => String(n.credit_number).startsWith(`${o.id}-R`));
    assert.deepEqual(mine.map((n) => n.credit_number).sort(), [`${o.id}-R${r1.id}`, `${o.id}-R${r2.id}`].sort());
    assert.equal(mine.reduce((s, n) => s + Math.round(Number(n.amount.amount) * 100), 0), Math.round((Number(r1.total_amount) + Number(r2.total_amount)) * 100));
    // The same refund event again, and a retry from the API: nothing new.
    await deliver(orderEvent(o.id, 'store/order/refund/created'));
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/orders/${o.id}/retry`, { body: {} })).status, 202);
    await orderOutcome(h, conn.connectionId, o.id, (x) => x.events.some((e: any) => e.kind === 'retry_requested') && x.refunds.length === 2 && x.state !== 'failed');
    await eventually('retry pass saved', async () => {
      const r = await h.admin(`/api/connections/${conn.connectionId}/orders/${o.id}`);
      return r.body.events.filter((e: any) => e.kind === 'refund_found').length === 2 || undefined;
    });
    const again = (h.fb.state.listCreditNotes(conn.accountId, {}).items as any[]).filter((n) => String(n.credit_number).startsWith(`${o.id}-R`));
    assert.equal(again.length, 2);
    assert.equal(invoicesNumbered(h, conn.accountId, String(o.id)).length, 1);
  });

  test('an order marked refunded without a refund record is flagged for a person, not guessed', async () => {
    const o = order({ customerId, lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 12, quantity: 1 }] });
    await invoiced(o.id);
    h.bc.state.setOrderStatus(STORE, o.id, 4);
    const outcome = await orderOutcome(h, conn.connectionId, o.id, (x) => x.state === 'needs_attention');
    assert.ok(outcome.flags.some((f: string) => f.startsWith('refunded_without_record')));
    assert.equal(outcome.refunds.length, 0);
  });

  test('an invoice number FreshBooks already uses for something else is not taken over: the order waits for a person', async () => {
    const o = order({ customerId, statusId: 7, payment: 'authorize', lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 50, quantity: 1 }] });
    await orderOutcome(h, conn.connectionId, o.id, (x) => x.state === 'skipped');
    const clientId = (h.fb.state.list(conn.accountId, 'clients', { per_page: '1' }).items as any[])[0].id;
    h.fb.state.create(conn.accountId, 'invoices', { customerid: clientId, invoice_number: String(o.id), create_date: '2026-01-02', notes: 'hand-made', lines: [{ type: 0, name: 'Consulting', qty: '1', unit_cost: { amount: '10.00', code: 'USD' } }] });
    h.bc.state.addTransaction(STORE, o.id, { event: 'capture', amount: Number(o.total_inc_tax), method: 'credit_card', gateway: 'stripe' });
    h.bc.state.setOrderStatus(STORE, o.id, 11);
    const outcome = await orderOutcome(h, conn.connectionId, o.id, (x) => x.state === 'needs_attention');
    assert.match(outcome.error, /already used by an invoice that was not made from BigCommerce order/);
    const invoices = invoicesNumbered(h, conn.accountId, String(o.id));
    assert.equal(invoices.length, 1);
    assert.equal(invoices[0]!.notes, 'hand-made');
    assert.equal((h.fb.state.list(conn.accountId, 'payments', { 'search[invoiceid]': String(invoices[0]!.id) }).items as any[]).length, 0, 'no payment on a stranger\'s invoice');
  });

  test('webhook checks: wrong secret 401, malformed 400, another store 400, unknown connection 404', async () => {
    assert.equal((await deliver(orderEvent(1), { 'X-Hook-Secret': 'not-it' })).status, 401);
    assert.equal((await deliver(orderEvent(1), {})).status, 401);
    assert.equal((await deliver('{not json')).status, 400);
    assert.equal((await deliver({ scope: 'store/order/updated' })).status, 400);
    assert.equal((await deliver({ ...orderEvent(1), producer: 'stores/zzz999' })).status, 400);
    const unknown = await fetch(`${h.apiUrl}/webhooks/bigcommerce/conn_nope`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Hook-Secret': hookSecret() }, body: JSON.stringify(orderEvent(1)) });
    assert.equal(unknown.status, 404);
  });

  test('neither the store token nor the hook secret reaches workflow history, even decoded; oversized deliveries 413', async () => {
    const firstOrder = Number((await h.admin(`/api/connections/${conn.connectionId}/orders?limit=1`)).body.orders[0].orderId);
    for (const id of [orderWorkflowId(STORE, firstOrder), storeWorkflowId(conn.connectionId)]) {
      const { text } = await decodedHistory(h, id);
      assert.ok(text.includes(conn.connectionId), 'payloads were decoded');
      assert.ok(!text.includes(DEFAULT_TOKEN), `the token is in ${id}`);
      assert.ok(!text.includes(hookSecret()), `the hook secret is in ${id}`);
    }
    const big = await deliver({ ...orderEvent(1), padding: 'x'.repeat(20_000) });
    assert.equal(big.status, 413);
  });

  test('a missed webhook is backfilled by the poll, and a deactivated hook is re-activated', async () => {
    const hooks = h.bc.state.hooks(STORE) as any[];
    for (const hk of hooks) h.bc.state.deactivateHook(STORE, hk.id);
    const o = order({ customerId, lines: [{ productId: product.id, variantId: product.variantId, name: product.name, sku: product.sku, price: 9.99, quantity: 1 }] });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/orders/${o.id}`)).status, 404, 'no webhook reached us');
    assert.equal((await h.admin(`/api/connections/${conn.connectionId}/sync`, { body: {} })).status, 202);
    const outcome = await invoiced(o.id);
    assert.equal(outcome.state, 'invoiced');
    await eventually('hooks re-activated', () => (h.bc.state.hooks(STORE) as any[]).every((x) => x.is_active) || undefined);
    const list = await h.admin(`/api/connections/${conn.connectionId}/orders?state=invoiced`);
    assert.ok(list.body.orders.some((x: any) => x.orderId === o.id));
    assert.ok(list.body.counts.invoiced >= 1);
  });
});
