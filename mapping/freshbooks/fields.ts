/**
 * How one FreshBooks source field becomes one or more typed warehouse columns. The table catalogue
 * (tables.ts) is a list of these; the columns a table declares and the values mapRecord writes are both
 * derived from the same FieldSpec, so they cannot drift apart.
 */
import type { ColumnSpec, ColumnType } from '../../common/warehouse-types';
import { normaliseDecimal } from './decimal';
import { statusName } from './status';
import type { SourceZone } from './time';
import { toBool, toDate, toInt64, toJsonText, toMoney, toStringValue, toTimestamp } from './values';

interface FieldBase {
  /** Column written. */
  column: string;
  /**
   * Source key(s) in the FreshBooks record; the first one present wins (FreshBooks spells some ids two ways).
   * A dotted key reads inside a nested object (`account.accountid` of a ledger line).
   */
  from: string | readonly string[];
  description?: string;
}

export type FieldSpec =
  | (FieldBase & { kind: 'int' | 'string' | 'bool' | 'decimal' | 'date' | 'json' })
  /** NUMERIC `<column>` + STRING `<column>_currency`. */
  | (FieldBase & { kind: 'money' })
  /** TIMESTAMP `<column>` in UTC + STRING `<rawColumn>` with the text exactly as FreshBooks sent it. */
  | (FieldBase & { kind: 'timestamp'; zone: SourceZone; rawColumn: string })
  /** STRING `<column>` with the readable name + INT64 `<column>_code`. */
  | (FieldBase & { kind: 'status'; names: Record<number, string> });

export interface FieldContext {
  /** Currency for money values that carry none (the record's, or the parent's for lines). */
  fallbackCurrency: string | null;
}

const SCALAR_TYPES: Record<'int' | 'string' | 'bool' | 'decimal' | 'date' | 'json', ColumnType> = {
  int: 'INT64',
  string: 'STRING',
  bool: 'BOOL',
  decimal: 'NUMERIC',
  date: 'DATE',
  json: 'STRING',
};

export function sourceKeys(field: FieldSpec): readonly string[] {
  return typeof field.from === 'string' ? [field.from] : field.from;
}

export function fieldColumns(field: FieldSpec): ColumnSpec[] {
  const col = (name: string, type: ColumnType, description?: string): ColumnSpec =>
    description === undefined ? { name, type, mode: 'NULLABLE' } : { name, type, mode: 'NULLABLE', description };
  switch (field.kind) {
    case 'money':
      return [
        col(field.column, 'NUMERIC', field.description),
        col(`${field.column}_currency`, 'STRING', `ISO 4217 currency of ${field.column}`),
      ];
    case 'timestamp':
      return [
        col(field.column, 'TIMESTAMP', field.description ?? `UTC; converted from ${field.zone}`),
        col(field.rawColumn, 'STRING', `${field.column} exactly as FreshBooks sent it`),
      ];
    case 'status':
      return [
        col(field.column, 'STRING', field.description ?? 'Readable name of the FreshBooks status code'),
        col(`${field.column}_code`, 'INT64', 'FreshBooks numeric status code'),
      ];
    case 'json':
      return [col(field.column, 'STRING', field.description ?? 'JSON text')];
    default:
      return [col(field.column, SCALAR_TYPES[field.kind], field.description)];
  }
}

/** The source value: the first listed key that the record has (null counts as present). */
function sourceValue(field: FieldSpec, record: Record<string, unknown>): unknown {
  for (const key of sourceKeys(field)) {
    const [found, value] = lookup(record, key);
    if (found) return value;
  }
  return undefined;
}

/** `a.b` walks into nested objects; a missing step (or a null parent) means "not present". */
function lookup(record: Record<string, unknown>, key: string): [boolean, unknown] {
  if (Object.prototype.hasOwnProperty.call(record, key)) return [true, record[key]];
  const dot = key.indexOf('.');
  if (dot <= 0) return [false, undefined];
  const head = record[key.slice(0, dot)];
  if (typeof head !== 'object' || head === null || Array.isArray(head)) return [false, undefined];
  return lookup(head as Record<string, unknown>, key.slice(dot + 1));
}

/** Column name -> value pairs for one field of one record, in fieldColumns order. */
export function fieldValues(field: FieldSpec, record: Record<string, unknown>, ctx: FieldContext): [string, unknown][] {
  const v = sourceValue(field, record);
  switch (field.kind) {
    case 'int':
      return [[field.column, toInt64(v)]];
    case 'string':
      return [[field.column, toStringValue(v)]];
    case 'bool':
      return [[field.column, toBool(v)]];
    case 'decimal':
      return [[field.column, normaliseDecimal(v)]];
    case 'date':
      return [[field.column, toDate(v)]];
    case 'json':
      return [[field.column, toJsonText(v)]];
    case 'money': {
      const money = toMoney(v, ctx.fallbackCurrency);
      return [
        [field.column, money.amount],
        [`${field.column}_currency`, money.currency],
      ];
    }
    case 'timestamp':
      return [
        [field.column, toTimestamp(v, field.zone)],
        [field.rawColumn, toStringValue(v)],
      ];
    case 'status': {
      // Invoices and expenses send a code; should FreshBooks ever send the name instead, keep the name.
      const code = toInt64(v);
      const name = code === null && typeof v === 'string' && v.trim() !== '' ? v : statusName(field.names, code);
      return [
        [field.column, name],
        [`${field.column}_code`, code],
      ];
    }
  }
}
