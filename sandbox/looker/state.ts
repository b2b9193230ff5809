/**
 * The Looker sandbox's memory: API keys, issued tokens, datagroups, the triggers it received (with when
 * they arrived), its clock skew, and injectable faults. No data: Looker holds none (destinations.md D4-8).
 */
import { randomBytes } from 'node:crypto';
import { FaultQueue, type CountedFault } from '../kit/faults';

export interface LookerDatagroup {
  id: string;
  model_name: string;
  name: string;
  created_at: number;
  stale_before: number | null;
  triggered_at: number | null;
  trigger_check_at: number | null;
  trigger_error: string | null;
  trigger_value: string | null;
}

/** One accepted PATCH: what was asked and when it arrived by the real clock (epoch ms). */
export interface RecordedTrigger {
  datagroupId: string;
  model: string;
  name: string;
  triggeredAt?: number;
  staleBefore?: number;
  receivedAtMs: number;
}

export type LookerRoute = 'login' | 'logout' | 'datagroups' | 'patch' | 'any';

export interface LookerFault extends CountedFault {
  route: LookerRoute;
  status: 429 | 500 | 502 | 503;
  retryAfterSec?: number;
}

export class LookerSandboxState {
  private readonly apiKeys = new Map<string, string>();
  private readonly tokens = new Map<string, number>();
  private readonly groups = new Map<string, LookerDatagroup>();
  private nextId = 1;
  readonly triggers: RecordedTrigger[] = [];
  readonly faults = new FaultQueue<LookerFault>();
  /** Until when (real epoch ms) every API call answers 503: an outage rather than a counted fault. */
  outageUntilMs = 0;
  /** Added to the real clock to give Looker's own clock ("now" on the Looker host), in ms. */
  skewMs = 0;
  /**
   * Awaited before an accepted trigger is answered: a test can look at the warehouse at the moment
   * Looker would start rebuilding from it.
   */
  onTrigger?: (t: RecordedTrigger) => Promise<void> | void;
  readonly stats = { logins: 0, loginRejections: 0, unauthorized: 0, patches: 0, rejectedPatches: 0, queryCredentials: 0 };

  constructor(private readonly realNow: () => number, readonly tokenTtlSec: number) {}

  /** Looker's clock: the host clock plus the configured skew. */
  lookerNowMs(): number {
    return this.realNow() + this.skewMs;
  }

  receivedAt(): number {
    return this.realNow();
  }

  addApiKey(clientId: string, clientSecret: string): void {
    this.apiKeys.set(clientId, clientSecret);
  }

  login(clientId: string, clientSecret: string): string | undefined {
    if (this.apiKeys.get(clientId) !== clientSecret) return undefined;
    const token = randomBytes(20).toString('base64url');
    this.tokens.set(token, this.realNow() + this.tokenTtlSec * 1000);
    return token;
  }

  tokenValid(token: string): boolean {
    const exp = this.tokens.get(token);
    if (exp === undefined) return false;
    if (exp <= this.realNow()) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }

  logout(token: string): void {
    this.tokens.delete(token);
  }

  /** Ends every token at once, as an admin revoking the key's sessions would (tests of re-login). */
  expireAllTokens(): void {
    this.tokens.clear();
  }

  addDatagroup(model: string, name: string): LookerDatagroup {
    const existing = this.findDatagroup(model, name);
    if (existing) return existing;
    const g: LookerDatagroup = {
      id: String(this.nextId++), model_name: model, name, created_at: Math.floor(this.lookerNowMs() / 1000),
      stale_before: null, triggered_at: null, trigger_check_at: null, trigger_error: null, trigger_value: null,
    };
    this.groups.set(g.id, g);
    return g;
  }

  findDatagroup(model: string, name: string): LookerDatagroup | undefined {
    return [...this.groups.values()].find((g) => g.model_name === model && g.name === name);
  }

  datagroups(): LookerDatagroup[] {
    return [...this.groups.values()];
  }

  datagroup(id: string): LookerDatagroup | undefined {
    return this.groups.get(id);
  }

  /** Faults apply to the route named and to `any`; an outage applies to every route. */
  takeFault(route: LookerRoute): LookerFault | undefined {
    if (this.realNow() < this.outageUntilMs) return { route, status: 503, count: 1 };
    return this.faults.take((f) => f.route === route || f.route === 'any');
  }

  reset(): void {
    this.tokens.clear();
    this.groups.clear();
    this.triggers.length = 0;
    this.faults.clear();
    this.outageUntilMs = 0;
    this.skewMs = 0;
  }
}
