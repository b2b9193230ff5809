/**
 * Reads and test-control writes of the ledger and time-tracking records (ledger.ts), with FreshBooks' list
 * semantics for each family (reference/freshbooks.md §4):
 * - accounting (journal entry details, other income): `page`/`per_page` (capped at 100), `search[vis_state]`
 *   for other income (deleted hidden by default), `search[updated_min]` whole Eastern days for other income;
 * - project-like (projects, services, time entries): the same paging, bare `updated_since=<ISO UTC>` (≥),
 *   records never hidden by vis_state (a retired service is listed with its flag); deletes of projects and
 *   time entries are hard (PY SDK uses HTTP DELETE), so they simply leave the list.
 */
import { toNaiveSec, type SandboxClock } from './clock';
import type { CreditNoteRec } from './credit-notes';
import { SandboxError } from './errors';
import {
  ledgerTotals,
  postJournal,
  renderJournalLine,
  renderOtherIncome,
  renderProject,
  renderService,
  renderTimeEntry,
  seedLedger,
  type JournalLineRec,
  type LedgerData,
  type LedgerEntity,
  type LedgerTotals,
  type OtherIncomeRec,
  type ProjectRec,
  type ServiceRec,
  type TimeEntryRec,
} from './ledger';
import type { AccountData, VisState } from './model';
import { parseCents, type TaxTable } from './money';
import { parseListQuery } from './query';

type Json = Record<string, unknown>;

export interface LedgerListResult {
  items: Json[];
  page: number;
  pages: number;
  per_page: number;
  total: number;
}

const DAY = 86_400;
const ISO = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z?$/;

export class LedgerStore {
  private readonly data = new Map<string, LedgerData>();

  constructor(
    private readonly account: (accountId: string) => AccountData,
    private readonly creditNotes: (accountId: string) => readonly CreditNoteRec[],
    private readonly clock: SandboxClock,
    private readonly taxes: TaxTable,
    private readonly seed: number,
    private readonly identityId: number,
  ) {}

  /** Seeds an account's records (called once per account at start, after the core seed). */
  seedAccount(accountId: string, anchorMs: number): void {
    this.data.set(accountId, seedLedger(this.account(accountId), this.seed, anchorMs));
  }

  ledger(accountId: string): LedgerData {
    const d = this.data.get(accountId);
    if (!d) throw new SandboxError(404, 1012, 'Account not found.', 'accountid', 'account', accountId);
    return d;
  }

  journal(accountId: string): JournalLineRec[] {
    const d = this.ledger(accountId);
    d.journal ??= postJournal(this.account(accountId), d, this.creditNotes(accountId), this.taxes);
    return d.journal;
  }

  totals(accountId: string): LedgerTotals {
    return ledgerTotals(this.journal(accountId), this.ledger(accountId), this.creditNotes(accountId), this.taxes);
  }

  list(accountId: string, entity: LedgerEntity, params: URLSearchParams): LedgerListResult {
    const account = this.account(accountId);
    const d = this.ledger(accountId);
    const bid = account.business.businessId;
    switch (entity) {
      case 'journal_entry_details':
        return this.page(this.journal(accountId), params, { idField: 'detailid', singleKey: 'journal_entry_detail' }, () => true, (l) => renderJournalLine(l, account));
      case 'other_incomes': {
        const q = parseListQuery({ idField: 'incomeid', singleKey: 'other_income', updatedField: 'updated_at' }, params);
        const keep = (o: OtherIncomeRec) => q.vis.includes(o.vis) && (q.minDay === undefined || o.upd >= q.minDay * DAY) && (q.maxDay === undefined || o.upd < q.maxDay * DAY);
        return this.page(d.otherIncomes, params, { idField: 'incomeid', singleKey: 'other_income', updatedField: 'updated_at' }, keep, renderOtherIncome);
      }
      case 'services':
        return this.page(d.services, params, { idField: 'id', singleKey: 'service' }, sinceFilter(params), (s) => renderService(s, bid));
      case 'projects':
        return this.page(d.projects, params, { idField: 'id', singleKey: 'project' }, sinceFilter(params), (p) => renderProject(p, d, bid));
      case 'time_entries':
        return this.page(d.timeEntries, params, { idField: 'id', singleKey: 'time_entry' }, sinceFilter(params), (t) => renderTimeEntry(t, this.identityId));
    }
  }

  get(accountId: string, entity: LedgerEntity, id: number): Json | undefined {
    const account = this.account(accountId);
    const d = this.ledger(accountId);
    switch (entity) {
      case 'journal_entry_details': {
        const l = this.journal(accountId).find((x) => x.id === id);
        return l && renderJournalLine(l, account);
      }
      case 'other_incomes': {
        const o = d.otherIncomes.find((x) => x.id === id);
        return o && renderOtherIncome(o);
      }
      case 'services': {
        const s = d.services.find((x) => x.id === id);
        return s && renderService(s, account.business.businessId);
      }
      case 'projects': {
        const p = d.projects.find((x) => x.id === id);
        return p && renderProject(p, d, account.business.businessId);
      }
      case 'time_entries': {
        const t = d.timeEntries.find((x) => x.id === id);
        return t && renderTimeEntry(t, this.identityId);
      }
    }
  }

  /** Test control: create a record from API-shaped fields. */
  create(accountId: string, entity: LedgerEntity, f: Json): Json {
    const d = this.ledger(accountId);
    const account = this.account(accountId);
    const utc = this.utcNow();
    switch (entity) {
      case 'journal_entry_details':
        throw new SandboxError(422, 1003, 'Journal entry details are posted by FreshBooks, not created.', 'journal_entry_detail');
      case 'other_incomes': {
        const east = toNaiveSec(this.clock.nowMs(), 'America/New_York');
        const rec: OtherIncomeRec = {
          id: d.next.otherIncome++, vis: 0, cents: 0, cur: account.business.baseCurrency, category: 'other', source: '', paymentType: 'Cash',
          note: '', day: Math.floor(east / DAY), created: east, upd: east, taxes: [],
        };
        patchOtherIncome(rec, f);
        d.otherIncomes.push(rec);
        return renderOtherIncome(rec);
      }
      case 'services': {
        const rec: ServiceRec = { id: d.next.service++, name: String(f.name ?? 'New service'), billable: f.billable !== false, vis: 0, upd: utc };
        d.services.push(rec);
        return renderService(rec, account.business.businessId);
      }
      case 'projects': {
        if (typeof f.title !== 'string' || f.title === '') throw new SandboxError(422, 2001, 'field required', 'title', 'project');
        const rec: ProjectRec = {
          id: d.next.project++, title: f.title, desc: null, client: null, billing: 'business_rate', type: 'hourly_rate', fixed: null, rate: null,
          budget: null, active: true, complete: false, services: [], created: utc, upd: utc,
        };
        patchProject(rec, f, account);
        d.projects.push(rec);
        return renderProject(rec, d, account.business.businessId);
      }
      case 'time_entries': {
        const rec: TimeEntryRec = {
          id: d.next.timeEntry++, project: null, client: null, service: null, started: utc, created: utc, upd: utc, duration: 0, note: '', billable: true, billed: false,
        };
        patchTimeEntry(rec, f, d, account);
        d.timeEntries.push(rec);
        return renderTimeEntry(rec, this.identityId);
      }
    }
  }

  /** Test control: update; modifies the record's modified time like FreshBooks would. */
  update(accountId: string, entity: LedgerEntity, id: number, f: Json): Json {
    const d = this.ledger(accountId);
    const account = this.account(accountId);
    const utc = this.utcNow();
    switch (entity) {
      case 'journal_entry_details':
        throw new SandboxError(422, 1003, 'Journal entry details are posted by FreshBooks, not edited.', 'journal_entry_detail');
      case 'other_incomes': {
        const rec = must(d.otherIncomes.find((x) => x.id === id), entity, id);
        if (f.vis_state !== undefined) rec.vis = visState(f.vis_state);
        else patchOtherIncome(rec, f);
        rec.upd = toNaiveSec(this.clock.nowMs(), 'America/New_York');
        return renderOtherIncome(rec);
      }
      case 'services': {
        const rec = must(d.services.find((x) => x.id === id), entity, id);
        if (f.name !== undefined) rec.name = String(f.name);
        if (f.billable !== undefined) rec.billable = f.billable === true;
        if (f.vis_state !== undefined) rec.vis = visState(f.vis_state);
        rec.upd = utc;
        return renderService(rec, account.business.businessId);
      }
      case 'projects': {
        const rec = must(d.projects.find((x) => x.id === id), entity, id);
        patchProject(rec, f, account);
        rec.upd = utc;
        return renderProject(rec, d, account.business.businessId);
      }
      case 'time_entries': {
        const rec = must(d.timeEntries.find((x) => x.id === id), entity, id);
        patchTimeEntry(rec, f, d, account);
        rec.upd = utc;
        return renderTimeEntry(rec, this.identityId);
      }
    }
  }

  /** Test control: delete. Other income and services are soft (vis_state 1); projects and time entries are removed. */
  delete(accountId: string, entity: LedgerEntity, id: number): Json {
    const d = this.ledger(accountId);
    switch (entity) {
      case 'other_incomes':
      case 'services':
        return this.update(accountId, entity, id, { vis_state: 1 });
      case 'projects': {
        const out = must(this.get(accountId, entity, id), entity, id);
        d.projects = d.projects.filter((p) => p.id !== id);
        return out;
      }
      case 'time_entries': {
        const out = must(this.get(accountId, entity, id), entity, id);
        d.timeEntries = d.timeEntries.filter((t) => t.id !== id);
        return out;
      }
      case 'journal_entry_details':
        throw new SandboxError(422, 1003, 'Journal entry details are posted by FreshBooks, not deleted.', 'journal_entry_detail');
    }
  }

  private utcNow(): number {
    return toNaiveSec(this.clock.nowMs(), 'UTC');
  }

  private page<R>(
    rows: readonly R[],
    params: URLSearchParams,
    spec: { idField: string; singleKey: string; updatedField?: string },
    keep: (r: R) => boolean,
    render: (r: R) => Json,
  ): LedgerListResult {
    const q = parseListQuery(spec, params);
    const matching = rows.filter(keep);
    const start = (q.page - 1) * q.perPage;
    return {
      items: matching.slice(start, start + q.perPage).map(render),
      page: q.page,
      pages: Math.ceil(matching.length / q.perPage),
      per_page: q.perPage,
      total: matching.length,
    };
  }
}

/** Bare `updated_since=<ISO>` (UTC, `Z` optional): records modified at or after it. */
function sinceFilter(params: URLSearchParams): (r: { upd: number }) => boolean {
  const raw = params.get('updated_since');
  if (raw === null) return () => true;
  const m = ISO.exec(raw.trim());
  const ms = m ? Date.parse(`${m[1]}T${m[2]}Z`) : NaN;
  if (Number.isNaN(ms)) throw new SandboxError(400, 2001, 'updated_since must be an ISO date-time', 'updated_since', undefined, raw);
  const sec = ms / 1000;
  return (r) => r.upd >= sec;
}

function must<T>(v: T | undefined, entity: string, id: number): T {
  if (v === undefined) throw new SandboxError(404, 1012, 'Requested resource could not be found.', 'id', entity, String(id));
  return v;
}

function visState(v: unknown): VisState {
  const n = Number(v);
  if (n !== 0 && n !== 1 && n !== 2) throw new SandboxError(422, 1004, 'vis_state must be 0, 1 or 2.', 'vis_state', undefined, String(v));
  return n;
}

function isoToUtcSec(v: unknown, field: string): number {
  const m = typeof v === 'string' ? ISO.exec(v.trim()) : null;
  const ms = m ? Date.parse(`${m[1]}T${m[2]}Z`) : NaN;
  if (Number.isNaN(ms)) throw new SandboxError(422, 2001, `${field} must be an ISO date-time`, field, undefined, String(v));
  return ms / 1000;
}

function patchOtherIncome(o: OtherIncomeRec, f: Json): void {
  if (f.amount !== undefined) {
    const a = f.amount as { amount?: unknown; code?: unknown } | null;
    const cents = parseCents(a?.amount);
    if (cents === undefined) throw new SandboxError(422, 1004, 'amount must be {amount, code}', 'amount');
    o.cents = cents;
    if (typeof a?.code === 'string') o.cur = a.code;
  }
  if (f.category_name !== undefined) o.category = String(f.category_name);
  if (f.source !== undefined) o.source = String(f.source);
  if (f.payment_type !== undefined) o.paymentType = String(f.payment_type);
  if (f.note !== undefined) o.note = String(f.note);
  if (typeof f.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(f.date)) o.day = Math.floor(Date.parse(`${f.date}T00:00:00Z`) / 1000 / DAY);
  if (Array.isArray(f.taxes)) o.taxes = f.taxes.map((t) => ({ name: String((t as Json).name ?? ''), amount: String((t as Json).amount ?? '0') }));
}

function patchProject(p: ProjectRec, f: Json, account: AccountData): void {
  if (f.title !== undefined) p.title = String(f.title);
  if (f.description !== undefined) p.desc = f.description === null ? null : String(f.description);
  if (f.client_id !== undefined) {
    if (f.client_id !== null && !account.tables.clients.get(Number(f.client_id))) throw new SandboxError(422, 2001, 'client not found', 'client_id', 'project', String(f.client_id));
    p.client = f.client_id === null ? null : Number(f.client_id);
  }
  if (f.complete !== undefined) p.complete = f.complete === true;
  if (f.active !== undefined) p.active = f.active === true;
  if (f.rate !== undefined) p.rate = f.rate === null ? null : parseCents(f.rate) ?? null;
  if (f.fixed_price !== undefined) {
    p.fixed = f.fixed_price === null ? null : parseCents(f.fixed_price) ?? null;
    p.type = p.fixed === null ? 'hourly_rate' : 'fixed_price';
  }
}

function patchTimeEntry(t: TimeEntryRec, f: Json, d: LedgerData, account: AccountData): void {
  if (f.project_id !== undefined) {
    const p = f.project_id === null ? undefined : d.projects.find((x) => x.id === Number(f.project_id));
    if (f.project_id !== null && !p) throw new SandboxError(422, 2001, 'project not found', 'project_id', 'time_entry', String(f.project_id));
    t.project = p?.id ?? null;
    if (p && f.client_id === undefined) t.client = p.client;
  }
  if (f.client_id !== undefined) {
    if (f.client_id !== null && !account.tables.clients.get(Number(f.client_id))) throw new SandboxError(422, 2001, 'client not found', 'client_id', 'time_entry', String(f.client_id));
    t.client = f.client_id === null ? null : Number(f.client_id);
  }
  if (f.service_id !== undefined) {
    if (f.service_id !== null && !d.services.some((s) => s.id === Number(f.service_id))) throw new SandboxError(422, 2001, 'service not found', 'service_id', 'time_entry', String(f.service_id));
    t.service = f.service_id === null ? null : Number(f.service_id);
  }
  if (f.started_at !== undefined) t.started = isoToUtcSec(f.started_at, 'started_at');
  if (f.duration !== undefined) {
    const n = Number(f.duration);
    if (!Number.isInteger(n) || n < 0) throw new SandboxError(422, 2001, 'duration must be whole seconds', 'duration', 'time_entry', String(f.duration));
    t.duration = n;
  }
  if (f.note !== undefined) t.note = f.note === null ? '' : String(f.note);
  if (f.billable !== undefined) t.billable = f.billable === true;
  if (f.billed !== undefined) t.billed = f.billed === true;
}
