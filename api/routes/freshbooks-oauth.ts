import { Router } from 'express';
import type { ConnectionService } from '../connection-service';
import { asyncRoute, HttpError } from '../http-errors';

/** The redirect target registered with FreshBooks (HTTPS, no query string, in production). */
export function freshbooksOAuthRoutes(service: ConnectionService): Router {
  const r = Router();
  r.get('/callback', asyncRoute(async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    if (typeof req.query.error === 'string') throw new HttpError(400, `FreshBooks authorization was not granted (${req.query.error})`);
    if (!code || !state) throw new HttpError(400, 'code and state are required');
    const result = await service.completeFreshBooksAuthorization(code, state);
    res.json({
      ...result,
      next: result.reauthorized.length > 0
        ? 'connections re-authorized and syncing again'
        : `POST /api/connections with {"authorizationId":"${result.authorizationId}","businessIds":[…],"destination":{…}}`,
    });
  }));
  return r;
}
