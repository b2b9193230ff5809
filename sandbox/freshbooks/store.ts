/**
 * The sandbox's accounts and every read and write on them. HTTP routes and `state` methods both come here,
 * so the control API and the FreshBooks API can never disagree about a record.
 */
import { CORE_FRESHBOOKS_ENTITIES as ALL_FRESHBOOKS_ENTITIES, FRESHBOOKS_ENTITIES, type CoreFreshBooksEntity as FreshBooksEntity } from '../../common/freshbooks-entities';
import { toNaiveSec, type SandboxClock } from './clock';
import { SandboxError } from './errors';
import { Table, type AccountData, type BaseRec, type RecByEntity, type VisState } from './model';
import { TaxTable } from './money';
import { applyPatch, blankRecord, REQUIRED_ON_CREATE, resettleInvoice, type MutationContext } from './mutations';
import { FilterCache, parseListQuery } from './query';
import { renderRecord, type RenderContext } from './render';
import { CLIENT_FILTERS, fieldPredicate, INVOICE_FILTERS, ITEM_FILTERS, PAYMENT_FILTERS, type FilterFields } from './search';
import {
  blankCreditNote,
  CREDIT_NOTE_FILTERS,
  CREDIT_NOTE_FIRST_ID,
  CREDIT_NOTE_SPEC,
  patchCreditNote,
  renderCreditNote,
  type CreditNoteRec,
} from './credit-notes';

type Json = Record<string, unknown>;

export type SandboxAction = 'create' | 'update' | 'delete';

export interface VisStateOptions {
  keepUpdated?: boolean;
}

/** The catalogue's entities plus what only the sandbox models (credit notes, for refunds). */
export type SandboxEntity = FreshBooksEntity | 'credit_notes';

export interface SandboxChange {
  accountId: string;
  businessId: number;
  entity: SandboxEntity;
  id: number;
  action: SandboxAction;
  /** Set on records a write touched as a side effect (the invoice a payment settled); not a write itself. */
  secondary?: true;
}

/** `search[<field>]` / `search[<field>_like]` filters per entity (search.ts). */
const FIELD_FILTERS: Partial<Record<FreshBooksEntity, FilterFields<any>>> = {
  invoices: INVOICE_FILTERS,
  clients: CLIENT_FILTERS,
  items: ITEM_FILTERS,
  payments: PAYMENT_FILTERS,
};

export interface ListResult {
  items: Json[];
  page: number;
  pages: number;
  per_page: number;
  total: number;
}

/** Accept catalogue keys and FreshBooks' own list keys (`categories`, `journal_entry_accounts`…). */
export function resolveEntity(name: string): FreshBooksEntity | undefined {
  if ((ALL_FRESHBOOKS_ENTITIES as string[]).includes(name)) return name as FreshBooksEntity;
  return ALL_FRESHBOOKS_ENTITIES.find((e) => FRESHBOOKS_ENTITIES[e].listKey === name || FRESHBOOKS_ENTITIES[e].singleKey === name);
}

export class SandboxStore {
  readonly accounts = new Map<string, AccountData>();
  private readonly filters = new FilterCache();
  private readonly listeners: Array<(c: SandboxChange) => void> = [];

  constructor(
    readonly clock: SandboxClock,
    readonly taxes: TaxTable,
  ) {}

  onChange(listener: (c: SandboxChange) => void): void {
    this.listeners.push(listener);
  }

  account(accountId: string): AccountData {
    const a = this.accounts.get(accountId);
    if (!a) throw new SandboxError(404, 1012, 'Account not found.', 'accountid', 'account', accountId);
    return a;
  }

  private renderContext(account: AccountData, includes: ReadonlySet<string>): RenderContext {
    return { account, taxes: this.taxes, todayDay: Math.floor(this.clock.naiveNow('America/New_York') / 86_400), includes };
  }

  list(accountId: string, entity: FreshBooksEntity, params: URLSearchParams): ListResult {
    const account = this.account(accountId);
    const q = parseListQuery(entity, params);
    const table = account.tables[entity] as Table<BaseRec>;
    let matching = this.filters.matching(accountId, table, entity, q);
    const pred = fieldPredicate(FIELD_FILTERS[entity], params);
    if (pred) matching = matching.filter((i) => pred(table.rows[i]!));
    const total = matching.length;
    const start = (q.page - 1) * q.perPage;
    const ctx = this.renderContext(account, q.includes);
    const items: Json[] = [];
    for (let i = start; i < Math.min(total, start + q.perPage); i++) {
      items.push(renderRecord(entity, table.rows[matching[i]!]! as RecByEntity[typeof entity], ctx));
    }
    return { items, page: q.page, pages: Math.ceil(total / q.perPage), per_page: q.perPage, total };
  }

  /** One rendered record (deleted ones too: FreshBooks serves them by id with vis_state 1). */
  get(accountId: string, entity: FreshBooksEntity, id: number, includes: ReadonlySet<string> = new Set()): Json | undefined {
    const account = this.account(accountId);
    const rec = account.tables[entity].get(id);
    return rec ? renderRecord(entity, rec as RecByEntity[typeof entity], this.renderContext(account, includes)) : undefined;
  }

  /** The compact record, for tests that want to poke at internals. */
  raw<E extends FreshBooksEntity>(accountId: string, entity: E, id: number): RecByEntity[E] | undefined {
    return this.account(accountId).tables[entity].get(id) as RecByEntity[E] | undefined;
  }

  /** errno 1001 for a missing required field (checked before anything else, e.g. a number conflict). */
  checkRequired(entity: FreshBooksEntity, fields: Json): void {
    for (const required of REQUIRED_ON_CREATE[entity] ?? []) {
      if (fields[required] === undefined || fields[required] === null || fields[required] === '') {
        throw new SandboxError(422, 1001, `${required} is required.`, required, FRESHBOOKS_ENTITIES[entity].singleKey);
      }
    }
  }

  create(accountId: string, entity: FreshBooksEntity, fields: Json): Json {
    const account = this.account(accountId);
    this.checkRequired(entity, fields);
    const table = account.tables[entity];
    const ctx = this.mutationContext(account);
    const rec = blankRecord(entity, table.nextId, ctx);
    applyPatch(entity, rec, fields, ctx);
    if (fields.vis_state === 1 || fields.vis_state === 2) rec.vis = fields.vis_state;
    (table.push as (r: RecByEntity[typeof entity]) => unknown)(rec);
    // A payment created after its invoice was settled must settle it again now that it exists.
    if (entity === 'payments') resettleInvoice(ctx, (rec as RecByEntity['payments']).inv);
    this.emit(account, entity, rec.id, 'create', ctx);
    return this.get(accountId, entity, rec.id, new Set(['lines']))!;
  }

  update(accountId: string, entity: FreshBooksEntity, id: number, fields: Json): Json {
    const account = this.account(accountId);
    const rec = this.mustGet(account, entity, id);
    const ctx = this.mutationContext(account);
    // §3.2 update phases: a body carrying vis_state changes only vis_state.
    if (fields.vis_state !== undefined) return this.setVisState(accountId, entity, id, Number(fields.vis_state) as VisState);
    applyPatch(entity, rec, fields, ctx);
    this.stamp(entity, rec, ctx);
    account.tables[entity].touch();
    this.emit(account, entity, id, 'update', ctx);
    return this.get(accountId, entity, id, new Set(['lines']))!;
  }

  /**
   * `keepUpdated`: leave `updated` as it was. FreshBooks does not promise to stamp a soft delete (or any
   * vis_state change) in `updated`, so a sync must find deletes without relying on it.
   */
  setVisState(accountId: string, entity: FreshBooksEntity, id: number, vis: VisState, opts: VisStateOptions = {}): Json {
    if (vis !== 0 && vis !== 1 && vis !== 2) throw new SandboxError(422, 1004, 'vis_state must be 0, 1 or 2.', 'vis_state', undefined, String(vis));
    if (entity === 'accounts') throw new SandboxError(422, 1003, 'Accounts cannot be deleted or archived.', 'vis_state');
    const account = this.account(accountId);
    const rec = this.mustGet(account, entity, id);
    const ctx = this.mutationContext(account);
    rec.vis = vis;
    if (!opts.keepUpdated) this.stamp(entity, rec, ctx);
    account.tables[entity].touch();
    if (entity === 'payments') resettleInvoice(ctx, (rec as RecByEntity['payments']).inv);
    this.emit(account, entity, id, vis === 1 ? 'delete' : 'update', ctx);
    return this.get(accountId, entity, id, new Set(['lines']))!;
  }

  delete(accountId: string, entity: FreshBooksEntity, id: number, opts: VisStateOptions = {}): Json {
    return this.setVisState(accountId, entity, id, 1, opts);
  }

  /** Removes a record outright (FreshBooks' HTTP DELETE on some types): gone from lists and a GET is 404. No webhook. */
  purge(accountId: string, entity: FreshBooksEntity, id: number): Json {
    const account = this.account(accountId);
    const rec = this.mustGet(account, entity, id);
    account.tables[entity].purge(id);
    return { id: rec.id, purged: true };
  }

  archive(accountId: string, entity: FreshBooksEntity, id: number, opts: VisStateOptions = {}): Json {
    return this.setVisState(accountId, entity, id, 2, opts);
  }

  restore(accountId: string, entity: FreshBooksEntity, id: number, opts: VisStateOptions = {}): Json {
    return this.setVisState(accountId, entity, id, 0, opts);
  }

  // ---- credit notes (credit-notes.ts; outside the core tables, read by the connector as an opt-in entity) ----------------------------------

  private readonly creditNoteTables = new Map<string, Table<CreditNoteRec>>();

  creditNotes(accountId: string): Table<CreditNoteRec> {
    this.account(accountId);
    let t = this.creditNoteTables.get(accountId);
    if (!t) {
      t = new Table<CreditNoteRec>(CREDIT_NOTE_FIRST_ID);
      this.creditNoteTables.set(accountId, t);
    }
    return t;
  }

  listCreditNotes(accountId: string, params: URLSearchParams): ListResult {
    const account = this.account(accountId);
    const table = this.creditNotes(accountId);
    const q = parseListQuery({ idField: CREDIT_NOTE_SPEC.idField, singleKey: 'credit_note', updatedField: 'updated' }, params);
    const pred = fieldPredicate(CREDIT_NOTE_FILTERS, params);
    let rows = table.rows.filter((r) => q.vis.includes(r.vis) && (!pred || pred(r)));
    if (q.sort === 'id_desc') rows = rows.reverse();
    else if (q.sort === 'updated_asc' || q.sort === 'updated_desc') {
      const sign = q.sort === 'updated_desc' ? -1 : 1;
      rows = rows.sort((a, b) => sign * (a.upd - b.upd) || a.id - b.id);
    }
    const start = (q.page - 1) * q.perPage;
    const items = rows.slice(start, start + q.perPage).map((r) => renderCreditNote(r, account, this.taxes, q.includes.has('lines')));
    return { items, page: q.page, pages: Math.ceil(rows.length / q.perPage), per_page: q.perPage, total: rows.length };
  }

  getCreditNote(accountId: string, id: number, includeLines = false): Json | undefined {
    const rec = this.creditNotes(accountId).get(id);
    return rec ? renderCreditNote(rec, this.account(accountId), this.taxes, includeLines) : undefined;
  }

  createCreditNote(accountId: string, fields: Json): Json {
    const account = this.account(accountId);
    if (fields.clientid === undefined || fields.clientid === null || fields.clientid === '') {
      throw new SandboxError(422, 1001, 'clientid is required.', 'clientid', 'credit_note');
    }
    const table = this.creditNotes(accountId);
    const ctx = this.mutationContext(account);
    const rec = blankCreditNote(table.nextId, table.rows[table.rows.length - 1], ctx);
    patchCreditNote(rec, fields, ctx);
    if (fields.vis_state === 1 || fields.vis_state === 2) rec.vis = fields.vis_state;
    table.push(rec);
    this.emit(account, 'credit_notes', rec.id, 'create', ctx);
    return this.getCreditNote(accountId, rec.id, true)!;
  }

  /** A PUT on a credit note, with §3.2's phases: ext_vis_state > vis_state > action_* > plain fields. */
  updateCreditNote(accountId: string, id: number, fields: Json): Json {
    const account = this.account(accountId);
    const rec = this.creditNotes(accountId).get(id);
    if (!rec) throw new SandboxError(404, 1012, 'Credit note not found.', 'creditid', 'credit_note', String(id));
    const ctx = this.mutationContext(account);
    const vis = fields.ext_vis_state ?? fields.vis_state;
    if (vis !== undefined) {
      const v = Number(vis);
      if (v !== 0 && v !== 1 && v !== 2) throw new SandboxError(422, 1004, 'vis_state must be 0, 1 or 2.', 'vis_state', undefined, String(vis));
      rec.vis = v;
      rec.upd = ctx.eastNow;
      this.emit(account, 'credit_notes', id, v === 1 ? 'delete' : 'update', ctx);
    } else if (Object.keys(fields).some((k) => k.startsWith('action_') && fields[k])) {
      // [unverified] Credit-note actions (e.g. email) are not modelled; like invoices, the rest is dropped.
    } else {
      patchCreditNote(rec, fields, ctx);
      rec.upd = ctx.eastNow;
      this.creditNotes(accountId).touch();
      this.emit(account, 'credit_notes', id, 'update', ctx);
    }
    return this.getCreditNote(accountId, id, true)!;
  }

  private mustGet(account: AccountData, entity: FreshBooksEntity, id: number): RecByEntity[FreshBooksEntity] {
    const rec = account.tables[entity].get(id);
    if (!rec) {
      const spec = FRESHBOOKS_ENTITIES[entity];
      throw new SandboxError(404, 1012, `${spec.singleKey.replace(/_/g, ' ')} not found.`, spec.idField, spec.singleKey, String(id));
    }
    return rec;
  }

  private mutationContext(account: AccountData): MutationContext {
    const ms = this.clock.nowMs();
    return { account, taxes: this.taxes, eastNow: toNaiveSec(ms, 'America/New_York'), utcNow: toNaiveSec(ms, 'UTC'), touched: [] };
  }

  /** Updates stamp the record's modified time with the sandbox clock, in the record's own zone. */
  private stamp(entity: FreshBooksEntity, rec: { upd: number }, ctx: MutationContext): void {
    const spec = FRESHBOOKS_ENTITIES[entity];
    if (!spec.updatedField) return;
    rec.upd = spec.updatedZone === 'UTC' ? ctx.utcNow : ctx.eastNow;
  }

  private emit(account: AccountData, entity: SandboxEntity, id: number, action: SandboxAction, ctx: MutationContext): void {
    const base = { accountId: account.business.accountId, businessId: account.business.businessId };
    const seen = new Set<string>([`${entity}:${id}`]);
    const changes: SandboxChange[] = [{ ...base, entity, id, action }];
    for (const t of ctx.touched) {
      if (seen.has(`${t.entity}:${t.id}`)) continue;
      seen.add(`${t.entity}:${t.id}`);
      changes.push({ ...base, ...t, action: 'update', secondary: true });
    }
    for (const c of changes) for (const l of this.listeners) l(c);
  }
}
