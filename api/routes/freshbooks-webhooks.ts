import express, { Router, type RequestHandler } from 'express';
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
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    reply(res, freshbooksWebhookOperations.deliver, 200, await deliver(d.intake, String(req.params.connectionId), req.get('content-type'), body, req.get('x-freshbooks-hmac-sha256')));
  }));
  return r;
}

async function deliver(intake: FreshBooksWebhookIntake, connectionId: string, contentType: string | undefined, body: string, signature: string | undefined) {
  const known = await intake.known(connectionId);
  const { form, name, objectId } = parseForm(contentType, body);
  return intake.accept(connectionId, known, { form, name, objectId, signature });
}

const FAST_PATH = /^\/webhooks\/freshbooks\/(conn_[A-Za-z0-9_-]{1,64})$/;
const FAST_TYPE = /^application\/x-www-form-urlencoded(;\s*charset="?utf-8"?)?$/i;
const MAX_FAST_BODY = 16 * 1024;
const ACCEPTED = Buffer.from(JSON.stringify({ ok: true } satisfies z.infer<typeof webhookAcknowledgement>));

/**
 * The same route for the deliveries FreshBooks actually sends, without the router's walk past every other
 * route's guards, the body parser and res.json (with the response write, two fifths of the API's CPU per
 * acknowledgement at 500/s in a profile).
 * Mounted first (after the acknowledgement metrics): it takes only requests that every guard on the way
 * would pass as they are (exact path, a plain urlencoded UTF-8 body with a Content-Length within the
 * limit, no Content-Encoding or Transfer-Encoding); anything else goes on to the full route, which
 * answers it as before. Refusals go to the app's error handler, so their answers are the same too.
 */
export function freshbooksWebhookFastPath(intake: FreshBooksWebhookIntake): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    const connectionId = FAST_PATH.exec(req.url)?.[1];
    if (connectionId === undefined) return next();
    const h = req.headers;
    const type = h['content-type'];
    const length = h['content-length'];
    if (type === undefined || !FAST_TYPE.test(type) || length === undefined || !/^\d{1,5}$/.test(length) || Number(length) > MAX_FAST_BODY) return next();
    if (h['transfer-encoding'] !== undefined || (h['content-encoding'] !== undefined && h['content-encoding'].trim().toLowerCase() !== 'identity')) return next();
    const signature = h['x-freshbooks-hmac-sha256'];
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // As the body parser words it: the sender went away mid-body, which is no error of ours.
    req.once('error', () => next(new HttpError(400, 'request aborted')));
    req.once('end', () => {
      const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      deliver(intake, connectionId, type, body, typeof signature === 'string' ? signature : undefined).then((ack) => {
        const out = ack.ok && ack.ignored === undefined && ack.paused === undefined ? ACCEPTED : Buffer.from(JSON.stringify(ack));
        res.writeHead(200, ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(out.length)]);
        res.end(out);
      }, next);
    });
  };
}

/**
 * The form as the signature covers it, and nothing else: what the route acts on is what FreshBooks
 * signed. FreshBooks posts a dict, so a repeated key never comes from it; refusing one keeps a captured
 * signature from carrying a second, unsigned value along.
 */
function parseForm(contentType: string | undefined, body: string): { form: FreshBooksWebhookForm; name: string; objectId: string } {
  const type = contentType ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) throw new HttpError(400, 'expected an application/x-www-form-urlencoded body');
  const form = parseFreshBooksWebhookForm(body);
  if (form.repeatedKeys.length > 0) throw new HttpError(400, 'a form field is repeated');
  const name = form.fields.get('name');
  const objectId = form.fields.get('object_id');
  if (!name || !eventName.safeParse(name).success) throw new HttpError(400, 'missing or malformed "name"');
  if (!objectId || !recordId.safeParse(objectId).success) throw new HttpError(400, 'missing or malformed "object_id"');
  return { form, name, objectId };
}
