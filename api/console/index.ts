import { dirname, join } from 'node:path';
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../../common/logger';
import { HttpError } from '../http-errors';
import { connectPages } from './connect-pages';
import type { ConsoleDeps } from './deps';
import { connectionPages } from './connection-pages';
import { orderPages } from './order-pages';
import { render } from './render';
import { clearSessionCookie, ConsoleSessions, sessionCookie, setSessionCookie, type ConsoleSession } from './session';

/** Third-party browser code, served from the installed packages (no CDN at run time). */
const ASSETS: Record<string, string> = {
  'htmx.js': join(dirname(require.resolve('htmx.org/package.json')), 'dist', 'htmx.min.js'),
  // chart.js exports no package.json; its main entry sits in dist/ beside the browser build.
  'chart.js': join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  'console.js': join(__dirname, 'assets', 'console.js'),
  'console.css': join(__dirname, 'assets', 'console.css'),
};

/** Where a login may send the browser back to: our own console pages only, never another site. */
const LOCAL_NEXT = /^\/console\/[A-Za-z0-9_/-]{0,200}$/;

/**
 * The operator console, mounted at /console: server-rendered pages (eta) that htmx refreshes and
 * posts to. It calls the same services as the JSON API. Every page but the login needs a session;
 * every state-changing request needs the session's CSRF token too (the cookie is SameSite=Strict as well).
 */
export function consoleRoutes(d: ConsoleDeps): Router {
  const r = Router();
  const sessions = new ConsoleSessions(d.config.adminToken, d.config.console.sessionTtlSec);
  const csp = [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
    "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
    // The connect and re-authorize forms answer with a redirect to FreshBooks' authorization page.
    `form-action 'self' ${new URL(d.config.freshbooks.authBase).origin}`,
  ].join('; ');
  r.use((_req, res, next) => {
    res.set({ 'content-security-policy': csp, 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin', 'cache-control': 'no-store' });
    next();
  });
  r.use(express.urlencoded({ extended: false, limit: '128kb', parameterLimit: 200 }));

  r.get('/assets/:name', (req, res, next) => {
    const file = ASSETS[String(req.params.name)];
    if (!file) return next(new HttpError(404, 'not found'));
    res.set('cache-control', 'public, max-age=3600');
    res.sendFile(file);
  });

  r.get('/login', (req, res) => {
    const next = typeof req.query.next === 'string' && LOCAL_NEXT.test(req.query.next) ? req.query.next : '';
    render(res, 'login', { title: 'Sign in', next, expired: req.query.expired === '1' });
  });

  r.post('/login', sameOrigin(new URL(d.config.publicUrl).origin), (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    const next = typeof req.body?.next === 'string' && LOCAL_NEXT.test(req.body.next) ? req.body.next : '/console/connections';
    if (!sessions.isAdminToken(token, d.config.adminToken)) {
      d.logger.warn({ ip: req.ip }, 'console login refused');
      render(res, 'login', { title: 'Sign in', next: next === '/console/connections' ? '' : next, error: 'That is not the admin token.' }, 401);
      return;
    }
    const { cookie } = sessions.issue();
    setSessionCookie(req, res, cookie, d.config.console.sessionTtlSec, d.config.publicUrl);
    res.redirect(303, next);
  });

  // Everything below needs a live session.
  r.use((req, res, next) => {
    const session = sessions.verify(sessionCookie(req));
    if (!session) return toLogin(req, res);
    res.locals.csrf = session.csrfToken;
    res.locals.session = session;
    next();
  });
  // And a state-changing request, the session's CSRF token (form field or htmx header).
  r.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const session = res.locals.session as ConsoleSession;
    const given = req.get('x-csrf-token') ?? (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined);
    next(sessions.checkCsrf(session, given) ? undefined : new HttpError(403, 'the form is stale or came from another site; reload the page'));
  });

  r.post('/logout', (_req, res) => {
    clearSessionCookie(res);
    res.redirect(303, '/console/login');
  });
  r.get('/', (_req, res) => { res.redirect(303, '/console/connections'); });
  r.use(connectionPages(d));
  r.use(connectPages(d));
  r.use(orderPages(d));
  r.use((_req, _res, next) => next(new HttpError(404, 'no such page')));
  r.use(consoleErrors(d.logger));
  return r;
}

/** htmx requests are told to go to the login page (HX-Redirect); plain navigations are redirected there. */
function toLogin(req: Request, res: Response): void {
  if (req.get('hx-request')) {
    // A refresh's own URL is a fragment: after signing in, the person starts from the list.
    res.status(401).set('hx-redirect', '/console/login?expired=1').type('text').send('session expired');
    return;
  }
  const next = req.method === 'GET' && LOCAL_NEXT.test(req.originalUrl) ? `&next=${encodeURIComponent(req.originalUrl)}` : '';
  res.redirect(303, `/console/login?expired=1${next}`);
}

/**
 * A login post from another site is refused even before the token is compared (login CSRF). Behind a
 * TLS-terminating proxy the request arrives as http, so the public URL's origin counts as ours too.
 */
const sameOrigin = (publicOrigin: string): RequestHandler => (req, _res, next) => {
  const origin = req.get('origin');
  const ours = origin === undefined || origin === publicOrigin || origin === `${req.protocol}://${req.get('host')}`;
  next(ours ? undefined : new HttpError(403, 'cross-site request refused'));
};

/** Errors as a page (or, for htmx, a fragment it swaps into the flash area), never a stack or an upstream body. */
function consoleErrors(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let message = 'Something went wrong on our side; the error was logged.';
    let details: { field: string; message: string }[] = [];
    if (err instanceof HttpError) {
      status = err.status;
      message = err.message;
      details = (err.details ?? []) as { field: string; message: string }[];
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500 && (err.expose === true || err instanceof URIError)) {
      status = err.status;
      message = status === 413 ? 'That was too large.' : 'The request was malformed.';
    } else {
      logger.error({ err: { name: (err as Error)?.name } }, 'unhandled console error');
    }
    if (res.headersSent) return;
    if (req.get('hx-request')) {
      render(res, 'partials/flash', { ok: false, message, details }, status);
      return;
    }
    render(res, 'error', { title: 'Error', status, message, details }, status);
  };
}
