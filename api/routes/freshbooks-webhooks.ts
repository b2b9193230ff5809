import express, { Router, type Request } from 'express';
import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import type { Logger } from '../../common/logger';
import { parseFreshBooksWebhookForm, verifyFreshBooksWebhook, type FreshBooksWebhookForm } from '../../connectors/freshbooks';
import type { VerifiedCallback, WebhookCallbackStore } from '../../db/webhook-callbacks';
import type { Workflows } from '../../temporal/workflow-starts';
import { asyncRoute, HttpError } from '../http-errors';
import type { WebhookVerifierCache } from '../webhook-verifiers';

/** FreshBooks sends a handful of short fields; anything near this size is not FreshBooks. */
const MAX_BODY = '16kb';

const ENTITY_BY_NOUN = new Map<string, FreshBooksEntity>(
  (Object.entries(FRESHBOOKS_ENTITIES) as [FreshBooksEntity, { webhookNoun?: string }][])
    .filter(([, spec]) => spec.webhookNoun)
    .map(([entity, spec]) => [spec.webhookNoun!, entity]),
);

export interface WebhookRouteDeps {
  cache: WebhookVerifierCache;
  callbacks: WebhookCallbackStore;
  workflows: Workflows;
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
    const known = await d.cache.get(connectionId);
    if (!known.exists) throw new HttpError(404, 'unknown connection');
    const { form, name, objectId } = parseForm(req);

    if (name === 'callback.verify') {
      const verifier = form.fields.get('verifier');
      if (!verifier) throw new HttpError(400, 'callback.verify without a verifier');
      // The verify post cannot be authenticated: the verifier waits in the callback's pending slot, apart
      // from any verified secret, and only signs deliveries once FreshBooks accepts it back (the
      // workflow's confirm), so a forged one is refused there and changes nothing that was verified.
      const stored = await d.callbacks.storePendingVerifier(connectionId, Number(objectId), verifier);
      if (stored === 'no_connection') throw new HttpError(404, 'unknown connection');
      if (stored === 'full') throw new HttpError(400, 'too many unconfirmed callbacks for this connection');
      await d.workflows.webhookVerifier(connectionId, Number(objectId));
      res.json({ ok: true });
      return;
    }

    const signature = req.get('x-freshbooks-hmac-sha256');
    if (!signedByAny(form, signature, ordered(known.verifiers, name))) {
      const fresh = await d.cache.refreshed(connectionId);
      if (!signedByAny(form, signature, ordered(fresh.verifiers, name))) throw new HttpError(401, 'invalid signature');
    }
    if (form.fields.get('account_id') !== known.accountId) throw new HttpError(400, 'delivery is for another FreshBooks account');

    const [noun, action] = name.split('.');
    const entity = ENTITY_BY_NOUN.get(noun ?? '');
    if (!entity) {
      // Signed by FreshBooks but for a record type we don't sync: acknowledge, or it may be re-sent.
      res.json({ ok: true, ignored: name });
      return;
    }
    await d.workflows.webhookChanges(connectionId, [{ entity, recordId: objectId, deleted: action === 'delete', receivedAt: new Date().toISOString() }]);
    res.json({ ok: true });
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

/** The callback registered for this event's noun first; the others only as a fallback. */
function ordered(verifiers: VerifiedCallback[], name: string): VerifiedCallback[] {
  const noun = name.split('.')[0];
  const matches = (v: VerifiedCallback) => v.event === noun || v.event === name;
  return [...verifiers.filter(matches), ...verifiers.filter((v) => !matches(v))];
}

function signedByAny(form: FreshBooksWebhookForm, signature: string | undefined, verifiers: VerifiedCallback[]): boolean {
  return verifiers.some((v) => verifyFreshBooksWebhook(form, signature, v.verifier));
}
