/**
 * A batch as the first sync stages it (db/tableau TableauStaging): each table's changes with keys and
 * groups as text, compared as Update Data's `eq` would, and each row already as the CSV line the
 * publish's COPY reads. Pure CPU, so it can run on the mapping thread (mapping-thread.ts).
 */
import type { FreshBooksEntity } from '../../common/freshbooks-entities';
// The CSV module alone: the thread need not load pg and the hyperd process code.
import { csvLine } from '../../connectors/hyper/csv';
import type { StagedRow, StagedTableChanges } from '../../db/tableau';
import { TABLEAU_TABLES, tableauChanges, type TableChanges, type TableauTableName } from '../../mapping/tableau';

export interface StageInput {
  entity: FreshBooksEntity;
  records: Record<string, unknown>[];
  tombstones: { recordId: string }[];
  ctx: { accountId: string; businessId: number; syncedAt: string; batchId: string };
  versionTokens?: readonly string[];
}

/** What a staged batch is: its tables as the JSON the staging row holds, and how many rows and deletes it carries. */
export interface StagedBatch {
  json: string;
  tables: number;
  rows: number;
}

export function stageBatch(input: StageInput): StagedBatch {
  const changes = tableauChanges(input.entity, input.records, input.tombstones, input.ctx, input.versionTokens);
  return {
    json: changes.length === 0 ? '[]' : JSON.stringify(changes.map(stagedChanges)),
    tables: changes.length,
    rows: changes.reduce((n, c) => n + c.rows.length + c.deletes.length, 0),
  };
}

export function stagedChanges(c: TableChanges): StagedTableChanges {
  const spec = TABLEAU_TABLES[c.table];
  const group = spec.role === 'lines' ? spec.parentKey : spec.groupKey;
  const keyOf = (values: unknown[]) => JSON.stringify(values.map((v) => (v === null || v === undefined ? null : String(v))));
  return {
    table: c.table,
    rows: c.rows.map((row) => ({ key: keyOf(spec.key.map((k) => row[k])), group: group ? String(row[group]) : null, row: csvLine(spec.name, spec.columns, row) })),
    deleteKeys: c.deletes.map((d) => keyOf(d)),
    deleteGroups: c.replacedParents.map((p) => String(p)),
  };
}

/** A staged row as its CSV line: rows staged as objects (before CSV staging) are formatted now. */
export function stagedCsvLine(table: TableauTableName, row: StagedRow): string {
  if (typeof row === 'string') return row;
  const spec = TABLEAU_TABLES[table];
  return csvLine(spec.name, spec.columns, row);
}
