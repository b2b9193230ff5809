/**
 * One LookML view per `_latest` view, derived from the table catalogue: column types decide dimension
 * types, FieldSpec kinds decide which columns are money (paired with their currency), timestamps (paired
 * with the text FreshBooks sent) or plumbing to hide.
 */
import type { ColumnSpec } from '../../common/warehouse-types';
import type { TableSpec } from '../freshbooks';
import { latestViewOf, type Dialect } from './dialect';
import { bare, block, list, sql, str, yes, type Node } from './syntax';

export interface LookmlView {
  /** `freshbooks_<table key>`: stable whatever the connection calls its tables. */
  name: string;
  table: string;
  /** Plain dimensions by name -> the column each reads (joins refer to these). */
  dimensions: ReadonlyMap<string, string>;
  /** Every field name the view defines (dimensions, dimension-group fields, measures). */
  fields: readonly string[];
  /** Sum measures: measure name -> the money column it adds and the currency column it is split by. */
  sums: ReadonlyMap<string, { column: string; currency: string }>;
  nodes: Node[];
}

export const PRIMARY_KEY = 'primary_key';
export const viewNameOf = (tableKey: string): string => `freshbooks_${tableKey}`;

const TIME_FRAMES = ['time', 'date', 'week', 'month', 'quarter', 'year'];
const DATE_FRAMES = ['date', 'week', 'month', 'quarter', 'year'];
/** Money that is a price per unit, not an amount: adding it up means nothing. */
const NON_ADDITIVE_MONEY = new Set(['unit_cost']);
/** Plumbing every row has: hidden, still there for joins and audits. */
const HIDDEN_COLUMNS = new Set(['raw_json', 'vis_state', 'line_id']);

type Role =
  | { kind: 'money'; currency: string }
  | { kind: 'currency'; of: string }
  | { kind: 'hidden' }
  | { kind: 'plain' };

/** What each column is, from the FieldSpecs that made it (columns not made by a field are plain). */
function roles(spec: TableSpec): Map<string, Role> {
  const r = new Map<string, Role>();
  for (const f of spec.fields) {
    switch (f.kind) {
      case 'money':
        r.set(f.column, { kind: 'money', currency: `${f.column}_currency` });
        r.set(`${f.column}_currency`, { kind: 'currency', of: f.column });
        break;
      case 'timestamp':
        r.set(f.rawColumn, { kind: 'hidden' });
        break;
      case 'status':
        r.set(`${f.column}_code`, { kind: 'hidden' });
        break;
      case 'json':
        r.set(f.column, { kind: 'hidden' });
        break;
      default:
        break;
    }
  }
  const carried = spec.parent?.carried;
  if (carried) for (const c of [carried.updatedAt, carried.updatedRaw, carried.version]) r.set(c, { kind: 'hidden' });
  for (const c of spec.columns) {
    if (HIDDEN_COLUMNS.has(c.name) || (c.name.startsWith('_') && c.name !== '_synced_at')) r.set(c.name, { kind: 'hidden' });
  }
  return r;
}

/** System columns lose their leading underscore: LookML field names start with a letter. */
const fieldNameOf = (column: string): string => column.replace(/^_+/, '');

const humanise = (name: string): string => name.split('_').filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');

/** `created_at` -> `created`; `due_date` -> `due` (whose `date` field is then `due_date` again). */
function groupNameOf(c: ColumnSpec): string {
  const base = fieldNameOf(c.name);
  if (c.type === 'TIMESTAMP' && base.endsWith('_at')) return base.slice(0, -3);
  if (c.type === 'DATE' && base.endsWith('_date')) return base.slice(0, -5);
  return base;
}

export function viewFor(spec: TableSpec, tableName: string, d: Dialect): LookmlView {
  const name = viewNameOf(spec.key);
  const role = roles(spec);
  const col = (c: string) => d.column('${TABLE}', c);
  const dims = new Map<string, string>();
  const fields: string[] = [];
  const sums = new Map<string, { column: string; currency: string }>();
  const body: Node[] = [];
  const describe = (c: ColumnSpec): Node[] => (c.description ? [str('description', c.description)] : []);

  // Composite keys (account + id; account + parent + line) become one text key Looker can count by.
  const keyParts = spec.keyColumns.map((k) => d.asText(col(k)));
  body.push(block('dimension', PRIMARY_KEY, [
    bare('primary_key', 'yes'), bare('hidden', 'yes'), bare('type', 'string'),
    str('description', `${spec.keyColumns.join(' + ')}: one row per ${spec.key.replace(/s$/, '')}`),
    sql('sql', d.joinText(keyParts.flatMap((p, i) => (i === 0 ? [p] : ["'|'", p])))),
  ]));
  fields.push(PRIMARY_KEY);

  for (const c of spec.columns) {
    const r = role.get(c.name) ?? { kind: 'plain' };
    const hidden = r.kind === 'hidden';
    if (c.type === 'TIMESTAMP' || c.type === 'DATE') {
      const group = groupNameOf(c);
      const frames = c.type === 'DATE' ? DATE_FRAMES : TIME_FRAMES;
      body.push(block('dimension_group', group, [
        bare('type', 'time'),
        list('timeframes', frames),
        ...(c.type === 'DATE' ? [bare('datatype', 'date'), bare('convert_tz', 'no')] : []),
        ...(c.name === '_synced_at' ? [str('group_label', 'Audit'), str('label', 'Synced')] : []),
        ...yes('hidden', hidden),
        ...describe(c),
        sql('sql', col(c.name)),
      ]));
      fields.push(...frames.map((f) => `${group}_${f}`));
      continue;
    }
    const field = fieldNameOf(c.name);
    const money = r.kind === 'money' ? [bare('value_format_name', 'decimal_2'), str('group_label', humanise(c.name))] : [];
    const currency = r.kind === 'currency' ? [str('group_label', humanise(r.of))] : [];
    body.push(block('dimension', field, [
      bare('type', c.type === 'BOOL' ? 'yesno' : c.type === 'INT64' || c.type === 'NUMERIC' || c.type === 'FLOAT64' ? 'number' : 'string'),
      ...(c.type === 'INT64' && /(^id$|id$|_id$)/.test(c.name) ? [bare('value_format_name', 'id')] : []),
      ...money,
      ...currency,
      ...yes('hidden', hidden),
      ...describe(c),
      sql('sql', col(c.name)),
    ]));
    dims.set(field, c.name);
    fields.push(field);
  }

  body.push(block('measure', 'count', [bare('type', 'count'), list('drill_fields', [...detailFields(spec, dims)])]));
  fields.push('count');
  for (const f of spec.fields) {
    if (f.kind !== 'money' || NON_ADDITIVE_MONEY.has(f.column)) continue;
    const m = f.column;
    const currency = `${m}_currency`;
    const [total, anyCurrency, currencies] = [`sum_${m}`, `sum_${m}_any_currency`, `count_${m}_currencies`];
    // Joined one-to-many (invoice -> lines), a row repeats: add each row once, by its primary key.
    body.push(block('measure', anyCurrency, [
      bare('type', 'sum_distinct'), bare('hidden', 'yes'), sql('sql_distinct_key', `\${${PRIMARY_KEY}}`), sql('sql', `\${${m}}`),
    ]));
    body.push(block('measure', currencies, [bare('type', 'count_distinct'), bare('hidden', 'yes'), sql('sql', `\${${currency}}`)]));
    // The currency is pulled into every query that uses the sum, so results are split by currency; a
    // totals row or a query that still spans currencies gets NULL rather than a meaningless mix.
    body.push(block('measure', total, [
      bare('type', 'number'),
      str('label', `Sum of ${humanise(m)}`),
      str('description', `Sum of ${m} in its currency (${currency}); empty where rows of more than one currency would be added`),
      list('required_fields', [currency]),
      bare('value_format_name', 'decimal_2'),
      sql('html', `{{ rendered_value }} {{ ${name}.${currency}._value }}`),
      sql('sql', `CASE WHEN \${${currencies}} = 1 THEN \${${anyCurrency}} END`),
    ]));
    fields.push(anyCurrency, currencies, total);
    sums.set(total, { column: m, currency });
  }

  const duplicate = fields.find((f, i) => fields.indexOf(f) !== i);
  if (duplicate) throw new Error(`${name}: two fields named ${duplicate}`);
  const nodes = [block('view', name, [
    sql('sql_table_name', d.relation(latestViewOf(tableName))),
    str('label', `FreshBooks ${humanise(spec.key)}`),
    ...body,
  ])];
  return { name, table: spec.key, dimensions: dims, fields, sums, nodes };
}

/** What a count drills into: the record's ids and a few naming columns the table has. */
function detailFields(spec: TableSpec, dims: ReadonlyMap<string, string>): string[] {
  const wanted = ['id', spec.parent?.carried.id, 'invoice_number', 'bill_number', 'organization', 'vendor_name', 'vendor', 'name', 'account_name', 'category', 'amount', 'amount_currency'];
  return wanted.filter((w): w is string => w !== undefined && dims.has(w));
}
