import { Router, json } from 'express';
import { z } from 'zod';
import type { StoreOrders } from '../../services/store-orders';
import { asyncRoute, HttpError, parseBody } from '../http-errors';
import { defineOperation, errors, reply } from '../openapi/registry';
import { positiveId } from '../request-guards';
import { connectionIdParams } from './connections';

/** Canonical decimal integers only: `1e3`, `0x10` and ` 7` are not what anyone meant by an order id. */
const integerParam = z.string().regex(/^(0|[1-9]\d{0,15})$/, 'must be a decimal integer').transform(Number);

const listQuery = z.object({
  state: z.enum(['skipped', 'invoiced', 'needs_attention', 'failed']).optional(),
  after: integerParam.optional(),
  /** The range in the pattern itself, so the document states it: a range checked after the transform is invisible there. */
  limit: z.string().regex(/^([1-9]\d{0,2}|1000)$/, 'must be an integer from 1 to 1000').transform(Number).optional(),
});

const orderParams = connectionIdParams.extend({ orderId: z.string().regex(/^[1-9]\d{0,15}$/, 'must be a positive integer') });

/** An order as the sweep and its workflow left it; payments, refunds and steps keep their own shapes. */
const order = z.looseObject({
  orderId: z.number().int(), state: z.string(), payments: z.array(z.unknown()), refunds: z.array(z.unknown()), flags: z.array(z.string()),
});
const orderDetail = order.extend({
  connectionId: z.string(), workflowId: z.string(),
  events: z.array(z.looseObject({ kind: z.string(), at: z.string() })),
  /** The order workflow's own view, or null when it is not running (or did not answer in time). */
  workflow: z.looseObject({ phase: z.string() }).nullable(),
}).partial({ state: true, payments: true, refunds: true, flags: true });

const admin = { access: 'admin', tag: 'orders' } as const;
export const orderOperations = {
  list: defineOperation({
    ...admin, operationId: 'listOrders', method: 'get', path: '/api/connections/:id/orders', params: connectionIdParams, query: listQuery,
    summary: 'A store connection\'s orders and where each stands in FreshBooks',
    responses: {
      200: { description: 'orders, newest first', schema: z.object({ connectionId: z.string(), counts: z.record(z.string(), z.number()), orders: z.array(order) }) },
      ...errors(400, 401, 404),
    },
  }),
  get: defineOperation({
    ...admin, operationId: 'getOrder', method: 'get', path: '/api/connections/:id/orders/:orderId', params: orderParams,
    summary: 'One order: its outcome, the steps that led there and its workflow',
    responses: { 200: { description: 'the order', schema: orderDetail }, ...errors(400, 401, 404) },
  }),
  retry: defineOperation({
    ...admin, operationId: 'retryOrder', method: 'post', path: '/api/connections/:id/orders/:orderId/retry', params: orderParams,
    summary: 'Look at the order again from scratch',
    responses: { 202: { description: 'retry asked for', schema: z.object({ accepted: z.literal(true), orderId: z.number().int() }) }, ...errors(400, 401, 404) },
  }),
};

function orderIdOf(raw: unknown): number {
  const id = positiveId(raw);
  if (id === undefined) throw new HttpError(400, 'order id must be a positive integer');
  return id;
}

/**
 * A store connection's orders. Query and order id are parsed once the connection is known to be a
 * store, so any other connection is a 404 whatever the rest of the request says.
 */
export function orderRoutes(orders: StoreOrders): Router {
  const r = Router();
  r.use(json({ limit: '16kb' }));

  r.get('/connections/:id/orders', asyncRoute(async (req, res) => {
    const list = await orders.list(String(req.params.id), () => {
      const q = parseBody(listQuery, req.query);
      return { ...(q.state ? { state: q.state } : {}), ...(q.after !== undefined ? { afterOrderId: q.after } : {}), ...(q.limit ? { limit: q.limit } : {}) };
    });
    reply(res, orderOperations.list, 200, { ...list, orders: list.orders.map((o) => ({ ...o })) });
  }));

  r.get('/connections/:id/orders/:orderId', asyncRoute(async (req, res) => {
    const o = await orders.get(String(req.params.id), () => orderIdOf(req.params.orderId));
    reply(res, orderOperations.get, 200, { ...o, events: o.events.map((e) => ({ ...e })), workflow: o.workflow && { ...o.workflow } });
  }));

  /** Look at the order again from scratch: nothing remembered is trusted, every write is looked up first. */
  r.post('/connections/:id/orders/:orderId/retry', asyncRoute(async (req, res) => {
    const orderId = await orders.retry(String(req.params.id), () => orderIdOf(req.params.orderId));
    reply(res, orderOperations.retry, 202, { accepted: true, orderId });
  }));

  return r;
}
