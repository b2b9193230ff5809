/**
 * One FreshBooks record -> warehouse rows: the record's own row, plus one row per line for invoices and
 * bills. Pure and deterministic: the same record and context give the same rows, and only `_synced_at`
 * and `_batch_id` come from the context rather than the record.
 */
import { FRESHBOOKS_ENTITIES, VIS_STATE, type FreshBooksEntity } from '../../common/freshbooks-entities';
import type { WarehouseRow } from '../../common/warehouse-types';
import { extraColumnValues } from './extra-columns';
import { fieldValues, sourceKeys, type FieldContext, type FieldSpec } from './fields';
import { lineInsertId, recordInsertId, versionToken } from './insert-id';
import { entityTableFor, lineTablesFor, type TableKey, type TableSpec } from './tables';
import { toUtcIso } from './time';
import { currencyOf, isPlainObject, toInt64, toStringValue, toTimestamp } from './values';

export interface MapContext {
  accountId: string;
  businessId: number;
  /** When the record was read; any ISO timestamp, written as UTC. */
  syncedAt: string;
  batchId: string;
}

export interface MappedRow {
  table: TableKey;
  row: WarehouseRow;
}

/**
 * `token` is the record's version token when the caller already has it (recordVersion's `token` for this
 * same record): hashing a record's content is the largest part of mapping it, and the delivery path has
 * hashed it once already to ask the ledger.
 */
export function mapRecord(entity: FreshBooksEntity, record: Record<string, unknown>, ctx: MapContext, token?: string): MappedRow[] {
  const spec = entityTableFor(entity);
  const source = FRESHBOOKS_ENTITIES[entity];
  const audit = { syncedAt: toUtcIso(ctx.syncedAt, 'UTC'), batchId: ctx.batchId };

  const id = recordId(spec, record);
  const updatedRaw = source.updatedField ? toStringValue(record[source.updatedField]) : null;
  const version = token ?? versionToken(updatedRaw, record);
  const insertId = recordInsertId(ctx.accountId, spec.key, id, version);
  const visState = toInt64(record.vis_state);
  const fieldCtx: FieldContext = { fallbackCurrency: recordCurrency(record) };

  const own: MappedRow = {
    table: spec.key,
    row: {
      insertId,
      json: assembleRow(spec, record, fieldCtx, {
        ...ownerValues(ctx),
        ...flagValues(visState),
        ...auditValues(record, insertId, audit),
      }),
    },
  };

  const parent: ParentVersion = {
    id,
    updatedAt: source.updatedField ? toTimestamp(updatedRaw, source.updatedZone) : null,
    updatedRaw,
    version,
    rowVersion: insertId,
    visState,
    currency: fieldCtx.fallbackCurrency,
  };
  const lines = lineTablesFor(entity).flatMap((lineSpec) => mapLines(lineSpec, record, parent, ctx, audit));
  return [own, ...lines];
}

/**
 * The row that says a record was deleted outright at FreshBooks (a GET answers 404, so there is no record
 * to map): its id, `vis_state` 1 and `is_deleted`, nothing else. Written as the record's newest version, it
 * is what the latest view shows (views pick by `_synced_at` first), and that version has no lines, so the
 * line views drop the record's lines too. Its `_version` is fixed per record: writing it again is a no-op.
 */
export function mapTombstone(entity: FreshBooksEntity, recordId: string, ctx: MapContext): MappedRow {
  const spec = entityTableFor(entity);
  const idField = spec.fields.find((f: FieldSpec) => f.column === 'id');
  const idKey = idField ? sourceKeys(idField)[0] : undefined;
  if (!idKey) throw new Error(`FreshBooks ${entity} has no id field`);
  const insertId = recordInsertId(ctx.accountId, spec.key, recordId, 'deleted');
  const stub: Record<string, unknown> = { [idKey]: recordId, vis_state: VIS_STATE.deleted };
  const json = assembleRow(spec, stub, { fallbackCurrency: null }, {
    ...ownerValues(ctx),
    ...flagValues(VIS_STATE.deleted),
    raw_json: null, _synced_at: toUtcIso(ctx.syncedAt, 'UTC'), _batch_id: ctx.batchId, _version: insertId,
  });
  return { table: spec.key, row: { insertId, json } };
}

export interface RecordVersion {
  recordId: string;
  /** The record's main-row version (its `_version` / insertId): what the delivery ledger remembers. */
  version: string;
  /** The version token inside `version` (updated text and content hash): what mapRecord takes as `token`. */
  token: string;
  /** UTC ISO of the record's last modification, when FreshBooks gives one. */
  updatedAt: string | null;
}

/**
 * The version `mapRecord` gives a record's own row, without mapping it: every destination's delivery
 * ledger keys on it, so BigQuery, Power BI, polling and webhooks agree on "already delivered".
 */
export function recordVersion(entity: FreshBooksEntity, record: Record<string, unknown>, accountId: string): RecordVersion {
  const spec = entityTableFor(entity);
  const source = FRESHBOOKS_ENTITIES[entity];
  const id = recordId(spec, record);
  const updatedRaw = source.updatedField ? toStringValue(record[source.updatedField]) : null;
  const token = versionToken(updatedRaw, record);
  return {
    recordId: id,
    version: recordInsertId(accountId, spec.key, id, token),
    token,
    updatedAt: source.updatedField ? toTimestamp(updatedRaw, source.updatedZone) : null,
  };
}

/** One money column's value on a record's own row, as mapRecord writes it. */
export interface RecordMoney {
  column: string;
  currency: string;
  amount: string;
}

/**
 * What a reconciliation compares of a record, read with the field specs mapRecord uses but without
 * mapping the record (no lines, no content hash, no raw JSON): its id, and the `money` columns asked for
 * that have both an amount and a currency, exactly as `moneyOfRow(mapRecord(…)[0].row.json, columns)` gives them.
 */
export function reconciledFigures(entity: FreshBooksEntity, record: Record<string, unknown>, moneyColumns: readonly string[]): { recordId: string; money: RecordMoney[] } {
  const spec = entityTableFor(entity);
  const id = recordId(spec, record);
  if (moneyColumns.length === 0) return { recordId: id, money: [] };
  const fieldCtx: FieldContext = { fallbackCurrency: recordCurrency(record) };
  const money: RecordMoney[] = [];
  for (const column of moneyColumns) {
    const field = moneyField(spec, column);
    if (!field) continue;
    const [[, amount], [, currency]] = fieldValues(field, record, fieldCtx) as [[string, unknown], [string, unknown]];
    if ((typeof amount === 'string' || typeof amount === 'number') && typeof currency === 'string' && currency !== '') {
      money.push({ column, currency, amount: String(amount) });
    }
  }
  return { recordId: id, money };
}

/** The last `money` field writing `column` (assembleRow lets a later field win), looked up once per table. */
const moneyFields = new WeakMap<TableSpec, Map<string, FieldSpec>>();
function moneyField(spec: TableSpec, column: string): FieldSpec | undefined {
  let byColumn = moneyFields.get(spec);
  if (!byColumn) {
    byColumn = new Map();
    for (const f of spec.fields) if (f.kind === 'money') byColumn.set(f.column, f);
    moneyFields.set(spec, byColumn);
  }
  return byColumn.get(column);
}

interface ParentVersion {
  id: string;
  updatedAt: string | null;
  updatedRaw: string | null;
  /** Version token (updated text or content hash) used inside line insertIds. */
  version: string;
  /** The parent row's `_version`, which the latest view joins on. */
  rowVersion: string;
  visState: number | string | null;
  currency: string | null;
}

interface Audit {
  syncedAt: string;
  batchId: string;
}

function mapLines(spec: TableSpec, record: Record<string, unknown>, parent: ParentVersion, ctx: MapContext, audit: Audit): MappedRow[] {
  const link = spec.parent;
  if (!link) return [];
  const array = record[link.sourceArray];
  if (!Array.isArray(array)) return [];
  const lines = array.filter(isPlainObject);
  const keys = lineKeys(lines, link.lineKeyFrom);
  const carried = link.carried;
  return lines.map((line, i) => {
    const insertId = lineInsertId(ctx.accountId, spec.key, parent.id, keys[i], parent.version);
    const json = assembleRow(spec, line, { fallbackCurrency: currencyOf(line) ?? parent.currency }, {
      ...ownerValues(ctx),
      [carried.id]: toInt64(parent.id),
      line_id: toInt64(keys[i]),
      [carried.updatedAt]: parent.updatedAt,
      [carried.updatedRaw]: parent.updatedRaw,
      [carried.version]: parent.rowVersion,
      ...flagValues(parent.visState),
      ...auditValues(line, insertId, audit),
    });
    return { table: spec.key, row: { insertId, json } };
  });
}

/**
 * Each line's identity within its parent: its FreshBooks line id when every line has a distinct one,
 * otherwise 1-based positions for all of them. Keys only need to be unique within one parent version,
 * since the latest view never mixes lines of two versions, and a duplicate key would make two lines
 * share an insertId and one of them be dropped.
 */
function lineKeys(lines: Record<string, unknown>[], keyFrom: readonly string[]): string[] {
  const ids = lines.map((line) => {
    for (const key of keyFrom) {
      const v = toInt64(line[key]);
      if (v !== null) return String(v);
    }
    return null;
  });
  const usable = ids.every((k) => k !== null) && new Set(ids).size === ids.length;
  return usable ? (ids as string[]) : lines.map((_, i) => String(i + 1));
}

/** Catalogue columns in catalogue order (absent values as null), then extra columns for new fields. */
function assembleRow(spec: TableSpec, record: Record<string, unknown>, fieldCtx: FieldContext, fixed: Record<string, unknown>): Record<string, unknown> {
  const values = new Map<string, unknown>(Object.entries(fixed));
  for (const field of spec.fields) {
    for (const [column, value] of fieldValues(field, record, fieldCtx)) values.set(column, value);
  }
  const json: Record<string, unknown> = {};
  for (const column of spec.columns) json[column.name] = values.has(column.name) ? values.get(column.name) : null;
  for (const [column, value] of extraColumnValues(spec, record)) json[column] = value;
  return json;
}

function recordId(spec: TableSpec, record: Record<string, unknown>): string {
  const idField = spec.fields.find((f: FieldSpec) => f.column === 'id');
  const keys = idField ? sourceKeys(idField) : [];
  for (const key of keys) {
    const v = record[key];
    if ((typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '')) return String(v).trim();
  }
  throw new Error(`FreshBooks ${spec.entity} record has no id (looked in ${keys.join(', ')})`);
}

/** A document has one currency: its currency_code, else the code on its total. */
function recordCurrency(record: Record<string, unknown>): string | null {
  const total = record.amount;
  const totalCode = isPlainObject(total) && typeof total.code === 'string' && total.code.trim() !== '' ? total.code.trim() : null;
  return currencyOf(record) ?? totalCode;
}

function ownerValues(ctx: MapContext): Record<string, unknown> {
  return { account_id: ctx.accountId, business_id: toInt64(ctx.businessId) };
}

/** Flags are never null: a record without vis_state is neither deleted nor archived, and `WHERE NOT is_deleted` must keep it. */
function flagValues(visState: number | string | null): Record<string, unknown> {
  return { is_deleted: visState === VIS_STATE.deleted, is_archived: visState === VIS_STATE.archived };
}

function auditValues(source: Record<string, unknown>, insertId: string, audit: Audit): Record<string, unknown> {
  return { raw_json: JSON.stringify(source), _synced_at: audit.syncedAt, _batch_id: audit.batchId, _version: insertId };
}
