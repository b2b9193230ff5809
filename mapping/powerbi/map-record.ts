/**
 * One FreshBooks record -> Power BI push-dataset rows. Pure and deterministic: the same record and
 * context give the same rows. Ids, versions, timestamps and value coercions are the warehouse mapping's
 * (mapping/freshbooks), so a record's Version here equals its `_version` in BigQuery.
 */
import { FRESHBOOKS_ENTITIES, VIS_STATE, type FreshBooksEntity } from '../../common/freshbooks-entities';
import { sourceKeys } from '../freshbooks/fields';
import { lineInsertId, recordInsertId, versionToken } from '../freshbooks/insert-id';
import { TABLES, entityTableFor } from '../freshbooks/tables';
import { toUtcIso } from '../freshbooks/time';
import { currencyOf, isPlainObject, toInt64, toMoney, toStringValue, toTimestamp } from '../freshbooks/values';
import {
  POWERBI_FACT_ENTITIES,
  powerBiTablesFor,
  tableFields,
  type PowerBiTableKey,
  type RowMeta,
  type RowSource,
} from './tables';
import { toPowerBiValue } from './values';

export interface PowerBiMapContext {
  accountId: string;
  businessId: number;
  /** When the record was read; any ISO timestamp, written as UTC. */
  syncedAt: string;
  batchId: string;
}

export interface PowerBiRow {
  table: PowerBiTableKey;
  row: Record<string, unknown>;
}

/** TransactionId prefixes: `invoice:<accountId>:<id>`, `invoice_line:<accountId>:<invoiceId>:<lineKey>`. */
const TRANSACTION_PREFIX: Record<PowerBiTableKey, string> = {
  Invoices: 'invoice',
  InvoiceLines: 'invoice_line',
  Payments: 'payment',
  Expenses: 'expense',
  Bills: 'bill',
  BillPayments: 'bill_payment',
  Clients: 'client',
  ChartOfAccounts: 'account',
  GeneralLedger: 'journal_entry_detail',
  CreditNotes: 'credit_note',
  OtherIncome: 'other_income',
  TimeEntries: 'time_entry',
  Projects: 'project',
  Services: 'service',
};

/**
 * Child rows carried inside a record. Invoice lines use the warehouse's line rules (array, line key
 * fields, version namespace) so their Version equals the BigQuery invoice_lines `_version`.
 */
interface ChildTable {
  table: PowerBiTableKey;
  sourceArray: string;
  keyFrom: readonly string[];
  /** Table name inside the version string (lineInsertId). */
  versionTable: string;
}

const invoiceLineLink = TABLES.invoice_lines.parent;
const CHILDREN: Partial<Record<FreshBooksEntity, ChildTable>> = {
  invoices: {
    table: 'InvoiceLines',
    sourceArray: invoiceLineLink?.sourceArray ?? 'lines',
    keyFrom: invoiceLineLink?.lineKeyFrom ?? ['lineid'],
    versionTable: TABLES.invoice_lines.key,
  },
  // No bill_payment webhook exists: bill payments are read from, and versioned with, their bill.
  bills: { table: 'BillPayments', sourceArray: 'bill_payments', keyFrom: ['id'], versionTable: 'bill_payments' },
};

export function mapToPowerBi(entity: FreshBooksEntity, record: Record<string, unknown>, ctx: PowerBiMapContext): PowerBiRow[] {
  const tables = powerBiTablesFor(entity);
  if (tables.length === 0) return [];
  if (entity === 'accounts') return mapAccount(record, ctx);

  const table = tables[0].name;
  const source = FRESHBOOKS_ENTITIES[entity];
  const id = recordId(entity, record);
  const updatedRaw = source.updatedField ? toStringValue(record[source.updatedField]) : null;
  const token = versionToken(updatedRaw, record);
  const visState = toInt64(record.vis_state);
  const meta: RowMeta = {
    ...syncMeta(ctx),
    recordId: id,
    transactionId: transactionId(table, ctx.accountId, id),
    version: recordInsertId(ctx.accountId, entityTableFor(entity).key, id, token),
    parentVersion: null,
    lineKey: null,
    updatedAt: source.updatedField ? toTimestamp(updatedRaw, source.updatedZone) : null,
    isDeleted: visState === VIS_STATE.deleted,
    isArchived: visState === VIS_STATE.archived,
    currency: rowCurrency(record, null),
  };
  const rows: PowerBiRow[] = [{ table, row: buildRow(table, { item: record, meta }) }];
  const child = CHILDREN[entity];
  return child ? [...rows, ...mapChildren(child, record, meta, token, ctx)] : rows;
}

/**
 * Lines and bill payments: one row each for this parent version. They inherit the parent's id, UpdatedAt
 * and flags (a child of a deleted parent is deleted), and ParentVersion is the parent's Version.
 */
function mapChildren(child: ChildTable, record: Record<string, unknown>, parent: RowMeta, parentToken: string, ctx: PowerBiMapContext): PowerBiRow[] {
  const array = record[child.sourceArray];
  if (!Array.isArray(array)) return [];
  const items = array.filter(isPlainObject);
  const keys = childKeys(items, child.keyFrom);
  const parentId = parent.recordId ?? '';
  return items.map((item, i) => {
    const visState = toInt64(item.vis_state);
    const meta: RowMeta = {
      ...parent,
      transactionId: transactionId(child.table, ctx.accountId, parentId, keys[i]),
      version: lineInsertId(ctx.accountId, child.versionTable, parentId, keys[i], parentToken),
      parentVersion: parent.version,
      lineKey: keys[i],
      isDeleted: parent.isDeleted || visState === VIS_STATE.deleted,
      isArchived: parent.isArchived || visState === VIS_STATE.archived,
      currency: rowCurrency(item, parent.currency),
    };
    return { table: child.table, row: buildRow(child.table, { item, meta }) };
  });
}

/**
 * A child's key within its parent, by the warehouse's rule: its own id when every child has a distinct
 * one, else 1-based positions for all (keys need only be unique within one parent version).
 */
function childKeys(items: Record<string, unknown>[], keyFrom: readonly string[]): string[] {
  const own = items.map((it) => keyFrom.map((k) => toInt64(it[k])).find((v) => v !== null) ?? null);
  const distinct = new Set(own.map(String));
  return own.every((k) => k !== null) && distinct.size === own.length ? own.map(String) : own.map((_, i) => String(i + 1));
}

/**
 * A chart-of-accounts record: its own row plus one row per sub account (see ChartOfAccounts in tables.ts).
 * Both are normalised to the account's field names so one set of columns reads them.
 */
function mapAccount(record: Record<string, unknown>, ctx: PowerBiMapContext): PowerBiRow[] {
  const table: PowerBiTableKey = 'ChartOfAccounts';
  const id = recordId('accounts', record);
  const currency = rowCurrency(record, null);
  const base = { ...syncMeta(ctx), version: null, parentVersion: null, lineKey: null, updatedAt: null, isDeleted: false, isArchived: false };
  const own: RowSource = {
    item: {
      account_number: record.account_number,
      account_name: record.account_name,
      account_type: record.account_type,
      balance: record.balance,
      parentid: null,
      is_sub_account: false,
    },
    meta: { ...base, recordId: id, transactionId: `account:${id}`, currency },
  };
  const subs = (Array.isArray(record.sub_accounts) ? record.sub_accounts : []).filter(isPlainObject).flatMap((sub): RowSource[] => {
    const subId = firstId(sub, ['sub_accountid', 'id']);
    if (subId === null) return []; // no key to relate it by; the BigQuery accounts table keeps it in sub_accounts
    return [
      {
        item: {
          account_number: sub.account_sub_number,
          account_name: sub.account_sub_name,
          account_type: sub.account_type ?? record.account_type,
          balance: sub.balance,
          parentid: sub.parentid ?? id,
          is_sub_account: true,
        },
        meta: { ...base, recordId: subId, transactionId: `sub_account:${subId}`, currency: currencyOf(sub) ?? currency },
      },
    ];
  });
  return [own, ...subs].map((source) => ({ table, row: buildRow(table, source) }));
}

/**
 * The row written when FreshBooks reports a deletion but the record can no longer be fetched: the
 * record's main fact row with IsDeleted true, its id, TransactionId and Version `deleted:<deletedAt>`,
 * UpdatedAt = deletedAt, SyncedAt now (so it is the latest version), and every record column null. Its
 * lines need no tombstones: none has the tombstone as ParentVersion. Dimensions get none ([]): they are
 * replaced whole on a schedule, and a second row per id would break their one-row-per-record promise.
 */
export function tombstoneFor(
  entity: FreshBooksEntity,
  recordId: string | number,
  ctx: PowerBiMapContext & { deletedAt: string },
): PowerBiRow[] {
  if (!POWERBI_FACT_ENTITIES.includes(entity)) return [];
  const table = powerBiTablesFor(entity)[0].name;
  const id = String(recordId).trim();
  const deletedAt = toUtcIso(ctx.deletedAt, 'UTC');
  const meta: RowMeta = {
    ...syncMeta(ctx),
    recordId: id,
    transactionId: transactionId(table, ctx.accountId, id),
    version: `deleted:${deletedAt}`,
    parentVersion: null,
    lineKey: null,
    updatedAt: deletedAt,
    isDeleted: true,
    isArchived: false,
    currency: null,
  };
  return [{ table, row: buildRow(table, { item: {}, meta }) }];
}

// ---- helpers ----------------------------------------------------------------------------------------

/** Columns in catalogue order, each value coerced to its column type. */
function buildRow(table: PowerBiTableKey, source: RowSource): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const f of tableFields(table)) row[f.name] = toPowerBiValue(f.dataType, f.get(source));
  return row;
}

function syncMeta(ctx: PowerBiMapContext): Pick<RowMeta, 'syncedAt' | 'batchId' | 'accountId' | 'businessId'> {
  return { syncedAt: toUtcIso(ctx.syncedAt, 'UTC'), batchId: ctx.batchId, accountId: ctx.accountId, businessId: ctx.businessId };
}

function transactionId(table: PowerBiTableKey, accountId: string, ...ids: string[]): string {
  return [TRANSACTION_PREFIX[table], accountId, ...ids].join(':');
}

/** The record's id, read from the same source keys as the warehouse mapping (id/invoiceid, accountid/id, ...). */
function recordId(entity: FreshBooksEntity, record: Record<string, unknown>): string {
  const idField = entityTableFor(entity).fields.find((f) => f.column === 'id');
  const keys = idField ? sourceKeys(idField) : [FRESHBOOKS_ENTITIES[entity].idField];
  const id = firstId(record, keys);
  if (id === null) throw new Error(`FreshBooks ${entity} record has no id (looked in ${keys.join(', ')})`);
  return id;
}

function firstId(record: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const v = record[key];
    if ((typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '')) return String(v).trim();
  }
  return null;
}

/** A row's currency: its currency_code, else the code on its amount (a ledger line's debit / credit), else its parent's. */
function rowCurrency(item: Record<string, unknown>, fallback: string | null): string | null {
  return currencyOf(item) ?? toMoney(item.amount, null).currency ?? toMoney(item.debit, null).currency ?? toMoney(item.credit, null).currency ?? fallback;
}
