/**
 * Validation of dataset and table definitions the way the real service's OData deserializer behaves
 * (destinations.md B3, B5): property names are case-sensitive, so `datatype` is an unknown property and
 * a 400, not a silently ignored typo. Returns the normalised definition or the error details.
 */
import type { ErrorDetail } from './errors';
import type { PowerBiLimits } from './limits';
import type { PbiColumn } from './state';

const NS = 'Microsoft.PowerBI.ServiceContracts.Api';

/** Allowed property names per contract type; anything else (including a different case) is rejected. */
const PROPERTIES: Record<string, ReadonlySet<string>> = {
  Dataset: new Set(['name', 'defaultMode', 'tables', 'relationships', 'datasources', 'defaultRetentionPolicy']),
  Table: new Set(['name', 'columns', 'measures', 'rows', 'isHidden', 'description', 'source']),
  Column: new Set(['name', 'dataType', 'formatString', 'sortByColumn', 'dataCategory', 'isHidden', 'summarizeBy']),
  Measure: new Set(['name', 'expression', 'formatString', 'isHidden', 'description']),
  Relationship: new Set(['name', 'crossFilteringBehavior', 'fromTable', 'fromColumn', 'toTable', 'toColumn']),
};

const DATA_TYPES: Record<string, string> = {
  int64: 'Int64',
  double: 'Double',
  boolean: 'Boolean',
  // The REST reference's own sample writes "bool".
  bool: 'Boolean',
  datetime: 'DateTime',
  string: 'String',
  // Listed on the dataset-properties page only (unverified for push).
  decimal: 'Decimal',
};

/** Modes the sandbox simulates; the others (Streaming, AsAzure, AsOnPrem) have no rows API here. */
const PUSH_MODES = new Set(['Push', 'PushStreaming']);

export function canonicalDataType(dataType: unknown): string | undefined {
  return typeof dataType === 'string' ? DATA_TYPES[dataType.toLowerCase()] : undefined;
}

export interface TableDefinition {
  name: string;
  columns: PbiColumn[];
  measures: unknown[];
}

export interface DatasetDefinition {
  name: string;
  defaultMode: string;
  tables: TableDefinition[];
  relationships: unknown[];
}

type Result<T> = { ok: T } | { details: ErrorDetail[] };

class Problems {
  readonly details: ErrorDetail[] = [];
  constructor(private readonly target: string) {}
  add(message: string): void {
    this.details.push({ message, target: this.target });
  }
}

export function parseDatasetDefinition(body: unknown, limits: PowerBiLimits): Result<DatasetDefinition> {
  const p = new Problems('dataset');
  if (!isRecord(body)) return { details: [{ message: 'The request body must be a JSON object.', target: 'dataset' }] };
  checkProperties(body, 'Dataset', p);
  if (typeof body.name !== 'string' || body.name.trim() === '') p.add("The property 'name' is required and must be a non-empty string.");
  // Push is what the REST reference's examples use when the property is left out (unverified default).
  const defaultMode = body.defaultMode ?? 'Push';
  if (typeof defaultMode !== 'string' || !PUSH_MODES.has(defaultMode)) {
    p.add(`defaultMode '${String(defaultMode)}' is not supported by the sandbox; use 'Push' or 'PushStreaming'.`);
  }
  const tables: TableDefinition[] = [];
  if (!Array.isArray(body.tables) || body.tables.length === 0) {
    p.add("The property 'tables' must be a non-empty array.");
  } else {
    if (body.tables.length > limits.maxTables) p.add(`A dataset can have at most ${limits.maxTables} tables; got ${body.tables.length}.`);
    const seen = new Set<string>();
    body.tables.forEach((t, i) => {
      const table = parseTableInto(t, `tables[${i}]`, limits, p);
      if (!table) return;
      if (seen.has(table.name)) p.add(`Duplicate table name '${table.name}'.`);
      seen.add(table.name);
      tables.push(table);
    });
  }
  const relationships = Array.isArray(body.relationships) ? body.relationships : [];
  if (body.relationships !== undefined && !Array.isArray(body.relationships)) p.add("The property 'relationships' must be an array.");
  if (relationships.length > limits.maxRelationships) p.add(`A dataset can have at most ${limits.maxRelationships} relationships.`);
  relationships.forEach((r, i) => checkRelationship(r, i, tables, p));
  if (p.details.length > 0) return { details: p.details };
  return { ok: { name: body.name as string, defaultMode: defaultMode as string, tables, relationships } };
}

export function parseTableDefinition(body: unknown, limits: PowerBiLimits): Result<TableDefinition> {
  const p = new Problems('table');
  const table = parseTableInto(body, 'table', limits, p);
  return table && p.details.length === 0 ? { ok: table } : { details: p.details };
}

function parseTableInto(t: unknown, where: string, limits: PowerBiLimits, p: Problems): TableDefinition | undefined {
  if (!isRecord(t)) {
    p.add(`${where} must be an object.`);
    return undefined;
  }
  checkProperties(t, 'Table', p);
  // The documented "restricted set" of characters is not spelled out anywhere we trust; only length is checked.
  if (typeof t.name !== 'string' || t.name.length < 1 || t.name.length > 100) {
    p.add(`${where}: table name must be a string of 1 to 100 characters.`);
    return undefined;
  }
  const columns: PbiColumn[] = [];
  if (!Array.isArray(t.columns) || t.columns.length === 0) {
    p.add(`Table '${t.name}': 'columns' must be a non-empty array.`);
  } else {
    if (t.columns.length > limits.maxColumns) p.add(`Table '${t.name}' has ${t.columns.length} columns; at most ${limits.maxColumns} are allowed.`);
    const seen = new Set<string>();
    for (const c of t.columns) {
      if (!isRecord(c)) {
        p.add(`Table '${t.name}': every column must be an object.`);
        continue;
      }
      checkProperties(c, 'Column', p);
      if (typeof c.name !== 'string' || c.name === '') {
        p.add(`Table '${t.name}': every column needs a non-empty 'name'.`);
        continue;
      }
      const dataType = canonicalDataType(c.dataType);
      if (!dataType) {
        if (c.dataType !== undefined) p.add(`Column '${c.name}' of table '${t.name}': '${String(c.dataType)}' is not a valid dataType.`);
        // A miscased `datatype` already produced the unknown-property error; a second message would only confuse.
        else if (!Object.keys(c).some((k) => k.toLowerCase() === 'datatype')) p.add(`Column '${c.name}' of table '${t.name}' has no dataType.`);
        continue;
      }
      if (seen.has(c.name)) p.add(`Table '${t.name}' has two columns named '${c.name}'.`);
      seen.add(c.name);
      columns.push({ name: c.name, dataType });
    }
  }
  const measures = Array.isArray(t.measures) ? t.measures : [];
  for (const m of measures) {
    if (!isRecord(m)) {
      p.add(`Table '${t.name}': every measure must be an object.`);
      continue;
    }
    checkProperties(m, 'Measure', p);
    if (typeof m.name !== 'string' || typeof m.expression !== 'string') p.add(`Table '${t.name}': a measure needs 'name' and 'expression'.`);
  }
  return { name: t.name, columns, measures };
}

function checkRelationship(r: unknown, i: number, tables: TableDefinition[], p: Problems): void {
  if (!isRecord(r)) {
    p.add(`relationships[${i}] must be an object.`);
    return;
  }
  checkProperties(r, 'Relationship', p);
  const column = (table: unknown, col: unknown) =>
    tables.find((t) => t.name === table)?.columns.some((c) => c.name === col) ?? false;
  if (!column(r.fromTable, r.fromColumn) || !column(r.toTable, r.toColumn)) {
    p.add(`Relationship '${String(r.name ?? i)}' refers to a table or column that is not defined.`);
  }
}

function checkProperties(obj: Record<string, unknown>, type: keyof typeof PROPERTIES, p: Problems): void {
  const allowed = PROPERTIES[type]!;
  for (const key of Object.keys(obj)) {
    // OData instance annotations ("@odata.type" …) are not properties.
    if (key.startsWith('@') || allowed.has(key)) continue;
    p.add(
      `The property '${key}' does not exist on type '${NS}.${type}'. Make sure to only use property names that are defined by the type.`,
    );
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
