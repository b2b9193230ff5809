import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A secret token, compared in constant time (hashing first makes the lengths equal). `presented` says
 * where a request carries it. Runs before any body parser, so a request without it costs no parsing.
 */
export function requireToken(token: string, presented: (req: Request) => string, refusal: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const given = presented(req);
    if (given && timingSafeEqual(digest(given), expected)) return next();
    res.status(401).json({ error: refusal });
  };
}

/** The admin token, normally in the Authorization header. */
export function requireAdmin(adminToken: string): RequestHandler {
  return requireToken(adminToken, fromHeader, 'admin token required');
}

export function bearerToken(req: Request): string {
  const header = req.get('authorization') ?? '';
  return header.startsWith('Bearer ') ? header.slice(7) : '';
}

function fromHeader(req: Request): string {
  return bearerToken(req) || (req.get('x-admin-token') ?? '');
}
