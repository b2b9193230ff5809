import express, { Router } from 'express';
import type { Logger } from '../../common/logger';
import { HOOK_SECRET_HEADER } from '../../connectors/bigcommerce';
import type { StoreDelivery, StoreWebhookIntake } from '../../services/webhook-intake';
import { asyncRoute, HttpError } from '../http-errors';

/** BigCommerce's payloads are a scope and ids; a large body is not BigCommerce. */
const MAX_BODY = '16kb';

export interface StoreWebhookDeps {
  intake: StoreWebhookIntake;
  logger: Logger;
}

/**
 * `POST /webhooks/bigcommerce/:connectionId` (reference/bigcommerce.md §5). Checks, in order: size
 * (413), connection (404), our secret header and any Standard Webhooks signature (401), shape and store
 * (400); then the intake signals the order's or customer's workflow and the route answers 200.
 */
export function bigcommerceWebhookRoutes(d: StoreWebhookDeps): Router {
  const r = Router();
  r.post('/:connectionId', express.raw({ type: () => true, limit: MAX_BODY }), asyncRoute(async (req, res) => {
    const connectionId = String(req.params.connectionId);
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const known = await d.intake.authenticate(connectionId, {
      hookSecret: req.get(HOOK_SECRET_HEADER), webhookId: req.get('webhook-id'), webhookTimestamp: req.get('webhook-timestamp'), webhookSignature: req.get('webhook-signature'),
    }, raw);
    res.json(await d.intake.accept(connectionId, known, parse(raw)));
  }));
  return r;
}

function parse(raw: string): StoreDelivery {
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
