import { refreshGrant, type RequestBudget, type TokenSource } from '../../connectors/freshbooks';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from '../../sandbox/freshbooks';

/** A TokenSource like production's: holds a pair, refreshes through the real token endpoint, counts calls. */
export class TestTokens implements TokenSource {
  version = 1;
  refreshCalls = 0;
  constructor(
    private apiBase: string,
    public access: string,
    public refresh: string,
    private readonly refreshes = true,
  ) {}
  async accessToken() {
    return { token: this.access, version: this.version };
  }
  async refreshAfterUnauthorized(staleVersion: number) {
    this.refreshCalls++;
    if (!this.refreshes || staleVersion !== this.version) return;
    const t = await refreshGrant({ apiBase: this.apiBase, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, refreshToken: this.refresh, redirectUri: 'https://app.example/cb' });
    this.access = t.accessToken;
    this.refresh = t.refreshToken;
    this.version++;
  }
}

/** A budget that lets everything through and remembers what it was told. */
export class SpyBudget implements RequestBudget {
  acquired = 0;
  released = 0;
  pauses: number[] = [];
  async acquire() {
    this.acquired++;
    return () => { this.released++; };
  }
  pause(_key: string, ms: number) {
    this.pauses.push(ms);
  }
}
