import { Router, type Response } from 'express';
import type { AuthorizationService } from '../../services/authorizations';
import { asyncRoute, HttpError } from '../http-errors';

const STATE = /^[A-Za-z0-9_-]{16,128}$/;
const CODE = /^[\x21-\x7e]{1,512}$/;

/** The redirect target registered with FreshBooks (HTTPS, no query string, in production). */
export function freshbooksOAuthRoutes(authorizations: AuthorizationService, browserLanding?: (res: Response, result: { authorizationId: string; reauthorized: string[] }) => void): Router {
  const r = Router();
  r.get('/callback', asyncRoute(async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    if (typeof req.query.error === 'string') throw new HttpError(400, `FreshBooks authorization was not granted (${req.query.error})`);
    if (!code || !state) throw new HttpError(400, 'code and state are required');
    // Ours are base64url (OAuthStateStore); FreshBooks' codes are short printable tokens. Anything else
    // is refused before it is looked up or sent to FreshBooks.
    if (!STATE.test(state) || !CODE.test(code)) throw new HttpError(400, 'malformed code or state');
    const result = await authorizations.complete(code, state);
    // A person's browser (it asks for HTML first) goes on to the console; API clients get JSON.
    if (browserLanding && req.accepts(['json', 'html']) === 'html') return browserLanding(res, result);
    res.json({
      ...result,
      next: result.reauthorized.length > 0
        ? 'connections re-authorized and syncing again'
        : `POST /api/connections with {"authorizationId":"${result.authorizationId}","businessIds":[…],"destination":{…}}`,
    });
  }));
  return r;
}
