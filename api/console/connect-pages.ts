import { Router } from 'express';
import { createConnectionsInput } from '../../services/connections';
import { asyncRoute, HttpError, parseBody } from '../http-errors';
import { connectBody, DESTINATION_FORMS, isDestinationType, keptValues } from './connect-form';
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
    render(res, 'connect-choose', { title: 'Choose businesses and a destination', auth, forms: DESTINATION_FORMS, type: 'bigquery', values: { pollIntervalSec: '900', webhooks: 'on' }, errors: {} });
  }));

  r.post('/connect/authorizations/:id', asyncRoute(async (req, res) => {
    const auth = await d.authorizations.get(String(req.params.id));
    const form = (req.body ?? {}) as Record<string, unknown>;
    const type = isDestinationType(form.destinationType) ? form.destinationType : 'bigquery';
    try {
      const ids = await d.service.createConnections(parseBody(createConnectionsInput, connectBody(auth.authorizationId, form)));
      const target = ids.length === 1 ? `/console/connections/${ids[0]}` : '/console/connections';
      if (req.get('hx-request')) res.set('hx-redirect', target).status(201).end();
      else res.redirect(303, target);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 400) throw err;
      // Each message goes beside its field; one the form has no field for goes at the top.
      const known = new Set(['businessIds', 'destination.type', 'settings.pollIntervalSec', ...DESTINATION_FORMS[type].fields.map((f) => `destination.${f.name}`)]);
      const errors: Record<string, string> = {};
      for (const e of (err.details ?? []) as { field: string; message: string }[]) {
        const field = e.field.replace(/\.\d+$/, '');
        const key = known.has(field) ? field : 'form';
        errors[key] ??= key === 'form' && e.field ? `${e.field}: ${e.message}` : e.message;
      }
      render(res, 'connect-choose', { title: 'Choose businesses and a destination', auth, forms: DESTINATION_FORMS, type, values: keptValues(form, type), errors }, 400);
    }
  }));
  return r;
}
