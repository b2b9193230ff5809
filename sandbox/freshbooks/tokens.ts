/**
 * The sandbox authorization server (reference/freshbooks.md §1): single-use codes that expire after 5 min,
 * access tokens with a configurable lifetime (12 h by default), and refresh tokens that never expire but
 * die the moment they are used, each refresh handing out a new one (§9.3).
 */
import { randomBytes } from 'node:crypto';
import type { SandboxClock } from './clock';
import { OAUTH_TEXT } from './errors';

export const ALL_SCOPES = [
  'user:profile:read',
  'user:clients:read', 'user:clients:write',
  'user:invoices:read', 'user:invoices:write',
  'user:payments:read', 'user:expenses:read', 'user:bills:read', 'user:bill_vendors:read',
  'user:billable_items:read', 'user:journal_entries:read', 'user:business:read',
].join(' ');

const CODE_TTL_MS = 5 * 60_000;

interface CodeRec {
  clientId: string;
  redirectUri: string;
  scope: string;
  expiresAtMs: number;
  used: boolean;
}

interface AccessRec {
  expiresAtMs: number;
  revoked: boolean;
}

export interface TokenReply {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
  created_at: number;
}

export interface OAuthFailure {
  status: number;
  error: keyof typeof OAUTH_TEXT;
}

export type AccessCheck = 'ok' | 'missing' | 'invalid' | 'expired';

export interface TokenStoreOptions {
  clientId: string;
  clientSecret: string;
  accessTokenTtlSec: number;
}

function secret(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('hex')}`;
}

export class TokenStore {
  private readonly codes = new Map<string, CodeRec>();
  private readonly access = new Map<string, AccessRec>();
  /** refresh token → scope, for live tokens only: using one deletes it. */
  private readonly refreshTokens = new Map<string, string>();
  constructor(
    private readonly clock: SandboxClock,
    readonly opts: TokenStoreOptions,
    private readonly stats: { refreshes: number; codeExchanges: number; failedGrants: number },
  ) {}

  get validRefreshTokenCount(): number {
    return this.refreshTokens.size;
  }

  get validAccessTokenCount(): number {
    const now = this.clock.nowMs();
    let n = 0;
    for (const a of this.access.values()) if (!a.revoked && a.expiresAtMs > now) n++;
    return n;
  }

  issueCode(clientId: string, redirectUri: string, scope: string | undefined): string {
    const code = secret('code_');
    this.codes.set(code, { clientId, redirectUri, scope: scope?.trim() || ALL_SCOPES, expiresAtMs: this.clock.nowMs() + CODE_TTL_MS, used: false });
    return code;
  }

  /** A fresh token pair without the redirect dance, for tests and the demo. */
  issuePair(scope: string = ALL_SCOPES): TokenReply {
    const accessToken = secret('at_');
    const refreshToken = secret('rt_');
    const nowMs = this.clock.nowMs();
    const ttl = this.opts.accessTokenTtlSec;
    this.access.set(accessToken, { expiresAtMs: nowMs + ttl * 1000, revoked: false });
    this.refreshTokens.set(refreshToken, scope);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, refresh_token: refreshToken, scope, created_at: Math.floor(nowMs / 1000) };
  }

  /** POST /auth/oauth/token: both grants. Returns the reply, or the OAuth error to send. */
  grant(body: Record<string, unknown>): TokenReply | OAuthFailure {
    const s = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    const grantType = s('grant_type');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      return grantType ? { status: 400, error: 'unsupported_grant_type' } : { status: 400, error: 'invalid_request' };
    }
    if (s('client_id') !== this.opts.clientId || s('client_secret') !== this.opts.clientSecret) return { status: 401, error: 'invalid_client' };

    if (grantType === 'authorization_code') {
      const code = s('code');
      const rec = code ? this.codes.get(code) : undefined;
      if (!code || !s('redirect_uri')) return this.fail({ status: 400, error: 'invalid_request' });
      if (!rec || rec.used || rec.expiresAtMs <= this.clock.nowMs() || rec.clientId !== s('client_id') || rec.redirectUri !== s('redirect_uri')) {
        if (rec) rec.used = true;
        return this.fail({ status: 400, error: 'invalid_grant' });
      }
      rec.used = true;
      this.stats.codeExchanges++;
      return this.issuePair(rec.scope);
    }

    const refreshToken = s('refresh_token');
    if (!refreshToken) return this.fail({ status: 400, error: 'invalid_request' });
    const scope = this.refreshTokens.get(refreshToken);
    if (scope === undefined) return this.fail({ status: 400, error: 'invalid_grant' });
    this.refreshTokens.delete(refreshToken);
    this.stats.refreshes++;
    return this.issuePair(scope);
  }

  checkAccess(header: string | undefined): AccessCheck {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return 'missing';
    const rec = this.access.get(m[1]!);
    if (!rec) return 'invalid';
    if (rec.revoked || rec.expiresAtMs <= this.clock.nowMs()) return 'expired';
    return 'ok';
  }

  /** Fault injection: every access token issued so far stops working (refresh tokens stay valid). */
  expireAccessTokens(): number {
    let n = 0;
    for (const a of this.access.values()) {
      if (!a.revoked) n++;
      a.revoked = true;
    }
    return n;
  }

  /** Revoke a token of either kind (POST /auth/oauth/revoke). */
  revoke(token: string): void {
    this.refreshTokens.delete(token);
    const a = this.access.get(token);
    if (a) a.revoked = true;
  }

  private fail(f: OAuthFailure): OAuthFailure {
    this.stats.failedGrants++;
    return f;
  }
}
