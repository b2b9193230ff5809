import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Bearer admin token, compared in constant time (hashing first makes the lengths equal). */
export function requireAdmin(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : (req.get('x-admin-token') ?? '');
    if (presented && timingSafeEqual(digest(presented), expected)) return next();
    res.status(401).json({ error: 'admin token required' });
  };
}
