import { TABLES, type TableKey } from '../../mapping/freshbooks';
import type { Pool } from 'pg';
import type { BigQueryWarehouse } from '../../connectors/bigquery';
import type { AccountTotals } from '../../sandbox/freshbooks';
import { EMULATOR_PROJECT } from './harness';

/** Which source total each warehouse table is compared with, and the money column summed. */
export const COMPARED: { table: TableKey; source: keyof AccountTotals['entities']; amountColumn?: string }[] = [
  { table: 'invoices', source: 'invoices', amountColumn: 'amount' },
  { table: 'invoice_lines', source: 'invoice_lines', amountColumn: 'amount' },
  { table: 'payments', source: 'payments', amountColumn: 'amount' },
  { table: 'expenses', source: 'expenses', amountColumn: 'amount' },
  { table: 'bills', source: 'bills', amountColumn: 'total_amount' },
  { table: 'bill_lines', source: 'bill_lines', amountColumn: 'amount' },
  { table: 'bill_vendors', source: 'bill_vendors' },
  { table: 'clients', source: 'clients' },
  { table: 'items', source: 'items' },
  { table: 'expense_categories', source: 'expense_categories' },
  { table: 'accounts', source: 'accounts' },
];

export interface WarehouseFigures {
  count: number;
  distinctKeys: number;
  amounts: Record<string, string>;
}

const view = (datasetId: string, key: TableKey) => `\`${EMULATOR_PROJECT}.${datasetId}.${TABLES[key].defaultName}_latest\``;

/** Row count, distinct record keys and money per currency, read from a table's latest-state view. */
export async function warehouseFigures(wh: BigQueryWarehouse, datasetId: string, key: TableKey, amountColumn?: string): Promise<WarehouseFigures> {
  const keyExpr = `CONCAT(${TABLES[key].keyColumns.map((c) => `CAST(${c} AS STRING)`).join(", '|', ")})`;
  const [counts] = await wh.query<{ n: number; k: number }>(`SELECT COUNT(*) AS n, COUNT(DISTINCT ${keyExpr}) AS k FROM ${view(datasetId, key)}`);
  const amounts: Record<string, string> = {};
  if (amountColumn) {
    const rows = await wh.query<{ cur: string; total: string }>(
      `SELECT ${amountColumn}_currency AS cur, CAST(SUM(${amountColumn}) AS STRING) AS total FROM ${view(datasetId, key)} GROUP BY cur ORDER BY cur`);
    for (const r of rows) amounts[r.cur] = normaliseMoney(String(r.total));
  }
  return { count: Number(counts.n), distinctKeys: Number(counts.k), amounts };
}

/** The same figures from a Postgres warehouse's `_latest` view. */
export async function postgresFigures(pool: Pool, schema: string, key: TableKey, amountColumn?: string): Promise<WarehouseFigures> {
  const v = `"${schema}"."${TABLES[key].defaultName}_latest"`;
  const keys = TABLES[key].keyColumns.map((c) => `"${c}"`).join(', ');
  const { rows: [counts] } = await pool.query<{ n: number; k: number }>(`SELECT count(*)::int AS n, count(DISTINCT (${keys}))::int AS k FROM ${v}`);
  const amounts: Record<string, string> = {};
  if (amountColumn) {
    const { rows } = await pool.query<{ cur: string; total: string }>(
      `SELECT "${amountColumn}_currency" AS cur, sum("${amountColumn}")::text AS total FROM ${v} GROUP BY 1 ORDER BY 1`);
    for (const r of rows) amounts[r.cur] = normaliseMoney(String(r.total));
  }
  return { count: counts!.n, distinctKeys: counts!.k, amounts };
}

/** Versions a Postgres warehouse's raw table holds more than once (never any: `_version` is unique there). */
export async function postgresRepeatedVersions(pool: Pool, schema: string, key: TableKey): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT (count(*) - count(DISTINCT "_version"))::int AS n FROM "${schema}"."${TABLES[key].defaultName}"`);
  return rows[0]!.n;
}

export function normaliseMoney(v: string): string {
  const [int, frac = ''] = v.split('.');
  return `${int}.${(frac + '00').slice(0, 2)}`;
}

export const sourceAmounts = (a: Record<string, string>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, normaliseMoney(v)]));

/**
 * The figures each compared table holds after one whole backfill of the account, from the sandbox's ground truth:
 * its record count, one row per record key, and its money per currency. The crash and fault tests compare their
 * tables with these. They used to compare with a second, undisturbed backfill as well, but every figure of that
 * comparison is one of these (count, keys, money), so it proved nothing more and cost a backfill at 10 requests/s.
 */
export function sourceFigures(totals: AccountTotals, compared = COMPARED): Record<string, WarehouseFigures> {
  return Object.fromEntries(compared.map((c) => {
    const source = totals.entities[c.source];
    return [c.table, { count: source.count, distinctKeys: source.count, amounts: c.amountColumn ? sourceAmounts(source.amounts) : {} }];
  }));
}
