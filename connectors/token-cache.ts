/**
 * One cached access token, shared by the providers whose grants hand out hour-long tokens and no refresh
 * token (Google service-account JWT, Azure AD client credentials): renew shortly before expiry, one
 * request for any number of concurrent callers, and keep serving the old token while a renewal that
 * failed for a passing reason leaves it some life.
 */
export interface CachedToken {
  value: string;
  expiresAtMs: number;
  renewAtMs: number;
}

/** The old token is not handed out in its last seconds: a request may take that long to arrive. */
const LAST_USABLE_MS = 10_000;

export class TokenCache {
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<CachedToken>,
    private readonly now: () => number,
    /** Whether a failed renewal may fall back to the still-valid old token (not for refused secrets). */
    private readonly mayKeepOldToken: (err: unknown) => boolean = () => true,
  ) {}

  async get(): Promise<string> {
    const now = this.now();
    const current = this.cached;
    if (current && now < current.renewAtMs) return current.value;
    try {
      return (await this.renew()).value;
    } catch (err) {
      if (current && this.mayKeepOldToken(err) && now < current.expiresAtMs - LAST_USABLE_MS) return current.value;
      throw err;
    }
  }

  /**
   * Drops the cached token after an API refused it. With `staleToken`, only that token is dropped:
   * concurrent requests that all failed on it must not throw away the new one a sibling just fetched.
   */
  invalidate(staleToken?: string): void {
    if (staleToken === undefined || this.cached?.value === staleToken) this.cached = undefined;
  }

  private renew(): Promise<CachedToken> {
    this.inflight ??= this.fetchToken()
      .then((token) => (this.cached = token))
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
