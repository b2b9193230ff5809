/**
 * Cheap per-type value validation for the in-memory BigQuery: enough to reject what real BigQuery
 * rejects in the cases our client must handle (bad decimals, wrong shapes), fast enough for 100k+ rows.
 * Returns an error message, or undefined when the value is acceptable.
 */

export interface SandboxField {
  name: string;
  type: string;
  mode?: string;
  description?: string;
  fields?: SandboxField[];
}

const DECIMAL = /^[+-]?(\d{1,29})(\.\d{0,9})?$|^[+-]?\.\d{1,9}$/;
const INTEGER = /^[+-]?\d{1,19}$/;
const DATE = /^\d{4}-\d{1,2}-\d{1,2}$/;
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,12})?)?)?\s*(Z|UTC|[+-]\d{1,2}(:?\d{2})?)?$/i;

export function checkValue(field: SandboxField, value: unknown): string | undefined {
  if (value === null || value === undefined) {
    return field.mode === 'REQUIRED' ? `Missing required field: ${field.name}.` : undefined;
  }
  if (field.mode === 'REPEATED') {
    if (!Array.isArray(value)) return `Non-array value specified for repeated field: ${field.name}.`;
    for (const v of value) {
      const err = checkScalar(field, v);
      if (err) return err;
    }
    return undefined;
  }
  if (Array.isArray(value)) return `Array specified for non-repeated field: ${field.name}.`;
  return checkScalar(field, value);
}

function checkScalar(field: SandboxField, value: unknown): string | undefined {
  switch (field.type) {
    case 'STRING':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? undefined : cannotConvert(field, 'STRING');
    case 'INT64':
    case 'INTEGER':
      if (typeof value === 'number') return Number.isInteger(value) ? undefined : cannotConvert(field, 'INT64');
      return typeof value === 'string' && INTEGER.test(value) ? undefined : cannotConvert(field, 'INT64');
    case 'NUMERIC':
      if (typeof value === 'number') return Number.isFinite(value) ? undefined : cannotConvert(field, 'NUMERIC');
      return typeof value === 'string' && DECIMAL.test(value) ? undefined : `Invalid NUMERIC value for field ${field.name}.`;
    case 'FLOAT64':
    case 'FLOAT':
      if (typeof value === 'number') return undefined;
      return typeof value === 'string' && (/^(NaN|[+-]?Infinity|-?inf)$/i.test(value) || !Number.isNaN(Number(value))) ? undefined : cannotConvert(field, 'FLOAT64');
    case 'BOOL':
    case 'BOOLEAN':
      if (typeof value === 'boolean') return undefined;
      return typeof value === 'string' && /^(true|false)$/i.test(value) ? undefined : cannotConvert(field, 'BOOL');
    case 'TIMESTAMP':
      if (typeof value === 'number') return Number.isFinite(value) ? undefined : cannotConvert(field, 'TIMESTAMP');
      return typeof value === 'string' && TIMESTAMP.test(value) ? undefined : `Invalid timestamp: '${String(value).slice(0, 40)}' for field ${field.name}.`;
    case 'DATE':
      return typeof value === 'string' && DATE.test(value) ? undefined : `Invalid date: '${String(value).slice(0, 40)}' for field ${field.name}.`;
    case 'RECORD':
    case 'STRUCT':
      return typeof value === 'object' && !Array.isArray(value) ? undefined : cannotConvert(field, 'RECORD');
    default:
      // JSON, DATETIME, TIME, GEOGRAPHY, BYTES…: accepted as given.
      return undefined;
  }
}

function cannotConvert(field: SandboxField, type: string): string {
  return `Cannot convert value to ${type.toLowerCase()} for field ${field.name}.`;
}
