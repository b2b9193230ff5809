/**
 * ColumnSpec ↔ BigQuery TableFieldSchema, and the append-only schema evolution rule (A5):
 * new columns are appended as NULLABLE/REPEATED; an existing column is never dropped, renamed
 * or retyped — a type difference is a SchemaConflictError for a human to resolve.
 */
import type { TableField } from '@google-cloud/bigquery';
import type { ColumnSpec, ColumnType } from '../../common/warehouse-types';
import { InvalidSchemaError, SchemaConflictError } from './errors';

/** The REST API still answers with legacy SQL type names for tables created through it. */
const LEGACY_TYPE_NAMES: Record<string, string> = {
  INTEGER: 'INT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  BIGDECIMAL: 'BIGNUMERIC',
  DECIMAL: 'NUMERIC',
  STRUCT: 'RECORD',
};

export function canonicalType(type: string | null | undefined): string {
  const upper = (type ?? 'STRING').toUpperCase();
  return LEGACY_TYPE_NAMES[upper] ?? upper;
}

/** Column names: letters, digits, underscores; must not start with a digit; ≤300 chars. */
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;

export function validateColumns(table: string, columns: ColumnSpec[]): void {
  if (columns.length === 0) throw new InvalidSchemaError(`Table ${table}: at least one column is required`);
  const seen = new Set<string>();
  for (const col of columns) {
    if (!COLUMN_NAME.test(col.name)) throw new InvalidSchemaError(`Table ${table}: invalid column name "${col.name}"`);
    // BigQuery column names are case-insensitive: "Amount" and "amount" are the same column.
    const key = col.name.toLowerCase();
    if (seen.has(key)) throw new InvalidSchemaError(`Table ${table}: column "${col.name}" is listed twice (names are case-insensitive)`);
    seen.add(key);
  }
}

export function columnToField(col: ColumnSpec): TableField {
  const field: TableField = { name: col.name, type: col.type, mode: col.mode ?? 'NULLABLE' };
  if (col.description) field.description = col.description;
  return field;
}

/**
 * Fields of types outside ColumnType (DATETIME, RECORD, BIGNUMERIC… added by someone else) are
 * reported with BigQuery's type name; callers comparing schemas should treat them as foreign.
 */
export function fieldToColumn(field: TableField): ColumnSpec {
  const col: ColumnSpec = { name: field.name ?? '', type: canonicalType(field.type) as ColumnType };
  col.mode = field.mode === 'REPEATED' ? 'REPEATED' : 'NULLABLE';
  if (field.description) col.description = field.description;
  return col;
}

/**
 * Columns of `wanted` missing from `existing`, in `wanted` order. Throws SchemaConflictError
 * when a column exists with a different type or REPEATED-ness. Extra existing columns are fine.
 */
export function columnsToAdd(table: string, existing: TableField[], wanted: ColumnSpec[]): ColumnSpec[] {
  const byName = new Map(existing.map((f) => [(f.name ?? '').toLowerCase(), f]));
  const missing: ColumnSpec[] = [];
  for (const col of wanted) {
    const field = byName.get(col.name.toLowerCase());
    if (!field) {
      missing.push(col);
      continue;
    }
    const existingType = canonicalType(field.type);
    if (existingType !== col.type) throw new SchemaConflictError(table, col.name, existingType, col.type);
    const existingRepeated = field.mode === 'REPEATED';
    const wantedRepeated = col.mode === 'REPEATED';
    if (existingRepeated !== wantedRepeated) {
      throw new SchemaConflictError(
        table,
        col.name,
        `${existingType} ${field.mode ?? 'NULLABLE'}`,
        `${col.type} ${col.mode ?? 'NULLABLE'}`,
      );
    }
  }
  return missing;
}
