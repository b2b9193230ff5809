/**
 * Fields FreshBooks adds after this catalogue was written. A new top-level scalar must not be lost:
 * it is written as an extra column (snake_case name), and inferExtraColumns tells the destination which
 * NULLABLE columns to append. Nested objects/arrays we do not know stay in raw_json only, since guessing
 * a flattening for them would create columns we could never rename or drop.
 */
import type { ColumnSpec, WarehouseRow } from '../../common/warehouse-types';
import { sourceKeys } from './fields';
import { TABLES, type TableKey, type TableSpec } from './tables';

const MAX_COLUMN_NAME_LENGTH = 128;

/**
 * FreshBooks key -> a valid, lowercase BigQuery column name: camelCase split, anything but [a-z0-9_]
 * turned into "_", no leading underscore (that prefix is ours, and BigQuery reserves some `_` names),
 * no leading digit.
 */
export function sanitiseColumnName(key: string): string {
  const snake = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  const named = snake === '' ? 'field' : /^[0-9]/.test(snake) ? `f_${snake}` : snake;
  return named.slice(0, MAX_COLUMN_NAME_LENGTH);
}

/** Source keys the table already accounts for (mapped, aliased, line keys, or deliberately ignored). */
function knownSourceKeys(spec: TableSpec): Set<string> {
  const known = new Set<string>(spec.ignoredSourceKeys);
  for (const field of spec.fields) for (const key of sourceKeys(field)) known.add(key);
  for (const key of spec.parent?.lineKeyFrom ?? []) known.add(key);
  for (const line of Object.values(TABLES)) {
    if (line.parent?.table === spec.key) known.add(line.parent.sourceArray);
  }
  return known;
}

const knownKeysCache = new Map<TableKey, Set<string>>();

function knownKeys(spec: TableSpec): Set<string> {
  let known = knownKeysCache.get(spec.key);
  if (!known) {
    known = knownSourceKeys(spec);
    knownKeysCache.set(spec.key, known);
  }
  return known;
}

/** Scalars keep a type BigQuery can take as is; other numbers (decimals) become text, never floats. */
function extraValue(value: unknown): boolean | number | string | null {
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'bigint') return value.toString();
  return null;
}

function isScalar(value: unknown): boolean {
  return ['string', 'number', 'boolean', 'bigint'].includes(typeof value);
}

/**
 * Extra [column, value] pairs for the record's unknown top-level scalars. Nulls are skipped: a column is
 * only proposed once a value shows its type. A name that collides with a catalogue column (or another
 * extra) gets an `fb_` prefix and, if needed, a numeric suffix.
 */
export function extraColumnValues(spec: TableSpec, record: Record<string, unknown>): [string, boolean | number | string][] {
  const known = knownKeys(spec);
  const taken = new Set(spec.columns.map((c) => c.name));
  const out: [string, boolean | number | string][] = [];
  for (const [key, value] of Object.entries(record)) {
    if (known.has(key) || !isScalar(value)) continue;
    const v = extraValue(value);
    if (v === null) continue;
    const name = freeName(sanitiseColumnName(key), taken);
    taken.add(name);
    out.push([name, v]);
  }
  return out;
}

function freeName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  const prefixed = `fb_${name}`.slice(0, MAX_COLUMN_NAME_LENGTH);
  if (!taken.has(prefixed)) return prefixed;
  for (let n = 2; ; n++) {
    const candidate = `${prefixed.slice(0, MAX_COLUMN_NAME_LENGTH - String(n).length - 1)}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * NULLABLE specs for the columns in `rows` that the catalogue does not have, in first-seen order.
 * BOOL when every value is boolean, INT64 when every value is an integer, otherwise STRING.
 */
export function inferExtraColumns(table: TableKey, rows: readonly WarehouseRow[]): ColumnSpec[] {
  const catalogue = new Set(TABLES[table].columns.map((c) => c.name));
  const seen = new Map<string, Set<'bool' | 'int' | 'other'>>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row.json)) {
      if (catalogue.has(name)) continue;
      const kinds = seen.get(name) ?? new Set();
      seen.set(name, kinds);
      if (value === null || value === undefined) continue;
      kinds.add(typeof value === 'boolean' ? 'bool' : typeof value === 'number' && Number.isSafeInteger(value) ? 'int' : 'other');
    }
  }
  return [...seen].map(([name, kinds]) => ({
    name,
    type: kinds.size === 1 && kinds.has('bool') ? 'BOOL' : kinds.size === 1 && kinds.has('int') ? 'INT64' : 'STRING',
    mode: 'NULLABLE',
    description: 'Appended: a FreshBooks field not in the catalogue',
  }));
}
