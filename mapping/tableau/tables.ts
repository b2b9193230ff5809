/**
 * The tables of the Tableau published data source: one multi-table `.hyper`, schema `Extract`
 * (destinations.md C4: target names are those inside the file). Rows are built from the warehouse
 * mapping's output (mapping/freshbooks mapRecord), so ids, money, currencies and UTC timestamps mean
 * the same here as in BigQuery; only the naming and the choice of columns are Tableau's.
 *
 * Fact tables (Invoices, InvoiceLines, Payments, Expenses, Bills, BillLines) carry the financial
 * dimensions the seed names — amount and its currency, a date, the client, the category and the ledger
 * account (code and name where FreshBooks gives them on the record) — and ids that join to the
 * dimension tables (Clients, ChartOfAccounts, ExpenseCategories). Every table is keyed by its FreshBooks
 * id (lines by parent id + line id) and holds one row per record: Update Data upserts on the key and
 * deletes removed records, so the data source is the business's current state, not a history.
 *
 * Types: money NUMERIC(18,4) (Hyper rounds a bare NUMERIC to an integer — wave2-hands-on "Traps"),
 * quantities and percents NUMERIC(18,6), dates DATE, timestamps TIMESTAMP in UTC.
 */
import type { FreshBooksEntity } from '../../common/freshbooks-entities';
import type { ColumnType } from '../../common/warehouse-types';
import type { TableKey } from '../freshbooks/tables';

/** A column as the Hyper writer takes it (connectors/hyper HyperColumn): the warehouse vocabulary plus NUMERIC(p,s). */
export interface HyperColumn {
  name: string;
  type: ColumnType;
  precision?: number;
  scale?: number;
}

export type TableauTableName =
  | 'Invoices' | 'InvoiceLines' | 'Payments' | 'Expenses' | 'Bills' | 'BillLines'
  | 'Clients' | 'ChartOfAccounts' | 'ExpenseCategories';

export interface TableauColumn extends HyperColumn {
  /** The warehouse row's column this one is read from, or a function of the row. */
  from: string | ((row: Record<string, unknown>) => unknown);
}

export interface TableauTableSpec {
  name: TableauTableName;
  kind: 'fact' | 'dimension';
  /** The warehouse table (mapRecord's `table`) whose rows become this table's. */
  source: TableKey;
  /** The record's own table, or a line table replaced whole per parent. */
  role: 'record' | 'lines';
  /** Upsert/delete key columns: the record id, or parent id + line id. */
  key: string[];
  /** Lines: the column holding the parent's id (the delete-then-insert scope). */
  parentKey?: string;
  /**
   * Records that are several rows (an account and its sub-accounts): `expand` turns the warehouse row
   * into the rows' sources, and the record's rows are replaced whole, scoped by `groupKey` (the record's id
   * on each of its rows), so a sub-account dropped in FreshBooks disappears.
   */
  expand?: (row: Record<string, unknown>) => Record<string, unknown>[];
  groupKey?: string;
  columns: TableauColumn[];
}

export const EXTRACT_SCHEMA = 'Extract';

const col = (name: string, type: ColumnType, from: TableauColumn['from']): TableauColumn => ({ name, type, from });
const big = (name: string, from: string) => col(name, 'INT64', from);
const id = (name: string, from: string) => col(name, 'INT64', (r) => refId(r[from]));
const text = (name: string, from: string) => col(name, 'STRING', from);
const money = (name: string, from: string): TableauColumn => ({ name, type: 'NUMERIC', precision: 18, scale: 4, from });
const dec = (name: string, from: string): TableauColumn => ({ name, type: 'NUMERIC', precision: 18, scale: 6, from });
const day = (name: string, from: string) => col(name, 'DATE', from);
const ts = (name: string, from: string) => col(name, 'TIMESTAMP', from);
const bool = (name: string, from: string) => col(name, 'BOOL', from);
/** One Currency column per row: every amount on a FreshBooks document is in the document's currency. */
const currency = (from: string) => col('Currency', 'STRING', from);
/** The FreshBooks account (business) a row came from; not a ledger account. */
const OWNER = [text('FreshBooksAccountId', 'account_id'), big('BusinessId', 'business_id')];
const SYNC = [ts('SyncedAt', '_synced_at'), text('Version', '_version')];

/** FreshBooks writes 0 for "no client/category": a join must not take it for a real id. */
function refId(v: unknown): unknown {
  return v === 0 || v === '0' ? null : v;
}

export const TABLEAU_TABLES: Readonly<Record<TableauTableName, TableauTableSpec>> = {
  Invoices: {
    name: 'Invoices', kind: 'fact', source: 'invoices', role: 'record', key: ['InvoiceId'],
    columns: [
      big('InvoiceId', 'id'), text('InvoiceNumber', 'invoice_number'),
      id('ClientId', 'customerid'), text('ClientName', 'organization'),
      day('CreateDate', 'create_date'), day('DueDate', 'due_date'), day('DatePaid', 'date_paid'),
      text('Status', 'status'), text('PaymentStatus', 'payment_status'),
      money('Amount', 'amount'), money('Outstanding', 'outstanding'), money('Paid', 'paid'), money('DiscountTotal', 'discount_total'),
      currency('amount_currency'), text('PoNumber', 'po_number'),
      ts('UpdatedAt', 'updated_at'), bool('IsArchived', 'is_archived'), ...OWNER, ...SYNC,
    ],
  },
  InvoiceLines: {
    name: 'InvoiceLines', kind: 'fact', source: 'invoice_lines', role: 'lines', key: ['InvoiceId', 'LineId'], parentKey: 'InvoiceId',
    columns: [
      big('InvoiceId', 'invoice_id'), big('LineId', 'line_id'),
      text('Name', 'name'), text('Description', 'description'),
      dec('Quantity', 'qty'), money('UnitCost', 'unit_cost'), money('Amount', 'amount'), currency('amount_currency'),
      text('TaxName1', 'tax_name1'), dec('TaxPercent1', 'tax_percent1'), text('TaxName2', 'tax_name2'), dec('TaxPercent2', 'tax_percent2'),
      id('ExpenseId', 'expenseid'), ts('InvoiceUpdatedAt', 'invoice_updated_at'), ...OWNER, ...SYNC,
    ],
  },
  Payments: {
    name: 'Payments', kind: 'fact', source: 'payments', role: 'record', key: ['PaymentId'],
    columns: [
      big('PaymentId', 'id'), id('InvoiceId', 'invoiceid'), id('ClientId', 'clientid'),
      day('Date', 'date'), money('Amount', 'amount'), currency('amount_currency'),
      text('Type', 'type'), text('Note', 'note'), bool('FromCredit', 'from_credit'),
      ts('UpdatedAt', 'updated_at'), bool('IsArchived', 'is_archived'), ...OWNER, ...SYNC,
    ],
  },
  Expenses: {
    name: 'Expenses', kind: 'fact', source: 'expenses', role: 'record', key: ['ExpenseId'],
    columns: [
      big('ExpenseId', 'id'), id('CategoryId', 'categoryid'), id('ClientId', 'clientid'), id('ProjectId', 'projectid'),
      text('Vendor', 'vendor'), day('Date', 'date'), money('Amount', 'amount'), currency('amount_currency'),
      money('TaxAmount1', 'tax_amount1'), money('TaxAmount2', 'tax_amount2'), text('Status', 'status'),
      id('LedgerAccountId', 'accountid'), text('LedgerAccountName', 'account_name'), bool('IsCogs', 'is_cogs'), text('Notes', 'notes'),
      ts('UpdatedAt', 'updated_at'), bool('IsArchived', 'is_archived'), ...OWNER, ...SYNC,
    ],
  },
  Bills: {
    name: 'Bills', kind: 'fact', source: 'bills', role: 'record', key: ['BillId'],
    columns: [
      big('BillId', 'id'), text('BillNumber', 'bill_number'), id('VendorId', 'vendorid'),
      day('IssueDate', 'issue_date'), day('DueDate', 'due_date'), text('Status', 'status'),
      money('Amount', 'amount'), money('TaxAmount', 'tax_amount'), money('TotalAmount', 'total_amount'),
      money('Outstanding', 'outstanding'), money('Paid', 'paid'), currency('amount_currency'),
      text('CategoryName', 'overall_category'), text('Description', 'overall_description'),
      ts('UpdatedAt', 'updated_at'), bool('IsArchived', 'is_archived'), ...OWNER, ...SYNC,
    ],
  },
  BillLines: {
    name: 'BillLines', kind: 'fact', source: 'bill_lines', role: 'lines', key: ['BillId', 'LineId'], parentKey: 'BillId',
    columns: [
      big('BillId', 'bill_id'), big('LineId', 'line_id'),
      id('CategoryId', 'categoryid'), text('CategoryName', 'category'), text('Description', 'description'),
      dec('Quantity', 'quantity'), money('UnitCost', 'unit_cost'), money('Amount', 'amount'), money('TotalAmount', 'total_amount'),
      currency('amount_currency'), ts('BillUpdatedAt', 'bill_updated_at'), ...OWNER, ...SYNC,
    ],
  },
  Clients: {
    name: 'Clients', kind: 'dimension', source: 'clients', role: 'record', key: ['ClientId'],
    columns: [
      big('ClientId', 'id'), text('Organization', 'organization'), text('FirstName', 'fname'), text('LastName', 'lname'),
      text('Email', 'email'), text('Currency', 'currency_code'), text('Country', 'p_country'),
      ts('UpdatedAt', 'updated_at'), bool('IsArchived', 'is_archived'), ...OWNER, ...SYNC,
    ],
  },
  /**
   * Accounts and their sub-accounts, one row each (journal entries post to sub-accounts, so they must be
   * rows a relationship can reach). Account and sub-account ids are separate FreshBooks id spaces, so the
   * unique key is AccountKey ("account:<id>" / "sub_account:<id>"), as in Power BI; ParentAccountId gives
   * the hierarchy and TopAccountId the top-level account every row rolls up to.
   */
  ChartOfAccounts: {
    name: 'ChartOfAccounts', kind: 'dimension', source: 'accounts', role: 'record', key: ['AccountKey'],
    expand: accountWithSubAccounts, groupKey: 'TopAccountId',
    columns: [
      text('AccountKey', 'account_key'), big('AccountId', 'id'), big('ParentAccountId', 'parent_account_id'), big('TopAccountId', 'top_account_id'),
      bool('IsSubAccount', 'is_sub_account'), text('AccountNumber', 'account_number'), text('AccountName', 'account_name'),
      text('AccountType', 'account_type'), money('Balance', 'balance'), currency('balance_currency'), ...OWNER, ...SYNC,
    ],
  },
  ExpenseCategories: {
    name: 'ExpenseCategories', kind: 'dimension', source: 'expense_categories', role: 'record', key: ['CategoryId'],
    columns: [
      big('CategoryId', 'id'), text('Category', 'category'), id('ParentCategoryId', 'parentid'),
      bool('IsCogs', 'is_cogs'), ts('UpdatedAt', 'updated_at'), bool('IsArchived', 'is_archived'), ...OWNER, ...SYNC,
    ],
  },
};

/**
 * The warehouse accounts row (sub_accounts as JSON text, mapping/freshbooks) as the sources of its rows:
 * the account, then each sub-account with the account's owner and sync columns. A sub-account without an
 * id has no key to relate it by and is left out (the warehouse keeps it in sub_accounts).
 */
function accountWithSubAccounts(row: Record<string, unknown>): Record<string, unknown>[] {
  const id = row.id;
  const own = { ...row, account_key: `account:${id}`, parent_account_id: null, top_account_id: id, is_sub_account: false };
  let subs: unknown = row.sub_accounts;
  if (typeof subs === 'string') {
    try {
      subs = JSON.parse(subs);
    } catch {
      subs = [];
    }
  }
  const out: Record<string, unknown>[] = [own];
  for (const s of Array.isArray(subs) ? subs : []) {
    if (typeof s !== 'object' || s === null) continue;
    const sub = s as Record<string, unknown>;
    const subId = sub.sub_accountid ?? sub.id;
    if (subId === undefined || subId === null) continue;
    out.push({
      ...row,
      id: subId, account_key: `sub_account:${subId}`, parent_account_id: sub.parentid ?? id, top_account_id: id, is_sub_account: true,
      account_number: sub.account_sub_number ?? null, account_name: sub.account_sub_name ?? null,
      account_type: sub.account_type ?? row.account_type, balance: sub.balance ?? null,
      balance_currency: sub.currency_code ?? row.balance_currency,
    });
  }
  return out;
}

export const TABLEAU_TABLE_NAMES = Object.keys(TABLEAU_TABLES) as TableauTableName[];

/** The entities a Tableau connection reads: every table's source. */
export const TABLEAU_ENTITIES: readonly FreshBooksEntity[] = ['invoices', 'payments', 'expenses', 'bills', 'clients', 'accounts', 'expense_categories'];

/** The Tableau tables fed from one warehouse table (at most one). */
export function tableauTableFor(source: TableKey): TableauTableSpec | undefined {
  return Object.values(TABLEAU_TABLES).find((t) => t.source === source);
}
