/**
 * The Power BI push-dataset catalogue: which tables ml-connector creates and what each column holds.
 * Column definitions and the values mapToPowerBi writes come from the same field list, so a row's keys
 * are always exactly its table's columns.
 *
 * Two kinds of table:
 * - fact (Invoices, InvoiceLines, Payments, Expenses, Bills, BillPayments): push datasets cannot update or
 *   delete by key (destinations.md B6), so every FreshBooks version is appended as a new row. Rows carry
 *   TransactionId (stable per record) and Version (per record version, equal to the BigQuery `_version`);
 *   reports keep the row with the greatest SyncedAt per TransactionId, and lines / bill payments only where
 *   ParentVersion is the latest parent Version. SyncedAt, not UpdatedAt: FreshBooks' Eastern `updated` has
 *   no offset, so an edit in the repeated autumn hour can convert to an earlier UpdatedAt than the one before.
 * - dimension (Clients, ChartOfAccounts): one row per record, the whole table replaced on a schedule.
 *
 * Naming: PascalCase; ids are `<Thing>Id`; amounts are Double with one `Currency` column per row (every
 * amount on a FreshBooks document is in the document's currency); dates without time are DateTime at
 * midnight UTC; FreshBooks' Eastern/UTC timestamps are converted to UTC.
 *
 * Account coding:
 * - Invoices: FreshBooks gives no ledger account or category on an invoice or its lines (income is posted
 *   by FreshBooks itself, to Sales/Accounts Receivable), so none is invented. The coding an invoice does
 *   carry is its client (ClientId -> Clients), currency and PO number (PoNumber); rebilled-expense lines
 *   carry ExpenseId, whose expense has the category.
 * - Expenses: CategoryId, the expense category (the chart-of-accounts coding FreshBooks requires on create).
 * - Bills: each line has a categoryid; bills have no line table here, so Bills carries the first line's
 *   CategoryId plus FreshBooks' own `overall_category` (the first line's category name) as CategoryName.
 *   Bills split over several categories are coded by their first line; the full split stays in BigQuery.
 * - ChartOfAccounts: see the table below.
 */
import type { FreshBooksEntity } from '../../common/freshbooks-entities';
import type { PowerBiColumn, PowerBiDataType } from '../../common/powerbi-columns';
import { EXPENSE_STATUS, INVOICE_STATUS, statusName } from '../freshbooks/status';
import { isPlainObject, toInt64, toTimestamp } from '../freshbooks/values';
import { dateAtMidnightUtc } from './values';

export type { PowerBiColumn, PowerBiDataType } from '../../common/powerbi-columns';

export type PowerBiTableKey =
  | 'Invoices'
  | 'InvoiceLines'
  | 'Payments'
  | 'Expenses'
  | 'Bills'
  | 'BillPayments'
  | 'Clients'
  | 'ChartOfAccounts'
  | 'GeneralLedger'
  | 'CreditNotes'
  | 'OtherIncome'
  | 'TimeEntries'
  | 'Projects'
  | 'Services';

export interface PowerBiTableSpec {
  name: PowerBiTableKey;
  kind: 'fact' | 'dimension';
  entity: FreshBooksEntity;
  columns: PowerBiColumn[];
}

/** What one row is built from. */
export interface RowSource {
  /** The object the row describes: the record, one invoice line, one bill payment, one (sub) account. */
  item: Record<string, unknown>;
  /** Facts about the row that come from its record, its parent or the sync rather than from `item`. */
  meta: RowMeta;
}

export interface RowMeta {
  /** The record's id (the parent's, for lines and bill payments). */
  recordId: string | null;
  transactionId: string | null;
  version: string | null;
  /** The parent row's Version (lines and bill payments). */
  parentVersion: string | null;
  /** Line key within the parent (lines). */
  lineKey: string | null;
  updatedAt: string | null;
  syncedAt: string;
  batchId: string;
  accountId: string;
  businessId: number;
  isDeleted: boolean;
  isArchived: boolean;
  currency: string | null;
}

export interface PowerBiField extends PowerBiColumn {
  /** Raw value; toPowerBiValue turns it into what the column type accepts. */
  get: (source: RowSource) => unknown;
}

// ---- field builders ---------------------------------------------------------------------------------
type Field = PowerBiField;
type Get = Field['get'];
const field = (name: string, dataType: PowerBiDataType, get: Get): Field => ({ name, dataType, get });
const item = (key: string): Get => (s) => s.item[key];
const str = (name: string, key: string): Field => field(name, 'String', item(key));
const int = (name: string, key: string): Field => field(name, 'Int64', item(key));
const dbl = (name: string, key: string): Field => field(name, 'Double', item(key));
const day = (name: string, key: string): Field => field(name, 'DateTime', (s) => dateAtMidnightUtc(s.item[key]));
/** A foreign key: FreshBooks writes 0 for "none", which must not look like a real id to a relationship. */
const ref = (name: string, key: string): Field =>
  field(name, 'Int64', (s) => {
    const id = toInt64(s.item[key]);
    return id === 0 ? null : id;
  });
/** A value inside a nested object (`account.accountid` of a ledger line). */
const nested = (name: string, dataType: PowerBiDataType, path: string): Field =>
  field(name, dataType, (s) => path.split('.').reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), s.item));
/** Project-like timestamps: ISO UTC, with or without `Z`. */
const utc = (name: string, key: string): Field => field(name, 'DateTime', (s) => toTimestamp(s.item[key], 'UTC'));
const bool = (name: string, key: string): Field => field(name, 'Boolean', item(key));
const meta = (name: string, dataType: PowerBiDataType, pick: (m: RowMeta) => unknown): Field => field(name, dataType, (s) => pick(s.meta));
const currency = meta('Currency', 'String', (m) => m.currency);
/** Readable status for a numeric code (a name sent as text is kept), plus the code. */
const status = (names: Record<number, string>): Field[] => [
  field('Status', 'String', (s) => {
    const v = s.item.status;
    return typeof v === 'string' && toInt64(v) === null ? v : statusName(names, toInt64(v));
  }),
  int('StatusCode', 'status'),
];

const IDENTITY: Field[] = [
  meta('TransactionId', 'String', (m) => m.transactionId),
  meta('Version', 'String', (m) => m.version),
];
const PARENT_VERSION = meta('ParentVersion', 'String', (m) => m.parentVersion);
const OWNER: Field[] = [meta('AccountId', 'String', (m) => m.accountId), meta('BusinessId', 'Int64', (m) => m.businessId)];
const SYNC: Field[] = [meta('SyncedAt', 'DateTime', (m) => m.syncedAt), meta('BatchId', 'String', (m) => m.batchId)];
const UPDATED = meta('UpdatedAt', 'DateTime', (m) => m.updatedAt);
const FLAGS: Field[] = [meta('IsDeleted', 'Boolean', (m) => m.isDeleted), meta('IsArchived', 'Boolean', (m) => m.isArchived)];
/** The record's own id column of a fact table (set on tombstones too). */
const recordIdField = (name: string): Field => meta(name, 'Int64', (m) => m.recordId);

function fact(name: PowerBiTableKey, entity: FreshBooksEntity, fields: Field[]): TableDef {
  return { name, kind: 'fact', entity, fields: [...IDENTITY, ...fields, UPDATED, ...SYNC, ...FLAGS, ...OWNER] };
}

function dimension(name: PowerBiTableKey, entity: FreshBooksEntity, fields: Field[]): TableDef {
  return { name, kind: 'dimension', entity, fields };
}

interface TableDef {
  name: PowerBiTableKey;
  kind: 'fact' | 'dimension';
  entity: FreshBooksEntity;
  fields: Field[];
}

/** "Hooli", else "Gavin Belson", else null. */
function displayName(s: RowSource): string | null {
  const org = typeof s.item.organization === 'string' ? s.item.organization.trim() : '';
  if (org !== '') return org;
  const person = [s.item.fname, s.item.lname].filter((p): p is string => typeof p === 'string' && p.trim() !== '').map((p) => p.trim());
  return person.length > 0 ? person.join(' ') : null;
}

// ---- the catalogue ----------------------------------------------------------------------------------
const DEFS: Record<PowerBiTableKey, TableDef> = {
  Invoices: fact('Invoices', 'invoices', [
    recordIdField('InvoiceId'),
    str('InvoiceNumber', 'invoice_number'),
    ref('ClientId', 'customerid'),
    field('ClientName', 'String', displayName),
    str('PoNumber', 'po_number'),
    day('IssueDate', 'create_date'),
    day('DueDate', 'due_date'),
    day('DatePaid', 'date_paid'),
    dbl('Amount', 'amount'),
    dbl('Outstanding', 'outstanding'),
    dbl('Paid', 'paid'),
    currency,
    ...status(INVOICE_STATUS),
    str('PaymentStatus', 'payment_status'),
  ]),
  InvoiceLines: fact('InvoiceLines', 'invoices', [
    meta('InvoiceId', 'Int64', (m) => m.recordId),
    PARENT_VERSION,
    meta('LineId', 'Int64', (m) => m.lineKey),
    int('LineType', 'type'),
    str('ItemName', 'name'),
    str('Description', 'description'),
    dbl('Quantity', 'qty'),
    dbl('UnitCost', 'unit_cost'),
    dbl('Amount', 'amount'),
    currency,
    str('TaxName1', 'taxName1'),
    // FreshBooks calls an invoice line's tax percent taxAmount1/2.
    dbl('TaxPercent1', 'taxAmount1'),
    str('TaxName2', 'taxName2'),
    dbl('TaxPercent2', 'taxAmount2'),
    ref('ExpenseId', 'expenseid'),
  ]),
  Payments: fact('Payments', 'payments', [
    recordIdField('PaymentId'),
    ref('InvoiceId', 'invoiceid'),
    ref('ClientId', 'clientid'),
    dbl('Amount', 'amount'),
    currency,
    day('Date', 'date'),
    str('Type', 'type'),
    str('TransactionRef', 'transactionid'),
    str('Note', 'note'),
  ]),
  Expenses: fact('Expenses', 'expenses', [
    recordIdField('ExpenseId'),
    day('Date', 'date'),
    dbl('Amount', 'amount'),
    currency,
    str('Vendor', 'vendor'),
    ref('CategoryId', 'categoryid'),
    ref('ClientId', 'clientid'),
    ref('InvoiceId', 'invoiceid'),
    ...status(EXPENSE_STATUS),
    str('TaxName1', 'taxName1'),
    dbl('TaxAmount1', 'taxAmount1'),
    str('Notes', 'notes'),
  ]),
  Bills: fact('Bills', 'bills', [
    recordIdField('BillId'),
    str('BillNumber', 'bill_number'),
    ref('VendorId', 'vendorid'),
    field('VendorName', 'String', (s) => {
      const vendor = s.item.vendor;
      return isPlainObject(vendor) ? vendor.vendor_name : null;
    }),
    day('IssueDate', 'issue_date'),
    day('DueDate', 'due_date'),
    dbl('Amount', 'amount'),
    dbl('TaxAmount', 'tax_amount'),
    dbl('TotalAmount', 'total_amount'),
    dbl('Outstanding', 'outstanding'),
    dbl('Paid', 'paid'),
    currency,
    str('Status', 'status'),
    field('CategoryId', 'Int64', (s) => {
      const lines = s.item.lines;
      const first: unknown = Array.isArray(lines) ? lines[0] : undefined;
      return isPlainObject(first) ? first.categoryid : null;
    }),
    str('CategoryName', 'overall_category'),
  ]),
  // FreshBooks has no bill-payment webhook: bill payments travel in their bill's `bill_payments[]`.
  BillPayments: fact('BillPayments', 'bills', [
    int('BillPaymentId', 'id'),
    meta('BillId', 'Int64', (m) => m.recordId),
    PARENT_VERSION,
    dbl('Amount', 'amount'),
    currency,
    day('PaidDate', 'paid_date'),
    str('PaymentType', 'payment_type'),
    str('Note', 'note'),
  ]),
  Clients: dimension('Clients', 'clients', [
    recordIdField('ClientId'),
    field('ClientName', 'String', displayName),
    str('Organization', 'organization'),
    str('FirstName', 'fname'),
    str('LastName', 'lname'),
    str('Email', 'email'),
    currency,
    ...FLAGS,
    UPDATED,
    ...SYNC,
    ...OWNER,
  ]),
  /**
   * Chart of accounts (journal_entry_accounts). Sub accounts are extra rows, not a flattened column:
   * journal entries post to sub accounts (details reference sub_accountid), so a sub account must be a
   * row a relationship can reach, and ParentAccountId gives the hierarchy for drill-down. Account and
   * sub-account ids are separate FreshBooks id spaces, so the unique key is AccountKey
   * ("account:<id>" / "sub_account:<id>"); AccountId alone may repeat across the two.
   * The FreshBooks account id is left out here (BusinessId names the owner), because AccountId in this
   * table means the ledger account.
   */
  ChartOfAccounts: dimension('ChartOfAccounts', 'accounts', [
    meta('AccountKey', 'String', (m) => m.transactionId),
    meta('AccountId', 'Int64', (m) => m.recordId),
    str('AccountNumber', 'account_number'),
    str('AccountName', 'account_name'),
    str('AccountType', 'account_type'),
    currency,
    dbl('Balance', 'balance'),
    int('ParentAccountId', 'parentid'),
    field('IsSubAccount', 'Boolean', item('is_sub_account')),
    ...SYNC,
    meta('BusinessId', 'Int64', (m) => m.businessId),
  ]),

  // ---- opt-in entities (created in the dataset when a connection first delivers them) ----------------
  /** One row per ledger-line version. Debit or Credit is set; both are in Currency. */
  GeneralLedger: fact('GeneralLedger', 'journal_entry_details', [
    recordIdField('DetailId'),
    nested('EntryId', 'Int64', 'entry.entryid'),
    day('Date', 'user_entered_date'),
    str('Name', 'name'),
    str('Description', 'description'),
    str('DetailType', 'detail_type'),
    // ChartOfAccounts' key: the sub-account the line posts to, else its account.
    field('AccountKey', 'String', (s) => {
      const sub = s.item.sub_account;
      const acct = s.item.account;
      const subId = isPlainObject(sub) ? toInt64(sub.sub_accountid ?? sub.id) : null;
      const acctId = isPlainObject(acct) ? toInt64(acct.accountid ?? acct.id) : null;
      return subId !== null ? `sub_account:${subId}` : acctId !== null ? `account:${acctId}` : null;
    }),
    // "Ledger" because AccountId names the FreshBooks account (the owner) on every fact table.
    nested('LedgerAccountId', 'Int64', 'account.accountid'),
    nested('LedgerAccountName', 'String', 'account.account_name'),
    nested('LedgerAccountNumber', 'String', 'account.account_number'),
    nested('LedgerAccountType', 'String', 'account.account_type'),
    nested('SubAccountId', 'Int64', 'sub_account.sub_accountid'),
    nested('SubAccountName', 'String', 'sub_account.account_sub_name'),
    dbl('Debit', 'debit'),
    dbl('Credit', 'credit'),
    dbl('Balance', 'balance'),
    currency,
    nested('ClientId', 'Int64', 'entry.clientid'),
    nested('InvoiceId', 'Int64', 'entry.invoiceid'),
    nested('PaymentId', 'Int64', 'entry.paymentid'),
    nested('ExpenseId', 'Int64', 'entry.expenseid'),
    nested('CreditNoteId', 'Int64', 'entry.creditid'),
    nested('OtherIncomeId', 'Int64', 'entry.incomeid'),
  ]),
  CreditNotes: fact('CreditNotes', 'credit_notes', [
    recordIdField('CreditNoteId'),
    str('CreditNumber', 'credit_number'),
    ref('ClientId', 'clientid'),
    field('ClientName', 'String', displayName),
    str('CreditType', 'credit_type'),
    day('IssueDate', 'create_date'),
    dbl('Amount', 'amount'),
    dbl('Paid', 'paid'),
    currency,
    str('Status', 'status'),
    str('PaymentStatus', 'payment_status'),
  ]),
  OtherIncome: fact('OtherIncome', 'other_incomes', [
    recordIdField('OtherIncomeId'),
    day('Date', 'date'),
    dbl('Amount', 'amount'),
    currency,
    str('CategoryName', 'category_name'),
    str('Source', 'source'),
    str('PaymentType', 'payment_type'),
    str('Note', 'note'),
  ]),
  TimeEntries: fact('TimeEntries', 'time_entries', [
    recordIdField('TimeEntryId'),
    ref('ProjectId', 'project_id'),
    ref('ClientId', 'client_id'),
    ref('ServiceId', 'service_id'),
    utc('StartedAt', 'started_at'),
    int('DurationSeconds', 'duration'),
    field('Hours', 'Double', (s) => {
      const secs = toInt64(s.item.duration);
      return typeof secs === 'number' ? secs / 3600 : null;
    }),
    str('Note', 'note'),
    bool('Billable', 'billable'),
    bool('Billed', 'billed'),
  ]),
  /** Dimensions for time entries: one row per project / service, replaced whole. */
  Projects: dimension('Projects', 'projects', [
    recordIdField('ProjectId'),
    str('Title', 'title'),
    ref('ClientId', 'client_id'),
    str('ProjectType', 'project_type'),
    str('BillingMethod', 'billing_method'),
    dbl('FixedPrice', 'fixed_price'),
    dbl('Rate', 'rate'),
    bool('Active', 'active'),
    bool('Complete', 'complete'),
    utc('CreatedAt', 'created_at'),
    UPDATED,
    ...SYNC,
    ...OWNER,
  ]),
  Services: dimension('Services', 'services', [
    recordIdField('ServiceId'),
    str('Name', 'name'),
    bool('Billable', 'billable'),
    ...FLAGS,
    ...SYNC,
    ...OWNER,
  ]),
};

export const POWERBI_TABLES: Readonly<Record<PowerBiTableKey, PowerBiTableSpec>> = Object.fromEntries(
  Object.values(DEFS).map((d) => [d.name, { name: d.name, kind: d.kind, entity: d.entity, columns: d.fields.map(({ name, dataType }) => ({ name, dataType })) }]),
) as Record<PowerBiTableKey, PowerBiTableSpec>;

export const POWERBI_TABLE_KEYS = Object.keys(DEFS) as PowerBiTableKey[];

/**
 * The tables every dataset has (created with it, checked before every write). The others belong to opt-in
 * entities: a dataset made before they existed gets each one added when a connection first delivers it
 * (adding a table leaves the others' rows alone), so existing datasets never show a schema mismatch for them.
 */
export const POWERBI_CORE_TABLE_KEYS: readonly PowerBiTableKey[] = ['Invoices', 'InvoiceLines', 'Payments', 'Expenses', 'Bills', 'BillPayments', 'Clients', 'ChartOfAccounts'];

/** Entities whose Power BI tables are append-only facts. */
export const POWERBI_FACT_ENTITIES: readonly FreshBooksEntity[] = ['invoices', 'payments', 'expenses', 'bills', 'journal_entry_details', 'credit_notes', 'other_incomes', 'time_entries'];
/** Entities whose Power BI tables are dimensions, replaced whole on a schedule. */
export const POWERBI_DIMENSION_ENTITIES: readonly FreshBooksEntity[] = ['clients', 'accounts', 'projects', 'services'];

/** Tables fed from an entity's records, the record's own table first ([] when it has none). */
export function powerBiTablesFor(entity: FreshBooksEntity): PowerBiTableSpec[] {
  return POWERBI_TABLE_KEYS.filter((k) => DEFS[k].entity === entity).map((k) => POWERBI_TABLES[k]);
}

/** Internal: the fields of a table, for the mapper. */
export function tableFields(table: PowerBiTableKey): readonly PowerBiField[] {
  return DEFS[table].fields;
}
