import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBigCommerceSandbox, DEFAULT_STORE_HASH, DEFAULT_TOKEN } from '../../../sandbox/bigcommerce';
import { BigCommerceApiError, BigCommerceClient, StoreThrottle } from '../../../connectors/bigcommerce';
import { invoiceDecision, orderToInvoice, type BcOrder, type BcOrderProduct, type BcTransaction } from '../../../mapping/bigcommerce';

describe('BigCommerce client against the sandbox', () => {
  const sb = createBigCommerceSandbox({ rateLimitQuota: 20, rateLimitWindowMs: 1_000 });
  let server: Awaited<ReturnType<typeof sb.listen>>;
  const client = (o: Partial<ConstructorParameters<typeof BigCommerceClient>[0]> = {}) =>
    new BigCommerceClient({ apiBase: server.apiBase, storeHash: DEFAULT_STORE_HASH, token: DEFAULT_TOKEN, ...o });
  before(async () => { server = await sb.listen(0); });
  after(async () => { await server.close(); });

  test('lists every order page by page (the empty page is a 204) with X-Auth-Token', async () => {
    const all: Record<string, unknown>[] = [];
    for (let page = 1; ; page++) {
      const batch = await client().listOrders({ page, limit: 7 });
      if (batch.length === 0) break;
      all.push(...batch);
    }
    assert.equal(all.length, sb.state.orders(DEFAULT_STORE_HASH).length);
    const modified = all.map((o) => Date.parse(String(o.date_modified)));
    assert.deepEqual(modified, [...modified].sort((a, b) => a - b), 'oldest change first');
  });

  test('a wrong token is a 401, not a retry loop', async () => {
    await assert.rejects(client({ token: 'nope' }).getOrder(1), (e: unknown) => e instanceof BigCommerceApiError && e.status === 401);
  });

  test('paces itself on the rate-limit headers: a burst past the quota meets no 429', async () => {
    const before429 = sb.state.stats.rateLimited;
    const c = client({ throttle: new StoreThrottle(2) });
    for (let i = 0; i < 45; i++) await c.listOrders({ page: 1, limit: 1 });
    assert.equal((sb.state.stats.rateLimited) - before429, 0);
  });

  test('seeded paid orders map to invoices whose lines add up to total_inc_tax (or say why not)', async () => {
    const c = client({ throttle: new StoreThrottle(2) });
    const refused: string[] = [];
    let invoiced = 0;
    for (const summary of sb.state.orders(DEFAULT_STORE_HASH)) {
      const id = Number((summary as { id: number }).id);
      const order = (await c.getOrder(id)) as unknown as BcOrder;
      const decision = invoiceDecision(order as unknown as { status_id: number }, (await c.transactions(id)) as unknown as BcTransaction[]);
      if (!decision.invoice) continue;
      const plan = orderToInvoice(order, (await c.orderProducts(id)) as unknown as BcOrderProduct[], { clientId: 1, coupons: (await c.orderCoupons(id)) as never });
      if (plan.ok) invoiced += 1;
      else refused.push(plan.reason);
    }
    assert.ok(invoiced > 0, 'some seeded orders are paid and invoiceable');
    assert.deepEqual(refused, [], 'every paid seeded order reconciles to the cent');
  });
});
