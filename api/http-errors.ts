import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { FreshBooksApiError, FreshBooksInvalidGrantError, FreshBooksNetworkError, FreshBooksRateLimitedError } from '../connectors/freshbooks';

import { HttpError } from '../services/http-error';
import { isPostgresUnreachable } from '../db/unreachable';
import { isTemporalUnreachable } from '../temporal/workflow-starts';

export { HttpError };

/** The body of every refusal, 4xx and 5xx alike: what the OpenAPI document states and what errorHandler writes. */
export const errorBody = z.object({
  error: z.string(),
  /** One entry per offending field, for a 400 from a zod schema. */
  details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** Deeper than any request of ours nests; walking deeper is work an attacker chose for us. */
const MAX_DEPTH = 32;

/** Postgres refuses NUL in text and in jsonb, so a string (or key) holding one is refused here, as a 400. */
function unfitJson(v: unknown, depth: number): string | undefined {
  if (typeof v === 'string') return v.includes('\u0000') ? 'strings must not contain NUL characters' : undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  if (depth >= MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
  for (const [k, item] of Object.entries(v)) {
    const unfit = unfitJson(k, depth) ?? unfitJson(item, depth + 1);
    if (unfit) return unfit;
  }
  return undefined;
}

/** Validates a body against a zod schema; a 400 names every offending field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const unfit = unfitJson(body ?? {}, 0);
  if (unfit) throw new HttpError(400, 'invalid request', [{ field: '', message: unfit }]);
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new HttpError(400, 'invalid request', parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
  }
  return parsed.data;
}

export const asyncRoute = (fn: RequestHandler): RequestHandler => (req, res, next) => {
  Promise.resolve(fn(req, res, next)).catch(next);
};

/** What body-parser's and the router's own errors (http-errors, with a `type`) say, in words of ours:
 * their messages echo the request (a charset, a param), so none is passed on. */
const CLIENT_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'malformed body',
  'entity.too.large': 'body too large',
  'entity.verify.failed': 'malformed body',
  'encoding.unsupported': 'unsupported Content-Encoding',
  'charset.unsupported': 'the body must be UTF-8',
  'parameters.too.many': 'too many form parameters',
  'request.aborted': 'request aborted',
  'request.size.invalid': 'body shorter or longer than its Content-Length',
};

/**
 * A request error raised by body-parser or the router keeps its 4xx (a broken gzip body is 400, not
 * ours to 500). Only theirs: http-errors marks them `expose`, the router's bad-param decode is a
 * URIError; our connectors' errors also carry a `status`, but that is the upstream's answer, not ours.
 */
function clientError(err: unknown): { status: number; message: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { status?: unknown; statusCode?: unknown; type?: unknown; expose?: unknown };
  if (e.expose !== true && !(err instanceof URIError)) return undefined;
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  if (status === 413) return { status, message: 'body too large' };
  return { status, message: (typeof e.type === 'string' && CLIENT_ERRORS[e.type]) || (status === 400 ? 'malformed request' : 'request refused') };
}

/** Unexpected errors answer 500 with no detail: messages can carry upstream bodies. */
export function errorHandler(log: { error: (o: object, m: string) => void }): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const refuse = (status: number, body: ErrorBody) => { res.status(status).json(body); };
    if (err instanceof HttpError) {
      refuse(err.status, { error: err.message, ...(err.details ? { details: err.details } : {}) });
      return;
    }
    const refused = clientError(err);
    if (refused) {
      refuse(refused.status, { error: refused.message });
      return;
    }
    // Upstream failures say which system failed; our connector errors carry no secrets by construction.
    if (err instanceof FreshBooksInvalidGrantError) {
      refuse(400, { error: 'FreshBooks rejected the authorization code (expired or already used); start the authorization again' });
      return;
    }
    if (err instanceof FreshBooksApiError || err instanceof FreshBooksNetworkError || err instanceof FreshBooksRateLimitedError) {
      refuse(502, { error: `FreshBooks request failed: ${(err as Error).message}` });
      return;
    }
    // A dependency out of reach is not our bug: 503, naming it, so a sender retries (FreshBooks does) and an operator knows where to look.
    if (isPostgresUnreachable(err)) {
      refuse(503, { error: 'Postgres unreachable' });
      return;
    }
    if (isTemporalUnreachable(err)) {
      refuse(503, { error: 'Temporal unreachable' });
      return;
    }
    log.error({ err: { name: (err as Error)?.name } }, 'unhandled API error');
    refuse(500, { error: 'internal error' });
  };
}
