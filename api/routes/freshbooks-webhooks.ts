import express, { Router, type Request } from 'express';
import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import type { Logger } from '../../common/logger';
import { verifyFreshBooksWebhook } from '../../connectors/freshbooks';
import type { VerifiedCallback, WebhookCallbackStore } from '../../db/webhook-callbacks';
import type { Workflows } from '../../temporal/workflow-starts';
import { asyncRoute, HttpError } from '../http-errors';
import type { WebhookVerifierCache } from '../webhook-verifiers';
import { positiveId } from '../request-guards';

/** FreshBooks sends a handful of short fields; anything near this size is not FreshBooks. */
const MAX_BODY = '16kb';
/** A connection has one callback per record type (fewer than 20); unauthenticated verify posts beyond
 * this many rows are someone filling our tables, not FreshBooks. */
const MAX_CALLBACKS_PER_CONNECTION = 100;

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
    const { raw, form } = parseForm(req);

    const name = form.get('name')!;
    const objectId = form.get('object_id')!;
    if (name === 'callback.verify') {
      const verifier = form.get('verifier');
      if (!verifier) throw new HttpError(400, 'callback.verify without a verifier');
      if ((await d.callbacks.count(connectionId)) >= MAX_CALLBACKS_PER_CONNECTION) throw new HttpError(400, 'too many callbacks for this connection');
      // The verify post cannot be authenticated: the verifier is stored sealed and only trusted once
      // FreshBooks accepts it back (the workflow's confirm), so a forged one is refused there.
      await d.callbacks.storePendingVerifier(connectionId, Number(objectId), verifier);
      await d.workflows.webhookVerifier(connectionId, Number(objectId));
      res.json({ ok: true });
      return;
    }

    const signature = req.get('x-freshbooks-hmac-sha256');
    if (!signedByAny(raw, signature, ordered(known.verifiers, name))) {
      const fresh = await d.cache.refreshed(connectionId);
      if (!signedByAny(raw, signature, ordered(fresh.verifiers, name))) throw new HttpError(401, 'invalid signature');
    }
    if (form.get('account_id') !== known.accountId) throw new HttpError(400, 'delivery is for another FreshBooks account');

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

function parseForm(req: Request): { raw: string; form: URLSearchParams } {
  const type = req.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) throw new HttpError(400, 'expected an application/x-www-form-urlencoded body');
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const form = new URLSearchParams(raw);
  const name = form.get('name');
  const objectId = form.get('object_id');
  if (!name || !/^[a-z_]+(\.[A-Za-z]+)?$/.test(name)) throw new HttpError(400, 'missing or malformed "name"');
  // Callback ids are stored as bigint: 20 digits would overflow it (a 500), so canonical and safe only.
  if (positiveId(objectId) === undefined) throw new HttpError(400, 'missing or malformed "object_id"');
  return { raw, form };
}

/** The callback registered for this event's noun first; the others only as a fallback. */
function ordered(verifiers: VerifiedCallback[], name: string): VerifiedCallback[] {
  const noun = name.split('.')[0];
  const matches = (v: VerifiedCallback) => v.event === noun || v.event === name;
  return [...verifiers.filter(matches), ...verifiers.filter((v) => !matches(v))];
}

function signedByAny(raw: string, signature: string | undefined, verifiers: VerifiedCallback[]): boolean {
  return verifiers.some((v) => verifyFreshBooksWebhook(raw, signature, v.verifier));
}
