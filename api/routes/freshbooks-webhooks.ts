import express, { Router, type Request } from 'express';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { parseFreshBooksWebhookForm, type FreshBooksWebhookForm } from '../../connectors/freshbooks';
import type { FreshBooksWebhookIntake } from '../../services/webhook-intake';
import { asyncRoute, HttpError } from '../http-errors';
import { defineOperation, errors, reply } from '../openapi/registry';
import { connectionIdParams } from './connections';

/** FreshBooks sends a handful of short fields; anything near this size is not FreshBooks. */
const MAX_BODY = '16kb';

/** FreshBooks ids are positive integers written plainly; anything past 2^53 would not survive `Number`,
 * let alone fit the bigint column a callback id is stored in. */
const recordId = z.string().regex(/^[1-9]\d{0,15}$/).refine((s) => Number.isSafeInteger(Number(s)));
const eventName = z.string().regex(/^[a-z_]+(\.[A-Za-z]+)?$/);

/**
 * The form FreshBooks posts (reference/freshbooks.md §5): ids only, plus `verifier` on `callback.verify`.
 * Any other field is a single string too: a repeated key (a list) is refused, see parseForm.
 */
const webhookForm = z.object({
  name: eventName, object_id: recordId,
  account_id: z.string().optional(), business_id: z.string().optional(), identity_id: z.string().optional(), user_id: z.string().optional(), verifier: z.string().optional(),
}).catchall(z.string());

export const webhookAcknowledgement = z.object({ ok: z.literal(true), ignored: z.string().optional(), paused: z.literal(true).optional() });

export const freshbooksWebhookOperations = {
  deliver: defineOperation({
    access: 'signature', tag: 'webhooks', operationId: 'freshbooksWebhook', method: 'post', path: '/webhooks/freshbooks/:connectionId',
    summary: 'A FreshBooks event (or the callback.verify handshake), signed with X-FreshBooks-Hmac-SHA256',
    params: z.object({ connectionId: connectionIdParams.shape.id }),
    headers: z.object({ 'x-freshbooks-hmac-sha256': z.string().optional().describe('base64 HMAC-SHA256 of the form, keyed by the verifier') }),
    body: { schema: webhookForm, mediaType: 'application/x-www-form-urlencoded' },
    responses: { 200: { description: 'accepted (or ignored, saying why)', schema: webhookAcknowledgement }, ...errors(400, 401, 404, 413, 415, 503) },
  }),
};

export interface WebhookRouteDeps {
  intake: FreshBooksWebhookIntake;
  logger: Logger;
}

/**
 * `POST /webhooks/freshbooks/:connectionId` (reference/freshbooks.md §5). Checks, in order: size
 * (413), connection (404), shape (400), signature (401). A valid delivery is written to the webhook inbox
 * and answered 200: forwarding to the workflow, fetching and delivering happen after, not on FreshBooks' clock.
 */
export function freshbooksWebhookRoutes(d: WebhookRouteDeps): Router {
  const r = Router();
  r.post('/:connectionId', express.raw({ type: () => true, limit: MAX_BODY }), asyncRoute(async (req, res) => {
    const connectionId = String(req.params.connectionId);
    const known = await d.intake.known(connectionId);
    const { form, name, objectId } = parseForm(req);
    reply(res, freshbooksWebhookOperations.deliver, 200, await d.intake.accept(connectionId, known, { form, name, objectId, signature: req.get('x-freshbooks-hmac-sha256') }));
  }));
  return r;
}

/**
 * The form as the signature covers it, and nothing else: what the route acts on is what FreshBooks
 * signed. FreshBooks posts a dict, so a repeated key never comes from it; refusing one keeps a captured
 * signature from carrying a second, unsigned value along.
 */
function parseForm(req: Request): { form: FreshBooksWebhookForm; name: string; objectId: string } {
  const type = req.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) throw new HttpError(400, 'expected an application/x-www-form-urlencoded body');
  const form = parseFreshBooksWebhookForm(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
  if (form.repeatedKeys.length > 0) throw new HttpError(400, 'a form field is repeated');
  const name = form.fields.get('name');
  const objectId = form.fields.get('object_id');
  if (!name || !eventName.safeParse(name).success) throw new HttpError(400, 'missing or malformed "name"');
  if (!objectId || !recordId.safeParse(objectId).success) throw new HttpError(400, 'missing or malformed "object_id"');
  return { form, name, objectId };
}
