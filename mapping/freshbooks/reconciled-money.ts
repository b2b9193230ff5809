import { FRESHBOOKS_ENTITIES, type FreshBooksEntity } from '../../common/freshbooks-entities';
import { entityTableFor } from './tables';
import type { WarehouseRow } from '../../common/warehouse-types';

/**
 * The money columns a reconciliation report sums per currency, per entity: the totals a finance admin
 * checks (documents' totals and what is still owed, money received and spent). Each is a catalogue
 * `money` column, so `<column>_currency` holds its currency on the same row.
 */
export const RECONCILED_MONEY: Partial<Record<FreshBooksEntity, readonly string[]>> = {
  invoices: ['amount', 'outstanding'],
  payments: ['amount'],
  expenses: ['amount'],
  bills: ['total_amount', 'outstanding'],
  credit_notes: ['amount'],
  other_incomes: ['amount'],
};

export function reconciledMoney(entity: FreshBooksEntity): readonly string[] {
  const columns = RECONCILED_MONEY[entity] ?? [];
  const known = new Set(entityTableFor(entity).columns.map((c) => c.name));
  return columns.filter((c) => known.has(c) && known.has(`${c}_currency`));
}

/** The (column, currency, amount) a mapped row contributes; rows without an amount or currency contribute nothing. */
export function moneyOfRow(row: WarehouseRow['json'], columns: readonly string[]): { column: string; currency: string; amount: string }[] {
  const out: { column: string; currency: string; amount: string }[] = [];
  for (const column of columns) {
    const amount = row[column];
    const currency = row[`${column}_currency`];
    if ((typeof amount === 'string' || typeof amount === 'number') && typeof currency === 'string' && currency !== '') {
      out.push({ column, currency, amount: String(amount) });
    }
  }
  return out;
}

/**
 * The SQL condition (BigQuery and Postgres alike) for a latest-view row the source's default list would
 * also show. Lists that hide soft-deleted records (`search[vis_state]=1` reads them apart) are matched by
 * leaving deleted rows out; lists that show every record (services, ledger lines) by leaving out only the
 * tombstones of records deleted outright, the one kind of row without the record (`raw_json`).
 */
export function listedRowsCondition(entity: FreshBooksEntity): string {
  return FRESHBOOKS_ENTITIES[entity].softDeletes ? 'NOT COALESCE(is_deleted, FALSE)' : 'raw_json IS NOT NULL';
}
