import { Router } from 'express';
import { z } from 'zod';
import type { OrderState } from '../../contracts/order';
import { asyncRoute, HttpError } from '../http-errors';
import { positiveId } from '../request-guards';
import type { ConsoleDeps } from './deps';
import { ago } from './present';
import { render } from './render';

const STATES: OrderState[] = ['invoiced', 'needs_attention', 'failed', 'skipped'];
const stateFilter = z.enum(STATES as [OrderState, ...OrderState[]]).optional();

function orderIdOf(raw: unknown): number {
  const id = positiveId(raw);
  if (id === undefined) throw new HttpError(400, 'order id must be a positive integer');
  return id;
}

/** A store connection's orders (services/store-orders.ts, as /api/connections/:id/orders): outcomes by state, steps, retry. */
export function orderPages(d: ConsoleDeps): Router {
  const r = Router();

  r.get('/connections/:id/orders', asyncRoute(async (req, res) => {
    let state: OrderState | undefined;
    const { connectionId, counts, orders } = await d.orders.list(String(req.params.id), () => {
      const parsed = stateFilter.safeParse(req.query.state === '' ? undefined : req.query.state);
      if (!parsed.success) throw new HttpError(400, `state must be one of ${STATES.join(', ')}`);
      state = parsed.data;
      return { ...(state ? { state } : {}), limit: 200 };
    });
    render(res, 'orders', { title: 'Orders', connectionId, counts, orders, state, states: STATES });
  }));

  r.get('/connections/:id/orders/:orderId', asyncRoute(async (req, res) => {
    const order = await d.orders.get(String(req.params.id), () => orderIdOf(req.params.orderId));
    render(res, 'order', { title: `Order ${order.orderId}`, order, ago });
  }));

  r.post('/connections/:id/orders/:orderId/retry', asyncRoute(async (req, res) => {
    const orderId = await d.orders.retry(String(req.params.id), () => orderIdOf(req.params.orderId));
    res.set('hx-trigger', 'refresh-live');
    render(res, 'partials/flash', { ok: true, message: `Order ${orderId} will be looked at again from scratch.`, details: [] });
  }));
  return r;
}
