import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createBigCommerceSandbox, PAID_STATUSES, type BigCommerceSandboxOptions } from '.';

const HASH = 'abc123';
const TOKEN = 'tok-primary-0001';
const OTHER_TOKEN = 'tok-second-app-0002';
const SECRET = 'client-secret-primary';
const T0 = Date.parse('2026-03-02T12:00:00Z');

const closers: Array<() => Promise<void>> = [];
after(() => Promise.all(closers.map((c) => c())));

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

async function start(opts: BigCommerceSandboxOptions = {}) {
  const clock = { now: T0 };
  const sb = createBigCommerceSandbox({
    stores: [
      { hash: HASH, token: TOKEN, clientSecret: SECRET, clientId: 'client-primary' },
      { hash: HASH, token: OTHER_TOKEN, clientId: 'client-second' },
      { hash: 'zzz999', token: 'tok-other-store', currency: 'GBP' },
    ],
    seed: Number(process.env.BC_SEED ?? 11),
    now: () => clock.now,
    ...opts,
  });
  const run = await sb.listen();
  closers.push(run.close);
  const api = async (path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string>; store?: string } = {}): Promise<Reply> => {
    const token = init.token === undefined ? TOKEN : init.token;
    const res = await fetch(`${run.apiBase}/stores/${init.store ?? HASH}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(token ? { 'x-auth-token': token } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
  };
  return { sb, run, api, clock };
}

/** A local webhook receiver answering `status()` to every POST. */
async function receiver(status: () => number = () => 200) {
  const got: { headers: IncomingHttpHeaders; body: string; path: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body, path: req.url ?? '' });
      res.statusCode = status();
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  closers.push(() => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
}

const cents = (s: string): number => {
  assert.match(s, /^-?\d+\.\d{4}$/, `v2 money must be a 4-decimal string, got ${s}`);
  return Math.round(Number(s) * 100);
};
const RFC2822 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('BigCommerce sandbox: auth', () => {
  it('accepts X-Auth-Token and refuses Bearer, wrong and missing tokens in the family error shape', async () => {
    const { api } = await start({ seedOrders: 3 });
    assert.equal((await api('/v2/orders')).status, 200);
    assert.equal((await api('/v3/customers')).status, 200);

    const none = await api('/v2/orders', { token: null });
    assert.equal(none.status, 401);
    assert.ok(Array.isArray(none.body));
    assert.equal(none.body[0].status, 401);
    assert.equal(typeof none.body[0].message, 'string');

    const bearer = await api('/v3/orders/100/transactions', { token: null, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(bearer.status, 401);
    assert.equal(bearer.body.status, 401);
    assert.equal(typeof bearer.body.title, 'string');
    assert.match(bearer.body.type, /^https:\/\/developer\.bigcommerce\.com\//);
    assert.equal(bearer.headers.get('x-rate-limit-requests-left'), null);

    assert.equal((await api('/v2/orders', { token: 'nope' })).status, 401);
    // A valid token of another store does not open this one.
    assert.equal((await api('/v2/orders', { token: 'tok-other-store' })).status, 401);
    assert.equal((await api('/v2/orders', { token: 'tok-other-store', store: 'zzz999' })).status, 200);
  });
});

describe('BigCommerce sandbox: orders v2', () => {
  it('pages with page/limit, bare arrays, and answers an empty page with 204 and no body', async () => {
    const { api, sb } = await start();
    assert.equal(sb.state.orders(HASH).length, 40);
    const seen: number[] = [];
    for (let page = 1; page <= 3; page++) {
      const r = await api(`/v2/orders?limit=15&page=${page}`);
      assert.equal(r.status, 200);
      assert.ok(Array.isArray(r.body), 'v2 lists are bare arrays with no meta');
      assert.equal(r.body.length, page < 3 ? 15 : 10);
      seen.push(...r.body.map((o: { id: number }) => o.id));
    }
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'default order is id ascending');
    assert.equal(new Set(seen).size, 40);
    const empty = await api('/v2/orders?limit=15&page=4');
    assert.equal(empty.status, 204);
    assert.equal(empty.text, '');
    assert.equal((await api('/v2/orders?status_id=13')).status, 204);
    assert.equal((await api('/v2/orders?limit=251')).status, 413);
    const multi = await api('/v2/orders?status_id=2,3');
    assert.equal(multi.status, 400, 'status_id takes a single id');
    assert.equal(multi.body[0].status, 400);
    const only11 = await api('/v2/orders?status_id=11&limit=250');
    assert.ok(only11.body.length > 0 && only11.body.every((o: { status_id: number }) => o.status_id === 11));
    assert.equal((await api('/v2/orders/99999')).status, 404);
  });

  it('filters on min_date_modified and sorts by date_modified', async () => {
    const { api, sb, clock } = await start();
    clock.now = T0 + 60_000;
    sb.state.setOrderStatus(HASH, 105, 10);
    clock.now = T0 + 120_000;
    sb.state.setOrderStatus(HASH, 102, 2);
    const since = new Date(T0 + 1000).toUTCString().replace('GMT', '+0000');
    const asc = await api(`/v2/orders?min_date_modified=${encodeURIComponent(since)}&sort=date_modified:asc`);
    assert.equal(asc.status, 200);
    assert.deepEqual(asc.body.map((o: { id: number }) => o.id), [105, 102]);
    assert.match(asc.body[0].date_modified, RFC2822);
    assert.equal(Date.parse(asc.body[1].date_modified), T0 + 120_000);
    const desc = await api(`/v2/orders?min_date_modified=${encodeURIComponent(new Date(T0).toISOString())}&sort=date_modified:desc`);
    assert.deepEqual(desc.body.map((o: { id: number }) => o.id), [102, 105]);
    const all = await api('/v2/orders?sort=date_modified:desc&limit=250');
    const mods = all.body.map((o: { date_modified: string }) => Date.parse(o.date_modified));
    assert.deepEqual(mods, [...mods].sort((a: number, b: number) => b - a));
    assert.equal((await api(`/v2/orders?min_date_modified=${encodeURIComponent(new Date(T0 + 200_000).toISOString())}`)).status, 204);
    // An unencoded "+" arrives as a space: refused rather than misread.
    assert.equal((await api(`/v2/orders?min_date_modified=${since.replace(/ /g, '%20')}`.replace('%2B', '+'))).status, 400);
  });

  it('serves internally consistent orders, lines, transactions and refunds for every seeded order', async () => {
    const { api, sb } = await start({ enforceRateLimits: false });
    const orders = (await api('/v2/orders?limit=250')).body as any[];
    assert.equal(orders.length, 40);
    const statuses = new Set<number>();
    const seen = { refundedNoRecord: false, partial: false, fullRefund: false, guest: false, custom: false, couponAndManual: false, charges: false, incl: false, excl: false, gift: false, txCurrency: false, displayCurrency: false };
    for (const o of orders) {
      statuses.add(o.status_id);
      assert.match(o.date_created, RFC2822);
      const [products, ships, coupons, taxes, txs, refunds] = await Promise.all(
        ['/v2/orders/{id}/products', '/v2/orders/{id}/shipping_addresses', '/v2/orders/{id}/coupons', '/v2/orders/{id}/taxes', '/v3/orders/{id}/transactions', '/v3/orders/{id}/payment_actions/refunds'].map((p) => api(p.replace('{id}', o.id))),
      );
      const m = (k: string) => cents(o[k]);
      const where = `order ${o.id}`;
      assert.equal(m('total_inc_tax'), m('subtotal_inc_tax') + m('shipping_cost_inc_tax') + m('handling_cost_inc_tax') + m('wrapping_cost_inc_tax') - m('discount_amount') - m('coupon_discount'), where);
      assert.equal(m('total_ex_tax'), m('total_inc_tax') - m('total_tax'), where);
      for (const p of ['subtotal', 'shipping_cost', 'handling_cost', 'wrapping_cost']) assert.equal(m(`${p}_inc_tax`), m(`${p}_ex_tax`) + m(`${p}_tax`), `${where} ${p}`);
      assert.equal(m('refunded_amount'), 0, 'documented as always 0');

      assert.equal(products.status, 200);
      const lines = products.body as any[];
      assert.equal(sum(lines.map((l) => cents(l.total_inc_tax))), m('subtotal_inc_tax'), where);
      assert.equal(sum(lines.map((l) => cents(l.total_ex_tax))), m('subtotal_ex_tax'), where);
      assert.equal(sum(lines.map((l) => cents(l.discounted_total_inc_tax))), m('subtotal_inc_tax') - m('discount_amount') - m('coupon_discount'), where);
      assert.equal(sum(lines.flatMap((l) => l.applied_discounts.map((d: { amount: string }) => cents(d.amount)))), m('discount_amount') + m('coupon_discount'), where);
      if (coupons.status === 204) assert.equal(m('coupon_discount'), 0, where);
      else assert.equal(sum(coupons.body.map((c: { discount: string }) => cents(c.discount))), m('coupon_discount'), where);
      if (ships.status === 200) {
        assert.equal(cents(ships.body[0].cost_inc_tax), m('shipping_cost_inc_tax'), where);
        assert.equal(lines.filter((l) => l.type === 'physical').every((l) => l.order_address_id === ships.body[0].id), true);
      } else {
        assert.equal(ships.status, 204);
        assert.equal(m('shipping_cost_inc_tax'), 0, where);
      }
      assert.equal(taxes.status === 204 ? 0 : sum(taxes.body.map((t: { line_amount: string }) => cents(t.line_amount))), m('total_tax'), where);

      const tx = txs.status === 204 ? [] : (txs.body.data as any[]);
      if (txs.status === 200) assert.ok(txs.body.meta.pagination);
      for (const t of tx) assert.equal(t.order_id, String(o.id), 'transaction order_id is a string');
      const captured = Math.round(sum(tx.filter((t) => t.status === 'ok' && (t.event === 'purchase' || t.event === 'capture')).map((t) => t.amount)) * 100);
      const refundRows = refunds.body.data as any[];
      const refunded = Math.round(sum(refundRows.map((r) => r.total_amount)) * 100);
      if (PAID_STATUSES.includes(o.status_id) || o.status_id === 4 || o.status_id === 14) assert.equal(captured, m('total_inc_tax'), `${where}: paid orders are fully captured`);
      // 12 (manual verification) and 13 (disputed) are on hold: money may have been taken, but they are not "paid".
      else if (o.status_id === 12 || o.status_id === 13) assert.ok(captured === 0 || captured === m('total_inc_tax'), where);
      else assert.equal(captured, 0, `${where}: status ${o.status_id} has no captured money`);
      if (o.status_id === 0 || o.status_id === 1) assert.equal(txs.status, 204);
      if (o.status_id === 14) {
        assert.ok(refunded > 0 && refunded < captured, where);
        seen.partial = true;
      }
      if (o.status_id === 4 && refundRows.length > 0) {
        assert.equal(refunded, captured, where);
        seen.fullRefund = true;
      }
      if (o.status_id === 4 && refundRows.length === 0) seen.refundedNoRecord = true;
      for (const r of refundRows) {
        assert.equal(Math.round(sum(r.payments.map((p: { amount: number }) => p.amount)) * 100), Math.round(r.total_amount * 100));
        for (const p of r.payments) assert.ok(tx.some((t) => t.id === p.transaction_id && t.event === 'refund'), `${where}: refund payment has its refund transaction`);
      }
      if (o.customer_id === 0) seen.guest = true;
      if (lines.some((l) => l.product_id === 0 && l.variant_id === 0)) seen.custom = true;
      if (m('coupon_discount') > 0 && m('discount_amount') > 0) seen.couponAndManual = true;
      if (m('shipping_cost_inc_tax') > 0 && m('handling_cost_inc_tax') > 0 && m('wrapping_cost_inc_tax') > 0) seen.charges = true;
      if (o.is_tax_inclusive_pricing && m('total_tax') > 0) seen.incl = true;
      if (!o.is_tax_inclusive_pricing && m('total_tax') > 0) seen.excl = true;
      if (m('gift_certificate_amount') > 0) {
        seen.gift = true;
        assert.ok(tx.some((t) => t.method === 'gift_certificate' && Math.round(t.amount * 100) === m('gift_certificate_amount')));
      }
      if (o.default_currency_code !== o.store_default_currency_code) {
        seen.txCurrency = true;
        assert.ok(tx.every((t) => t.currency === o.default_currency_code));
      }
      if (o.currency_code !== o.default_currency_code) seen.displayCurrency = true;
    }
    for (const s of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14]) assert.ok(statuses.has(s), `seed has an order in status ${s}`);
    for (const [k, v] of Object.entries(seen)) assert.equal(v, true, `seed covers ${k}`);
    // The state API agrees with the HTTP view.
    assert.equal(sb.state.orders(HASH).length, orders.length);
  });
});

describe('BigCommerce sandbox: refunds over HTTP', () => {
  it('quotes, refuses mismatched payments with a wrapped 422, then creates a refund that moves the order to 14', async () => {
    const { api, sb } = await start({ seedOrders: 0 });
    const o = sb.state.createOrder(HASH, { statusId: 11, lines: [{ name: 'Widget', sku: 'W-1', price: 20, quantity: 3 }], shipping: 5, taxRate: 10 }) as { id: number };
    const line = (await api(`/v2/orders/${o.id}/products`)).body[0];
    const items = [{ item_type: 'PRODUCT', item_id: line.id, quantity: 1 }];
    const quote = await api(`/v3/orders/${o.id}/payment_actions/refund_quotes`, { method: 'POST', body: { items } });
    assert.equal(quote.status, 201);
    assert.equal(quote.body.data.total_refund_amount, 22);
    assert.equal(quote.body.data.total_refund_tax_amount, 2);
    const wrong = await api(`/v3/orders/${o.id}/payment_actions/refunds`, { method: 'POST', body: { items, payments: [{ provider_id: 'stripe', amount: 30, offline: false }] } });
    assert.equal(wrong.status, 422);
    assert.equal(wrong.body.data[0].status, 422);
    const ok = await api(`/v3/orders/${o.id}/payment_actions/refunds`, { method: 'POST', body: { items, payments: [{ provider_id: 'stripe', amount: 22, offline: false }] } });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.data.total_amount, 22);
    const order = (await api(`/v2/orders/${o.id}`)).body;
    assert.equal(order.status_id, 14);
    const listed = await api(`/v3/orders/payment_actions/refunds?order_id:in=${o.id}`);
    assert.deepEqual(listed.body.data.map((r: { id: number }) => r.id), [ok.body.data.id]);
    const tooMuch = await api(`/v3/orders/${o.id}/payment_actions/refunds`, { method: 'POST', body: { items: [{ item_type: 'PRODUCT', item_id: line.id, quantity: 3 }], payments: [{ provider_id: 'stripe', amount: 66 }] } });
    assert.equal(tooMuch.status, 422);
  });
});

describe('BigCommerce sandbox: webhooks', () => {
  it('delivers ids-only payloads with the custom headers and a Standard Webhooks signature', async () => {
    const { api, sb, clock } = await start({ seedOrders: 5 });
    const rx = await receiver();
    const created = await api('/v3/hooks', { method: 'POST', body: { scope: 'store/order/statusUpdated', destination: `${rx.url}/bc`, is_active: true, headers: { 'X-Hook-Secret': 's3cret' } } });
    assert.equal(created.status, 200);
    assert.equal(created.body.data.scope, 'store/order/statusUpdated');
    assert.equal(created.body.data.is_active, true);
    const wildcard = await api('/v3/hooks', { method: 'POST', body: { scope: 'store/order/*', destination: `${rx.url}/all` } });
    assert.equal(wildcard.status, 200);
    assert.equal((await api('/v3/hooks', { method: 'POST', body: { scope: 'store/order/statusUpdated', destination: `${rx.url}/bc` } })).status, 422, 'one hook per scope + destination');
    assert.equal((await api('/v3/hooks', { method: 'POST', body: { scope: 'store/order/created', destination: 'http://example.com/bc' } })).status, 422, 'https only');

    clock.now = T0 + 5000;
    const previous = sb.state.orderRecord(HASH, 101)!.statusId;
    const next = previous === 11 ? 10 : 11;
    sb.state.setOrderStatus(HASH, 101, next);
    await sb.state.idle();
    const bc = rx.got.filter((g) => g.path === '/bc');
    assert.equal(bc.length, 1);
    const d = bc[0]!;
    assert.equal(d.headers['x-hook-secret'], 's3cret');
    const payload = JSON.parse(d.body);
    assert.deepEqual(Object.keys(payload).sort(), ['created_at', 'data', 'hash', 'producer', 'scope', 'store_id']);
    assert.equal(payload.scope, 'store/order/statusUpdated');
    assert.equal(payload.producer, `stores/${HASH}`);
    assert.equal(typeof payload.store_id, 'string');
    assert.equal(payload.created_at, (T0 + 5000) / 1000);
    assert.match(payload.hash, /^[0-9a-f]{40}$/);
    assert.equal(payload.data.type, 'order');
    assert.equal(payload.data.id, 101);
    assert.deepEqual(payload.data.status, { previous_status_id: previous, new_status_id: next });
    assert.deepEqual(Object.keys(payload.data).sort(), ['id', 'status', 'type'], 'ids only, no order body');
    const expected = `v1,${createHmac('sha256', SECRET).update(`${d.headers['webhook-id']}.${d.headers['webhook-timestamp']}.${d.body}`).digest('base64')}`;
    assert.equal(d.headers['webhook-signature'], expected);
    // The wildcard hook got both order/updated and order/statusUpdated (double processing, quirk 10).
    assert.deepEqual(rx.got.filter((g) => g.path === '/all').map((g) => JSON.parse(g.body).scope).sort(), ['store/order/statusUpdated', 'store/order/updated']);
    assert.ok(sb.state.deliveries.every((x) => x.status === 200));

    // Hooks are visible only to the API account that created them (quirk 16).
    assert.equal((await api('/v3/hooks')).body.data.length, 2);
    assert.equal((await api('/v3/hooks', { token: OTHER_TOKEN })).body.data.length, 0);
    assert.equal((await api(`/v3/hooks/${created.body.data.id}`, { token: OTHER_TOKEN })).status, 404);
    assert.equal(sb.state.hooks(HASH).length, 2);
  });

  it('retries a failing destination and deactivates the hook once every retry failed; PUT re-enables it', async () => {
    const { api, sb } = await start({ seedOrders: 5, webhooks: { retryDelaysMs: [5, 5] } });
    let answer = 500;
    const rx = await receiver(() => answer);
    const hook = (await api('/v3/hooks', { method: 'POST', body: { scope: 'store/order/updated', destination: `${rx.url}/fail` } })).body.data;
    sb.state.setOrderStatus(HASH, 100, 10);
    await sb.state.idle();
    const attempts = sb.state.deliveries.filter((x) => x.hookId === hook.id);
    assert.deepEqual(attempts.map((x) => [x.attempt, x.status]), [[1, 500], [2, 500], [3, 500]]);
    assert.equal(new Set(attempts.map((x) => JSON.parse(x.body).hash)).size, 1, 'a re-fired event keeps its hash');
    assert.equal(new Set(attempts.map((x) => x.webhookId)).size, 1);
    const after = await api(`/v3/hooks/${hook.id}`);
    assert.equal(after.body.data.is_active, false);
    assert.deepEqual((await api('/v3/hooks?is_active=false')).body.data.map((h: { id: number }) => h.id), [hook.id]);

    sb.state.setOrderStatus(HASH, 100, 2);
    await sb.state.idle();
    assert.equal(rx.got.length, 3, 'an inactive hook gets nothing');

    answer = 200;
    assert.equal((await api(`/v3/hooks/${hook.id}`, { method: 'PUT', body: { is_active: true } })).body.data.is_active, true);
    sb.state.setOrderStatus(HASH, 100, 10);
    await sb.state.idle();
    assert.equal(rx.got.length, 4);
    sb.state.deactivateHook(HASH, hook.id);
    assert.equal((sb.state.hooks(HASH)[0] as { is_active: boolean }).is_active, false);
    assert.equal((await api(`/v3/hooks/${hook.id}`, { method: 'DELETE' })).status, 200);
    assert.equal((await api(`/v3/hooks/${hook.id}`)).status, 404);
  });

  it('fires refund, customer, product and sku events', async () => {
    const { api, sb } = await start({ seedOrders: 0 });
    const rx = await receiver();
    for (const scope of ['store/order/refund/created', 'store/customer/created', 'store/product/created', 'store/sku/created']) {
      assert.equal((await api('/v3/hooks', { method: 'POST', body: { scope, destination: `${rx.url}/${scope.split('/')[1]}` } })).status, 200);
    }
    const o = sb.state.createOrder(HASH, { statusId: 10, lines: [{ name: 'Thing', price: 10 }] }) as { id: number };
    const refund = sb.state.addRefund(HASH, o.id) as { id: number };
    const c = sb.state.createCustomer(HASH, { email: 'new@example.com', firstName: 'New', lastName: 'Person' }) as { id: number };
    const p = sb.state.createProduct(HASH, { name: 'Hat', sku: 'HAT', price: 20, variants: [{ sku: 'HAT-S', options: { Size: 'S' } }] }) as { id: number; variants: { id: number }[] };
    await sb.state.idle();
    const data = (path: string) => rx.got.filter((g) => g.path === path).map((g) => JSON.parse(g.body).data);
    assert.deepEqual(data('/order'), [{ type: 'order', id: o.id, refund: { refund_id: refund.id } }]);
    assert.deepEqual(data('/customer'), [{ type: 'customer', id: c.id }]);
    assert.deepEqual(data('/product'), [{ type: 'product', id: p.id }]);
    assert.deepEqual(data('/sku'), [{ type: 'sku', id: p.variants[0]!.id, sku: { product_id: p.id, variant_id: p.variants[0]!.id } }]);
    assert.equal((sb.state.orderRecord(HASH, o.id)!).statusId, 4);
  });
});

describe('BigCommerce sandbox: rate limits and faults', () => {
  it('counts the quota down in X-Rate-Limit-* headers, answers 429 past it and recovers after the window', async () => {
    const { api, clock } = await start({ seedOrders: 2, rateLimitQuota: 5, rateLimitWindowMs: 30_000 });
    const left: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.now = T0 + i * 1000;
      const r = await api('/v2/orders');
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-rate-limit-requests-quota'), '5');
      assert.equal(r.headers.get('x-rate-limit-time-window-ms'), '30000');
      assert.equal(r.headers.get('x-rate-limit-time-reset-ms'), String(30_000 - i * 1000));
      left.push(Number(r.headers.get('x-rate-limit-requests-left')));
    }
    assert.deepEqual(left, [4, 3, 2, 1, 0]);
    clock.now = T0 + 10_000;
    const limited = await api('/v3/customers');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('x-rate-limit-requests-left'), '0');
    assert.equal(limited.headers.get('x-rate-limit-time-reset-ms'), '20000');
    assert.equal(limited.headers.get('x-retry-after'), '20');
    assert.equal(limited.body.status, 429);
    clock.now = T0 + 30_000;
    const back = await api('/v2/orders');
    assert.equal(back.status, 200);
    assert.equal(back.headers.get('x-rate-limit-requests-left'), '4');
  });

  it('with enforceRateLimits false never refuses but still reports', async () => {
    const { api } = await start({ seedOrders: 1, rateLimitQuota: 2, enforceRateLimits: false });
    for (let i = 0; i < 4; i++) assert.equal((await api('/v2/orders')).status, 200);
    assert.equal((await api('/v2/orders')).headers.get('x-rate-limit-requests-left'), '0');
  });

  it('injects faults by scope and counts requests per route', async () => {
    const seen: string[] = [];
    const { api, sb } = await start({ seedOrders: 3, onRequest: (r) => seen.push(`${r.method} ${r.path}`) });
    sb.state.injectFaults([{ status: 503, count: 2, scope: 'v2' }, { status: 429, count: 1, retryAfterMs: 2000, scope: '/transactions' }]);
    const a = await api('/v2/orders');
    assert.equal(a.status, 503);
    assert.equal(a.body[0].status, 503);
    assert.equal((await api('/v3/customers')).status, 200, 'a v2 fault leaves v3 alone');
    assert.equal((await api('/v2/orders/100')).status, 503);
    assert.equal((await api('/v2/orders')).status, 200);
    const t = await api('/v3/orders/100/transactions');
    assert.equal(t.status, 429);
    assert.equal(t.headers.get('x-retry-after'), '2');
    assert.equal(t.headers.get('x-rate-limit-requests-left'), '0');
    assert.equal(t.body.status, 429);
    assert.notEqual((await api('/v3/orders/100/transactions')).status, 429);
    assert.equal(sb.state.stats.faultsInjected, 3);
    assert.equal(sb.state.stats.requests['GET /v2/orders'], 2);
    assert.equal(sb.state.stats.requests['GET /v3/orders/{id}/transactions'], 2);
    assert.equal(sb.state.stats.byStatus[503], 2);
    assert.equal(sb.state.stats.rateLimited, 1);
    assert.ok(seen.includes(`GET /stores/${HASH}/v2/orders/100`));
  });

  it('answers slowly where latency is injected, and promptly again once faults are cleared', async () => {
    const { api, sb } = await start({ seedOrders: 1 });
    sb.state.injectLatency(300, 'v2');
    const timed = async (path: string) => {
      const t = performance.now();
      assert.equal((await api(path)).status, 200);
      return performance.now() - t;
    };
    assert.ok(await timed('/v2/orders') >= 290, 'v2 is slow');
    assert.ok(await timed('/v3/customers') < 250, 'v3 is not');
    sb.state.clearFaults();
    assert.ok(await timed('/v2/orders') < 250, 'cleared');
  });
});

describe('BigCommerce sandbox: customers and catalog', () => {
  it('finds customers by email:in and id:in with meta.pagination', async () => {
    const { api, sb } = await start({ seedOrders: 0 });
    const c = sb.state.createCustomer(HASH, { email: 'Ada.Lovelace@Example.com', firstName: 'Ada', lastName: 'Lovelace', company: 'Engines Ltd', address: { city: 'London', country_code: 'GB' } }) as { id: number };
    const r = await api(`/v3/customers?email:in=${encodeURIComponent('ada.lovelace@example.com')}&include=addresses`);
    assert.equal(r.status, 200);
    assert.equal(r.body.data.length, 1);
    assert.equal(r.body.data[0].id, c.id);
    assert.equal(r.body.data[0].company, 'Engines Ltd');
    assert.equal(r.body.data[0].addresses[0].city, 'London');
    assert.equal(r.body.meta.pagination.total, 1);
    const byId = await api(`/v3/customers?id:in=1,${c.id}`);
    assert.deepEqual(byId.body.data.map((x: { id: number }) => x.id), [1, c.id]);
    const none = await api('/v3/customers?email:in=nobody@example.com');
    assert.deepEqual(none.body.data, []);
    assert.equal(none.body.meta.pagination.total, 0);
    const paged = await api('/v3/customers?limit=5&page=2');
    assert.equal(paged.body.data.length, 5);
    assert.equal(paged.body.meta.pagination.total, 13);
    assert.equal(paged.body.meta.pagination.total_pages, 3);
  });

  it('lists products with variants, filters by sku and serves variants', async () => {
    const { api, sb } = await start({ seedOrders: 0 });
    const p = sb.state.createProduct(HASH, {
      name: 'Rain Shell',
      sku: 'SHELL',
      price: 120,
      variants: [
        { sku: 'SHELL-S', options: { Size: 'S' } },
        { sku: 'SHELL-XL', price: 130, options: { Size: 'XL' } },
      ],
    }) as { id: number };
    const r = await api('/v3/catalog/products?sku=SHELL&include=variants');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.length, 1);
    assert.equal(r.body.data[0].id, p.id);
    assert.deepEqual(r.body.data[0].variants.map((v: { sku: string }) => v.sku), ['SHELL-S', 'SHELL-XL']);
    assert.equal(r.body.data[0].variants[0].price, null, 'null price inherits the product price');
    assert.equal(r.body.data[0].variants[0].calculated_price, 120);
    assert.equal(r.body.data[0].variants[1].calculated_price, 130);
    const plain = await api('/v3/catalog/products?sku=SHELL');
    assert.equal(plain.body.data[0].variants, undefined, 'variants only with include=variants');
    const vs = await api(`/v3/catalog/products/${p.id}/variants`);
    assert.deepEqual(vs.body.data.map((v: { option_values: { label: string }[] }) => v.option_values[0]!.label), ['S', 'XL']);
    const bySku = await api('/v3/catalog/variants?sku=SHELL-XL');
    assert.equal(bySku.body.data[0].product_id, p.id);
    const seeded = await api('/v3/catalog/products?include=variants&limit=250');
    assert.equal(seeded.body.meta.pagination.total, 9);
    assert.ok(seeded.body.data.every((x: { variants: unknown[] }) => x.variants.length >= 1), 'every product has at least its base variant');
  });
});
