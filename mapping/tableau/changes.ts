/**
 * One batch of FreshBooks records → what Update Data must do to each Tableau table (destinations.md C4):
 * rows to upsert on the key, keys to delete, and for line tables the parents whose lines are replaced
 * (delete the parent's old lines, insert its current ones — a line dropped in FreshBooks disappears).
 * Pure: built from mapRecord's rows, so values mean what they mean in the warehouse.
 */
import type { FreshBooksEntity } from '../../common/freshbooks-entities';
import { mapRecord, type MapContext } from '../freshbooks';
import { TABLEAU_TABLES, tableauTableFor, type TableauTableName, type TableauTableSpec } from './tables';

export type HyperValue = string | number | boolean | null;
export type HyperRow = Record<string, HyperValue>;

export interface TableChanges {
  table: TableauTableName;
  /** Rows keyed by column name: upserted (records) or inserted after their parent's lines were deleted (lines). */
  rows: HyperRow[];
  /** Key values of records to delete (records tables), one array per key column order. */
  deletes: HyperValue[][];
  /** Lines: parent ids whose old lines are deleted before `rows` are inserted; grouped records: record ids whose rows are. */
  replacedParents: HyperValue[];
}

export interface TombstoneIn {
  recordId: string;
}

/** The changes of one entity's batch, per Tableau table; tables with nothing to do are left out. */
/** `versionTokens`, when given, are the records' version tokens in order (see mapRecord): no second hash of each. */
export function tableauChanges(entity: FreshBooksEntity, records: Record<string, unknown>[], tombstones: TombstoneIn[], ctx: MapContext, versionTokens?: readonly string[]): TableChanges[] {
  const byTable = new Map<TableauTableName, TableChanges>();
  const get = (spec: TableauTableSpec) => {
    let c = byTable.get(spec.name);
    if (!c) byTable.set(spec.name, (c = { table: spec.name, rows: [], deletes: [], replacedParents: [] }));
    return c;
  };
  for (const [i, record] of records.entries()) {
    const mapped = mapRecord(entity, record, ctx, versionTokens?.[i]);
    const own = mapped[0];
    const ownSpec = own && tableauTableFor(own.table);
    if (!own || !ownSpec) continue;
    const deleted = own.row.json.is_deleted === true;
    const recordId = own.row.json.id as HyperValue;
    if (ownSpec.groupKey) {
      // Several rows per record: all of them go, and the current ones come back.
      const group = get(ownSpec);
      group.replacedParents.push(recordId);
      // A later version of the record in the same batch replaces the earlier one's rows whole.
      group.rows = group.rows.filter((r) => r[ownSpec.groupKey!] !== recordId);
      if (!deleted) for (const src of ownSpec.expand ? ownSpec.expand(own.row.json) : [own.row.json]) get(ownSpec).rows.push(tableauRow(ownSpec, src));
    } else if (deleted) get(ownSpec).deletes.push([recordId]);
    else get(ownSpec).rows.push(tableauRow(ownSpec, own.row.json));
    // Lines: the parent's lines are replaced whole, even when it has none now (or was deleted).
    for (const lineSpec of Object.values(TABLEAU_TABLES).filter((t) => t.role === 'lines' && isLineOf(t, own.table))) {
      get(lineSpec).replacedParents.push(recordId);
    }
    if (deleted) continue;
    for (const line of mapped.slice(1)) {
      const spec = tableauTableFor(line.table);
      if (spec) get(spec).rows.push(tableauRow(spec, line.row.json));
    }
  }
  const ownSpec = Object.values(TABLEAU_TABLES).find((t) => t.role === 'record' && t.source === entity);
  for (const t of tombstones) {
    if (!ownSpec) break;
    const id = toKey(t.recordId);
    if (ownSpec.groupKey) get(ownSpec).replacedParents.push(id);
    else get(ownSpec).deletes.push([id]);
    for (const lineSpec of Object.values(TABLEAU_TABLES).filter((s) => s.role === 'lines' && isLineOf(s, ownSpec.source))) get(lineSpec).replacedParents.push(id);
  }
  return [...byTable.values()].map(dedupe);
}

/** A table's row from a warehouse row (timestamps stay UTC ISO strings; the Hyper writer stores them as UTC). */
export function tableauRow(spec: TableauTableSpec, json: Record<string, unknown>): HyperRow {
  const row: HyperRow = {};
  for (const c of spec.columns) {
    const v = typeof c.from === 'function' ? c.from(json) : json[c.from];
    row[c.name] = v === undefined || v === null ? null : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
  }
  return row;
}

function isLineOf(lineSpec: TableauTableSpec, parentSource: string): boolean {
  return (lineSpec.source === 'invoice_lines' && parentSource === 'invoices') || (lineSpec.source === 'bill_lines' && parentSource === 'bills');
}

function toKey(id: string): HyperValue {
  return /^\d+$/.test(id) ? Number(id) : id;
}

/**
 * A batch may hold a record twice (two versions); the last one wins, as it would in FreshBooks. A record
 * deleted later in the batch is deleted, not upserted, and one upserted later is not deleted.
 */
function dedupe(c: TableChanges): TableChanges {
  const spec = TABLEAU_TABLES[c.table];
  const keyOf = (row: HyperRow) => JSON.stringify(spec.key.map((k) => row[k]));
  const rows = new Map<string, HyperRow>();
  for (const r of c.rows) rows.set(keyOf(r), r);
  const deletes = new Map<string, HyperValue[]>();
  for (const d of c.deletes) {
    const k = JSON.stringify(d);
    deletes.set(k, d);
    if (spec.role === 'record') rows.delete(k);
  }
  return { ...c, rows: [...rows.values()], deletes: [...deletes.values()], replacedParents: [...new Set(c.replacedParents.map((p) => JSON.stringify(p)))].map((p) => JSON.parse(p) as HyperValue) };
}
