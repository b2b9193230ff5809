/**
 * The payload `.hyper` of one Update Data request and the actions that apply it (destinations.md C4).
 * Per table: records are upserted on their key and deleted by key; lines are deleted per parent and the
 * parent's current lines inserted, so an edit that drops a line removes it. Actions run in order in one
 * job, and a failing job applies none of them.
 */
import type { TableChanges } from './changes';
import { EXTRACT_SCHEMA, TABLEAU_TABLES, type HyperColumn } from './tables';

export interface PayloadTable {
  name: string;
  columns: HyperColumn[];
  rows: Record<string, unknown>[];
}

/** Shaped like the connector's TableauAction (mapping cannot import connectors). */
export interface UpdateAction {
  action: 'insert' | 'upsert' | 'delete' | 'replace';
  'target-schema': string;
  'target-table': string;
  'source-schema'?: string;
  'source-table'?: string;
  condition?: { op: 'eq'; 'target-col': string; 'source-col': string } | { op: 'and'; args: { op: 'eq'; 'target-col': string; 'source-col': string }[] };
}

const DELETE_SUFFIX = '__delete';
const PARENTS_SUFFIX = '__parents';

const columnsOf = (name: string, only?: readonly string[]): HyperColumn[] =>
  TABLEAU_TABLES[name as keyof typeof TABLEAU_TABLES].columns
    .filter((c) => !only || only.includes(c.name))
    .map((c) => ({ name: c.name, type: c.type, ...(c.precision !== undefined ? { precision: c.precision, scale: c.scale } : {}) }));

/** Every table, empty: the file a first publish (or a reset) replaces the data source with. */
export function emptyDataSourceTables(): PayloadTable[] {
  return Object.values(TABLEAU_TABLES).map((t) => ({ name: t.name, columns: columnsOf(t.name), rows: [] }));
}

export function payloadTables(changes: readonly TableChanges[]): PayloadTable[] {
  const out: PayloadTable[] = [];
  for (const c of changes) {
    const spec = TABLEAU_TABLES[c.table];
    if (c.rows.length > 0) out.push({ name: spec.name, columns: columnsOf(spec.name), rows: c.rows });
    if (spec.role === 'record' && c.deletes.length > 0) {
      out.push({ name: spec.name + DELETE_SUFFIX, columns: columnsOf(spec.name, spec.key), rows: c.deletes.map((k) => Object.fromEntries(spec.key.map((col, i) => [col, k[i]]))) });
    }
    const parentKey = spec.role === 'lines' ? spec.parentKey : spec.groupKey;
    if (parentKey && c.replacedParents.length > 0) {
      out.push({ name: spec.name + PARENTS_SUFFIX, columns: columnsOf(spec.name, [parentKey]), rows: c.replacedParents.map((p) => ({ [parentKey]: p })) });
    }
  }
  return out;
}

const eqOn = (cols: readonly string[]): NonNullable<UpdateAction['condition']> => {
  const eqs = cols.map((col) => ({ op: 'eq' as const, 'target-col': col, 'source-col': col }));
  return eqs.length === 1 ? eqs[0]! : { op: 'and', args: eqs };
};

/** Line deletes first (scoped by parent), then line inserts, then record upserts, then record deletes. */
export function updateActions(changes: readonly TableChanges[]): UpdateAction[] {
  const target = (name: string) => ({ 'target-schema': EXTRACT_SCHEMA, 'target-table': name });
  const source = (name: string) => ({ 'source-schema': EXTRACT_SCHEMA, 'source-table': name });
  const lines = changes.filter((c) => TABLEAU_TABLES[c.table].role === 'lines');
  const records = changes.filter((c) => TABLEAU_TABLES[c.table].role === 'record');
  const actions: UpdateAction[] = [];
  for (const c of lines) {
    const spec = TABLEAU_TABLES[c.table];
    if (c.replacedParents.length > 0 && spec.parentKey) actions.push({ action: 'delete', ...target(spec.name), ...source(spec.name + PARENTS_SUFFIX), condition: eqOn([spec.parentKey]) });
    if (c.rows.length > 0) actions.push({ action: 'insert', ...target(spec.name), ...source(spec.name) });
  }
  for (const c of records) {
    const spec = TABLEAU_TABLES[c.table];
    // Grouped records (an account and its sub-accounts): the record's old rows go first.
    if (spec.groupKey && c.replacedParents.length > 0) actions.push({ action: 'delete', ...target(spec.name), ...source(spec.name + PARENTS_SUFFIX), condition: eqOn([spec.groupKey]) });
    if (c.rows.length > 0) actions.push({ action: 'upsert', ...target(spec.name), ...source(spec.name), condition: eqOn(spec.key) });
    if (c.deletes.length > 0) actions.push({ action: 'delete', ...target(spec.name), ...source(spec.name + DELETE_SUFFIX), condition: eqOn(spec.key) });
  }
  return actions;
}

/** What each action touches, for the audit: `upsert Invoices: 3`, `delete InvoiceLines (parents): 3`. */
export function rowsPerAction(changes: readonly TableChanges[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of changes) {
    const spec = TABLEAU_TABLES[c.table];
    if (spec.role === 'lines') {
      if (c.replacedParents.length) out[`delete ${c.table} (parents)`] = c.replacedParents.length;
      if (c.rows.length) out[`insert ${c.table}`] = c.rows.length;
    } else {
      if (c.replacedParents.length) out[`delete ${c.table} (records)`] = c.replacedParents.length;
      if (c.rows.length) out[`upsert ${c.table}`] = c.rows.length;
      if (c.deletes.length) out[`delete ${c.table}`] = c.deletes.length;
    }
  }
  return out;
}
