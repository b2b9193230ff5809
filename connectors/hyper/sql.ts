/**
 * Hyper SQL text built without bind parameters: `pg`'s extended protocol fails on hyperd unless every
 * parameter's type OID is sent (42601 "unexpected parameter"), so identifiers and the few literals are quoted here.
 */
import type { ColumnType } from '../../common/warehouse-types';

/** The schema Tableau expects in a published .hyper (targets are usually "Extract"."<table>"). */
export const EXTRACT_SCHEMA = 'Extract';

/**
 * The warehouse column vocabulary (common/warehouse-types.ts) plus precision for money. NUMERIC is always
 * written as NUMERIC(p,s): Hyper's bare NUMERIC silently rounds ('5.55'::numeric → 6).
 */
export interface HyperColumn {
  name: string;
  type: ColumnType;
  /** NUMERIC only; default 18. Hyper allows up to 38. */
  precision?: number;
  /** NUMERIC only; default 4 (money in FreshBooks has 2, exchange rates more). */
  scale?: number;
  /** Default true; key columns may say false. */
  nullable?: boolean;
}

export interface HyperTable {
  name: string;
  columns: HyperColumn[];
  /** Objects keyed by column name; missing keys and null/undefined are NULL. */
  rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>;
}

export const DEFAULT_NUMERIC = { precision: 18, scale: 4 } as const;

export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new Error(`invalid Hyper identifier ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a Hyper string literal cannot hold NUL');
  return `'${value.replaceAll("'", "''")}'`;
}

/** A database path for CREATE/ATTACH DATABASE, which Hyper takes as a quoted identifier. */
export const quotePath = quoteIdent;

export function numericSpec(col: HyperColumn): { precision: number; scale: number } {
  const precision = col.precision ?? DEFAULT_NUMERIC.precision;
  const scale = col.scale ?? DEFAULT_NUMERIC.scale;
  if (!Number.isInteger(precision) || precision < 1 || precision > 38) throw new Error(`column ${col.name}: NUMERIC precision ${precision} is outside 1..38`);
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) throw new Error(`column ${col.name}: NUMERIC scale ${scale} is outside 0..${precision}`);
  return { precision, scale };
}

/**
 * Hyper's SQL type for a column. TIMESTAMP holds UTC wall-clock time (values are converted to UTC on the way
 * in): Tableau has no time zones for datetimes, so a plain TIMESTAMP shows the same instant to everyone.
 */
export function sqlType(col: HyperColumn): string {
  switch (col.type) {
    case 'STRING':
    case 'JSON':
      return 'TEXT';
    case 'INT64':
      return 'BIGINT';
    case 'FLOAT64':
      return 'DOUBLE PRECISION';
    case 'BOOL':
      return 'BOOLEAN';
    case 'DATE':
      return 'DATE';
    case 'TIMESTAMP':
      return 'TIMESTAMP';
    case 'NUMERIC': {
      const { precision, scale } = numericSpec(col);
      return `NUMERIC(${precision},${scale})`;
    }
    default:
      throw new Error(`column ${(col as HyperColumn).name}: unknown type ${String((col as HyperColumn).type)}`);
  }
}

export function tableName(schema: string, table: string, database?: string): string {
  return `${database ? `${quoteIdent(database)}.` : ''}${quoteIdent(schema)}.${quoteIdent(table)}`;
}

export function createTableSql(qualified: string, columns: HyperColumn[]): string {
  if (columns.length === 0) throw new Error(`table ${qualified} has no columns`);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new Error(`table ${qualified}: column ${c.name} appears twice`);
    seen.add(c.name);
  }
  const defs = columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c)}${c.nullable === false ? ' NOT NULL' : ''}`);
  return `CREATE TABLE ${qualified} (${defs.join(', ')})`;
}
