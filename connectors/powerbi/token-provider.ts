/**
 * Azure AD client-credentials tokens for the Power BI REST API (destinations.md B1). There is no refresh
 * token in this grant, so "renewing" means asking again with the secret, shortly before expiry, and once
 * more whenever the API says the token it got is dead.
 */
import { backoffDelay } from '../../common/backoff';
import { PowerBiAuthError, PowerBiUnavailableError, parseAadError, redact } from './errors';
import { HttpNetworkError, headerValue, parseRetryAfterMs, sendHttp, sleep as realSleep, trimBase, type HttpReply } from '../http';
import { TokenCache, type CachedToken } from '../token-cache';

export const POWER_BI_AUTHORITY = 'https://login.microsoftonline.com';
export const POWER_BI_SCOPE = 'https://analysis.windows.net/powerbi/api/.default';

/** What operators most often get wrong, keyed by AADSTS code, appended to the error message. */
const HINTS: Record<number, string> = {
  90002: 'check the tenant id',
  700016: 'check the client (application) id and that the app is registered in this tenant',
  7000215: 'check that the configured secret is the secret VALUE (not its id) and has not expired',
  7000222: 'the client secret has expired; create a new one',
  1002012: 'the scope must be https://analysis.windows.net/powerbi/api/.default',
};

export interface PowerBiTokenProviderOptions {
  /** Defaults to https://login.microsoftonline.com; tests point it at the sandbox. */
  authorityUrl?: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** Renew this long before expiry so a request never leaves with a token about to die. */
  renewBeforeSec?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per token request for 429/5xx/network failures, the first included. */
  maxAttempts?: number;
  retryBaseMs?: number;
  timeoutMs?: number;
}

export class PowerBiTokenProvider {
  private readonly tokenUrl: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly renewBeforeMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly timeoutMs: number;
  // An early renewal that failed transiently is not fatal while the old token still has life left;
  // a refused secret is reported at once, so a broken rotation surfaces before the token dies.
  private readonly cache: TokenCache;
  private requests = 0;

  constructor(private readonly opts: PowerBiTokenProviderOptions) {
    this.tokenUrl = `${trimBase(opts.authorityUrl ?? POWER_BI_AUTHORITY)}/${encodeURIComponent(opts.tenantId)}/oauth2/v2.0/token`;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.renewBeforeMs = (opts.renewBeforeSec ?? 300) * 1000;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.cache = new TokenCache(() => this.requestWithRetry(), this.now, (err) => err instanceof PowerBiUnavailableError);
  }

  /** Token requests sent to Azure AD, retries included (for metrics and tests). */
  get requestCount(): number {
    return this.requests;
  }

  token(): Promise<string> {
    return this.cache.get();
  }

  /** After the API refused a token; with `staleToken`, only if that is still the cached one. */
  invalidate(staleToken?: string): void {
    this.cache.invalidate(staleToken);
  }

  private async requestWithRetry(): Promise<CachedToken> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.requestOnce();
      if ('token' in outcome) return outcome.token;
      if (attempt >= this.maxAttempts) throw outcome.error;
      // A hostile or confused Retry-After must not park a worker for long; a minute is plenty for AAD.
      await this.sleep(Math.min(60_000, Math.max(outcome.retryAfterMs ?? 0, backoffDelay(attempt - 1, { baseMs: this.retryBaseMs, maxMs: 30_000, jitter: 'equal' }))));
    }
  }

  /** One request. Auth refusals throw; transient failures come back so the loop can retry them. */
  private async requestOnce(): Promise<{ token: CachedToken } | { error: PowerBiUnavailableError; retryAfterMs?: number }> {
    const { tenantId, clientId, clientSecret } = this.opts;
    const startedAt = this.now();
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope: this.opts.scope ?? POWER_BI_SCOPE,
    }).toString();
    this.requests++;
    let reply: HttpReply;
    try {
      reply = await sendHttp({
        method: 'POST',
        url: this.tokenUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      if (!(err instanceof HttpNetworkError)) throw err;
      return { error: new PowerBiUnavailableError(`Azure AD token request for app ${clientId} failed: ${err.message}`) };
    }

    const who = `app ${clientId} in tenant ${tenantId}`;
    if (reply.status === 429 || reply.status >= 500) {
      const aad = parseAadError(reply.text);
      const text = redact(`Azure AD token request for ${who} failed: HTTP ${reply.status}${aad.error ? ` ${aad.error}` : ''}`, [clientSecret]);
      const retryAfterMs = parseRetryAfterMs(headerValue(reply.headers, 'retry-after'), this.now());
      return { error: new PowerBiUnavailableError(text, reply.status), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (reply.status < 200 || reply.status > 299) throw this.authError(reply, who);

    let parsed: { access_token?: unknown; expires_in?: unknown; token_type?: unknown } | undefined;
    try {
      parsed = JSON.parse(reply.text) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    const accessToken = parsed?.access_token;
    const expiresInSec = Number(parsed?.expires_in);
    const tokenType = parsed?.token_type;
    if (typeof accessToken !== 'string' || accessToken === '' || !Number.isFinite(expiresInSec) || expiresInSec <= 0) {
      throw new PowerBiAuthError({ status: reply.status, message: `Azure AD answered the token request for ${who} without a usable access_token/expires_in` });
    }
    if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer') {
      throw new PowerBiAuthError({ status: reply.status, message: `Azure AD issued a "${tokenType.slice(0, 20)}" token for ${who}; expected Bearer` });
    }
    const lifetimeMs = expiresInSec * 1000;
    // With short-lived tokens (sandbox, tests) a fixed 5-minute margin would renew on every call.
    const margin = Math.min(this.renewBeforeMs, lifetimeMs / 2);
    return { token: { value: accessToken, expiresAtMs: startedAt + lifetimeMs, renewAtMs: startedAt + lifetimeMs - margin } };
  }

  private authError(reply: HttpReply, who: string): PowerBiAuthError {
    const aad = parseAadError(reply.text);
    const hint = aad.codes.map((c) => HINTS[c]).find(Boolean);
    const detail = [aad.error, aad.description].filter(Boolean).join(' ') || 'no error details';
    const message = `Azure AD refused the Power BI token request for ${who}: HTTP ${reply.status} ${detail}${hint ? ` (${hint})` : ''}`;
    return new PowerBiAuthError({
      status: reply.status,
      message: redact(message, [this.opts.clientSecret]),
      ...(aad.error !== undefined ? { aadError: aad.error } : {}),
      aadCodes: aad.codes,
    });
  }
}
