/**
 * Orders v2 (reference §2): bare arrays, 4-decimal money strings, RFC-2822 dates, page/limit with no
 * `meta`, and **204 No Content** for an empty page or an empty sub-resource.
 */
import express, { Router, type Request, type Response } from 'express';
import { v2Error } from './errors';
import { parseFilterDate } from './format';
import { send } from './gate';
import { ORDER_STATUSES, type OrderRec } from './model';
import { intParam, numParam, pageParams, paginate, type Parsed } from './query';
import { v2Coupons, v2Order, v2OrderProduct, v2ShippingAddress, v2Taxes } from './render';
import type { BigCommerceSandboxState } from './state';

const SORT_FIELDS: Record<string, (o: OrderRec) => number> = {
  id: (o) => o.id,
  customer_id: (o) => o.customerId,
  date_created: (o) => o.createdMs,
  date_modified: (o) => o.modifiedMs,
  status_id: (o) => o.statusId,
  channel_id: (o) => o.channelId,
  external_id: (o) => o.id,
};

const DATE_FILTERS = ['min_date_created', 'max_date_created', 'min_date_modified', 'max_date_modified'] as const;

type Ctx = { state: BigCommerceSandboxState; hash: string; base: string; q: Record<string, unknown> };

function ctx(state: BigCommerceSandboxState, req: Request): Ctx {
  const hash = String(req.params.storeHash);
  return { state, hash, base: `${req.protocol}://${req.get('host')}/stores/${hash}`, q: req.query as Record<string, unknown> };
}

const notFound = () => v2Error(404, 'The requested resource was not found.');

function findOrder(c: Ctx, idRaw: unknown): OrderRec | undefined {
  const id = Number(idRaw);
  return Number.isInteger(id) ? c.state.stores.get(c.hash)?.orders.get(id) : undefined;
}

function listOrders(c: Ctx): { status: number; body?: unknown } {
  const ints: Record<string, number | undefined> = {};
  for (const name of ['min_id', 'max_id', 'customer_id', 'status_id', 'channel_id']) {
    const p = intParam(c.q, name, 'v2');
    if ('err' in p) return p.err;
    ints[name] = p.ok;
  }
  const totals: Record<string, number | undefined> = {};
  for (const name of ['min_total', 'max_total']) {
    const p = numParam(c.q, name, 'v2');
    if ('err' in p) return p.err;
    totals[name] = p.ok;
  }
  const dates: Partial<Record<(typeof DATE_FILTERS)[number], number>> = {};
  for (const name of DATE_FILTERS) {
    const raw = c.q[name];
    if (typeof raw !== 'string' || raw === '') continue;
    const ms = parseFilterDate(raw, c.state.now());
    if (ms === undefined) return v2Error(400, `The field '${name}' is invalid.`, { invalid_reason: 'Expected an RFC-2822 or ISO-8601 date; URL-encode the + of an offset.' });
    dates[name] = ms;
  }
  const sortRaw = typeof c.q.sort === 'string' && c.q.sort !== '' ? c.q.sort : 'id:asc';
  const [sortField, dir = 'asc'] = sortRaw.split(':');
  const key = SORT_FIELDS[sortField ?? ''];
  if (!key || (dir !== 'asc' && dir !== 'desc')) return v2Error(400, "The field 'sort' is invalid.");
  const paging = pageParams(c.q, 'v2');
  if ('err' in paging) return paging.err;
  const email = typeof c.q.email === 'string' ? c.q.email.toLowerCase() : undefined;
  const sec = (ms: number) => Math.floor(ms / 1000);

  const store = c.state.store(c.hash);
  const rows = [...store.orders.values()].filter((o) => {
    if (ints.min_id !== undefined && o.id < ints.min_id) return false;
    if (ints.max_id !== undefined && o.id > ints.max_id) return false;
    if (ints.customer_id !== undefined && o.customerId !== ints.customer_id) return false;
    if (ints.status_id !== undefined && o.statusId !== ints.status_id) return false;
    if (ints.channel_id !== undefined && o.channelId !== ints.channel_id) return false;
    if (totals.min_total !== undefined && o.total.inc < Math.round(totals.min_total * 100)) return false;
    if (totals.max_total !== undefined && o.total.inc > Math.round(totals.max_total * 100)) return false;
    if (email !== undefined && o.billing.email.toLowerCase() !== email) return false;
    // Record times have whole seconds, like the RFC-2822 strings clients compare them with.
    if (dates.min_date_created !== undefined && sec(o.createdMs) < Math.ceil(dates.min_date_created / 1000)) return false;
    if (dates.max_date_created !== undefined && sec(o.createdMs) > sec(dates.max_date_created)) return false;
    if (dates.min_date_modified !== undefined && sec(o.modifiedMs) < Math.ceil(dates.min_date_modified / 1000)) return false;
    if (dates.max_date_modified !== undefined && sec(o.modifiedMs) > sec(dates.max_date_modified)) return false;
    return true;
  });
  const sign = dir === 'desc' ? -1 : 1;
  rows.sort((a, b) => sign * (key(a) - key(b)) || a.id - b.id);
  const page = paginate(rows, paging.ok.page, paging.ok.limit);
  if (page.length === 0) return { status: 204 };
  return { status: 200, body: page.map((o) => v2Order(o, c.base, store.currency)) };
}

/** A v2 sub-resource list: 404 for an unknown order, 204 when empty, else one page of rows. */
function subList(c: Ctx, idRaw: unknown, rows: (o: OrderRec) => unknown[]): { status: number; body?: unknown } {
  const o = findOrder(c, idRaw);
  if (!o) return notFound();
  const paging: Parsed<{ page: number; limit: number }> = pageParams(c.q, 'v2');
  if ('err' in paging) return paging.err;
  const page = paginate(rows(o), paging.ok.page, paging.ok.limit);
  return page.length === 0 ? { status: 204 } : { status: 200, body: page };
}

export function v2Routes(state: BigCommerceSandboxState): Router {
  const r = Router({ mergeParams: true });
  const handle = (fn: (c: Ctx, req: Request) => { status: number; body?: unknown }) => (req: Request, res: Response) => send(res, fn(ctx(state, req), req));

  r.get('/v2/orders/count', handle((c) => {
    const orders = [...c.state.store(c.hash).orders.values()];
    const statuses = Object.entries(ORDER_STATUSES).map(([id, name], i) => ({
      id: Number(id),
      name,
      system_label: name,
      custom_label: name,
      system_description: '',
      count: orders.filter((o) => o.statusId === Number(id)).length,
      sort_order: i,
    }));
    return { status: 200, body: { statuses, count: orders.length } };
  }));
  r.get('/v2/orders', handle(listOrders));
  r.get('/v2/order_statuses', handle(() => ({
    status: 200,
    body: Object.entries(ORDER_STATUSES).map(([id, name], i) => ({ id: Number(id), name, system_label: name, custom_label: name, system_description: '', order: i })),
  })));
  r.get('/v2/orders/:id', handle((c, req) => {
    const o = findOrder(c, req.params.id);
    return o ? { status: 200, body: v2Order(o, c.base, c.state.store(c.hash).currency) } : notFound();
  }));
  r.put('/v2/orders/:id', express.json(), handle((c, req) => {
    const o = findOrder(c, req.params.id);
    if (!o) return notFound();
    const statusId = (req.body as { status_id?: unknown } | undefined)?.status_id;
    if (statusId !== undefined) {
      if (typeof statusId !== 'number' || !(statusId in ORDER_STATUSES)) return v2Error(400, "The field 'status_id' is invalid.");
      c.state.setOrderStatus(c.hash, o.id, statusId);
    }
    return { status: 200, body: v2Order(o, c.base, c.state.store(c.hash).currency) };
  }));
  r.get('/v2/orders/:id/products', handle((c, req) => subList(c, req.params.id, (o) => o.lines.map((l) => v2OrderProduct(o, l)))));
  r.get('/v2/orders/:id/shipping_addresses', handle((c, req) => subList(c, req.params.id, (o) => [v2ShippingAddress(o)].filter((a) => a !== undefined))));
  r.get('/v2/orders/:id/coupons', handle((c, req) => subList(c, req.params.id, v2Coupons)));
  r.get('/v2/orders/:id/taxes', handle((c, req) => subList(c, req.params.id, v2Taxes)));
  r.use('/v2', (req: Request, res: Response) => send(res, v2Error(404, `No sandbox route for ${req.method} /v2${req.path}`)));
  return r;
}
