/**
 * Rows to the CSV `COPY … FROM STDIN WITH (FORMAT csv)` reads: an unquoted empty field is NULL and `""` is the
 * empty string, so every string is quoted. Values are checked against their column type here, because Hyper
 * would otherwise round a NUMERIC with too many decimals without a word.
 */
import { numericSpec, type HyperColumn } from './sql';

export class HyperValueError extends Error {
  constructor(table: string, column: string, detail: string) {
    super(`table ${table}, column ${column}: ${detail}`);
    this.name = 'HyperValueError';
  }
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_ZONE = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

function quote(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** A TIMESTAMP field in UTC. Strings with a zone or offset are converted; strings without one are already UTC. */
function utcTimestamp(value: unknown, fail: (d: string) => never): string {
  let d: Date;
  if (value instanceof Date) d = value;
  else if (typeof value === 'string') {
    const s = value.trim();
    if (DATE_ONLY.test(s)) return `${s} 00:00:00`;
    if (!HAS_ZONE.test(s)) {
      if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/.test(s)) fail(`'${s}' is not a timestamp`);
      return s.replace('T', ' ');
    }
    d = new Date(s);
  } else if (typeof value === 'number') d = new Date(value);
  else return fail(`${typeof value} is not a timestamp`);
  if (Number.isNaN(d.getTime())) fail(`'${String(value)}' is not a timestamp`);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

function dateField(value: unknown, fail: (d: string) => never): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) fail('invalid Date');
    return value.toISOString().slice(0, 10);
  }
  if (typeof value === 'string') {
    const s = value.trim();
    if (DATE_ONLY.test(s)) return s;
    if (/^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(new Date(s).getTime())) return new Date(s).toISOString().slice(0, 10);
  }
  return fail(`'${String(value)}' is not a date (YYYY-MM-DD)`);
}

function numericField(col: HyperColumn, value: unknown, fail: (d: string) => never): string {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : fail(`${value} is not a number`)) : typeof value === 'bigint' ? value.toString() : typeof value === 'string' ? value.trim() : fail(`${typeof value} is not a decimal`);
  const m = DECIMAL.exec(text);
  if (!m) return fail(`'${text}' is not a plain decimal`);
  const { precision, scale } = numericSpec(col);
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const whole = m[2]!.replace(/^0+(?=\d)/, '');
  if (fraction.length > scale) fail(`'${text}' has more than ${scale} decimal places for NUMERIC(${precision},${scale})`);
  if (whole !== '0' && whole.length > precision - scale) fail(`'${text}' does not fit NUMERIC(${precision},${scale})`);
  return text;
}

/** One field's CSV text (already quoted when it is a string). */
export function csvField(table: string, col: HyperColumn, value: unknown): string {
  if (value === null || value === undefined) return '';
  const fail = (detail: string): never => {
    throw new HyperValueError(table, col.name, detail);
  };
  switch (col.type) {
    case 'STRING': {
      const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : fail(`${typeof value} is not text`);
      if (s.includes('\0')) fail('text cannot hold NUL');
      return quote(s);
    }
    case 'JSON': {
      const s = typeof value === 'string' ? value : JSON.stringify(value);
      if (s.includes('\0')) fail('text cannot hold NUL');
      return quote(s);
    }
    case 'INT64': {
      const s = typeof value === 'bigint' ? value.toString() : typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? value.trim() : fail(`'${String(value)}' is not an integer`);
      const n = BigInt(s);
      if (n > 9223372036854775807n || n < -9223372036854775808n) fail(`${s} does not fit BIGINT`);
      return s;
    }
    case 'FLOAT64': {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (!Number.isFinite(n)) fail(`'${String(value)}' is not a finite number`);
      return String(n);
    }
    case 'BOOL':
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      if (value === 'true' || value === 'false') return value;
      return fail(`'${String(value)}' is not a boolean`);
    case 'DATE':
      return dateField(value, fail);
    case 'TIMESTAMP':
      return utcTimestamp(value, fail);
    case 'NUMERIC':
      return numericField(col, value, fail);
    default:
      return fail(`unknown type ${String(col.type)}`);
  }
}

export function csvLine(table: string, columns: HyperColumn[], row: Record<string, unknown>): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    if (i > 0) line += ',';
    line += csvField(table, col, row[col.name]);
  }
  return `${line}\n`;
}
