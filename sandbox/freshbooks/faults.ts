/**
 * Fault injection and request accounting. Faults are one-shot counters ("the next N API requests get a
 * 429"), optionally limited to paths containing a string, plus an optional per-account rate limit that
 * behaves like a real one. They apply to API calls (accounting, /users/me, events), not to the OAuth token
 * endpoint, so a storm test does not also break refreshes.
 */

export interface RateLimitFault {
  count: number;
  /** Seconds for Retry-After; null sends no header (the client must fall back to its own backoff). */
  retryAfterSec?: number | null;
  /** Send Retry-After as an HTTP date instead of seconds. */
  httpDate?: boolean;
  pathContains?: string;
}

export interface CountFault {
  count: number;
  pathContains?: string;
}

export interface FaultPlan {
  rateLimit?: RateLimitFault;
  status5xx?: CountFault & { status?: number };
  /** HTTP 200 whose body is a google.rpc error (§9.15). */
  errorIn200?: CountFault & { errno?: number };
  /** Close the socket without replying. */
  dropConnection?: CountFault;
  /** Every access token issued so far stops working. */
  expireAccessTokens?: boolean;
  /** Requests per second per account before 429s start; null/0 turns it off. */
  rateLimitPerSec?: number | null;
  /** The next N invoice creates without `invoice_number` answer 409 (handled by SandboxState, numbering.ts). */
  invoiceNumberConflicts?: number;
  /** Overlap window (ms) for numberless invoice creates; 0 turns collisions by overlap off. */
  invoiceNumberRaceWindowMs?: number;
}

export type InjectedFault =
  | { kind: 'rateLimit'; retryAfterSec: number | null; httpDate: boolean }
  | { kind: 'status5xx'; status: number }
  | { kind: 'errorIn200'; errno: number }
  | { kind: 'drop' };

interface Pending<T> {
  remaining: number;
  pathContains?: string;
  detail: T;
}

export class FaultState {
  private rateLimit?: Pending<{ retryAfterSec: number | null; httpDate: boolean }>;
  private status5xx?: Pending<{ status: number }>;
  private errorIn200?: Pending<{ errno: number }>;
  private drop?: Pending<Record<string, never>>;
  rateLimitPerSec: number | null;
  private readonly windows = new Map<string, number[]>();

  constructor(rateLimitPerSec: number | null = null) {
    this.rateLimitPerSec = rateLimitPerSec;
  }

  /** Merge a plan into the current faults (expireAccessTokens is handled by the caller). */
  apply(plan: FaultPlan): void {
    if (plan.rateLimit) {
      this.rateLimit = {
        remaining: plan.rateLimit.count,
        ...(plan.rateLimit.pathContains ? { pathContains: plan.rateLimit.pathContains } : {}),
        detail: { retryAfterSec: plan.rateLimit.retryAfterSec === undefined ? 1 : plan.rateLimit.retryAfterSec, httpDate: plan.rateLimit.httpDate ?? false },
      };
    }
    if (plan.status5xx) {
      this.status5xx = { remaining: plan.status5xx.count, ...(plan.status5xx.pathContains ? { pathContains: plan.status5xx.pathContains } : {}), detail: { status: plan.status5xx.status ?? 503 } };
    }
    if (plan.errorIn200) {
      this.errorIn200 = { remaining: plan.errorIn200.count, ...(plan.errorIn200.pathContains ? { pathContains: plan.errorIn200.pathContains } : {}), detail: { errno: plan.errorIn200.errno ?? 1012 } };
    }
    if (plan.dropConnection) {
      this.drop = { remaining: plan.dropConnection.count, ...(plan.dropConnection.pathContains ? { pathContains: plan.dropConnection.pathContains } : {}), detail: {} };
    }
    if (plan.rateLimitPerSec !== undefined) this.rateLimitPerSec = plan.rateLimitPerSec || null;
  }

  clear(): void {
    this.rateLimit = undefined;
    this.status5xx = undefined;
    this.errorIn200 = undefined;
    this.drop = undefined;
    this.rateLimitPerSec = null;
    this.windows.clear();
  }

  /** The fault this request gets, if any, consuming one from its counter. */
  next(path: string): InjectedFault | undefined {
    const take = <T>(p: Pending<T> | undefined): T | undefined => {
      if (!p || p.remaining <= 0) return undefined;
      if (p.pathContains && !path.includes(p.pathContains)) return undefined;
      p.remaining--;
      return p.detail;
    };
    if (take(this.drop)) return { kind: 'drop' };
    const rl = take(this.rateLimit);
    if (rl) return { kind: 'rateLimit', ...rl };
    const s5 = take(this.status5xx);
    if (s5) return { kind: 'status5xx', ...s5 };
    const e200 = take(this.errorIn200);
    if (e200) return { kind: 'errorIn200', ...e200 };
    return undefined;
  }

  /** Sliding one-second window per account; returns seconds to wait when over the limit. */
  overAccountLimit(accountId: string, nowMs: number): number | undefined {
    if (!this.rateLimitPerSec) return undefined;
    const w = (this.windows.get(accountId) ?? []).filter((t) => t > nowMs - 1000);
    if (w.length >= this.rateLimitPerSec) {
      this.windows.set(accountId, w);
      return 1;
    }
    w.push(nowMs);
    this.windows.set(accountId, w);
    return undefined;
  }
}

export interface RequestLogEntry {
  /** Real time (ms), not the sandbox clock: tests measure client pacing with it. */
  at: number;
  method: string;
  path: string;
  status: number;
}

/** What the sandbox has seen; `refreshes` is what "exactly one refresh" tests assert on. */
export class RequestStats {
  total = 0;
  refreshes = 0;
  codeExchanges = 0;
  failedGrants = 0;
  /** Set by the sandbox so `stats.validRefreshTokens` is always current. */
  countValidRefreshTokens: () => number = () => 0;
  byPath = new Map<string, number>();
  byStatus = new Map<number, number>();
  rateLimited = 0;
  serverErrors = 0;
  unauthorized = 0;
  /** Record writes (primary changes only) and their breakdown by event name. */
  writes = 0;
  readonly writesByEvent = new Map<string, number>();
  readonly log: RequestLogEntry[] = [];

  recordWrite(event: string): void {
    this.writes++;
    this.writesByEvent.set(event, (this.writesByEvent.get(event) ?? 0) + 1);
  }

  record(method: string, path: string, status: number, at: number): void {
    this.total++;
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + 1);
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (status === 429) this.rateLimited++;
    if (status >= 500) this.serverErrors++;
    if (status === 401) this.unauthorized++;
    this.log.push({ at, method, path, status });
    if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
  }

  get validRefreshTokens(): number {
    return this.countValidRefreshTokens();
  }

  reset(): void {
    this.total = 0;
    this.refreshes = 0;
    this.codeExchanges = 0;
    this.failedGrants = 0;
    this.byPath.clear();
    this.byStatus.clear();
    this.rateLimited = 0;
    this.serverErrors = 0;
    this.unauthorized = 0;
    this.writes = 0;
    this.writesByEvent.clear();
    this.log.length = 0;
  }
}
