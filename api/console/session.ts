import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * The console's login: a cookie holding a random session id and an absolute expiry, signed with a key
 * derived from the admin token. The token itself never leaves the login form; changing it ends every
 * session (their signatures no longer verify). Stateless, so any API replica accepts any session.
 */
export const SESSION_COOKIE = 'mlc_session';

export interface ConsoleSession {
  id: string;
  expiresAt: number;
  /** Per session: forms and htmx requests carry it; state-changing requests without it are refused. */
  csrfToken: string;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const sameBytes = (a: string, b: string) => {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
};

export class ConsoleSessions {
  private readonly key: Buffer;

  constructor(adminToken: string, private readonly ttlSec: number, private readonly now: () => number = Date.now) {
    // A key of its own (not the token): a leaked cookie signature says nothing about the token.
    this.key = createHmac('sha256', adminToken).update('ml-connector console session v1').digest();
  }

  /** Constant-time check of a token typed into the login form. */
  isAdminToken(given: string, adminToken: string): boolean {
    return given.length > 0 && sameBytes(given, adminToken);
  }

  issue(): { cookie: string; session: ConsoleSession } {
    const id = b64(randomBytes(18));
    const expiresAt = this.now() + this.ttlSec * 1000;
    const body = b64(JSON.stringify({ id, exp: expiresAt }));
    return { cookie: `${body}.${this.sign(body)}`, session: this.session(id, expiresAt) };
  }

  /** The session a cookie value names, or undefined when it is malformed, forged or expired. */
  verify(cookie: string | undefined): ConsoleSession | undefined {
    if (!cookie || cookie.length > 512) return undefined;
    const dot = cookie.indexOf('.');
    if (dot < 0) return undefined;
    const body = cookie.slice(0, dot);
    if (!sameBytes(cookie.slice(dot + 1), this.sign(body))) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const { id, exp } = (parsed ?? {}) as { id?: unknown; exp?: unknown };
    if (typeof id !== 'string' || typeof exp !== 'number' || exp <= this.now()) return undefined;
    return this.session(id, exp);
  }

  checkCsrf(session: ConsoleSession, given: unknown): boolean {
    return typeof given === 'string' && sameBytes(given, session.csrfToken);
  }

  private session(id: string, expiresAt: number): ConsoleSession {
    return { id, expiresAt, csrfToken: b64(createHmac('sha256', this.key).update(`csrf:${id}`).digest()) };
  }

  private sign(body: string): string {
    return b64(createHmac('sha256', this.key).update(body).digest());
  }
}

/** The one cookie the console reads, from the raw header (no other cookie matters to us). */
export function sessionCookie(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setSessionCookie(req: Request, res: Response, value: string, ttlSec: number, publicUrl: string): void {
  res.cookie(SESSION_COOKIE, value, {
    httpOnly: true, sameSite: 'strict', path: '/', maxAge: ttlSec * 1000,
    secure: req.secure || publicUrl.startsWith('https:'),
  });
}

export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/' });
}
