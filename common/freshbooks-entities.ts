/**
 * The FreshBooks record types ml-connector reads, and the facts about each that both the API client
 * (paths, envelopes) and the mappers (ids, timestamps) need. One place, so "what does FreshBooks call
 * the id of a bill vendor" has one answer.
 *
 * Two families (reference/freshbooks.md §2, §4):
 * - accounting records live under `/accounting/account/{accountId}/` and answer
 *   `{response:{result:{<plural>, page, pages, per_page, total}}}`;
 * - project-like records (time entries, projects, services) live under `/{service}/business/{businessId}/`
 *   and answer `{<plural>, meta:{page, pages, per_page, total}}`; a single one is `{<singular>:{…}}`.
 *
 * Timestamps: accounting `updated` fields are US/Eastern wall time with no offset; bills and bill
 * vendors use UTC `updated_at`; projects and time entries are ISO UTC, sometimes without `Z` (§4).
 * `updatedZone` says which.
 */
export type CoreFreshBooksEntity =
  | 'clients'
  | 'invoices'
  | 'payments'
  | 'expenses'
  | 'bills'
  | 'bill_vendors'
  | 'items'
  | 'expense_categories'
  | 'accounts';

/** The general ledger, time tracking, and the records revenue reconciles with: opt-in per connection. */
export type LedgerFreshBooksEntity =
  | 'journal_entry_details'
  | 'credit_notes'
  | 'other_incomes'
  | 'projects'
  | 'services'
  | 'time_entries';

export type FreshBooksEntity = CoreFreshBooksEntity | LedgerFreshBooksEntity;

/** `account`: /accounting/account/{accountId}/<path>; `business`: /<service>/business/{businessId}/<path>. */
export type FreshBooksNamespace =
  | { kind: 'account' }
  | { kind: 'business'; service: 'timetracking' | 'projects' | 'comments' };

export interface FreshBooksEntitySpec {
  namespace: FreshBooksNamespace;
  /** `accounting`: response.result.{<listKey>, page…}; `project`: {<listKey>, meta:{page…}} at the top level. */
  envelope: 'accounting' | 'project';
  /** Path of the list below the namespace. */
  path: string;
  /** Path of one record below the namespace, when it is not `<path>/{id}` (projects: `project/{id}`). */
  singlePath?: string;
  /** Key of the list (inside response.result, or at the top level), and of the single record in a get reply. */
  listKey: string;
  singleKey: string;
  /** Other keys a single record has been seen under (the Node SDK wraps credit notes in the plural). */
  singleKeyAliases?: readonly string[];
  /** Field holding the record's id. */
  idField: string;
  /** Field holding the last-modified time, or undefined when FreshBooks gives none. */
  updatedField?: string;
  updatedZone: 'America/New_York' | 'UTC';
  /** `include[]=` values needed to get the whole record (invoice lines). */
  includes: string[];
  /** Whether an updated-since filter is worth sending; reference data is re-read whole each run. */
  incremental: boolean;
  /**
   * How that filter is spelled: accounting `search[updated_min]=YYYY-MM-DD` (whole days, in the record's
   * zone) or project-like bare `updated_since=<ISO UTC>`. Defaults to `updated_min`.
   */
  incrementalFilter?: 'updated_min' | 'updated_since';
  /** Whether the list supports `search[vis_state]=1`, i.e. deletions can be read back. */
  softDeletes: boolean;
  /** Webhook noun, when the connector subscribes to one (none for the ledger and time tracking). */
  webhookNoun?: string;
}

const ACCOUNT: FreshBooksNamespace = { kind: 'account' };
const accounting = { namespace: ACCOUNT, envelope: 'accounting' } as const;

export const FRESHBOOKS_ENTITIES: Record<FreshBooksEntity, FreshBooksEntitySpec> = {
  clients: { ...accounting, path: 'users/clients', listKey: 'clients', singleKey: 'client', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: [], incremental: true, softDeletes: true, webhookNoun: 'client' },
  invoices: { ...accounting, path: 'invoices/invoices', listKey: 'invoices', singleKey: 'invoice', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: ['lines'], incremental: true, softDeletes: true, webhookNoun: 'invoice' },
  payments: { ...accounting, path: 'payments/payments', listKey: 'payments', singleKey: 'payment', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: [], incremental: true, softDeletes: true, webhookNoun: 'payment' },
  expenses: { ...accounting, path: 'expenses/expenses', listKey: 'expenses', singleKey: 'expense', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: [], incremental: true, softDeletes: true, webhookNoun: 'expense' },
  bills: { ...accounting, path: 'bills/bills', listKey: 'bills', singleKey: 'bill', idField: 'id', updatedField: 'updated_at', updatedZone: 'UTC', includes: [], incremental: true, softDeletes: true, webhookNoun: 'bill' },
  bill_vendors: { ...accounting, path: 'bill_vendors/bill_vendors', listKey: 'bill_vendors', singleKey: 'bill_vendor', idField: 'vendorid', updatedField: 'updated_at', updatedZone: 'UTC', includes: [], incremental: true, softDeletes: true, webhookNoun: 'bill_vendor' },
  items: { ...accounting, path: 'items/items', listKey: 'items', singleKey: 'item', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: [], incremental: true, softDeletes: true, webhookNoun: 'item' },
  expense_categories: { ...accounting, path: 'expenses/categories', listKey: 'categories', singleKey: 'category', idField: 'categoryid', updatedField: 'updated_at', updatedZone: 'America/New_York', includes: [], incremental: false, softDeletes: true, webhookNoun: 'category' },
  accounts: { ...accounting, path: 'journal_entry_accounts/journal_entry_accounts', listKey: 'journal_entry_accounts', singleKey: 'journal_entry_account', idField: 'accountid', updatedZone: 'America/New_York', includes: [], incremental: false, softDeletes: false },

  // General-ledger lines (NODE JournalEntryDetail): each has its own `id` (= detailid), no modified time and
  // no vis_state, so every run re-reads the list and the delivery ledger drops what did not change.
  journal_entry_details: { ...accounting, path: 'journal_entries/journal_entry_details', listKey: 'journal_entry_details', singleKey: 'journal_entry_detail', idField: 'detailid', updatedZone: 'America/New_York', includes: [], incremental: false, softDeletes: false },
  // NODE CreditNote: no `updated` in the SDK's fixture, lines with include[]=lines; the single reply's key is
  // `credit_note` in PY and `credit_notes` in NODE, so both are accepted.
  credit_notes: { ...accounting, path: 'credit_notes/credit_notes', listKey: 'credit_notes', singleKey: 'credit_note', singleKeyAliases: ['credit_notes'], idField: 'creditid', updatedZone: 'America/New_York', includes: ['lines'], incremental: false, softDeletes: true },
  // NODE/PY OtherIncome: list and single key are both `other_income`; `updated_at` is Eastern wall time
  // (NODE maps 06:53:22 to 10:53:22Z). [unverified] that search[updated_min] applies here.
  other_incomes: { ...accounting, path: 'other_incomes/other_incomes', listKey: 'other_income', singleKey: 'other_income', idField: 'incomeid', updatedField: 'updated_at', updatedZone: 'America/New_York', includes: [], incremental: true, softDeletes: true },
  // Project-like (PY fixtures list_projects_response / list_time_entries_response, NODE Service test).
  projects: { namespace: { kind: 'business', service: 'projects' }, envelope: 'project', path: 'projects', singlePath: 'project', listKey: 'projects', singleKey: 'project', idField: 'id', updatedField: 'updated_at', updatedZone: 'UTC', includes: [], incremental: true, incrementalFilter: 'updated_since', softDeletes: false },
  services: { namespace: { kind: 'business', service: 'comments' }, envelope: 'project', path: 'services', singlePath: 'service', listKey: 'services', singleKey: 'service', idField: 'id', updatedZone: 'UTC', includes: [], incremental: false, softDeletes: false },
  // The PY fixture shows no `updated_at` on time entries; should FreshBooks send one it becomes the cursor,
  // otherwise each run re-reads the list (the filter is then never sent).
  time_entries: { namespace: { kind: 'business', service: 'timetracking' }, envelope: 'project', path: 'time_entries', listKey: 'time_entries', singleKey: 'time_entry', idField: 'id', updatedField: 'updated_at', updatedZone: 'UTC', includes: [], incremental: true, incrementalFilter: 'updated_since', softDeletes: false },
};

/** What existing connections and destinations sync unless told otherwise: the nine entities before the ledger. */
export const CORE_FRESHBOOKS_ENTITIES: readonly CoreFreshBooksEntity[] = [
  'clients', 'invoices', 'payments', 'expenses', 'bills', 'bill_vendors', 'items', 'expense_categories', 'accounts',
];

/** Every entity a connection may opt in to. */
export const ALL_FRESHBOOKS_ENTITIES = Object.keys(FRESHBOOKS_ENTITIES) as FreshBooksEntity[];

export function isCoreEntity(entity: FreshBooksEntity): entity is CoreFreshBooksEntity {
  return (CORE_FRESHBOOKS_ENTITIES as readonly string[]).includes(entity);
}

/**
 * Invoice `status` codes and their names (reference/freshbooks.md §3.1), the one table for the warehouse
 * mappings and the order pass. 5 is `auto-paid`, spelled as FreshBooks spells it (also in payment_status).
 */
export const INVOICE_STATUS: Record<number, string> = {
  0: 'disputed', 1: 'draft', 2: 'sent', 3: 'viewed', 4: 'paid', 5: 'auto-paid', 6: 'retry', 7: 'failed', 8: 'partial',
};

/** `vis_state` values: lists return 0 and 2 by default; 1 only with search[vis_state]=1. */
export const VIS_STATE = { active: 0, deleted: 1, archived: 2 } as const;
