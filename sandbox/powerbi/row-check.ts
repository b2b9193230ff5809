/**
 * PostRows payload validation. The real service's wording for these 400s varies (B5), so the sandbox only
 * promises the outcome: the whole request is refused, and the detail names the row and column at fault.
 * Stricter than the real service where it is unknown (no string→number coercion), so a client that
 * passes here sends values every documented type accepts.
 */
import type { ErrorDetail } from './errors';
import type { PowerBiLimits } from './limits';
import type { PbiTable } from './state';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function checkRowsPayload(body: unknown, table: PbiTable, limits: PowerBiLimits): { rows: Record<string, unknown>[] } | { details: ErrorDetail[] } {
  const rows = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { rows?: unknown }).rows : undefined;
  if (!Array.isArray(rows)) return fail("The request body must be an object with a 'rows' array.");
  if (rows.length > limits.rowsPerRequest) {
    return fail(`A single request can add at most ${limits.rowsPerRequest} rows; this one has ${rows.length}.`);
  }
  const types = new Map(table.columns.map((c) => [c.name, c.dataType]));
  for (let i = 0; i < rows.length; i++) {
    const row: unknown = rows[i];
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return fail(`Row ${i} is not a JSON object.`);
    for (const [column, value] of Object.entries(row)) {
      const dataType = types.get(column);
      // Column matching is exact; whether the real service folds case here is unverified.
      if (dataType === undefined) return fail(`Row ${i}: column '${column}' does not exist in table '${table.name}'.`, column);
      const problem = checkValue(dataType, value, limits);
      if (problem) return fail(`Row ${i}: column '${column}' (${dataType}) ${problem}.`, column);
    }
  }
  return { rows: rows as Record<string, unknown>[] };
}

function checkValue(dataType: string, value: unknown, limits: PowerBiLimits): string | undefined {
  if (value === null) return undefined;
  switch (dataType) {
    case 'Int64':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : `expects an integer, got ${describe(value)}`;
    case 'Double':
    case 'Decimal':
      return typeof value === 'number' ? undefined : `expects a number, got ${describe(value)}`;
    case 'Boolean':
      return typeof value === 'boolean' ? undefined : `expects true or false, got ${describe(value)}`;
    case 'DateTime':
      return typeof value === 'string' && ISO_8601.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : `expects an ISO-8601 date/time string, got ${describe(value)}`;
    case 'String':
      if (typeof value !== 'string') return `expects a string, got ${describe(value)}`;
      return value.length > limits.maxStringLength ? `has ${value.length} characters; at most ${limits.maxStringLength} are allowed` : undefined;
    default:
      return undefined;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

function fail(message: string, column?: string): { details: ErrorDetail[] } {
  return { details: [{ message, target: column ?? 'rows' }] };
}
