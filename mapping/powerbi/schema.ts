/**
 * The push dataset's definition, and the check that an existing dataset still matches it: rows posted
 * to a table whose columns differ are rejected (400), so a mismatch is reported before any data is sent.
 */
import { POWERBI_CORE_TABLE_KEYS, POWERBI_TABLES, type PowerBiColumn, type PowerBiTableSpec } from './tables';

export interface PowerBiDatasetDefinition {
  name: string;
  defaultMode: 'Push';
  tables: { name: string; columns: PowerBiColumn[] }[];
}

/** Body for `POST /groups/{groupId}/datasets` (no measures or relationships). */
export function datasetDefinition(name: string): PowerBiDatasetDefinition {
  return {
    name,
    defaultMode: 'Push',
    tables: Object.values(POWERBI_TABLES).map((t) => ({ name: t.name, columns: t.columns.map((c) => ({ name: c.name, dataType: c.dataType })) })),
  };
}

/** A table as Power BI describes it (`GET …/datasets/{id}/tables`); columns may be absent. */
export interface ActualTable {
  name: string;
  columns?: { name: string; dataType: string }[];
}

/**
 * What a dataset must match: the core tables always, and each opt-in table the dataset already has (one it
 * lacks is added on first delivery, see tables.ts), so a dataset made before the ledger tables still matches.
 */
export function expectedTables(actual: readonly ActualTable[]): PowerBiTableSpec[] {
  const present = new Set(actual.map((t) => t.name));
  return Object.values(POWERBI_TABLES).filter((t) => POWERBI_CORE_TABLE_KEYS.includes(t.name) || present.has(t.name));
}

export interface SchemaMismatch {
  table: string;
  missingTable?: true;
  missingColumns: string[];
  unexpectedColumns: string[];
  typeMismatches: { column: string; expected: string; actual: string }[];
}

/** Data types compare case-insensitively; the docs' sample spells Boolean `bool`. */
function normaliseType(dataType: string): string {
  const t = dataType.trim().toLowerCase();
  return t === 'bool' ? 'boolean' : t;
}

/**
 * Differences between the expected tables and a dataset's. Table and column names are case-sensitive.
 * Extra tables in the dataset are fine; a table reported without columns is only checked for presence
 * (the service may omit them, and then nothing can be said about its columns). Only tables with a
 * difference are returned, so [] means the dataset matches.
 */
export function compareSchema(
  expected: readonly { name: string; columns: readonly PowerBiColumn[] }[] | undefined,
  actual: readonly ActualTable[],
): SchemaMismatch[] {
  expected ??= expectedTables(actual);
  const byName = new Map(actual.map((t) => [t.name, t]));
  const mismatches: SchemaMismatch[] = [];
  for (const want of expected) {
    const have = byName.get(want.name);
    if (!have) {
      mismatches.push({ table: want.name, missingTable: true, missingColumns: want.columns.map((c) => c.name), unexpectedColumns: [], typeMismatches: [] });
      continue;
    }
    if (!have.columns) continue;
    const haveColumns = new Map(have.columns.map((c) => [c.name, c.dataType]));
    const wantNames = new Set(want.columns.map((c) => c.name));
    const m: SchemaMismatch = {
      table: want.name,
      missingColumns: want.columns.filter((c) => !haveColumns.has(c.name)).map((c) => c.name),
      unexpectedColumns: have.columns.filter((c) => !wantNames.has(c.name)).map((c) => c.name),
      typeMismatches: want.columns.flatMap((c) => {
        const actualType = haveColumns.get(c.name);
        return actualType !== undefined && normaliseType(actualType) !== normaliseType(c.dataType)
          ? [{ column: c.name, expected: c.dataType, actual: actualType }]
          : [];
      }),
    };
    if (m.missingColumns.length + m.unexpectedColumns.length + m.typeMismatches.length > 0) mismatches.push(m);
  }
  return mismatches;
}

/** One paragraph for an operator: which tables and columns differ, expected vs actual. */
export function describeMismatch(mismatches: readonly SchemaMismatch[]): string {
  if (mismatches.length === 0) return 'The Power BI dataset matches the expected schema.';
  const parts = mismatches.map((m) => {
    if (m.missingTable) return `table ${m.table} is missing`;
    const issues: string[] = [];
    if (m.missingColumns.length > 0) issues.push(`is missing column(s) ${m.missingColumns.join(', ')}`);
    if (m.unexpectedColumns.length > 0) issues.push(`has unexpected column(s) ${m.unexpectedColumns.join(', ')}`);
    if (m.typeMismatches.length > 0) {
      issues.push(`has wrong type(s): ${m.typeMismatches.map((t) => `${t.column} is ${t.actual}, expected ${t.expected}`).join('; ')}`);
    }
    return `table ${m.table} ${issues.join(' and ')}`;
  });
  return (
    `The Power BI dataset does not match the expected schema: ${parts.join('; ')}. ` +
    'No rows are posted until it is aligned (update the table schema, then re-push its rows, or recreate the dataset).'
  );
}
