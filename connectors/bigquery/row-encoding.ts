/**
 * Row serialisation for load jobs (NDJSON) and insertAll (chunks), with the checks that are
 * cheaper to do here than to discover from a failed job: unknown keys, money sent as a JS
 * number (A9-9: NUMERIC must travel as a decimal string), malformed decimals, oversized rows.
 */
import type { ColumnSpec, WarehouseRow } from '../../common/warehouse-types';
import { RowEncodingError } from './errors';

/** insertAll: ≈500 rows per request recommended, 10 MB hard limit — keep headroom for the envelope. */
export const INSERT_ALL_MAX_ROWS = 500;
export const INSERT_ALL_MAX_BYTES = 9 * 1024 * 1024;
const INSERT_ID_MAX_CHARS = 128;

/** NUMERIC = 38 digits of precision, 9 of scale. */
const DECIMAL = /^[+-]?(\d{1,29})(?:\.(\d{0,9}))?$/;

interface ColumnPlan {
  /** Exact names, plus lower-cased names for BigQuery's case-insensitive matching. */
  names: Set<string>;
  lowerNames: Set<string>;
  numeric: string[];
  dates: string[];
}

export function planColumns(columns: ColumnSpec[]): ColumnPlan {
  return {
    names: new Set(columns.map((c) => c.name)),
    lowerNames: new Set(columns.map((c) => c.name.toLowerCase())),
    numeric: columns.filter((c) => c.type === 'NUMERIC').map((c) => c.name),
    dates: columns.filter((c) => c.type === 'DATE').map((c) => c.name),
  };
}

export function checkNumeric(table: string, column: string, rowIndex: number, value: unknown): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) checkNumeric(table, column, rowIndex, v);
    return;
  }
  if (typeof value === 'number') {
    throw new RowEncodingError(
      `${table}.${column} (row ${rowIndex}): NUMERIC value is a JS number; money must be a decimal string such as "12.34" (floats lose cents)`,
    );
  }
  if (typeof value === 'bigint') return;
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw new RowEncodingError(
      `${table}.${column} (row ${rowIndex}): NUMERIC value must be a decimal string with ≤29 integer and ≤9 fractional digits, got ${typeof value === 'string' ? `a ${value.length}-char string` : typeof value}`,
    );
  }
}

/** JSON.stringify that also copes with bigint (INT64/NUMERIC beyond 2^53). */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (err instanceof TypeError && /BigInt/i.test(err.message)) {
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    }
    throw err;
  }
}

/** DATE columns accept "YYYY-MM-DD" only; a JS Date would serialise as a full timestamp. */
function withDateColumnsFixed(row: Record<string, unknown>, dates: string[]): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const name of dates) {
    const v = row[name];
    if (v instanceof Date) {
      copy ??= { ...row };
      copy[name] = v.toISOString().slice(0, 10);
    }
  }
  return copy ?? row;
}

function checkKeys(table: string, row: Record<string, unknown>, rowIndex: number, plan: ColumnPlan): void {
  for (const key in row) {
    if (!plan.names.has(key) && !plan.lowerNames.has(key.toLowerCase())) {
      throw new RowEncodingError(`${table} (row ${rowIndex}): field "${key}" is not among the load's columns`);
    }
  }
}

/** One NDJSON document (trailing newline included) for a load job. */
export function encodeNdjson(table: string, rows: Record<string, unknown>[], columns: ColumnSpec[]): Buffer {
  const plan = planColumns(columns);
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    checkKeys(table, row, i, plan);
    for (const name of plan.numeric) checkNumeric(table, name, i, row[name]);
    lines[i] = toJson(plan.dates.length ? withDateColumnsFixed(row, plan.dates) : row);
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

export interface InsertChunk {
  /** Index of the chunk's first row in the caller's array. */
  start: number;
  rows: Array<{ insertId: string; json: Record<string, unknown> }>;
}

/**
 * Splits rows into insertAll requests of ≤500 rows and ≤9 MB. `numericColumns`, when the table
 * schema is known, enables the money check; without it rows go as they are.
 */
export function chunkInsertRows(table: string, rows: WarehouseRow[], numericColumns: string[] = []): InsertChunk[] {
  const chunks: InsertChunk[] = [];
  let current: InsertChunk = { start: 0, rows: [] };
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (typeof row.insertId !== 'string' || row.insertId === '' || row.insertId.length > INSERT_ID_MAX_CHARS) {
      throw new RowEncodingError(`${table} (row ${i}): insertId must be a non-empty string of ≤${INSERT_ID_MAX_CHARS} chars`);
    }
    for (const name of numericColumns) checkNumeric(table, name, i, row.json[name]);
    let json: string;
    let payload = row.json;
    try {
      json = JSON.stringify(row.json);
    } catch {
      // The HTTP layer re-serialises rows with plain JSON.stringify, so bigint must be gone by then.
      json = toJson(row.json);
      payload = JSON.parse(json) as Record<string, unknown>;
    }
    const size = Buffer.byteLength(json, 'utf8') + row.insertId.length + 32;
    if (size > INSERT_ALL_MAX_BYTES) throw new RowEncodingError(`${table} (row ${i}): row is ${size} bytes, above the insertAll request limit`);
    if (current.rows.length >= INSERT_ALL_MAX_ROWS || (bytes + size > INSERT_ALL_MAX_BYTES && current.rows.length > 0)) {
      chunks.push(current);
      current = { start: i, rows: [] };
      bytes = 0;
    }
    current.rows.push({ insertId: row.insertId, json: payload });
    bytes += size;
  }
  if (current.rows.length) chunks.push(current);
  return chunks;
}
