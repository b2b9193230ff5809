import type { ColumnType } from '../../common/warehouse-types';

/**
 * The catalogue's column types (BigQuery's names) as Postgres types. Money stays exact (`numeric`, no
 * scale: FreshBooks amounts keep the digits they were sent with), times keep their zone (`timestamptz`).
 */
export const PG_TYPES: Record<ColumnType, string> = {
  STRING: 'text',
  INT64: 'bigint',
  NUMERIC: 'numeric',
  BOOL: 'boolean',
  TIMESTAMP: 'timestamptz',
  DATE: 'date',
  FLOAT64: 'double precision',
  JSON: 'jsonb',
};

/**
 * The same types as `information_schema.columns.data_type` names them, to tell an existing column of
 * ours from one a person changed to another type.
 */
export const PG_DATA_TYPES: Record<ColumnType, string> = {
  STRING: 'text',
  INT64: 'bigint',
  NUMERIC: 'numeric',
  BOOL: 'boolean',
  TIMESTAMP: 'timestamp with time zone',
  DATE: 'date',
  FLOAT64: 'double precision',
  JSON: 'jsonb',
};

export function pgType(type: ColumnType): string {
  return PG_TYPES[type];
}

/** A quoted identifier; our names are plain, anything else is refused rather than built into SQL. */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain identifier: ${JSON.stringify(name.slice(0, 80))}`);
  return `"${name}"`;
}
