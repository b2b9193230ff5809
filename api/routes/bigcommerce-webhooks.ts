import express, { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { HOOK_SECRET_HEADER } from '../../connectors/bigcommerce';
import type { StoreDelivery, StoreWebhookIntake } from '../../services/webhook-intake';
import { asyncRoute, HttpError } from '../http-errors';
import { defineOperation, errors, reply } from '../openapi/registry';
import { connectionIdParams } from './connections';
import { webhookAcknowledgement } from './freshbooks-webhooks';

/** BigCommerce's payloads are a scope and ids; a large body is not BigCommerce. */
const MAX_BODY = '16kb';

/** What BigCommerce posts (reference/bigcommerce.md §5): a scope, the store, and ids. */
const delivery = z.looseObject({
  scope: z.string().regex(/^store\/[a-z_/*]+$/i),
  producer: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});

export const bigcommerceWebhookOperations = {
  deliver: defineOperation({
    access: 'signature', tag: 'webhooks', operationId: 'bigcommerceWebhook', method: 'post', path: '/webhooks/bigcommerce/:connectionId',
    summary: 'A BigCommerce store event, authenticated by our secret header and, when configured, a Standard Webhooks signature',
    params: z.object({ connectionId: connectionIdParams.shape.id }),
    headers: z.object({
      [HOOK_SECRET_HEADER]: z.string().optional().describe('the secret set on the hook when it was registered'),
      'webhook-id': z.string().optional(), 'webhook-timestamp': z.string().optional(), 'webhook-signature': z.string().optional(),
    }),
    body: { schema: delivery, mediaType: 'application/json' },
    responses: { 200: { description: 'accepted (or ignored, saying why)', schema: webhookAcknowledgement }, ...errors(400, 401, 404, 413, 415) },
  }),
};

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
    reply(res, bigcommerceWebhookOperations.deliver, 200, await d.intake.accept(connectionId, known, parse(raw)));
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
  if (typeof b !== 'object' || b === null || !delivery.shape.scope.safeParse(b.scope).success) throw new HttpError(400, 'missing or malformed "scope"');
  if (!delivery.shape.data.safeParse(b.data).success) throw new HttpError(400, 'missing "data"');
  return { scope: b.scope as string, ...(typeof b.producer === 'string' ? { producer: b.producer } : {}), data: b.data as Record<string, unknown> };
}
