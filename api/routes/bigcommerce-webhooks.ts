import express, { Router } from 'express';
import type { Logger } from '../../common/logger';
import { HOOK_SECRET_HEADER, sameSecret, verifyStandardWebhook } from '../../connectors/bigcommerce';
import type { Workflows } from '../../temporal/workflow-starts';
import { asyncRoute, HttpError } from '../http-errors';
import type { StoreHookEntry, StoreHookSecrets } from '../store-hook-secrets';

/** BigCommerce's payloads are a scope and ids; a large body is not BigCommerce. */
const MAX_BODY = '16kb';

export interface StoreWebhookDeps {
  secrets: StoreHookSecrets;
  workflows: Workflows;
  logger: Logger;
}

interface Delivery {
  scope: string;
  producer?: string;
  data: Record<string, unknown>;
}

/**
 * `POST /webhooks/bigcommerce/:connectionId` (reference/bigcommerce.md §5). Checks, in order: size
 * (413), connection (404), our secret header and any Standard Webhooks signature (401), shape and store
 * (400). A valid order event is one signal-with-start of `order/<store>/<id>` and a 200: BigCommerce
 * blocklists slow or failing endpoints, and the order is read in full by its workflow anyway. Repeats
 * and the order/updated + statusUpdated pair land on the same workflow, which coalesces them.
 */
export function bigcommerceWebhookRoutes(d: StoreWebhookDeps): Router {
  const r = Router();
  r.post('/:connectionId', express.raw({ type: () => true, limit: MAX_BODY }), asyncRoute(async (req, res) => {
    const connectionId = String(req.params.connectionId);
    let known = await d.secrets.get(connectionId);
    if (!known.exists) throw new HttpError(404, 'unknown connection');
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (!authentic(known, req.get(HOOK_SECRET_HEADER), req, raw)) {
      known = await d.secrets.reload(connectionId);
      if (!authentic(known, req.get(HOOK_SECRET_HEADER), req, raw)) throw new HttpError(401, 'invalid webhook secret or signature');
    }
    const delivery = parse(raw);
    if (delivery.producer !== undefined && delivery.producer !== `stores/${known.storeHash}`) throw new HttpError(400, 'delivery is for another store');

    const at = new Date().toISOString();
    if (delivery.scope.startsWith('store/order/')) {
      const orderId = Number(delivery.data.type === 'transaction' ? delivery.data.order_id : delivery.data.id);
      if (!Number.isSafeInteger(orderId) || orderId <= 0) throw new HttpError(400, 'order event without an order id');
      if (known.paused) {
        // Nothing starts while paused; the cursor stood still, so the sweep after resuming reads this order.
        res.json({ ok: true, paused: true });
        return;
      }
      await d.workflows.orderChanged({ connectionId, storeHash: known.storeHash!, orderId }, { reason: 'webhook', scope: delivery.scope, at });
      res.json({ ok: true });
      return;
    }
    if (delivery.scope === 'store/customer/updated' || delivery.scope.startsWith('store/customer/address/')) {
      const customerId = Number(delivery.data.type === 'customer' ? delivery.data.id : (delivery.data.address as { customer_id?: unknown } | undefined)?.customer_id ?? delivery.data.id);
      if (Number.isSafeInteger(customerId) && customerId > 0) await d.workflows.customerChanged(connectionId, customerId);
      res.json({ ok: true });
      return;
    }
    // Created customers and catalogue changes are matched when an order first needs them.
    res.json({ ok: true, ignored: delivery.scope });
  }));
  return r;
}

function authentic(known: StoreHookEntry, header: string | undefined, req: express.Request, raw: string): boolean {
  if (!known.hookSecret || !sameSecret(header, known.hookSecret)) return false;
  const signature = req.get('webhook-signature');
  if (signature === undefined || !known.clientSecret) return true;
  return verifyStandardWebhook(known.clientSecret, { id: req.get('webhook-id'), timestamp: req.get('webhook-timestamp'), signature }, raw);
}

function parse(raw: string): Delivery {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  const b = body as { scope?: unknown; producer?: unknown; data?: unknown };
  if (typeof b !== 'object' || b === null || typeof b.scope !== 'string' || !/^store\/[a-z_/*]+$/i.test(b.scope)) throw new HttpError(400, 'missing or malformed "scope"');
  if (typeof b.data !== 'object' || b.data === null || Array.isArray(b.data)) throw new HttpError(400, 'missing "data"');
  return { scope: b.scope, ...(typeof b.producer === 'string' ? { producer: b.producer } : {}), data: b.data as Record<string, unknown> };
}
