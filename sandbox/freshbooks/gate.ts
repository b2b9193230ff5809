/**
 * What stands in front of every API request, in the order a real edge applies it: request accounting,
 * injected faults, bearer-token check, account access, then the optional per-account rate limit.
 */
import type { NextFunction, Request, Response } from 'express';
import { accountingErrorBody, eventsErrorBody, OAUTH_TEXT, oauthErrorBody, rpcErrorBody } from './errors';
import type { SandboxState } from './state';

export type ApiFamily = 'accounting' | 'auth' | 'events';

/** Count every request under its path, with the status it finally got (0 = connection dropped). */
export function recordRequests(state: SandboxState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path.startsWith('/_sandbox')) return next();
    let recorded = false;
    const record = (status: number) => {
      if (recorded) return;
      recorded = true;
      state.stats.record(req.method, req.path, status, Date.now());
    };
    res.on('finish', () => record(res.statusCode));
    res.on('close', () => record(res.writableFinished ? res.statusCode : 0));
    next();
  };
}

function unauthorized(res: Response, family: ApiFamily, check: 'missing' | 'invalid' | 'expired'): void {
  res.status(401);
  if (family === 'events') {
    res.json(eventsErrorBody(401, 'invalid_token: The request token failed to authenticate or validate.'));
    return;
  }
  if (check === 'missing') {
    res.json(oauthErrorBody('unauthenticated', OAUTH_TEXT.unauthenticated));
    return;
  }
  res.set('WWW-Authenticate', 'Bearer realm="FreshBooks", error="invalid_token"');
  res.json(oauthErrorBody('invalid_token', OAUTH_TEXT.invalid_token));
}

function rateLimited(res: Response, retryAfterSec: number | null, httpDate: boolean, nowMs: number): void {
  if (retryAfterSec !== null) {
    res.set('Retry-After', httpDate ? new Date(nowMs + retryAfterSec * 1000).toUTCString() : String(retryAfterSec));
  }
  // FreshBooks documents no 429 body; this one is in the accounting shape so parsers have something to read.
  res.status(429).json(accountingErrorBody({ errno: 429, message: 'Too many requests. Please slow down.' }));
}

/**
 * Runs the gate; returns true when the request may proceed. `accountId` is checked for membership when given.
 */
export function passGate(state: SandboxState, req: Request, res: Response, family: ApiFamily, accountId?: string): boolean {
  const fault = state.faults.next(req.path);
  if (fault) {
    switch (fault.kind) {
      case 'drop':
        req.socket.destroy();
        return false;
      case 'rateLimit':
        rateLimited(res, fault.retryAfterSec, fault.httpDate, Date.now());
        return false;
      case 'status5xx':
        res.status(fault.status).type('html').send(`<html><body><h1>${fault.status} Service Unavailable</h1></body></html>`);
        return false;
      case 'errorIn200':
        res.status(200).json(rpcErrorBody({ errno: fault.errno, message: 'Injected error.', httpStatus: 404 }));
        return false;
    }
  }

  const check = state.tokens.checkAccess(req.get('authorization'));
  if (check !== 'ok') {
    unauthorized(res, family, check);
    return false;
  }

  if (accountId !== undefined) {
    if (!state.accountIds().includes(accountId)) {
      const body =
        family === 'events'
          ? eventsErrorBody(403, 'You do not have access to this account.')
          : accountingErrorBody({ errno: 1003, message: 'The server could not verify that you are authorized to access the URL requested.', object: 'account', value: accountId });
      res.status(403).json(body);
      return false;
    }
    const wait = state.faults.overAccountLimit(accountId, Date.now());
    if (wait !== undefined) {
      rateLimited(res, wait, false, Date.now());
      return false;
    }
  }
  return true;
}
