import { Router } from 'express';
import { createConnectionsInput, createStoreConnectionInput } from '../../services/connections';
import { asyncRoute, HttpError, parseBody } from '../http-errors';
import { connectBody, DESTINATION_FORMS, isDestinationType, keptValues, storeConnectBody } from './connect-form';
import type { ConsoleDeps } from './deps';
import { render } from './render';

/**
 * Connecting FreshBooks: start the authorization, come back from FreshBooks to the businesses it
 * can see, choose them and a destination, and create the connections with the same validation as
 * POST /api/connections (its field errors shown beside the fields).
 */
export function connectPages(d: ConsoleDeps): Router {
  const r = Router();

  r.get('/connect', (_req, res) => {
    render(res, 'connect-start', { title: 'Connect FreshBooks' });
  });

  r.post('/connect/freshbooks', asyncRoute(async (_req, res) => {
    const { authorizeUrl } = await d.authorizations.start({});
    res.redirect(303, authorizeUrl);
  }));

  r.get('/connect/destination-fields', (req, res, next) => {
    const type = req.query.destinationType;
    if (!isDestinationType(type)) return next(new HttpError(400, 'unknown destination type'));
    render(res, 'partials/destination-fields', { type, form: DESTINATION_FORMS[type], values: {}, errors: {} });
  });

  r.get('/connect/authorizations/:id', asyncRoute(async (req, res) => {
    const auth = await d.authorizations.get(String(req.params.id));
    render(res, 'connect-choose', { ...page(auth), type: 'bigquery', values: { pollIntervalSec: '900', webhooks: 'on' }, errors: {}, store: STORE_DEFAULTS, storeErrors: {} });
  }));

  r.post('/connect/authorizations/:id', asyncRoute(async (req, res) => {
    const auth = await d.authorizations.get(String(req.params.id));
    const form = (req.body ?? {}) as Record<string, unknown>;
    const type = isDestinationType(form.destinationType) ? form.destinationType : 'bigquery';
    try {
      const ids = await d.service.createConnections(parseBody(createConnectionsInput, connectBody(auth.authorizationId, form)));
      res.redirect(303, ids.length === 1 ? `/console/connections/${ids[0]}` : '/console/connections');
    } catch (err) {
      const known = ['businessIds', 'destination.type', 'settings.pollIntervalSec', ...DESTINATION_FORMS[type].fields.map((f) => `destination.${f.name}`)];
      const errors = fieldErrors(err, known);
      render(res, 'connect-choose', { ...page(auth), type, values: keptValues(form, type), errors, store: STORE_DEFAULTS, storeErrors: {} }, (err as HttpError).status);
    }
  }));

  r.post('/connect/authorizations/:id/store', asyncRoute(async (req, res) => {
    const auth = await d.authorizations.get(String(req.params.id));
    const form = (req.body ?? {}) as Record<string, unknown>;
    try {
      const id = await d.service.createStoreConnection(parseBody(createStoreConnectionInput, storeConnectBody(auth.authorizationId, form)));
      res.redirect(303, `/console/connections/${id}`);
    } catch (err) {
      const known = ['businessId', 'store.storeHash', 'store.accessToken', 'store.clientSecret', 'settings.pollIntervalSec', 'settings.backfillDays'];
      // The token and client secret are typed again; nothing secret is written back into the page.
      const { ['store.accessToken']: _t, ['store.clientSecret']: _s, _csrf: _c, ...kept } = form;
      const storeErrors = fieldErrors(err, known);
      render(res, 'connect-choose', {
        ...page(auth), type: 'bigquery', values: { pollIntervalSec: '900', webhooks: 'on' }, errors: {}, store: { ...STORE_DEFAULTS, ...kept }, storeErrors,
      }, (err as HttpError).status);
    }
  }));
  return r;

  function page(auth: { authorizationId: string; businesses: unknown[] }) {
    return { title: 'Choose businesses and a destination', auth, forms: DESTINATION_FORMS };
  }
}

const STORE_DEFAULTS: Record<string, unknown> = { pollIntervalSec: '300', backfillDays: '30' };

/**
 * A refusal's messages by form field (`businessIds.0` is `businessIds`'s); one the form has no field
 * for, or a refusal that names none (409: store already connected), goes at the top. Other errors pass on.
 */
function fieldErrors(err: unknown, known: string[]): Record<string, string> {
  if (!(err instanceof HttpError) || (err.status !== 400 && err.status !== 409)) throw err;
  const errors: Record<string, string> = {};
  const details = (err.details ?? []) as { field: string; message: string }[];
  if (details.length === 0) errors.form = err.message;
  for (const e of details) {
    const field = e.field.replace(/\.\d+$/, '');
    const key = known.includes(field) ? field : 'form';
    errors[key] ??= key === 'form' && e.field ? `${e.field}: ${e.message}` : e.message;
  }
  return errors;
}
