import { Router, type Response } from 'express';
import { z } from 'zod';
import type { AuthorizationService } from '../../services/authorizations';
import { asyncRoute, HttpError } from '../http-errors';
import { defineOperation, errors, reply } from '../openapi/registry';
import { authorizationView } from './connections';

const STATE = /^[A-Za-z0-9_-]{16,128}$/;
const CODE = /^[\x21-\x7e]{1,512}$/;

const callbackQuery = z.object({
  code: z.string().regex(CODE).optional().describe('the authorization code FreshBooks issued'),
  state: z.string().regex(STATE).optional().describe('ours, from POST /api/freshbooks/authorizations'),
  error: z.string().optional().describe('set by FreshBooks when the user declined'),
});

export const freshbooksOAuthOperations = {
  callback: defineOperation({
    access: 'public', tag: 'oauth', operationId: 'freshbooksOAuthCallback', method: 'get', path: '/oauth/freshbooks/callback', query: callbackQuery,
    summary: 'The redirect target registered with FreshBooks: exchanges the code and lists the businesses the user can connect',
    responses: {
      200: {
        description: 'authorized: the businesses to choose from, or the connections re-authorized',
        schema: authorizationView.extend({ reauthorized: z.array(z.string()), next: z.string() }),
      },
      303: { description: 'a browser (it prefers HTML) goes on to the console page listing the businesses' },
      ...errors(400, 404, 502),
    },
  }),
};

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
    reply(res, freshbooksOAuthOperations.callback, 200, {
      ...result,
      next: result.reauthorized.length > 0
        ? 'connections re-authorized and syncing again'
        : `POST /api/connections with {"authorizationId":"${result.authorizationId}","businessIds":[…],"destination":{…}}`,
    });
  }));
  return r;
}
