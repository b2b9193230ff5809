import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { FreshBooksApiError, FreshBooksInvalidGrantError, FreshBooksNetworkError, FreshBooksRateLimitedError } from '../connectors/freshbooks';

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly details?: unknown) {
    super(message);
  }
}

/** Validates a body against a zod schema; a 400 names every offending field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new HttpError(400, 'invalid request', parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
  }
  return parsed.data;
}

export const asyncRoute = (fn: RequestHandler): RequestHandler => (req, res, next) => {
  Promise.resolve(fn(req, res, next)).catch(next);
};

/** Unexpected errors answer 500 with no detail: messages can carry upstream bodies. */
export function errorHandler(log: { error: (o: object, m: string) => void }): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message, ...(err.details ? { details: err.details } : {}) });
      return;
    }
    if (err && typeof err === 'object' && 'type' in err && (err as { type: string }).type === 'entity.parse.failed') {
      res.status(400).json({ error: 'malformed JSON body' });
      return;
    }
    if (err && typeof err === 'object' && 'type' in err && (err as { type: string }).type === 'entity.too.large') {
      res.status(413).json({ error: 'body too large' });
      return;
    }
    // Upstream failures say which system failed; our connector errors carry no secrets by construction.
    if (err instanceof FreshBooksInvalidGrantError) {
      res.status(400).json({ error: 'FreshBooks rejected the authorization code (expired or already used); start the authorization again' });
      return;
    }
    if (err instanceof FreshBooksApiError || err instanceof FreshBooksNetworkError || err instanceof FreshBooksRateLimitedError) {
      res.status(502).json({ error: `FreshBooks request failed: ${(err as Error).message}` });
      return;
    }
    log.error({ err: { name: (err as Error)?.name } }, 'unhandled API error');
    res.status(500).json({ error: 'internal error' });
  };
}
