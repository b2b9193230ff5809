/**
 * What stands in front of every `/stores/{store_hash}/…` request, in order: request accounting and the
 * onRequest hook, the X-Auth-Token check (Bearer is not accepted: quirk 1), injected faults, then the store
 * quota with its `X-Rate-Limit-*` headers.
 */
import type { NextFunction, Request, Response } from 'express';
import { apiError, MESSAGES, type ApiVersion, type ErrorReply } from './errors';
import type { BigCommerceSandboxState } from './state';

export function send(res: Response, reply: ErrorReply | { status: number; body?: unknown }): void {
  res.status(reply.status);
  // v2 lists answer an empty page with 204 and no body at all (quirk 3).
  if (reply.body === undefined) res.end();
  else res.json(reply.body);
}

export function versionOf(subPath: string): ApiVersion {
  return subPath.startsWith('/v2/') ? 'v2' : 'v3';
}

/** `/v2/orders/123/products` → `/v2/orders/{id}/products`, for per-route counters. */
function routeName(method: string, subPath: string): string {
  return `${method} ${subPath.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
}

export function storeGate(state: BigCommerceSandboxState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const hash = String(req.params.storeHash);
    const sub = req.path;
    const version = versionOf(sub);
    state.onRequest?.({ method: req.method, path: `${req.baseUrl}${sub}`, storeHash: hash, query: req.query as Record<string, unknown> });
    const route = routeName(req.method, sub);
    res.on('finish', () => state.recordRequest(route, res.statusCode));

    const account = state.account(hash, req.get('x-auth-token') ?? undefined);
    if (!account) return send(res, apiError(version, 401, MESSAGES[401]!));
    res.locals.clientId = account.clientId;
    const store = state.store(hash);

    const fault = state.takeFault(sub);
    if (fault) {
      if (fault.status === 429) {
        res.set(store.quota.peek(state.now()));
        res.set('X-Rate-Limit-Requests-Left', '0');
        if (fault.retryAfterMs !== undefined) res.set('X-Retry-After', String(Math.ceil(fault.retryAfterMs / 1000)));
      } else if (fault.status === 503 && fault.retryAfterMs !== undefined) {
        res.set('Retry-After', String(Math.ceil(fault.retryAfterMs / 1000)));
      }
      return send(res, apiError(version, fault.status, MESSAGES[fault.status] ?? 'Sandbox injected fault.'));
    }

    const quota = store.quota.take(state.now());
    res.set(quota.headers);
    if (!quota.allowed) return send(res, apiError(version, 429, MESSAGES[429]!));
    const delay = state.latencyFor(sub);
    if (delay > 0) setTimeout(next, delay);
    else next();
  };
}
