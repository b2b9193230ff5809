/** Column and row shapes shared by mapping/ (which produces them) and the destination connectors. */
export type ColumnType = 'STRING' | 'INT64' | 'NUMERIC' | 'BOOL' | 'TIMESTAMP' | 'DATE' | 'FLOAT64' | 'JSON';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Columns are always NULLABLE (schemas only grow); REPEATED is allowed for arrays. */
  mode?: 'NULLABLE' | 'REPEATED';
  description?: string;
}

/** One destination row: its dedup key plus the JSON written. Money values are decimal strings. */
export interface WarehouseRow {
  insertId: string;
  json: Record<string, unknown>;
}
