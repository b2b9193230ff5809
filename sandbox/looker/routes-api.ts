/**
 * Looker API 4.0 as the sandbox serves it (destinations.md D1–D2): form-body login, token-or-Bearer
 * auth, datagroups list and trigger, logout. Bodies are checked against the published schemas; the
 * semantic rule Looker adds ("cannot be in the future") is checked against Looker's own clock.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { checkBody } from './schema';
import type { LookerRoute, LookerSandboxState } from './state';

const DOCS = 'https://cloud.google.com/looker/docs/';

function error(res: Response, status: number, message: string, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(status).json({ message, documentation_url: DOCS });
}

function validationError(res: Response, errors: { field: string; code: string; message: string }[]): void {
  res.status(422).json({ message: 'Validation Failed', errors: errors.map((e) => ({ ...e, documentation_url: DOCS })), documentation_url: DOCS });
}

export function apiRoutes(state: LookerSandboxState): Router {
  const r = Router();

  const fault = (route: LookerRoute) => (_req: Request, res: Response, next: NextFunction) => {
    const f = state.takeFault(route);
    if (!f) return next();
    const headers: Record<string, string> = f.retryAfterSec !== undefined ? { 'retry-after': String(f.retryAfterSec) } : {};
    error(res, f.status, f.status === 429 ? 'Too Many Requests' : 'Service Unavailable', headers);
  };

  const authed = (req: Request, res: Response, next: NextFunction) => {
    // The spec documents `token <t>`; the official SDK sends `Bearer <t>` (wave2-hands-on.md): accept both.
    const m = /^(token|bearer)\s+(\S+)$/i.exec(req.header('authorization') ?? '');
    if (!m || !state.tokenValid(m[2]!)) {
      state.stats.unauthorized++;
      return error(res, 401, 'Requires authentication.');
    }
    res.locals.token = m[2];
    next();
  };

  r.post('/login', fault('login'), express.urlencoded({ extended: false, limit: '16kb' }), (req: Request, res: Response) => {
    if (req.query.client_id !== undefined || req.query.client_secret !== undefined) {
      // Deprecated by Looker before the end of 2026; a client that still does it leaks the secret into access logs.
      state.stats.queryCredentials++;
      return error(res, 400, 'Pass client_id and client_secret in the form body, not the query string.');
    }
    const form = (req.is('application/x-www-form-urlencoded') ? req.body : {}) as Record<string, unknown>;
    const clientId = typeof form.client_id === 'string' ? form.client_id : '';
    const clientSecret = typeof form.client_secret === 'string' ? form.client_secret : '';
    state.stats.logins++;
    const token = clientId && clientSecret ? state.login(clientId, clientSecret) : undefined;
    if (!token) {
      // What a Looker instance answers to unknown API credentials.
      state.stats.loginRejections++;
      return error(res, 404, 'Not found');
    }
    res.json({ access_token: token, token_type: 'Bearer', expires_in: state.tokenTtlSec, refresh_token: null });
  });

  r.delete('/logout', fault('logout'), authed, (_req: Request, res: Response) => {
    state.logout(String(res.locals.token));
    res.status(204).end();
  });

  r.get('/datagroups', fault('datagroups'), authed, (_req: Request, res: Response) => {
    res.json(state.datagroups());
  });

  r.patch('/datagroups/:id', fault('patch'), authed, express.json({ limit: '64kb', strict: false, type: () => true }), async (req: Request, res: Response) => {
    state.stats.patches++;
    const group = state.datagroup(String(req.params.id));
    if (!group) {
      state.stats.rejectedPatches++;
      return error(res, 404, 'Not found');
    }
    const body = req.body as Record<string, unknown>;
    // The spec's Datagroup schema lists properties without `type: object`, so an array would pass it.
    const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
    const schemaErrors = isObject ? checkBody('Datagroup', body) : [{ field: '(body)', code: 'invalid', message: 'must be a JSON object' }];
    const nowSec = Math.floor(state.lookerNowMs() / 1000);
    const timeErrors = (['triggered_at', 'stale_before'] as const).flatMap((field) => {
      const v = isObject ? body[field] : undefined;
      if (typeof v !== 'number' || v <= nowSec) return [];
      // A value past year 5000 in seconds is a millisecond timestamp: say so, it is the usual mistake (D4-3).
      const message = v > 100_000_000_000 ? 'Cannot be in the future (the value looks like milliseconds; Looker takes seconds)' : 'Cannot be in the future';
      return [{ field, code: 'invalid', message }];
    });
    const errors = [...schemaErrors, ...timeErrors];
    if (errors.length > 0) {
      state.stats.rejectedPatches++;
      return validationError(res, errors);
    }
    const triggeredAt = typeof body.triggered_at === 'number' ? body.triggered_at : undefined;
    const staleBefore = typeof body.stale_before === 'number' ? body.stale_before : undefined;
    if (triggeredAt !== undefined) group.triggered_at = triggeredAt;
    if (staleBefore !== undefined) group.stale_before = staleBefore;
    const trigger = {
      datagroupId: group.id, model: group.model_name, name: group.name, receivedAtMs: state.receivedAt(),
      ...(triggeredAt !== undefined ? { triggeredAt } : {}), ...(staleBefore !== undefined ? { staleBefore } : {}),
    };
    state.triggers.push(trigger);
    try {
      await state.onTrigger?.(trigger);
    } catch {
      // An observer's failure is the observer's business; Looker still accepted the trigger.
    }
    res.json(group);
  });

  // A body the JSON parser could not read is a 400 in Looker's error shape, not express's HTML page.
  r.use((err: Error & { status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    error(res, err.status && err.status < 500 ? err.status : 400, 'Bad Request');
  });
  return r;
}
