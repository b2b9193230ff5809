import { Router, json } from 'express';
import { z } from 'zod';
import type { BigCommerceOrderStore } from '../../db/bigcommerce-orders';
import type { Workflows } from '../../temporal/workflow-starts';
import { orderWorkflowId } from '../../contracts/ids';
import type { ConnectionService } from '../connection-service';
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
 * A store connection's orders: where each stands in FreshBooks (invoice, payments, refunds, skips and
 * why), the steps that led there, and a retry for one that failed or needs another look.
 */
export function orderRoutes(service: ConnectionService, workflows: Workflows, orders: BigCommerceOrderStore): Router {
  const r = Router();
  r.use(json({ limit: '16kb' }));

  r.get('/connections/:id/orders', asyncRoute(async (req, res) => {
    const c = await service.store(String(req.params.id));
    const q = parseBody(listQuery, req.query);
    const [rows, counts] = await Promise.all([
      orders.list(c.id, { ...(q.state ? { state: q.state } : {}), ...(q.after !== undefined ? { afterOrderId: q.after } : {}), ...(q.limit ? { limit: q.limit } : {}) }),
      orders.counts(c.id),
    ]);
    res.json({ connectionId: c.id, counts, orders: rows.map(({ connectionId: _c, ...o }) => o) });
  }));

  r.get('/connections/:id/orders/:orderId', asyncRoute(async (req, res) => {
    const c = await service.store(String(req.params.id));
    const orderId = orderIdOf(req.params.orderId);
    const [row, events, workflow] = await Promise.all([
      orders.get(c.id, orderId), orders.events(c.id, orderId), workflows.orderStatus(c.destination.storeHash, orderId),
    ]);
    if (!row && !workflow) throw new HttpError(404, `order ${orderId} has not been seen by this connection`);
    const { connectionId: _c, ...order } = row ?? { connectionId: c.id };
    res.json({ connectionId: c.id, orderId, workflowId: orderWorkflowId(c.destination.storeHash, orderId), ...order, events, workflow });
  }));

  /** Look at the order again from scratch: nothing remembered is trusted, every write is looked up first. */
  r.post('/connections/:id/orders/:orderId/retry', asyncRoute(async (req, res) => {
    const c = await service.store(String(req.params.id));
    const orderId = orderIdOf(req.params.orderId);
    await workflows.orderChanged({ connectionId: c.id, storeHash: c.destination.storeHash, orderId }, { reason: 'retry', at: new Date().toISOString() });
    res.status(202).json({ accepted: true, orderId });
  }));

  return r;
}
