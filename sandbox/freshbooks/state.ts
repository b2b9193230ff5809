/**
 * Everything a sandbox holds, behind one object: the HTTP routes use it, and tests call the same methods
 * directly (`state.create(...)`, `state.injectFaults(...)`) instead of going through `/_sandbox/`.
 */
import { FRESHBOOKS_ENTITIES, type CoreFreshBooksEntity as FreshBooksEntity } from '../../common/freshbooks-entities';
import { SandboxClock } from './clock';
import { FaultState, RequestStats, type FaultPlan } from './faults';
import { extraMemberships, SANDBOX_MEMBERSHIPS, SANDBOX_USER, type Membership, type SandboxUser } from './identity';
import type { VisState } from './model';
import { TaxTable } from './money';
import { CREDIT_NOTE_SPEC } from './credit-notes';
import type { LedgerEntity, LedgerTotals } from './ledger';
import { LedgerStore, type LedgerListResult } from './ledger-store';
import { InvoiceNumbering } from './numbering';
import { Prng } from './prng';
import { halfCounts, resolveCounts, seedAccount, type SeedCounts, type SeedScale } from './seed';
import { SandboxStore, type ListResult, type VisStateOptions } from './store';
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
  /**
   * How long (ms) an invoice create without `invoice_number` over the API takes to commit; another such create
   * on the same account arriving meanwhile gets HTTP 409 (§3.1, numbering.ts). 0 (default): never overlap.
   */
  invoiceNumberRaceWindowMs?: number;
  /**
   * More businesses the user owns besides the two seeded ones (identity.ts extraMemberships), each seeded
   * with `scale` (default: a tenth of the default business). The first two stay exactly as without them.
   */
  extraBusinesses?: { count: number; scale?: SeedScale };
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
  /** Record writes (create/update/delete, API or control), not counting records touched as a side effect. */
  writes: number;
  /** Writes by webhook-style event name, e.g. `invoice.create`, `credit_note.update`. */
  writesByEvent: Record<string, number>;
  /** Invoice creates without a number answered 409 (forced or overlapping). */
  invoiceNumberConflicts: number;
}

export interface ListPageRequest {
  accountId: string;
  entity: FreshBooksEntity | LedgerEntity;
  page: number;
  params: URLSearchParams;
}

export type ListPageHook = (request: ListPageRequest) => void;

export const DEFAULT_CLIENT_ID = 'sandbox-client-id';
export const DEFAULT_CLIENT_SECRET = 'sandbox-client-secret';

export class SandboxState {
  readonly clock: SandboxClock;
  readonly store: SandboxStore;
  readonly tokens: TokenStore;
  readonly faults: FaultState;
  readonly stats = new RequestStats();
  readonly webhooks: WebhookHub;
  readonly invoiceNumbering: InvoiceNumbering;
  readonly user: SandboxUser = SANDBOX_USER;
  readonly memberships: readonly Membership[];
  readonly counts: { primary: SeedCounts; secondary: SeedCounts };
  /** Journal entry details, other income, services, projects and time entries (ledger.ts). */
  readonly ledger: LedgerStore;
  private readonly listPageHooks = new Set<ListPageHook>();

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
    this.invoiceNumbering = new InvoiceNumbering(opts.invoiceNumberRaceWindowMs ?? 0);

    this.memberships = [...SANDBOX_MEMBERSHIPS, ...extraMemberships(opts.extraBusinesses?.count ?? 0)];
    const primary = resolveCounts(opts.scale);
    const extra = resolveCounts(opts.extraBusinesses?.scale ?? 0.1);
    this.counts = { primary, secondary: halfCounts(primary) };
    const rng = new Prng(opts.seed ?? 1);
    const anchorMs = this.clock.nowMs();
    this.accountingMemberships().forEach((m, i) => {
      const account = seedAccount(m.business, i === 0 ? primary : i === 1 ? this.counts.secondary : extra, { rng, taxes, anchorMs });
      this.store.accounts.set(m.business.accountId, account);
    });
    // After the core seed, on streams of their own: the core records stay what they always were.
    this.ledger = new LedgerStore(
      (accountId) => this.store.account(accountId), (accountId) => this.store.creditNotes(accountId).rows,
      this.clock, taxes, opts.seed ?? 1, this.user.identityId,
    );
    for (const accountId of this.accountIds()) this.ledger.seedAccount(accountId, anchorMs);

    this.webhooks = new WebhookHub(
      () => this.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      { identityId: this.user.identityId, userId: 1 },
      (accountId) => this.store.accounts.get(accountId)?.business.businessId,
    );
    this.store.onChange((c) => {
      const noun = c.entity === 'credit_notes' ? CREDIT_NOTE_SPEC.webhookNoun : FRESHBOOKS_ENTITIES[c.entity].webhookNoun;
      if (!c.secondary) this.stats.recordWrite(`${noun ?? c.entity}.${c.action}`);
      this.webhooks.onChange(c, noun);
    });
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

  delete(accountId: string, entity: FreshBooksEntity, id: number, opts: VisStateOptions = {}): Json {
    return this.store.delete(accountId, entity, id, opts);
  }

  purge(accountId: string, entity: FreshBooksEntity, id: number): Json {
    return this.store.purge(accountId, entity, id);
  }

  archive(accountId: string, entity: FreshBooksEntity, id: number, opts: VisStateOptions = {}): Json {
    return this.store.archive(accountId, entity, id, opts);
  }

  restore(accountId: string, entity: FreshBooksEntity, id: number, opts: VisStateOptions = {}): Json {
    return this.store.restore(accountId, entity, id, opts);
  }

  setVisState(accountId: string, entity: FreshBooksEntity, id: number, vis: VisState, opts: VisStateOptions = {}): Json {
    return this.store.setVisState(accountId, entity, id, vis, opts);
  }

  /**
   * `hook` runs before the API serves each list page (the control API's own `list` is not a request), so a
   * test can change the account between two page reads of one pass. Returns the function that removes it.
   */
  onListPage(hook: ListPageHook): () => void {
    this.listPageHooks.add(hook);
    return () => { this.listPageHooks.delete(hook); };
  }

  /** Called by the list route. */
  listPageRequested(request: ListPageRequest): void {
    for (const hook of [...this.listPageHooks]) hook(request);
  }

  /**
   * An invoice create as the FreshBooks API does it: without `invoice_number` it may collide with a concurrent
   * numberless create (HTTP 409, numbering.ts); with one it never does. The control API's `create` never collides.
   */
  async createInvoiceViaApi(accountId: string, fields: Json): Promise<Json> {
    this.store.account(accountId);
    this.store.checkRequired('invoices', fields);
    const num = fields.invoice_number;
    if (num !== undefined && num !== null && num !== '') return this.store.create(accountId, 'invoices', fields);
    return this.invoiceNumbering.run(accountId, () => this.store.create(accountId, 'invoices', fields));
  }

  /** The next `n` invoice creates without `invoice_number` over the API answer 409 (then retries succeed). */
  injectInvoiceNumberConflicts(n: number): void {
    this.invoiceNumbering.forced = Math.max(0, Math.floor(n));
  }

  /** Change the overlap window of numberless invoice creates (see `invoiceNumberRaceWindowMs`). */
  setInvoiceNumberRaceWindow(ms: number): void {
    this.invoiceNumbering.raceWindowMs = Math.max(0, ms);
  }

  // ---- ledger and time tracking (ledger-store.ts) ------------------------------------------------------

  listLedger(accountId: string, entity: LedgerEntity, params: URLSearchParams | Record<string, string> = {}): LedgerListResult {
    return this.ledger.list(accountId, entity, params instanceof URLSearchParams ? params : new URLSearchParams(params));
  }

  /** Ground truth of the ledger and time-tracking records (posts the journal if nothing has read it yet). */
  ledgerTotals(accountId: string): LedgerTotals {
    return this.ledger.totals(accountId);
  }

  listCreditNotes(accountId: string, params: URLSearchParams | Record<string, string> = {}): ListResult {
    return this.store.listCreditNotes(accountId, params instanceof URLSearchParams ? params : new URLSearchParams(params));
  }

  getCreditNote(accountId: string, id: number, includeLines = true): Json | undefined {
    return this.store.getCreditNote(accountId, id, includeLines);
  }

  createCreditNote(accountId: string, fields: Json): Json {
    return this.store.createCreditNote(accountId, fields);
  }

  updateCreditNote(accountId: string, id: number, fields: Json): Json {
    return this.store.updateCreditNote(accountId, id, fields);
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
    if (plan.invoiceNumberConflicts !== undefined) this.injectInvoiceNumberConflicts(plan.invoiceNumberConflicts);
    if (plan.invoiceNumberRaceWindowMs !== undefined) this.setInvoiceNumberRaceWindow(plan.invoiceNumberRaceWindowMs);
    this.faults.apply(plan);
  }

  /** Clears injected faults, forced invoice-number conflicts, and resets the race window to its option value. */
  clearFaults(): void {
    this.faults.clear();
    this.invoiceNumbering.reset();
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
      writes: this.stats.writes,
      writesByEvent: Object.fromEntries(this.stats.writesByEvent),
      invoiceNumberConflicts: this.invoiceNumbering.conflicts,
    };
  }

  resetStats(): void {
    this.stats.reset();
    this.invoiceNumbering.conflicts = 0;
  }
}
