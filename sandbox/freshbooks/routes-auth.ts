/**
 * auth.freshbooks.com and the auth part of api.freshbooks.com: authorize (auto-approved by the one sandbox
 * user), token (JSON, form or multipart bodies, §1), revoke, and /users/me.
 */
import express, { type Request, type Response, Router } from 'express';
import { OAUTH_TEXT, oauthErrorBody } from './errors';
import { passGate } from './gate';
import { meResponse } from './identity';
import type { SandboxState } from './state';

/** `-F` style bodies: enough of RFC 7578 for text fields. */
function parseMultipart(raw: Buffer, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const out: Record<string, string> = {};
  if (!boundary) return out;
  const marker = `--${boundary[1] ?? boundary[2]}`;
  for (const part of raw.toString('utf8').split(marker)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const name = /name="([^"]*)"/i.exec(part.slice(0, split));
    if (name) out[name[1]!] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return out;
}

function tokenBody(req: Request): Record<string, unknown> {
  if (Buffer.isBuffer(req.body)) return parseMultipart(req.body, req.get('content-type') ?? '');
  return typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
}

/** FreshBooks wants HTTPS redirect URIs with no query string; the sandbox also allows http on loopback. */
function redirectUriProblem(raw: string | undefined): string | undefined {
  if (!raw) return 'redirect_uri is required';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'redirect_uri is not a URL';
  }
  if (url.search || url.hash) return 'redirect_uri must not have a query string';
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return 'redirect_uri must be https';
  return undefined;
}

export function authRoutes(state: SandboxState): Router {
  const r = Router();
  const bodies = [
    express.json(),
    express.urlencoded({ extended: false }),
    express.raw({ type: 'multipart/form-data', limit: '64kb' }),
  ];

  r.get('/oauth/authorize', (req: Request, res: Response) => {
    const q = (k: string) => (typeof req.query[k] === 'string' ? (req.query[k] as string) : undefined);
    if (q('client_id') !== state.tokens.opts.clientId) {
      res.status(400).json(oauthErrorBody('invalid_client', OAUTH_TEXT.invalid_client));
      return;
    }
    const redirectUri = q('redirect_uri');
    const problem = redirectUriProblem(redirectUri);
    if (problem) {
      res.status(400).json(oauthErrorBody('invalid_request', problem));
      return;
    }
    const target = new URL(redirectUri!);
    if (q('response_type') !== 'code') {
      target.searchParams.set('error', 'unsupported_response_type');
    } else {
      target.searchParams.set('code', state.tokens.issueCode(q('client_id')!, redirectUri!, q('scope')));
    }
    const st = q('state');
    if (st !== undefined) target.searchParams.set('state', st);
    res.redirect(302, target.toString());
  });

  r.post('/auth/oauth/token', ...bodies, (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const outcome = state.tokens.grant(tokenBody(req));
    if ('error' in outcome) {
      res.status(outcome.status).json(oauthErrorBody(outcome.error, OAUTH_TEXT[outcome.error]));
      return;
    }
    res.status(200).json(outcome);
  });

  r.post('/auth/oauth/revoke', ...bodies, (req: Request, res: Response) => {
    const body = tokenBody(req);
    if (body.client_id !== state.tokens.opts.clientId || body.client_secret !== state.tokens.opts.clientSecret) {
      res.status(401).json(oauthErrorBody('invalid_client', OAUTH_TEXT.invalid_client));
      return;
    }
    if (typeof body.token === 'string') state.tokens.revoke(body.token);
    res.status(200).json({});
  });

  r.get('/auth/api/v1/users/me', (req: Request, res: Response) => {
    if (!passGate(state, req, res, 'auth')) return;
    res.json(meResponse(state.user, state.memberships));
  });

  return r;
}
