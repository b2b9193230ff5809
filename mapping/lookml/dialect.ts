/**
 * Where a connection's warehouse tables are, and the few SQL spellings that differ between the
 * warehouses LookML is generated for. Everything else in the generated SQL is common to both.
 */

/** A warehouse connection's tables: the catalogue's table key -> the raw (append-only) table's name. */
export type WarehouseLocation =
  | { dialect: 'bigquery'; projectId: string; datasetId: string; tables: Readonly<Record<string, string>> }
  | { dialect: 'postgres'; schema: string; tables: Readonly<Record<string, string>> };

export interface Dialect {
  /** A relation (table or view) of this warehouse, quoted. */
  relation(name: string): string;
  /** A column of `${TABLE}` (or any alias), quoted where the name needs it. */
  column(alias: string, name: string): string;
  /** An expression as text, for building composite keys. */
  asText(expr: string): string;
  /**
   * Texts joined, NULL if any part is NULL: an unmatched outer join must give a NULL key, or Looker
   * counts every unmatched row as one record. (Postgres' CONCAT skips NULLs; its `||` does not.)
   */
  joinText(parts: readonly string[]): string;
}

/** Every view of the catalogue is `<raw table>_latest` in both warehouses (mapping/freshbooks/latest-view.ts). */
export const latestViewOf = (table: string): string => `${table}_latest`;

/**
 * BigQuery's reserved keywords (GoogleSQL lexical reference). Column names that are one of them must
 * be backquoted; the rest are left bare so the generated SQL reads like hand-written SQL.
 */
const BIGQUERY_RESERVED = new Set(`all and any array as asc assert_rows_modified at between by case cast collate contains create cross cube
current default define desc distinct else end enum escape except exclude exists extract false fetch following for from full group
grouping groups hash having if ignore in inner intersect interval into is join lateral left like limit lookup merge natural new no
not null nulls of on or order outer over partition preceding proto qualify range recursive respect right rollup rows select set
some struct tablesample then to treat true unbounded union unnest using when where window with within`.split(/\s+/));

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;

function plain(name: string): string {
  if (!PLAIN.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}

/** Project ids are letters, digits and hyphens; domain-scoped ones add `example.com:`. */
function project(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(id)) throw new Error(`not a project id: ${id}`);
  return id;
}

export function dialectOf(w: WarehouseLocation): Dialect {
  if (w.dialect === 'bigquery') {
    return {
      relation: (name) => `\`${project(w.projectId)}.${plain(w.datasetId)}.${plain(name)}\``,
      column: (alias, name) => `${alias}.${BIGQUERY_RESERVED.has(plain(name).toLowerCase()) ? `\`${name}\`` : name}`,
      asText: (expr) => `CAST(${expr} AS STRING)`,
      joinText: (parts) => `CONCAT(${parts.join(', ')})`,
    };
  }
  // Postgres folds unquoted names to lower case and reserves more words (user, order, ...): quote all.
  return {
    relation: (name) => `"${plain(w.schema)}"."${plain(name)}"`,
    column: (alias, name) => `${alias}."${plain(name)}"`,
    asText: (expr) => `CAST(${expr} AS TEXT)`,
    joinText: (parts) => parts.join(' || '),
  };
}
