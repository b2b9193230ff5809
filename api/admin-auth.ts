import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The admin token, compared in constant time (hashing first makes the lengths equal). `presented`
 * says where a request carries it: normally the Authorization header.
 */
export function requireAdmin(adminToken: string, presented: (req: Request) => string = fromHeader): RequestHandler {
  const expected = digest(adminToken);
  return (req, res, next) => {
    const token = presented(req);
    if (token && timingSafeEqual(digest(token), expected)) return next();
    res.status(401).json({ error: 'admin token required' });
  };
}

function fromHeader(req: Request): string {
  const header = req.get('authorization') ?? '';
  return header.startsWith('Bearer ') ? header.slice(7) : (req.get('x-admin-token') ?? '');
}
