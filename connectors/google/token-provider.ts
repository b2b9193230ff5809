/**
 * OAuth 2.0 JWT-bearer flow for service accounts (destinations.md A1): sign an RS256 assertion,
 * exchange it for an access token, cache it, and re-sign shortly before expiry. Google issues no
 * refresh token for this grant, so "refresh" always means a fresh assertion.
 */
import type { KeyObject } from 'node:crypto';
import { request } from 'undici';
import { retryDelayMs, DEFAULT_BACKOFF, parseRetryAfterMs, sleep, type BackoffPolicy } from './backoff';
import { signRs256Jwt } from './jwt';
import { loadPrivateKey, type ServiceAccountKey } from './service-account-key';
import { redactSecrets } from './redact';
import { TokenCache, type CachedToken } from '../token-cache';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google rejects assertions whose exp − iat exceeds one hour (A9-2). */
const ASSERTION_LIFETIME_SEC = 3600;

export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
  /** Drop the cached token (e.g. after a 401) so the next call exchanges a new assertion. */
  invalidate?(): void;
}

export interface ServiceAccountTokenProviderOptions {
  key: ServiceAccountKey;
  /**
   * Deliberately not taken from key.token_uri: a key file must not be able to redirect our
   * signed assertions to an arbitrary host. Configuration points this at the sandbox in tests.
   */
  tokenUrl?: string;
  scope?: string;
  /** Clock in epoch milliseconds (injectable for tests). */
  now?: () => number;
  /** Renew this long before expiry so in-flight requests never carry a token about to die. */
  renewBeforeMs?: number;
  timeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
}

export class TokenExchangeError extends Error {
  override readonly name = 'TokenExchangeError';
  constructor(
    message: string,
    /** HTTP status, or undefined for network failures. */
    readonly status: number | undefined,
    /** OAuth error code such as invalid_grant, when the server sent one. */
    readonly oauthError: string | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}


export class ServiceAccountTokenProvider implements AccessTokenSource {
  private readonly key: ServiceAccountKey;
  private readonly privateKey: KeyObject;
  private readonly tokenUrl: string;
  private readonly scope: string;
  private readonly now: () => number;
  private readonly renewBeforeMs: number;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly cache: TokenCache;
  private exchanges = 0;

  constructor(opts: ServiceAccountTokenProviderOptions) {
    this.key = opts.key;
    this.privateKey = loadPrivateKey(opts.key);
    this.tokenUrl = opts.tokenUrl ?? GOOGLE_TOKEN_URL;
    this.scope = opts.scope ?? BIGQUERY_SCOPE;
    this.now = opts.now ?? Date.now;
    this.renewBeforeMs = opts.renewBeforeMs ?? 5 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.backoff = { ...DEFAULT_BACKOFF, maxAttempts: 4, ...opts.backoff };
    this.cache = new TokenCache(() => this.exchangeWithRetry(), this.now);
  }

  /** How many assertions have been sent to the token endpoint, retries included (for metrics and tests). */
  get exchangeCount(): number {
    return this.exchanges;
  }

  /** A failed early renewal is not fatal while the old token still has life left. */
  getAccessToken(): Promise<string> {
    return this.cache.get();
  }

  invalidate(): void {
    this.cache.invalidate();
  }

  private async exchangeWithRetry(): Promise<CachedToken> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.exchangeOnce();
      } catch (err) {
        const retryAfterMs = (err as { retryAfterMs?: number }).retryAfterMs;
        if (!(err instanceof TokenExchangeError) || !err.retryable || attempt + 1 >= this.backoff.maxAttempts) throw err;
        await sleep(retryDelayMs(attempt, this.backoff, retryAfterMs));
      }
    }
  }

  private async exchangeOnce(): Promise<CachedToken> {
    const issuedAtMs = this.now();
    const iat = Math.floor(issuedAtMs / 1000);
    const assertion = signRs256Jwt(
      { iss: this.key.client_email, scope: this.scope, aud: this.tokenUrl, iat, exp: iat + ASSERTION_LIFETIME_SEC },
      this.privateKey,
      this.key.private_key_id,
    );
    const body = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString();
    this.exchanges++;

    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const res = await request(this.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = res.statusCode;
      headers = res.headers;
      text = await res.body.text();
    } catch (err) {
      // undici messages name the failure (ECONNREFUSED…), never the request body holding the assertion.
      const code = (err as { code?: string }).code ?? (err as Error).name;
      throw new TokenExchangeError(`Google token exchange failed: network error (${code})`, undefined, undefined, true);
    }

    const parsed = safeJson(text);
    if (status < 200 || status > 299) {
      const oauthError = typeof parsed?.error === 'string' ? parsed.error : undefined;
      const description = typeof parsed?.error_description === 'string' ? parsed.error_description : undefined;
      const detail = [oauthError, description].filter(Boolean).join(': ') || 'no error details';
      const error = new TokenExchangeError(
        redactSecrets(`Google token exchange failed: HTTP ${status} ${detail}`).slice(0, 500),
        status,
        oauthError,
        status === 429 || status >= 500,
      );
      Object.assign(error, { retryAfterMs: parseRetryAfterMs(headers['retry-after']) });
      throw error;
    }

    const accessToken = parsed?.access_token;
    const expiresIn = Number(parsed?.expires_in ?? ASSERTION_LIFETIME_SEC);
    const tokenType = parsed?.token_type;
    if (typeof accessToken !== 'string' || accessToken === '' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new TokenExchangeError('Google token exchange returned no usable access_token/expires_in', status, undefined, false);
    }
    if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer') {
      throw new TokenExchangeError(`Google token exchange returned token_type "${tokenType.slice(0, 20)}", expected Bearer`, status, undefined, false);
    }
    const lifetimeMs = expiresIn * 1000;
    // With short-lived tokens (sandbox, tests) a fixed 5-minute margin would renew on every call.
    const margin = Math.min(this.renewBeforeMs, lifetimeMs / 2);
    return { value: accessToken, expiresAtMs: issuedAtMs + lifetimeMs, renewAtMs: issuedAtMs + lifetimeMs - margin };
  }
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
