/**
 * The warehouse table catalogue: what each FreshBooks table looks like in BigQuery (and later Power BI /
 * Tableau). One place answers "what columns does the invoices table have".
 *
 * Naming conventions:
 * - FreshBooks field names are kept, camelCase turned to snake_case (taxName1 -> tax_name1), so a column
 *   can be traced to the FreshBooks docs. Foreign keys keep FreshBooks' spelling (customerid, vendorid).
 * - The record's own id is always `id` (whatever FreshBooks calls it: vendorid, categoryid, accountid).
 * - Money: `<name>` NUMERIC (exact decimal text) + `<name>_currency` STRING.
 * - Nested FreshBooks objects (a ledger line's account, sub_account, entry) are flattened by dotted sources.
 * - Timestamps: `<name>` TIMESTAMP in UTC + `<name minus _at>_raw` STRING exactly as sent; the last-modified
 *   field is always `updated_at` / `updated_raw` (FreshBooks' `updated` or `updated_at`).
 * - Status codes: `status` STRING (readable) + `status_code` INT64.
 * - Lines carry their parent as `<parent>_id`, `<parent>_updated_at`, `<parent>_updated_raw`, `<parent>_version`.
 * - One rename for meaning: invoice lines' taxAmount1/2 are percents, so they are `tax_percent1/2`.
 * - System columns start with `_`; every column is NULLABLE, since schemas may only grow.
 */
import type { ColumnSpec, ColumnType } from '../../common/warehouse-types';
import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import { fieldColumns, type FieldSpec } from './fields';
import { EXPENSE_STATUS, INVOICE_STATUS } from './status';
import type { SourceZone } from './time';

export type TableKey =
  | 'invoices'
  | 'invoice_lines'
  | 'payments'
  | 'expenses'
  | 'bills'
  | 'bill_lines'
  | 'bill_vendors'
  | 'clients'
  | 'items'
  | 'expense_categories'
  | 'accounts'
  | 'journal_entry_details'
  | 'credit_notes'
  | 'credit_note_lines'
  | 'other_incomes'
  | 'projects'
  | 'services'
  | 'time_entries';

export interface JoinColumn {
  /** Column in this (line) table. */
  column: string;
  /** Matching column in the parent table. */
  parentColumn: string;
}

/** Line-table columns that carry the parent record's identity and version. */
export interface CarriedParentColumns {
  id: string;
  updatedAt: string;
  updatedRaw: string;
  /** Holds the parent row's `_version`. */
  version: string;
}

export interface ParentLink {
  table: TableKey;
  /** account_id, the parent's id and the parent's version (`_version`), in that order. */
  joinColumns: JoinColumn[];
  carried: CarriedParentColumns;
  /** Array in the parent record that holds the lines. */
  sourceArray: string;
  /** Line fields tried in order for the line's identity within its parent; else its 1-based position. */
  lineKeyFrom: string[];
}

export interface TableSpec {
  key: TableKey;
  entity: FreshBooksEntity;
  defaultName: string;
  columns: ColumnSpec[];
  /** Identity of a record within the table: one latest-state row per distinct value. */
  keyColumns: string[];
  parent?: ParentLink;
  /** Source field -> column rules, read by mapRecord. */
  fields: FieldSpec[];
  /**
   * Source keys known and deliberately given no column (they repeat another column, e.g. `invoiceid`
   * next to `id`, or are portal access tokens). raw_json still has them; they are not "new" fields.
   */
  ignoredSourceKeys: string[];
}

// ---- field builders: keep the catalogue below readable -------------------------------------------
type From = string | readonly string[];
const int = (column: string, from: From = column, description?: string): FieldSpec => ({ kind: 'int', column, from, ...(description ? { description } : {}) });
const str = (column: string, from: From = column, description?: string): FieldSpec => ({ kind: 'string', column, from, ...(description ? { description } : {}) });
const bool = (column: string, from: From = column): FieldSpec => ({ kind: 'bool', column, from });
const dec = (column: string, from: From = column, description?: string): FieldSpec => ({ kind: 'decimal', column, from, ...(description ? { description } : {}) });
const date = (column: string, from: From = column): FieldSpec => ({ kind: 'date', column, from });
const json = (column: string, from: From = column): FieldSpec => ({ kind: 'json', column, from, description: 'JSON text' });
const money = (column: string, from: From = column, description?: string): FieldSpec => ({ kind: 'money', column, from, ...(description ? { description } : {}) });
const ts = (column: string, from: From, zone: SourceZone): FieldSpec => ({ kind: 'timestamp', column, from, zone, rawColumn: rawColumnFor(column) });
const strs = (...columns: string[]): FieldSpec[] => columns.map((c) => str(c));
const ints = (...columns: string[]): FieldSpec[] => columns.map((c) => int(c));
const bools = (...columns: string[]): FieldSpec[] => columns.map((c) => bool(c));

/** created_at -> created_raw, signup_date -> signup_date_raw. */
function rawColumnFor(column: string): string {
  return column.endsWith('_at') ? `${column.slice(0, -3)}_raw` : `${column}_raw`;
}

const NY: SourceZone = 'America/New_York';

// ---- columns every row has ------------------------------------------------------------------------
const column = (name: string, type: ColumnType, description?: string): ColumnSpec => ({ name, type, mode: 'NULLABLE', ...(description ? { description } : {}) });

const OWNER_COLUMNS: ColumnSpec[] = [
  column('account_id', 'STRING', 'FreshBooks account id (accounting namespace)'),
  column('business_id', 'INT64', 'FreshBooks business id'),
];

const FLAG_COLUMNS: ColumnSpec[] = [
  column('is_deleted', 'BOOL', 'vis_state = 1 (soft-deleted in FreshBooks); lines inherit their parent\'s'),
  column('is_archived', 'BOOL', 'vis_state = 2 (archived; still counts in accounting); lines inherit their parent\'s'),
];

const AUDIT_COLUMNS: ColumnSpec[] = [
  column('raw_json', 'STRING', 'The whole FreshBooks record as received'),
  column('_synced_at', 'TIMESTAMP', 'When ml-connector read the record'),
  column('_batch_id', 'STRING', 'Sync batch that wrote the row'),
  column('_version', 'STRING', 'Row version; also the insertId: account:table:id:updated'),
];

// ---- table builders -------------------------------------------------------------------------------
function entityTable(key: TableKey & FreshBooksEntity, fields: FieldSpec[], ignoredSourceKeys: string[] = []): TableSpec {
  const source = FRESHBOOKS_ENTITIES[key];
  const updated: FieldSpec[] = source.updatedField
    ? [{ kind: 'timestamp', column: 'updated_at', from: source.updatedField, zone: source.updatedZone, rawColumn: 'updated_raw' }]
    : [];
  const allFields = [...fields, ...updated, int('vis_state', 'vis_state', '0 active, 1 deleted, 2 archived')];
  return {
    key,
    entity: key,
    defaultName: `freshbooks_${key}`,
    columns: [...OWNER_COLUMNS, ...allFields.flatMap(fieldColumns), ...FLAG_COLUMNS, ...AUDIT_COLUMNS],
    keyColumns: ['account_id', 'id'],
    fields: allFields,
    ignoredSourceKeys,
  };
}

function lineTable(
  key: TableKey,
  parent: TableKey & FreshBooksEntity,
  parentSingular: string,
  lineKeyFrom: string[],
  fields: FieldSpec[],
  ignoredSourceKeys: string[] = [],
): TableSpec {
  const p = parentSingular;
  const carried: CarriedParentColumns = { id: `${p}_id`, updatedAt: `${p}_updated_at`, updatedRaw: `${p}_updated_raw`, version: `${p}_version` };
  const parentColumns: ColumnSpec[] = [
    column(carried.id, 'INT64', `id of the parent ${p}`),
    column('line_id', 'INT64', `Line identity within the ${p}: ${lineKeyFrom.join(' / ')} when distinct, else its 1-based position`),
    column(carried.updatedAt, 'TIMESTAMP', `updated_at of the ${p} version these lines belong to`),
    column(carried.updatedRaw, 'STRING', `updated_raw of the ${p} version these lines belong to`),
    column(carried.version, 'STRING', `_version of the ${p} row these lines belong to`),
  ];
  return {
    key,
    entity: parent,
    defaultName: `freshbooks_${key}`,
    columns: [...OWNER_COLUMNS, ...parentColumns, ...fields.flatMap(fieldColumns), ...FLAG_COLUMNS, ...AUDIT_COLUMNS],
    keyColumns: ['account_id', carried.id, 'line_id'],
    parent: {
      table: parent,
      joinColumns: [
        { column: 'account_id', parentColumn: 'account_id' },
        { column: carried.id, parentColumn: 'id' },
        { column: carried.version, parentColumn: '_version' },
      ],
      carried,
      sourceArray: 'lines',
      lineKeyFrom,
    },
    fields,
    ignoredSourceKeys,
  };
}

// ---- the catalogue --------------------------------------------------------------------------------
const invoices = entityTable(
  'invoices',
  [
    int('id', ['id', 'invoiceid']),
    str('invoice_number'),
    int('customerid'),
    ...strs('organization', 'current_organization', 'fname', 'lname', 'email'),
    str('currency_code'),
    money('amount', 'amount', 'Invoice total'),
    money('outstanding'),
    money('paid'),
    money('discount_total'),
    dec('discount_value', 'discount_value', 'Discount percent'),
    str('discount_description'),
    money('deposit_amount'),
    dec('deposit_percentage'),
    date('create_date'),
    date('due_date'),
    int('due_offset_days'),
    date('date_paid'),
    date('fulfillment_date'),
    date('generation_date'),
    { kind: 'status', column: 'status', from: 'status', names: INVOICE_STATUS },
    ...strs('v3_status', 'display_status', 'payment_status', 'deposit_status', 'autobill_status', 'dispute_status', 'last_order_status'),
    bool('auto_bill'),
    ...ints('ownerid', 'estimateid', 'parent', 'sentid', 'basecampid', 'ext_archive'),
    ...strs('po_number', 'description', 'notes', 'terms', 'template', 'language'),
    ...strs('address', 'street', 'street2', 'city', 'province', 'country'),
    str('code', 'code', 'Postal code'),
    ...strs('vat_name', 'vat_number', 'payment_details', 'return_uri'),
    ...bools('gmail', 'show_attachments'),
    ts('created_at', 'created_at', NY),
  ],
  ['accountid', 'accounting_systemid'],
);

const invoiceLines = lineTable('invoice_lines', 'invoices', 'invoice', ['lineid'], [
  int('type', 'type', '0 normal, 1 rebilled expense'),
  ...strs('name', 'description'),
  dec('qty'),
  money('unit_cost'),
  money('amount'),
  str('tax_name1', 'taxName1'),
  dec('tax_percent1', 'taxAmount1', 'FreshBooks taxAmount1: a tax percent, not money'),
  str('tax_number1', 'taxNumber1'),
  str('tax_name2', 'taxName2'),
  dec('tax_percent2', 'taxAmount2', 'FreshBooks taxAmount2: a tax percent, not money'),
  str('tax_number2', 'taxNumber2'),
  bool('compounded_tax'),
  ...ints('expenseid', 'taskno', 'basecampid', 'retainer_id', 'retainer_period_id'),
  ts('date', 'date', NY),
  { kind: 'timestamp', column: 'updated_at', from: 'updated', zone: NY, rawColumn: 'updated_raw' },
], ['invoiceid', 'accounting_systemid']);

const payments = entityTable(
  'payments',
  [
    int('id', ['id', 'paymentid']),
    ...ints('invoiceid', 'clientid'),
    money('amount'),
    date('date'),
    str('type', 'type', 'Check, Credit, Cash, Bank Transfer, Credit Card, ...'),
    ...strs('note', 'gateway', 'transactionid', 'orderid'),
    bool('from_credit'),
    bool('send_client_notification'),
    ...ints('creditid', 'overpaymentid', 'logid', 'bulk_paymentid'),
  ],
  ['accounting_systemid'],
);

const expenses = entityTable(
  'expenses',
  [
    int('id', ['id', 'expenseid']),
    ...ints('categoryid', 'staffid', 'clientid', 'projectid', 'invoiceid'),
    str('vendor'),
    money('amount'),
    date('date'),
    { kind: 'status', column: 'status', from: 'status', names: EXPENSE_STATUS },
    str('tax_name1', 'taxName1'),
    dec('tax_percent1', 'taxPercent1'),
    money('tax_amount1', 'taxAmount1'),
    str('tax_name2', 'taxName2'),
    dec('tax_percent2', 'taxPercent2'),
    money('tax_amount2', 'taxAmount2'),
    bool('compounded_tax'),
    dec('markup_percent'),
    str('notes'),
    int('accountid', 'accountid', 'Bank/ledger account of the expense (not the FreshBooks account_id)'),
    ...strs('account_name', 'bank_name', 'transactionid'),
    ...bools('has_receipt', 'include_receipt', 'is_cogs', 'isduplicate', 'from_bulk_import'),
    ...ints('ext_invoiceid', 'ext_systemid', 'profileid'),
  ],
  ['accounting_systemid'],
);

const bills = entityTable('bills', [
  int('id'),
  str('bill_number'),
  int('vendorid'),
  str('currency_code'),
  date('issue_date'),
  date('due_date'),
  int('due_offset_days'),
  str('status', 'status', 'unpaid, overdue, partial, paid'),
  money('amount'),
  money('outstanding'),
  money('paid'),
  money('tax_amount'),
  money('total_amount'),
  ...strs('overall_category', 'overall_description', 'language'),
  json('bill_payments'),
  ts('created_at', 'created_at', 'UTC'),
]);

const billLines = lineTable('bill_lines', 'bills', 'bill', ['lineid', 'id', 'list_index'], [
  int('list_index'),
  int('categoryid'),
  ...strs('category', 'description'),
  dec('quantity'),
  money('unit_cost'),
  money('amount'),
  money('total_amount'),
  str('tax_name1'),
  dec('tax_percent1'),
  str('tax_authorityid1'),
  money('tax_amount1'),
  str('tax_name2'),
  dec('tax_percent2'),
  str('tax_authorityid2'),
  money('tax_amount2'),
]);

const billVendors = entityTable('bill_vendors', [
  int('id', ['vendorid', 'vendor_id', 'id']),
  ...strs('vendor_name', 'account_number', 'primary_contact_first_name', 'primary_contact_last_name', 'primary_contact_email'),
  ...strs('phone', 'website', 'street', 'street2', 'city', 'province', 'postal_code', 'country', 'currency_code', 'language', 'note'),
  bool('is_1099'),
  json('outstanding_balance'),
  json('overdue_balance'),
  json('tax_defaults'),
  ts('created_at', 'created_at', 'UTC'),
]);

const clients = entityTable(
  'clients',
  [
    int('id', ['id', 'userid']),
    ...strs('organization', 'fname', 'lname', 'email', 'username', 'currency_code', 'language'),
    ...strs('bus_phone', 'home_phone', 'mob_phone', 'fax', 'note'),
    ...strs('p_street', 'p_street2', 'p_city', 'p_province', 'p_country', 'p_code'),
    ...strs('s_street', 's_street2', 's_city', 's_province', 's_country', 's_code'),
    ...strs('vat_name', 'vat_number', 'company_industry', 'company_size', 'role', 'subdomain'),
    ...bools('allow_late_fees', 'allow_late_notifications', 'has_retainer', 'notified', 'pref_email', 'pref_gmail'),
    ...ints('retainer_id', 'level', 'num_logins'),
    ts('signup_date', 'signup_date', 'UTC'),
    ts('last_activity', 'last_activity', NY),
    ts('last_login', 'last_login', NY),
    ...['outstanding_balance', 'credit_balance', 'draft_balance', 'overdue_balance', 'grand_total_balance'].map((c) => json(c)),
  ],
  // Client-portal access links: kept out of typed columns (raw_json still holds the record whole).
  ['accounting_systemid', 'direct_link_token', 'statement_token'],
);

const items = entityTable(
  'items',
  [
    int('id', ['id', 'itemid']),
    ...strs('name', 'description', 'sku'),
    dec('qty'),
    dec('inventory'),
    money('unit_cost'),
    ...ints('tax1', 'tax2'),
  ],
  ['accounting_systemid'],
);

const expenseCategories = entityTable('expense_categories', [
  int('id', ['categoryid', 'id']),
  str('category'),
  int('parentid'),
  ...bools('is_cogs', 'is_editable', 'transaction_posted'),
  ts('created_at', 'created_at', NY),
]);

const accounts = entityTable('accounts', [
  int('id', ['accountid', 'id']),
  ...strs('account_name', 'account_number', 'account_type'),
  money('balance'),
  str('currency_code'),
  json('sub_accounts'),
  ts('created_at', 'created_at', NY),
]);

// ---- the general ledger, time tracking, and what revenue reconciles with (opt-in entities) ----------
/**
 * One row per general-ledger line. FreshBooks gives each line its own id (`id` = `detailid`, NODE
 * JournalEntryDetail fixture), so the key is (account_id, id); the entry it belongs to is `entryid`.
 * Exactly one of debit / credit is set; both keep their currency. `account`, `sub_account` and `entry` are
 * nested objects in FreshBooks, flattened here (dotted sources); raw_json keeps them whole.
 */
const journalEntryDetails = entityTable(
  'journal_entry_details',
  [
    int('id', ['id', 'detailid']),
    int('entryid', ['entry.entryid', 'entry.id'], 'The journal entry this line belongs to: its lines balance'),
    ...strs('name', 'description'),
    str('detail_type', 'detail_type', 'What posted the line: sales, payment, expense, journal, ...'),
    date('user_entered_date'),
    money('debit', 'debit', 'Set on debit lines, else null'),
    money('credit', 'credit', 'Set on credit lines, else null'),
    money('balance', 'balance', 'Running balance of the sub-account after this line'),
    str('currency_code', ['currency_code', 'debit.code', 'credit.code', 'balance.code'], 'Currency of the line'),
    int('accountid', ['account.accountid', 'account.id'], 'Chart-of-accounts account (accounts.id)'),
    str('account_name', 'account.account_name'),
    str('account_number', 'account.account_number'),
    str('account_type', 'account.account_type'),
    int('sub_accountid', ['sub_account.sub_accountid', 'sub_account.id'], 'Sub-account (accounts.sub_accounts[].sub_accountid)'),
    str('account_sub_name', 'sub_account.account_sub_name'),
    str('account_sub_number', 'sub_account.account_sub_number'),
    int('clientid', 'entry.clientid'),
    int('invoiceid', 'entry.invoiceid'),
    int('paymentid', 'entry.paymentid'),
    int('expenseid', 'entry.expenseid'),
    int('creditid', 'entry.creditid', 'Credit note that posted the line'),
    int('incomeid', 'entry.incomeid', 'Other income that posted the line'),
    int('categoryid', 'entry.categoryid'),
  ],
  ['accounting_systemid', 'detailid'],
);

const creditNotes = entityTable(
  'credit_notes',
  [
    int('id', ['id', 'creditid']),
    str('credit_number'),
    int('clientid'),
    str('credit_type', 'credit_type', 'goodwill, overpayment, prepayment'),
    date('create_date'),
    str('currency_code'),
    money('amount', 'amount', 'Credit note total'),
    money('paid'),
    ...strs('status', 'display_status', 'payment_status', 'payment_type', 'dispute_status', 'last_order_status'),
    ...ints('sentid', 'ext_archive'),
    ...strs('organization', 'current_organization', 'fname', 'lname', 'email'),
    ...strs('street', 'street2', 'city', 'province', 'country'),
    str('code', 'code', 'Postal code'),
    ...strs('notes', 'description', 'terms', 'template', 'language', 'vat_name', 'vat_number'),
  ],
  ['accounting_systemid'],
);

const creditNoteLines = lineTable('credit_note_lines', 'credit_notes', 'credit_note', ['lineid', 'taskno'], [
  int('taskno'),
  ...strs('name', 'description'),
  dec('qty'),
  money('unit_cost'),
  money('amount'),
  str('tax_name1', 'taxName1'),
  dec('tax_percent1', 'taxAmount1', 'FreshBooks taxAmount1: a tax percent, not money'),
  str('tax_name2', 'taxName2'),
  dec('tax_percent2', 'taxAmount2', 'FreshBooks taxAmount2: a tax percent, not money'),
  bool('compounded_tax'),
], ['creditid']);

const otherIncomes = entityTable('other_incomes', [
  int('id', ['incomeid', 'id']),
  money('amount'),
  ...strs('category_name', 'source', 'payment_type', 'note'),
  date('date'),
  json('taxes'),
  ts('created_at', 'created_at', NY),
]);

/** Project-like timestamps are ISO UTC, sometimes without the `Z` (reference §4). */
const projects = entityTable('projects', [
  int('id'),
  ...strs('title', 'description'),
  date('due_date'),
  int('client_id'),
  ...bools('internal', 'active', 'complete', 'sample'),
  dec('budget'),
  dec('fixed_price', 'fixed_price', 'In the business currency (FreshBooks sends no currency on projects)'),
  dec('rate', 'rate', 'In the business currency (FreshBooks sends no currency on projects)'),
  dec('billed_amount', 'billed_amount', 'In the business currency (FreshBooks sends no currency on projects)'),
  ...strs('billing_method', 'project_type', 'billed_status'),
  ...ints('project_manager_id', 'retainer_id', 'group_id'),
  int('logged_duration', 'logged_duration', 'Seconds'),
  dec('expense_markup'),
  json('services'),
  ts('created_at', 'created_at', 'UTC'),
]);

// `business_id` repeats the owner column of the same name.
const services = entityTable('services', [int('id'), str('name'), bool('billable')], ['business_id']);

const timeEntries = entityTable('time_entries', [
  int('id'),
  int('identity_id', 'identity_id', 'Team member who logged the time'),
  ...ints('client_id', 'project_id', 'service_id', 'task_id', 'retainer_id'),
  ts('started_at', 'started_at', 'UTC'),
  int('duration', 'duration', 'Seconds'),
  str('note'),
  ...bools('is_logged', 'active', 'billable', 'billed', 'internal'),
  ...strs('pending_client', 'pending_project', 'pending_task'),
  json('timer'),
  ts('created_at', 'created_at', 'UTC'),
], ['business_id']);

export const TABLES: Readonly<Record<TableKey, TableSpec>> = {
  invoices,
  invoice_lines: invoiceLines,
  payments,
  expenses,
  bills,
  bill_lines: billLines,
  bill_vendors: billVendors,
  clients,
  items,
  expense_categories: expenseCategories,
  accounts,
  journal_entry_details: journalEntryDetails,
  credit_notes: creditNotes,
  credit_note_lines: creditNoteLines,
  other_incomes: otherIncomes,
  projects,
  services,
  time_entries: timeEntries,
};

export const TABLE_KEYS = Object.keys(TABLES) as TableKey[];

/** The table holding the records of an entity (not its lines). */
export function entityTableFor(entity: FreshBooksEntity): TableSpec {
  return TABLES[entity satisfies TableKey];
}

/** Line tables fed from an entity's records (invoice_lines for invoices, bill_lines for bills). */
export function lineTablesFor(entity: FreshBooksEntity): TableSpec[] {
  return TABLE_KEYS.map((k) => TABLES[k]).filter((t) => t.entity === entity && t.parent !== undefined);
}

/** Every table an entity feeds: its own and its line tables. */
export function tablesOfEntities(entities: readonly string[]): TableKey[] {
  return TABLE_KEYS.filter((k) => entities.includes(TABLES[k].entity));
}

export function hasColumn(spec: TableSpec, name: string): boolean {
  return spec.columns.some((c) => c.name === name);
}
