/**
 * The sandbox's accounts and every read and write on them. HTTP routes and `state` methods both come here,
 * so the control API and the FreshBooks API can never disagree about a record.
 */
import { ALL_FRESHBOOKS_ENTITIES, FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import { toNaiveSec, type SandboxClock } from './clock';
import { SandboxError } from './errors';
import type { AccountData, BaseRec, RecByEntity, Table, VisState } from './model';
import { TaxTable } from './money';
import { applyPatch, blankRecord, REQUIRED_ON_CREATE, resettleInvoice, type MutationContext } from './mutations';
import { FilterCache, parseListQuery } from './query';
import { renderRecord, type RenderContext } from './render';

type Json = Record<string, unknown>;

export type SandboxAction = 'create' | 'update' | 'delete';

export interface SandboxChange {
  accountId: string;
  businessId: number;
  entity: FreshBooksEntity;
  id: number;
  action: SandboxAction;
}

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
    const matching = this.filters.matching(accountId, table, entity, q);
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

  create(accountId: string, entity: FreshBooksEntity, fields: Json): Json {
    const account = this.account(accountId);
    for (const required of REQUIRED_ON_CREATE[entity] ?? []) {
      if (fields[required] === undefined || fields[required] === null || fields[required] === '') {
        throw new SandboxError(422, 1001, `${required} is required.`, required, FRESHBOOKS_ENTITIES[entity].singleKey);
      }
    }
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

  setVisState(accountId: string, entity: FreshBooksEntity, id: number, vis: VisState): Json {
    if (vis !== 0 && vis !== 1 && vis !== 2) throw new SandboxError(422, 1004, 'vis_state must be 0, 1 or 2.', 'vis_state', undefined, String(vis));
    if (entity === 'accounts') throw new SandboxError(422, 1003, 'Accounts cannot be deleted or archived.', 'vis_state');
    const account = this.account(accountId);
    const rec = this.mustGet(account, entity, id);
    const ctx = this.mutationContext(account);
    rec.vis = vis;
    this.stamp(entity, rec, ctx);
    account.tables[entity].touch();
    if (entity === 'payments') resettleInvoice(ctx, (rec as RecByEntity['payments']).inv);
    this.emit(account, entity, id, vis === 1 ? 'delete' : 'update', ctx);
    return this.get(accountId, entity, id, new Set(['lines']))!;
  }

  delete(accountId: string, entity: FreshBooksEntity, id: number): Json {
    return this.setVisState(accountId, entity, id, 1);
  }

  archive(accountId: string, entity: FreshBooksEntity, id: number): Json {
    return this.setVisState(accountId, entity, id, 2);
  }

  restore(accountId: string, entity: FreshBooksEntity, id: number): Json {
    return this.setVisState(accountId, entity, id, 0);
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

  private emit(account: AccountData, entity: FreshBooksEntity, id: number, action: SandboxAction, ctx: MutationContext): void {
    const base = { accountId: account.business.accountId, businessId: account.business.businessId };
    const seen = new Set<string>([`${entity}:${id}`]);
    const changes: SandboxChange[] = [{ ...base, entity, id, action }];
    for (const t of ctx.touched) {
      if (seen.has(`${t.entity}:${t.id}`)) continue;
      seen.add(`${t.entity}:${t.id}`);
      changes.push({ ...base, ...t, action: 'update' });
    }
    for (const c of changes) for (const l of this.listeners) l(c);
  }
}
