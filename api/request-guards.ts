import type { Request, RequestHandler } from 'express';
import { HttpError } from './http-errors';

/**
 * Checks every request gets before a handler (or Postgres, which refuses NUL in text) sees it. Each
 * answers 4xx: a malformed request is the caller's fault, never an internal error.
 */

/** No path segment, query key or value of ours holds a control character, NUL included. */
const CONTROL = /[\u0000-\u001f\u007f]/;

function decodes(part: string, plusIsSpace: boolean): boolean {
  try {
    return !CONTROL.test(decodeURIComponent(plusIsSpace ? part.replace(/\+/g, ' ') : part));
  } catch {
    // Malformed or overlong percent-encoding (`%`, `%zz`, `%c0%af`) or a lone surrogate.
    return false;
  }
}

/** Percent-encoding that decodes to UTF-8 without control characters, in the path and in the query. */
export const wellFormedUrl: RequestHandler = (req, _res, next) => {
  const url = req.url;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (!path.split('/').every((s) => decodes(s, false))) return next(new HttpError(400, 'malformed path'));
  if (!query.split(/[&=]/).every((s) => decodes(s, true))) return next(new HttpError(400, 'malformed query string'));
  next();
};

export const CONNECTION_ID = /^conn_[A-Za-z0-9_-]{1,64}$/;
export const AUTHORIZATION_ID = /^auth_[A-Za-z0-9_-]{1,64}$/;
/** FreshBooks record ids as the ledger keys them (the redeliver body's grammar too). */
/** ASCII spelt out (the same as JS `\w` without the u flag) so every regex dialect reading the OpenAPI
 * document means the same: Python's `\w` is Unicode. */
export const RECORD_ID = /^[A-Za-z0-9_]{1,64}$/;

/** A canonical positive integer: `7`, not `07`, `1e3`, `0x10`, ` 7` or 2^63. */
export function positiveId(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,15}$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Refuses a route parameter outside its grammar before the handler looks anything up. */
export function paramMatching(name: string, valid: RegExp | ((raw: string) => boolean)): RequestHandler {
  const test = typeof valid === 'function' ? valid : (raw: string) => valid.test(raw);
  return (req, _res, next) => {
    const raw = req.params[name];
    next(typeof raw === 'string' && test(raw) ? undefined : new HttpError(400, `malformed :${name}`));
  };
}

/** Compressions body-parser can undo; anything else it cannot read. */
const ENCODINGS = new Set(['identity', 'gzip', 'deflate', 'br']);

const hasBody = (req: Request) => req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;

/**
 * A route's body, if there is one, is of its one media type, in UTF-8, and compressed (if at all) in
 * a way we can undo; otherwise 415 before it is read. Bodiless requests pass: an empty POST is fine.
 */
export function bodyOfType(type: string): RequestHandler {
  return (req, _res, next) => {
    if (!hasBody(req)) return next();
    if (!req.is(type)) return next(new HttpError(415, `expected an ${type} body`));
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.get('content-type') ?? '')?.[1];
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') return next(new HttpError(415, 'the body must be UTF-8'));
    if (!ENCODINGS.has((req.get('content-encoding') ?? 'identity').trim().toLowerCase())) return next(new HttpError(415, 'unsupported Content-Encoding'));
    next();
  };
}
