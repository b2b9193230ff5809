/**
 * v3 (reference §3–§5): transactions, refunds (read, quote, create), customers, catalog products and
 * variants, and `/v3/hooks`. `{data, meta}` envelopes, floats and ISO-8601 dates.
 */
import express, { Router, type Request, type Response } from 'express';
import { refundError, v3Error, type ErrorReply } from './errors';
import { csv, parseFilterDate, v3Money } from './format';
import { send } from './gate';
import type { HookRec, OrderRec, ProductRec } from './model';
import { priceRefund, RefundError, refundPayments, type RefundItemSpec, type RefundSpec } from './orders';
import { pageParams, paginate } from './query';
import { pagination, v3Customer, v3Hook, v3Product, v3Refund, v3Transaction, v3Variant } from './render';
import type { BigCommerceSandboxState } from './state';
import { isKnownScope } from './webhooks';

type Reply = { status: number; body?: unknown };
type Q = Record<string, unknown>;

const notFound = (what = 'The requested resource was not found.') => v3Error(404, what);

/** One page of `items` in the v3 offset envelope. */
function listReply<T>(q: Q, items: T[], render: (t: T) => unknown): Reply {
  const paging = pageParams(q, 'v3');
  if ('err' in paging) return paging.err;
  const { page, limit } = paging.ok;
  const rows = paginate(items, page, limit);
  return { status: 200, body: { data: rows.map(render), meta: { pagination: pagination(items.length, rows.length, page, limit) } } };
}

function ints(raw: unknown): number[] {
  return csv(raw).map(Number).filter(Number.isInteger);
}

function includes(q: Q): Set<string> {
  return new Set(csv(q.include));
}

export function v3Routes(state: BigCommerceSandboxState): Router {
  const r = Router({ mergeParams: true });
  const handle = (fn: (hash: string, req: Request, res: Response) => Reply | ErrorReply) => (req: Request, res: Response) => send(res, fn(String(req.params.storeHash), req, res));
  const order = (hash: string, raw: unknown): OrderRec | undefined => {
    const id = Number(raw);
    return Number.isInteger(id) ? state.store(hash).orders.get(id) : undefined;
  };
  const allRefunds = (hash: string) => [...state.store(hash).orders.values()].flatMap((o) => o.refunds).sort((a, b) => a.id - b.id);

  // ---- refunds (collection routes first: `payment_actions` is not an order id) ----
  r.get('/v3/orders/payment_actions/refunds', handle((hash, req) => {
    const q = req.query as Q;
    const orderIds = ints(q['order_id:in']);
    const ids = ints(q['id:in']);
    const min = typeof q['created:min'] === 'string' ? parseFilterDate(q['created:min'], state.now()) : undefined;
    const max = typeof q['created:max'] === 'string' ? parseFilterDate(q['created:max'], state.now()) : undefined;
    if ((q['created:min'] !== undefined && min === undefined) || (q['created:max'] !== undefined && max === undefined)) {
      return v3Error(422, 'Invalid date filter', { created: 'Expected an RFC 3339 date-time (URL-encode the +).' });
    }
    const txId = typeof q.transaction_id === 'string' ? Number(q.transaction_id) : undefined;
    const rows = allRefunds(hash).filter(
      (f) =>
        (orderIds.length === 0 || orderIds.includes(f.orderId)) &&
        (ids.length === 0 || ids.includes(f.id)) &&
        (min === undefined || f.createdMs >= min) &&
        (max === undefined || f.createdMs <= max) &&
        (txId === undefined || f.payments.some((p) => p.transactionId === txId)),
    );
    return listReply(q, rows, v3Refund);
  }));
  r.get('/v3/orders/payment_actions/refunds/:refundId', handle((hash, req) => {
    const f = allRefunds(hash).find((x) => x.id === Number(req.params.refundId));
    return f ? { status: 200, body: { data: v3Refund(f), meta: {} } } : notFound('Refund not found');
  }));

  r.get('/v3/orders/:id/transactions', handle((hash, req) => {
    const o = order(hash, req.params.id);
    if (!o) return notFound('Order not found');
    // No transactions: 204, like the v2 lists (reference §3).
    if (o.transactions.length === 0) return { status: 204 };
    return listReply(req.query as Q, o.transactions, v3Transaction);
  }));
  r.get('/v3/orders/:id/payment_actions/refunds', handle((hash, req) => {
    const o = order(hash, req.params.id);
    if (!o) return notFound('Order not found');
    return { status: 200, body: { data: o.refunds.map(v3Refund), meta: {} } };
  }));

  const refundSpecFrom = (body: unknown): RefundSpec | undefined => {
    const items = (body as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items) || items.length === 0) return undefined;
    const parsed: RefundItemSpec[] = items.map((i: Record<string, unknown>) => ({
      item_type: String(i.item_type) as RefundItemSpec['item_type'],
      item_id: Number(i.item_id),
      ...(i.quantity !== undefined ? { quantity: Number(i.quantity) } : {}),
      ...(i.amount !== undefined ? { amount: Number(i.amount) } : {}),
    }));
    const reason = items.map((i: Record<string, unknown>) => i.reason).find((x) => typeof x === 'string') as string | undefined;
    return { items: parsed, ...(reason ? { reason } : {}) };
  };

  r.post('/v3/orders/:id/payment_actions/refund_quotes', express.json(), handle((hash, req) => {
    const o = order(hash, req.params.id);
    if (!o) return refundError(404, 'Order not found');
    const spec = refundSpecFrom(req.body);
    if (!spec) return refundError(422, 'JSON data is missing or invalid');
    try {
      const priced = priceRefund(o, spec);
      const payments = refundPayments(o, priced.total, spec, () => 0);
      const methods = [payments.map((p) => ({ provider_id: p.providerId, provider_description: p.providerId, amount: v3Money(p.amount), offline: false, offline_provider: false, offline_reason: '' }))];
      methods.push([{ provider_id: 'custom', provider_description: 'Manual refund', amount: v3Money(priced.total), offline: true, offline_provider: true, offline_reason: 'Refunded outside BigCommerce' }]);
      return {
        status: 201,
        body: { data: { order_id: o.id, total_refund_amount: v3Money(priced.total), total_refund_tax_amount: v3Money(priced.tax), rounding: 0, adjustment: 0, tax_inclusive: o.taxInclusive, refund_methods: methods }, meta: {} },
      };
    } catch (e) {
      if (e instanceof RefundError) return refundError(422, e.message);
      throw e;
    }
  }));

  r.post('/v3/orders/:id/payment_actions/refunds', express.json(), handle((hash, req) => {
    const o = order(hash, req.params.id);
    if (!o) return refundError(404, 'Order not found');
    const spec = refundSpecFrom(req.body);
    const pays = (req.body as { payments?: { provider_id?: unknown; amount?: unknown; offline?: unknown }[] } | undefined)?.payments;
    if (!spec || !Array.isArray(pays) || pays.length === 0) return refundError(422, 'JSON data is missing or invalid');
    try {
      // The payments must add up to the quoted refund (bigcommerce/docs PR #237): quote first.
      const priced = priceRefund(o, spec);
      const paid = Math.round(pays.reduce((a, p) => a + Number(p.amount ?? 0), 0) * 100);
      if (paid !== priced.total) return refundError(422, 'The refund payments do not match the refund total; request a refund quote first.');
      const offline = pays.every((p) => p.offline === true);
      const refund = state.addRefund(hash, o.id, { ...spec, offline });
      return { status: 201, body: { data: refund, meta: {} } };
    } catch (e) {
      if (e instanceof RefundError) return refundError(422, e.message);
      throw e;
    }
  }));

  // ---- customers ----
  r.get('/v3/customers', handle((hash, req) => {
    const q = req.query as Q;
    const ids = ints(q['id:in']);
    const emails = csv(q['email:in']).map((e) => e.toLowerCase());
    const rows = [...state.store(hash).customers.values()].filter((c) => (ids.length === 0 || ids.includes(c.id)) && (emails.length === 0 || emails.includes(c.email)));
    const inc = includes(q);
    return listReply(q, rows, (c) => v3Customer(c, inc));
  }));

  // ---- catalog ----
  const productFilter = (q: Q) => {
    const ids = ints(q['id:in']);
    const skus = csv(q['sku:in']);
    const sku = typeof q.sku === 'string' ? q.sku : undefined;
    const name = typeof q.name === 'string' ? q.name : undefined;
    const type = typeof q.type === 'string' ? q.type : undefined;
    const visible = q.is_visible === undefined ? undefined : q.is_visible === 'true' || q.is_visible === '1';
    // `sku` matches the product's own SKU (variant SKUs: /v3/catalog/variants?sku=). Unverified whether the
    // real filter also matches variant SKUs.
    return (p: ProductRec) =>
      (ids.length === 0 || ids.includes(p.id)) &&
      (skus.length === 0 || skus.includes(p.sku)) &&
      (sku === undefined || p.sku === sku) &&
      (name === undefined || p.name === name) &&
      (type === undefined || p.type === type) &&
      (visible === undefined || p.isVisible === visible);
  };
  r.get('/v3/catalog/products', handle((hash, req) => {
    const q = req.query as Q;
    const inc = includes(q);
    return listReply(q, [...state.store(hash).products.values()].filter(productFilter(q)), (p) => v3Product(p, inc));
  }));
  r.get('/v3/catalog/products/:id', handle((hash, req) => {
    const p = state.store(hash).products.get(Number(req.params.id));
    return p ? { status: 200, body: { data: v3Product(p, includes(req.query as Q)), meta: {} } } : notFound('Product not found');
  }));
  r.get('/v3/catalog/products/:id/variants', handle((hash, req) => {
    const p = state.store(hash).products.get(Number(req.params.id));
    if (!p) return notFound('Product not found');
    return listReply(req.query as Q, p.variants, (v) => v3Variant(p, v));
  }));
  r.get('/v3/catalog/variants', handle((hash, req) => {
    const q = req.query as Q;
    const sku = typeof q.sku === 'string' ? q.sku : undefined;
    const pids = ints(q['product_id:in']);
    const rows = [...state.store(hash).products.values()]
      .filter((p) => pids.length === 0 || pids.includes(p.id))
      .flatMap((p) => p.variants.filter((v) => sku === undefined || v.sku === sku).map((v) => [p, v] as const));
    return listReply(q, rows, ([p, v]) => v3Variant(p, v));
  }));

  // ---- hooks ----
  const ownHook = (hash: string, res: Response, raw: unknown): HookRec | undefined => {
    const h = state.hub.hooks.get(Number(raw));
    // A hook is visible only to the client_id that created it (quirk 16).
    return h && h.storeHash === hash && h.clientId === res.locals.clientId ? h : undefined;
  };
  const hookInput = (body: unknown, partial: boolean): { ok: Partial<Pick<HookRec, 'scope' | 'destination' | 'isActive' | 'headers'>> } | { err: ErrorReply } => {
    const b = (body ?? {}) as Record<string, unknown>;
    const errors: Record<string, string> = {};
    const out: Partial<Pick<HookRec, 'scope' | 'destination' | 'isActive' | 'headers'>> = {};
    if (b.scope !== undefined || !partial) {
      if (typeof b.scope !== 'string' || !isKnownScope(b.scope)) errors.scope = 'scope is missing or not a known webhook scope';
      else out.scope = b.scope;
    }
    if (b.destination !== undefined || !partial) {
      const why = destinationProblem(b.destination);
      if (why) errors.destination = why;
      else out.destination = String(b.destination);
    }
    if (b.is_active !== undefined) {
      if (typeof b.is_active !== 'boolean') errors.is_active = 'must be a boolean';
      else out.isActive = b.is_active;
    }
    if (b.headers !== undefined && b.headers !== null) {
      const h = b.headers as Record<string, unknown>;
      if (typeof h !== 'object' || Array.isArray(h) || Object.values(h).some((v) => typeof v !== 'string')) errors.headers = 'must be an object of string values';
      else out.headers = h as Record<string, string>;
    }
    return Object.keys(errors).length > 0 ? { err: v3Error(422, 'JSON data is missing or invalid', errors) } : { ok: out };
  };
  const needsJson = (req: Request): ErrorReply | undefined => (req.is('application/json') ? undefined : v3Error(415, 'The Content-Type header must be application/json.'));

  r.get('/v3/hooks', handle((hash, req, res) => {
    const q = req.query as Q;
    const active = q.is_active === undefined ? undefined : q.is_active === 'true';
    const rows = state.hub
      .list(hash, res.locals.clientId as string)
      .filter((h) => (active === undefined || h.isActive === active) && (q.scope === undefined || h.scope === q.scope) && (q.destination === undefined || h.destination === q.destination));
    return listReply(q, rows, v3Hook);
  }));
  r.post('/v3/hooks', express.json(), handle((hash, req, res) => {
    const bad = needsJson(req);
    if (bad) return bad;
    const input = hookInput(req.body, false);
    if ('err' in input) return input.err;
    const { scope, destination } = input.ok as { scope: string; destination: string };
    const mine = state.hub.list(hash, res.locals.clientId as string).filter((h) => h.scope === scope);
    // Limits from the reference: 1 per scope + destination, ≤10 per scope. The exact status for a violation is unverified.
    if (mine.some((h) => h.destination === destination)) return v3Error(422, 'A webhook with this scope and destination already exists.', { destination: 'duplicate' });
    if (mine.length >= 10) return v3Error(422, 'The maximum number of webhooks for this scope has been reached.', { scope: 'limit reached' });
    // is_active defaults to true in the sandbox (unverified).
    const hook = state.hub.create(hash, res.locals.clientId as string, { scope, destination, isActive: input.ok.isActive ?? true, headers: input.ok.headers ?? {} });
    return { status: 200, body: { data: v3Hook(hook), meta: {} } };
  }));
  r.get('/v3/hooks/:id', handle((hash, req, res) => {
    const h = ownHook(hash, res, req.params.id);
    return h ? { status: 200, body: { data: v3Hook(h), meta: {} } } : notFound('Webhook not found');
  }));
  r.put('/v3/hooks/:id', express.json(), handle((hash, req, res) => {
    const bad = needsJson(req);
    if (bad) return bad;
    const h = ownHook(hash, res, req.params.id);
    if (!h) return notFound('Webhook not found');
    const input = hookInput(req.body, true);
    if ('err' in input) return input.err;
    Object.assign(h, input.ok);
    state.hub.touch(h);
    return { status: 200, body: { data: v3Hook(h), meta: {} } };
  }));
  r.delete('/v3/hooks/:id', handle((hash, req, res) => {
    const h = ownHook(hash, res, req.params.id);
    if (!h) return notFound('Webhook not found');
    state.hub.hooks.delete(h.id);
    return { status: 200, body: { data: v3Hook(h), meta: {} } };
  }));

  r.use('/v3', (req: Request, res: Response) => send(res, v3Error(404, `No sandbox route for ${req.method} /v3${req.path}`)));
  return r;
}

/**
 * BigCommerce requires HTTPS on port 443 with a valid certificate. The sandbox also accepts plain http to
 * loopback hosts (any port) so tests can receive deliveries locally — a sandbox-only allowance.
 */
function destinationProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return 'destination is required';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'destination must be an absolute URL';
  }
  if (u.protocol === 'https:') return u.port === '' || u.port === '443' ? undefined : 'destination must use port 443';
  if (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return undefined;
  return 'destination must be https';
}
