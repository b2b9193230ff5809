/**
 * The FreshBooks record types ml-connector reads, and the facts about each that both the API client
 * (paths, envelopes) and the mappers (ids, timestamps) need. One place, so "what does FreshBooks call
 * the id of a bill vendor" has one answer.
 *
 * Timestamps: accounting `updated` fields are US/Eastern wall time with no offset; bills and bill
 * vendors use UTC `updated_at` (reference/freshbooks.md §4). `updatedZone` says which.
 */
export type FreshBooksEntity =
  | 'clients'
  | 'invoices'
  | 'payments'
  | 'expenses'
  | 'bills'
  | 'bill_vendors'
  | 'items'
  | 'expense_categories'
  | 'accounts';

export interface FreshBooksEntitySpec {
  /** Path below /accounting/account/{accountId}/ */
  path: string;
  /** Key of the list inside response.result, and of the single record in a get reply. */
  listKey: string;
  singleKey: string;
  /** Field holding the record's id. */
  idField: string;
  /** Field holding the last-modified time, or undefined when FreshBooks gives none. */
  updatedField?: string;
  updatedZone: 'America/New_York' | 'UTC';
  /** `include[]=` values needed to get the whole record (invoice lines). */
  includes: string[];
  /** Whether `search[updated_min]` is worth sending; reference data is re-read whole each run. */
  incremental: boolean;
  /** Whether the list supports `search[vis_state]=1`, i.e. deletions can be read back. */
  softDeletes: boolean;
  /** Webhook noun, when FreshBooks has one. */
  webhookNoun?: string;
}

export const FRESHBOOKS_ENTITIES: Record<FreshBooksEntity, FreshBooksEntitySpec> = {
  clients: { path: 'users/clients', listKey: 'clients', singleKey: 'client', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: [], incremental: true, softDeletes: true, webhookNoun: 'client' },
  invoices: { path: 'invoices/invoices', listKey: 'invoices', singleKey: 'invoice', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: ['lines'], incremental: true, softDeletes: true, webhookNoun: 'invoice' },
  payments: { path: 'payments/payments', listKey: 'payments', singleKey: 'payment', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: [], incremental: true, softDeletes: true, webhookNoun: 'payment' },
  expenses: { path: 'expenses/expenses', listKey: 'expenses', singleKey: 'expense', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: [], incremental: true, softDeletes: true, webhookNoun: 'expense' },
  bills: { path: 'bills/bills', listKey: 'bills', singleKey: 'bill', idField: 'id', updatedField: 'updated_at', updatedZone: 'UTC', includes: [], incremental: true, softDeletes: true, webhookNoun: 'bill' },
  bill_vendors: { path: 'bill_vendors/bill_vendors', listKey: 'bill_vendors', singleKey: 'bill_vendor', idField: 'vendorid', updatedField: 'updated_at', updatedZone: 'UTC', includes: [], incremental: true, softDeletes: true, webhookNoun: 'bill_vendor' },
  items: { path: 'items/items', listKey: 'items', singleKey: 'item', idField: 'id', updatedField: 'updated', updatedZone: 'America/New_York', includes: [], incremental: true, softDeletes: true, webhookNoun: 'item' },
  expense_categories: { path: 'expenses/categories', listKey: 'categories', singleKey: 'category', idField: 'categoryid', updatedField: 'updated_at', updatedZone: 'America/New_York', includes: [], incremental: false, softDeletes: true, webhookNoun: 'category' },
  accounts: { path: 'journal_entry_accounts/journal_entry_accounts', listKey: 'journal_entry_accounts', singleKey: 'journal_entry_account', idField: 'accountid', updatedZone: 'America/New_York', includes: [], incremental: false, softDeletes: false },
};

export const ALL_FRESHBOOKS_ENTITIES = Object.keys(FRESHBOOKS_ENTITIES) as FreshBooksEntity[];

/**
 * Invoice `status` codes and their names (reference/freshbooks.md §3.1), the one table for the warehouse
 * mappings and the order pass. 5 is `auto-paid`, spelled as FreshBooks spells it (also in payment_status).
 */
export const INVOICE_STATUS: Record<number, string> = {
  0: 'disputed', 1: 'draft', 2: 'sent', 3: 'viewed', 4: 'paid', 5: 'auto-paid', 6: 'retry', 7: 'failed', 8: 'partial',
};

/** `vis_state` values: lists return 0 and 2 by default; 1 only with search[vis_state]=1. */
export const VIS_STATE = { active: 0, deleted: 1, archived: 2 } as const;
