import type { RequestHandler } from 'express';
import type { ErrorBody } from '../http-errors';
import type { Operation } from './registry';

/**
 * A known path asked with a method none of its operations has: 405 with `Allow`, not the 404 of a path
 * that does not exist (RFC 9110 §15.5.6). Mounted after every route, so it only sees requests no route
 * took; the operations say which methods each path has.
 */
export function methodNotAllowed(operations: readonly Operation[]): RequestHandler {
  const paths = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const op of operations) {
    // Express matches paths case-insensitively and with or without a trailing slash; so does this.
    const source = `^${op.path.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))).join('/')}/?$`;
    const entry = paths.get(op.path) ?? { pattern: new RegExp(source, 'i'), methods: new Set<string>() };
    entry.methods.add(op.method.toUpperCase());
    paths.set(op.path, entry);
  }
  return (req, res, next) => {
    const allowed = new Set<string>();
    for (const { pattern, methods } of paths.values()) if (pattern.test(req.path)) methods.forEach((m) => allowed.add(m));
    if (allowed.size === 0 || allowed.has(req.method) || (req.method === 'HEAD' && allowed.has('GET'))) return next();
    if (allowed.has('GET')) allowed.add('HEAD');
    res.set('Allow', [...allowed].sort().join(', '));
    res.status(405).json({ error: `${req.method} is not allowed here` } satisfies ErrorBody);
  };
}
