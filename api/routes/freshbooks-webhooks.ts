import express, { Router, type Request } from 'express';
import type { Logger } from '../../common/logger';
import { parseFreshBooksWebhookForm, type FreshBooksWebhookForm } from '../../connectors/freshbooks';
import type { FreshBooksWebhookIntake } from '../../services/webhook-intake';
import { asyncRoute, HttpError } from '../http-errors';

/** FreshBooks sends a handful of short fields; anything near this size is not FreshBooks. */
const MAX_BODY = '16kb';

export interface WebhookRouteDeps {
  intake: FreshBooksWebhookIntake;
  logger: Logger;
}

/**
 * `POST /webhooks/freshbooks/:connectionId` (reference/freshbooks.md §5). Checks, in order: size
 * (413), connection (404), shape (400), signature (401). A valid delivery is one signal-with-start to
 * the connection's workflow and a 200: fetching and delivering happen there, not on FreshBooks' clock.
 */
export function freshbooksWebhookRoutes(d: WebhookRouteDeps): Router {
  const r = Router();
  r.post('/:connectionId', express.raw({ type: () => true, limit: MAX_BODY }), asyncRoute(async (req, res) => {
    const connectionId = String(req.params.connectionId);
    const known = await d.intake.known(connectionId);
    const { form, name, objectId } = parseForm(req);
    res.json(await d.intake.accept(connectionId, known, { form, name, objectId, signature: req.get('x-freshbooks-hmac-sha256') }));
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
  if (!name || !/^[a-z_]+(\.[A-Za-z]+)?$/.test(name)) throw new HttpError(400, 'missing or malformed "name"');
  if (!objectId || !isRecordId(objectId)) throw new HttpError(400, 'missing or malformed "object_id"');
  return { form, name, objectId };
}

/** FreshBooks ids are positive integers written plainly; anything past 2^53 would not survive `Number`,
 * let alone fit the bigint column a callback id is stored in. */
function isRecordId(s: string): boolean {
  return /^[1-9]\d{0,15}$/.test(s) && Number.isSafeInteger(Number(s));
}
