import { Router, json } from 'express';
import { z } from 'zod';
import type { StoreOrders } from '../../services/store-orders';
import { asyncRoute, HttpError, parseBody } from '../http-errors';
import { positiveId } from '../request-guards';

/** Canonical decimal integers only: `1e3`, `0x10` and ` 7` are not what anyone meant by an order id. */
const integerParam = z.string().regex(/^(0|[1-9]\d{0,15})$/, 'must be a decimal integer').transform(Number);

const listQuery = z.object({
  state: z.enum(['skipped', 'invoiced', 'needs_attention', 'failed']).optional(),
  after: integerParam.optional(),
  limit: integerParam.pipe(z.number().int().min(1).max(1000)).optional(),
});

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
    res.json(await orders.list(String(req.params.id), () => {
      const q = parseBody(listQuery, req.query);
      return { ...(q.state ? { state: q.state } : {}), ...(q.after !== undefined ? { afterOrderId: q.after } : {}), ...(q.limit ? { limit: q.limit } : {}) };
    }));
  }));

  r.get('/connections/:id/orders/:orderId', asyncRoute(async (req, res) => {
    res.json(await orders.get(String(req.params.id), () => orderIdOf(req.params.orderId)));
  }));

  /** Look at the order again from scratch: nothing remembered is trusted, every write is looked up first. */
  r.post('/connections/:id/orders/:orderId/retry', asyncRoute(async (req, res) => {
    const orderId = await orders.retry(String(req.params.id), () => orderIdOf(req.params.orderId));
    res.status(202).json({ accepted: true, orderId });
  }));

  return r;
}
