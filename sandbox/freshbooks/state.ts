/**
 * Everything a sandbox holds, behind one object: the HTTP routes use it, and tests call the same methods
 * directly (`state.create(...)`, `state.injectFaults(...)`) instead of going through `/_sandbox/`.
 */
import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import { SandboxClock } from './clock';
import { FaultState, RequestStats, type FaultPlan } from './faults';
import { SANDBOX_MEMBERSHIPS, SANDBOX_USER, type Membership, type SandboxUser } from './identity';
import type { VisState } from './model';
import { TaxTable } from './money';
import { Prng } from './prng';
import { halfCounts, resolveCounts, seedAccount, type SeedCounts, type SeedScale } from './seed';
import { SandboxStore, type ListResult } from './store';
import { TokenStore, type TokenReply } from './tokens';
import { accountTotals, type AccountTotals } from './totals';
import { WebhookHub } from './webhooks';

type Json = Record<string, unknown>;

export interface FreshBooksSandboxOptions {
  seed?: number;
  scale?: SeedScale;
  accessTokenTtlSec?: number;
  clientId?: string;
  clientSecret?: string;
  now?: () => Date;
  /** Per-account requests/second before the sandbox answers 429; off by default. */
  rateLimitPerSec?: number;
}

export interface SandboxStatsSnapshot {
  requests: number;
  requestsByPath: Record<string, number>;
  requestsByStatus: Record<string, number>;
  rateLimited: number;
  serverErrors: number;
  unauthorized: number;
  refreshes: number;
  codeExchanges: number;
  failedGrants: number;
  validRefreshTokens: number;
  validAccessTokens: number;
  webhookDeliveries: number;
}

export const DEFAULT_CLIENT_ID = 'sandbox-client-id';
export const DEFAULT_CLIENT_SECRET = 'sandbox-client-secret';

export class SandboxState {
  readonly clock: SandboxClock;
  readonly store: SandboxStore;
  readonly tokens: TokenStore;
  readonly faults: FaultState;
  readonly stats = new RequestStats();
  readonly webhooks: WebhookHub;
  readonly user: SandboxUser = SANDBOX_USER;
  readonly memberships: readonly Membership[] = SANDBOX_MEMBERSHIPS;
  readonly counts: { primary: SeedCounts; secondary: SeedCounts };

  constructor(opts: FreshBooksSandboxOptions = {}) {
    this.clock = new SandboxClock(opts.now);
    const taxes = new TaxTable([]);
    this.store = new SandboxStore(this.clock, taxes);
    this.tokens = new TokenStore(this.clock, {
      clientId: opts.clientId ?? DEFAULT_CLIENT_ID,
      clientSecret: opts.clientSecret ?? DEFAULT_CLIENT_SECRET,
      accessTokenTtlSec: opts.accessTokenTtlSec ?? 12 * 3600,
    }, this.stats);
    this.stats.countValidRefreshTokens = () => this.tokens.validRefreshTokenCount;
    this.faults = new FaultState(opts.rateLimitPerSec ?? null);

    const primary = resolveCounts(opts.scale);
    this.counts = { primary, secondary: halfCounts(primary) };
    const rng = new Prng(opts.seed ?? 1);
    const anchorMs = this.clock.nowMs();
    this.accountingMemberships().forEach((m, i) => {
      const account = seedAccount(m.business, i === 0 ? primary : this.counts.secondary, { rng, taxes, anchorMs });
      this.store.accounts.set(m.business.accountId, account);
    });

    this.webhooks = new WebhookHub(
      () => this.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      { identityId: this.user.identityId, userId: 1 },
      (accountId) => this.store.accounts.get(accountId)?.business.businessId,
    );
    this.store.onChange((c) => this.webhooks.onChange(c, FRESHBOOKS_ENTITIES[c.entity].webhookNoun));
  }

  /** Memberships whose accounting data the user may read (not `client`). */
  accountingMemberships(): Membership[] {
    return this.memberships.filter((m) => m.role !== 'client');
  }

  accountIds(): string[] {
    return this.accountingMemberships().map((m) => m.business.accountId);
  }

  // ---- records ------------------------------------------------------------------------------------------

  list(accountId: string, entity: FreshBooksEntity, params: URLSearchParams | Record<string, string> = {}): ListResult {
    return this.store.list(accountId, entity, params instanceof URLSearchParams ? params : new URLSearchParams(params));
  }

  get(accountId: string, entity: FreshBooksEntity, id: number, includeLines = true): Json | undefined {
    return this.store.get(accountId, entity, id, new Set(includeLines ? ['lines'] : []));
  }

  create(accountId: string, entity: FreshBooksEntity, fields: Json): Json {
    return this.store.create(accountId, entity, fields);
  }

  update(accountId: string, entity: FreshBooksEntity, id: number, fields: Json): Json {
    return this.store.update(accountId, entity, id, fields);
  }

  delete(accountId: string, entity: FreshBooksEntity, id: number): Json {
    return this.store.delete(accountId, entity, id);
  }

  archive(accountId: string, entity: FreshBooksEntity, id: number): Json {
    return this.store.archive(accountId, entity, id);
  }

  restore(accountId: string, entity: FreshBooksEntity, id: number): Json {
    return this.store.restore(accountId, entity, id);
  }

  setVisState(accountId: string, entity: FreshBooksEntity, id: number, vis: VisState): Json {
    return this.store.setVisState(accountId, entity, id, vis);
  }

  totals(accountId: string): AccountTotals {
    return accountTotals(this.store.account(accountId), this.store.taxes);
  }

  // ---- clock, tokens, faults ----------------------------------------------------------------------------

  /** Pin the clock at `iso` (or let it run from there); null returns to real time. */
  setClock(iso: string | null, opts: { running?: boolean } = {}): Date {
    this.clock.set(iso, opts.running ?? false);
    return this.clock.now();
  }

  advanceClock(seconds: number): Date {
    this.clock.advance(seconds);
    return this.clock.now();
  }

  issueTokens(): TokenReply {
    return this.tokens.issuePair();
  }

  expireAccessTokens(): number {
    return this.tokens.expireAccessTokens();
  }

  injectFaults(plan: FaultPlan): void {
    if (plan.expireAccessTokens) this.tokens.expireAccessTokens();
    this.faults.apply(plan);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  statsSnapshot(): SandboxStatsSnapshot {
    return {
      requests: this.stats.total,
      requestsByPath: Object.fromEntries(this.stats.byPath),
      requestsByStatus: Object.fromEntries([...this.stats.byStatus].map(([k, v]) => [String(k), v])),
      rateLimited: this.stats.rateLimited,
      serverErrors: this.stats.serverErrors,
      unauthorized: this.stats.unauthorized,
      refreshes: this.stats.refreshes,
      codeExchanges: this.stats.codeExchanges,
      failedGrants: this.stats.failedGrants,
      validRefreshTokens: this.tokens.validRefreshTokenCount,
      validAccessTokens: this.tokens.validAccessTokenCount,
      webhookDeliveries: this.webhooks.deliveries.length,
    };
  }

  resetStats(): void {
    this.stats.reset();
  }
}
