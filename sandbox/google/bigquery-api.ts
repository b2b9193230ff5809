/**
 * In-memory BigQuery REST semantics (datasets, tables, insertAll, multipart load jobs, jobs.get).
 * Pure functions from request data to a Reply so fault injection can wrap them uniformly.
 * Fidelity targets the quirks our client must survive (destinations.md A2/A3/A5/A9):
 * 200-with-insertErrors, "stopped" rows, insertId dedup window, 409 duplicate on a reused jobId,
 * jobs.get needing the job's location, DONE-with-errorResult, append-only schema patches, If-Match.
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, googleError, invalid, notFound, type Reply } from './google-errors';
import { boundaryOf, parseMultipart } from './multipart';
import { fieldIndexOf, type GoogleSandboxState, type SandboxDataset, type SandboxJob, type SandboxTable } from './state';
import { checkValue, type SandboxField } from './value-check';

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const KNOWN_TYPES = new Set([
  'STRING', 'BYTES', 'INTEGER', 'INT64', 'FLOAT', 'FLOAT64', 'NUMERIC', 'BIGNUMERIC', 'BOOLEAN', 'BOOL',
  'TIMESTAMP', 'DATE', 'TIME', 'DATETIME', 'GEOGRAPHY', 'RECORD', 'STRUCT', 'JSON', 'INTERVAL', 'RANGE',
]);
const CANONICAL: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL', STRUCT: 'RECORD' };
const canonical = (t: string): string => CANONICAL[t.toUpperCase()] ?? t.toUpperCase();
const MAX_INSERT_ALL_ROWS = 50_000;

export interface ApiRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  baseUrl: string;
}

// ── datasets ──────────────────────────────────────────────────────────────

export function getDataset(state: GoogleSandboxState, req: ApiRequest): Reply {
  const { projectId, datasetId } = req.params as { projectId: string; datasetId: string };
  const ds = state.dataset(projectId, datasetId);
  return ds ? { status: 200, body: datasetResource(ds, req.baseUrl) } : notFound(`Dataset ${projectId}:${datasetId}`);
}

export function insertDataset(state: GoogleSandboxState, req: ApiRequest): Reply {
  const { projectId } = req.params as { projectId: string };
  const body = (req.body ?? {}) as { datasetReference?: { datasetId?: string }; location?: string };
  const datasetId = body.datasetReference?.datasetId;
  if (!datasetId || !/^[A-Za-z0-9_]{1,1024}$/.test(datasetId)) return invalid(`Invalid dataset ID "${datasetId ?? ''}".`);
  if (state.dataset(projectId, datasetId)) return alreadyExists(`Dataset ${projectId}:${datasetId}`);
  const ds: SandboxDataset = { projectId, datasetId, location: body.location ?? 'US', creationTime: state.now(), tables: new Map() };
  state.datasets.set(`${projectId}:${datasetId}`, ds);
  return { status: 200, body: datasetResource(ds, req.baseUrl) };
}

function datasetResource(ds: SandboxDataset, baseUrl: string) {
  return {
    kind: 'bigquery#dataset',
    etag: String(ds.creationTime),
    id: `${ds.projectId}:${ds.datasetId}`,
    selfLink: `${baseUrl}/bigquery/v2/projects/${ds.projectId}/datasets/${ds.datasetId}`,
    datasetReference: { projectId: ds.projectId, datasetId: ds.datasetId },
    location: ds.location,
    creationTime: String(ds.creationTime),
    lastModifiedTime: String(ds.creationTime),
  };
}

// ── tables ────────────────────────────────────────────────────────────────

export function getTable(state: GoogleSandboxState, req: ApiRequest): Reply {
  const found = lookupTable(state, req.params);
  return 'status' in found ? found : { status: 200, body: tableResource(found.table, found.ds, req.baseUrl) };
}

export function insertTable(state: GoogleSandboxState, req: ApiRequest): Reply {
  const { projectId, datasetId } = req.params as { projectId: string; datasetId: string };
  const ds = state.dataset(projectId, datasetId);
  if (!ds) return notFound(`Dataset ${projectId}:${datasetId}`);
  const body = (req.body ?? {}) as {
    tableReference?: { tableId?: string };
    schema?: { fields?: SandboxField[] };
    view?: { query?: string; useLegacySql?: boolean };
    description?: string;
    clustering?: { fields?: string[] };
  };
  const tableId = body.tableReference?.tableId;
  if (!tableId) return invalid('tableReference.tableId is required.');
  if (ds.tables.has(tableId)) return alreadyExists(`Table ${projectId}:${datasetId}.${tableId}`);
  const fields = body.schema?.fields ?? [];
  const schemaError = validateFields(fields);
  if (schemaError) return invalid(schemaError);
  if (body.view && !body.view.query) return invalid('View query is required.');
  const now = state.now();
  const table: SandboxTable = {
    projectId,
    datasetId,
    tableId,
    type: body.view ? 'VIEW' : 'TABLE',
    fields: fields.map(cleanField),
    fieldIndex: new Map(),
    rows: [],
    insertIds: new Map(),
    etagCounter: 1,
    creationTime: now,
    lastModifiedTime: now,
  };
  table.fieldIndex = fieldIndexOf(table.fields);
  if (body.description) table.description = body.description;
  if (body.clustering?.fields?.length) {
    for (const c of body.clustering.fields) {
      if (!table.fieldIndex.has(c.toLowerCase())) return invalid(`The field specified for clustering cannot be found in the schema. Invalid field: ${c}.`);
    }
    table.clustering = { fields: body.clustering.fields };
  }
  if (body.view?.query) table.view = { query: body.view.query, useLegacySql: body.view.useLegacySql ?? true };
  ds.tables.set(tableId, table);
  return { status: 200, body: tableResource(table, ds, req.baseUrl) };
}

/** tables.patch: schemas only grow; If-Match must match the current etag when given. */
export function patchTable(state: GoogleSandboxState, req: ApiRequest): Reply {
  const found = lookupTable(state, req.params);
  if ('status' in found) return found;
  const { table, ds } = found;
  const ifMatch = header(req.headers, 'if-match');
  if (ifMatch !== undefined && ifMatch !== etagOf(table)) return googleError(412, 'conditionNotMet', 'Precondition check failed.');
  const body = (req.body ?? {}) as { schema?: { fields?: SandboxField[] }; view?: { query?: string; useLegacySql?: boolean }; description?: string };
  const name = `${table.projectId}:${table.datasetId}.${table.tableId}`;
  if (body.schema?.fields) {
    const next = body.schema.fields;
    const error = validateFields(next) ?? schemaEvolutionError(name, table.fields, next);
    if (error) return invalid(error);
    table.fields = next.map(cleanField);
    table.fieldIndex = fieldIndexOf(table.fields);
  }
  if (body.view) {
    if (table.type !== 'VIEW') return invalid(`Cannot change a table into a view: ${name}.`);
    if (body.view.query) table.view = { query: body.view.query, useLegacySql: body.view.useLegacySql ?? table.view?.useLegacySql ?? true };
  }
  if (body.description !== undefined) table.description = body.description;
  table.etagCounter++;
  table.lastModifiedTime = state.now();
  return { status: 200, body: tableResource(table, ds, req.baseUrl) };
}

function lookupTable(state: GoogleSandboxState, params: Record<string, string>): { table: SandboxTable; ds: SandboxDataset } | Reply {
  const { projectId, datasetId, tableId } = params as { projectId: string; datasetId: string; tableId: string };
  const ds = state.dataset(projectId, datasetId);
  if (!ds) return notFound(`Dataset ${projectId}:${datasetId}`);
  const table = ds.tables.get(tableId);
  return table ? { table, ds } : notFound(`Table ${projectId}:${datasetId}.${tableId}`);
}

function etagOf(table: SandboxTable): string {
  return `"etag-${table.etagCounter}"`;
}

function tableResource(table: SandboxTable, ds: SandboxDataset, baseUrl: string) {
  const resource: Record<string, unknown> = {
    kind: 'bigquery#table',
    etag: etagOf(table),
    id: `${table.projectId}:${table.datasetId}.${table.tableId}`,
    selfLink: `${baseUrl}/bigquery/v2/projects/${table.projectId}/datasets/${table.datasetId}/tables/${table.tableId}`,
    tableReference: { projectId: table.projectId, datasetId: table.datasetId, tableId: table.tableId },
    schema: { fields: table.fields },
    numRows: String(table.rows.length),
    creationTime: String(table.creationTime),
    lastModifiedTime: String(table.lastModifiedTime),
    type: table.type,
    location: ds.location,
  };
  if (table.description) resource.description = table.description;
  if (table.clustering) resource.clustering = table.clustering;
  if (table.view) resource.view = table.view;
  return resource;
}

function cleanField(f: SandboxField): SandboxField {
  const out: SandboxField = { name: f.name, type: String(f.type).toUpperCase(), mode: f.mode ?? 'NULLABLE' };
  if (f.description) out.description = f.description;
  if (f.fields) out.fields = f.fields.map(cleanField);
  return out;
}

function validateFields(fields: SandboxField[]): string | undefined {
  const seen = new Set<string>();
  for (const f of fields) {
    if (!f.name || !FIELD_NAME.test(f.name)) return `Invalid field name "${f.name ?? ''}". Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.`;
    if (!KNOWN_TYPES.has(String(f.type ?? '').toUpperCase())) return `Invalid value for type: ${String(f.type)} is not a valid value`;
    const key = f.name.toLowerCase();
    if (seen.has(key)) return `Field ${f.name} already exists in schema`;
    seen.add(key);
  }
  return undefined;
}

/** The append-only rule real BigQuery enforces on tables.patch and on loads with ALLOW_FIELD_ADDITION. */
function schemaEvolutionError(tableName: string, current: SandboxField[], next: SandboxField[], allowAdd = true): string | undefined {
  const nextIndex = fieldIndexOf(next);
  for (const f of current) {
    const n = nextIndex.get(f.name.toLowerCase());
    if (!n) return `Provided Schema does not match Table ${tableName}. Field ${f.name} is missing in new schema`;
    if (canonical(n.type) !== canonical(f.type)) {
      return `Provided Schema does not match Table ${tableName}. Field ${f.name} has changed type from ${canonical(f.type)} to ${canonical(n.type)}`;
    }
    if ((n.mode ?? 'NULLABLE') !== (f.mode ?? 'NULLABLE') && !(f.mode === 'REQUIRED' && n.mode === 'NULLABLE')) {
      return `Provided Schema does not match Table ${tableName}. Field ${f.name} has changed mode from ${f.mode ?? 'NULLABLE'} to ${n.mode ?? 'NULLABLE'}`;
    }
  }
  const currentIndex = fieldIndexOf(current);
  for (const n of next) {
    if (currentIndex.has(n.name.toLowerCase())) continue;
    if (!allowAdd) return `Provided Schema does not match Table ${tableName}. Cannot add fields (field: ${n.name})`;
    if (n.mode === 'REQUIRED') return `Provided Schema does not match Table ${tableName}. Cannot add required fields to an existing schema. (field: ${n.name})`;
  }
  return undefined;
}

// ── insertAll ─────────────────────────────────────────────────────────────

interface InsertError {
  index: number;
  errors: Array<{ reason: string; location: string; debugInfo: string; message: string }>;
}

export function insertAll(state: GoogleSandboxState, req: ApiRequest): Reply {
  const found = lookupTable(state, req.params);
  if ('status' in found) return found;
  const { table } = found;
  if (table.type === 'VIEW') return invalid(`Cannot add rows to a view: ${table.datasetId}.${table.tableId}`);
  const body = (req.body ?? {}) as { rows?: Array<{ insertId?: string; json?: Record<string, unknown> }>; skipInvalidRows?: boolean; ignoreUnknownValues?: boolean };
  const rows = body.rows;
  if (!Array.isArray(rows) || rows.length === 0) return invalid('No rows present in the request.');
  if (rows.length > MAX_INSERT_ALL_ROWS) return invalid(`too many rows present in the request, limit: ${MAX_INSERT_ALL_ROWS} row count: ${rows.length}.`);

  const insertErrors: InsertError[] = [];
  const invalidRows = new Set<number>();
  for (let i = 0; i < rows.length; i++) {
    const message = rowError(table, rows[i]?.json, body.ignoreUnknownValues === true);
    if (message) {
      insertErrors.push({ index: i, errors: [{ reason: 'invalid', location: message.location, debugInfo: '', message: message.message }] });
      invalidRows.add(i);
    }
  }
  if (insertErrors.length > 0 && !body.skipInvalidRows) {
    // Without skipInvalidRows the whole request is rejected; valid rows are reported as "stopped".
    for (let i = 0; i < rows.length; i++) {
      if (!invalidRows.has(i)) insertErrors.push({ index: i, errors: [{ reason: 'stopped', location: '', debugInfo: '', message: '' }] });
    }
    insertErrors.sort((a, b) => a.index - b.index);
    return { status: 200, body: { kind: 'bigquery#tableDataInsertAllResponse', insertErrors } };
  }

  const now = state.now();
  const windowStart = now - state.insertIdWindowMs;
  for (let i = 0; i < rows.length; i++) {
    if (invalidRows.has(i)) continue;
    const row = rows[i]!;
    if (row.insertId) {
      const seen = table.insertIds.get(row.insertId);
      if (seen !== undefined && seen >= windowStart) {
        state.stats.dedupedInsertIds++;
        continue;
      }
      table.insertIds.set(row.insertId, now);
    }
    table.rows.push(row.json ?? {});
    state.stats.rowsInserted++;
  }
  if (table.insertIds.size > 200_000) state.pruneInsertIds(table);
  const reply: Record<string, unknown> = { kind: 'bigquery#tableDataInsertAllResponse' };
  if (insertErrors.length) reply.insertErrors = insertErrors;
  return { status: 200, body: reply };
}

function rowError(table: SandboxTable, json: unknown, ignoreUnknown: boolean): { location: string; message: string } | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { location: '', message: 'Row is not a JSON object.' };
  const row = json as Record<string, unknown>;
  for (const key in row) {
    const field = table.fieldIndex.get(key.toLowerCase());
    if (!field) {
      if (ignoreUnknown) continue;
      return { location: key, message: `no such field: ${key}.` };
    }
    const err = checkValue(field, row[key]);
    if (err) return { location: key, message: err };
  }
  for (const f of table.fields) {
    if (f.mode === 'REQUIRED' && (row[f.name] === undefined || row[f.name] === null)) return { location: f.name, message: `Missing required field: ${f.name}.` };
  }
  return undefined;
}

// ── jobs ──────────────────────────────────────────────────────────────────

const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;

export function rejectQuery(): Reply {
  return invalid('The Google sandbox does not execute SQL (queries and query jobs). Use the BigQuery emulator for query tests.');
}

/** jobs.insert via /upload/bigquery/v2/projects/{p}/jobs?uploadType=multipart. */
export function uploadJob(state: GoogleSandboxState, req: ApiRequest): Reply {
  const { projectId } = req.params as { projectId: string };
  if (req.query.uploadType !== 'multipart') return invalid(`The sandbox supports uploadType=multipart only (got ${String(req.query.uploadType)}).`);
  const boundary = boundaryOf(header(req.headers, 'content-type'));
  if (!boundary || !Buffer.isBuffer(req.body)) return invalid('Expected a multipart/related body with a boundary.');
  const parts = parseMultipart(req.body, boundary);
  if (parts.length < 2) return invalid(`Expected 2 multipart parts (metadata, data), got ${parts.length}.`);
  let metadata: { jobReference?: { jobId?: string; location?: string }; configuration?: { load?: LoadConfig } };
  try {
    metadata = JSON.parse(parts[0]!.body.toString('utf8'));
  } catch {
    return invalid('Job metadata part is not valid JSON.');
  }
  const load = metadata.configuration?.load;
  if (!load) return invalid('The sandbox only supports load jobs through the upload endpoint.');
  const jobId = metadata.jobReference?.jobId ?? `job_${randomUUID().replace(/-/g, '')}`;
  if (!JOB_ID.test(jobId)) return invalid(`Invalid job ID "${jobId.slice(0, 80)}". Job IDs must be alphanumeric (plus underscores and dashes) and at most 1024 characters long.`);

  const existing = state.jobs.get(`${projectId}:${jobId}`);
  if (existing) {
    // A3: the job is not re-run; the error names project, location and id exactly like production.
    state.stats.duplicateJobInserts++;
    return alreadyExists(`Job ${projectId}:${existing.location}.${jobId}`);
  }
  const dest = load.destinationTable ?? {};
  const ds = dest.datasetId ? state.dataset(dest.projectId ?? projectId, dest.datasetId) : undefined;
  const location = metadata.jobReference?.location ?? ds?.location ?? 'US';
  const job: SandboxJob = {
    projectId,
    jobId,
    location,
    configuration: { load, jobType: 'LOAD' },
    state: 'RUNNING',
    pendingPolls: state.jobPendingPolls,
    statistics: { creationTime: String(state.now()), startTime: String(state.now()) },
  };
  const data = parts[1]!.body;
  job.complete = () => runLoad(state, job, load, data);
  state.jobs.set(`${projectId}:${jobId}`, job);
  const torn = state.takeFault('load', 'torn');
  if (torn) {
    job.complete = () => {
      job.statistics.load = { inputFiles: '0', inputFileBytes: '0', outputRows: '0', outputBytes: '0', badRecords: '0' };
    };
    finishJob(state, job);
    return googleError(torn.status, torn.reason ?? 'backendError', 'Error encountered during execution. Retrying may solve the problem.');
  }
  if (job.pendingPolls <= 0) finishJob(state, job);
  return { status: 200, body: jobResource(job, req.baseUrl) };
}

export function getJob(state: GoogleSandboxState, req: ApiRequest): Reply {
  const { projectId, jobId } = req.params as { projectId: string; jobId: string };
  const job = state.jobs.get(`${projectId}:${jobId}`);
  // Jobs live in a location; asking without (or with another) location does not find non-US jobs (A9-7).
  const asked = typeof req.query.location === 'string' ? req.query.location : 'US';
  if (!job || job.location.toLowerCase() !== asked.toLowerCase()) return notFound(`Job ${projectId}:${jobId}`);
  if (job.state !== 'DONE') {
    job.pendingPolls--;
    if (job.pendingPolls <= 0) finishJob(state, job);
  }
  return { status: 200, body: jobResource(job, req.baseUrl) };
}

function finishJob(state: GoogleSandboxState, job: SandboxJob): void {
  job.complete?.();
  delete job.complete;
  job.state = 'DONE';
  job.statistics.endTime = String(state.now());
}

function jobResource(job: SandboxJob, baseUrl: string) {
  const status: Record<string, unknown> = { state: job.state };
  if (job.errorResult) status.errorResult = job.errorResult;
  if (job.errors) status.errors = job.errors;
  return {
    kind: 'bigquery#job',
    etag: `"${job.jobId}"`,
    id: `${job.projectId}:${job.location}.${job.jobId}`,
    selfLink: `${baseUrl}/bigquery/v2/projects/${job.projectId}/jobs/${job.jobId}?location=${job.location}`,
    user_email: 'sandbox@example.iam.gserviceaccount.com',
    jobReference: { projectId: job.projectId, jobId: job.jobId, location: job.location },
    configuration: job.configuration,
    status,
    statistics: job.statistics,
  };
}

interface LoadConfig {
  destinationTable?: { projectId?: string; datasetId?: string; tableId?: string };
  sourceFormat?: string;
  schema?: { fields?: SandboxField[] };
  writeDisposition?: string;
  createDisposition?: string;
  schemaUpdateOptions?: string[];
  ignoreUnknownValues?: boolean;
  maxBadRecords?: number;
}

/** Executes a load atomically: either every row lands (and schema additions apply) or nothing changes. */
function runLoad(state: GoogleSandboxState, job: SandboxJob, load: LoadConfig, data: Buffer): void {
  const fail = (reason: string, message: string, errors: Array<{ reason: string; message: string; location?: string }> = []) => {
    job.errorResult = { reason, message };
    job.errors = [{ reason, message }, ...errors];
  };
  const dest = load.destinationTable ?? {};
  const projectId = dest.projectId ?? job.projectId;
  const name = `${projectId}:${dest.datasetId}.${dest.tableId}`;
  const ds = dest.datasetId ? state.dataset(projectId, dest.datasetId) : undefined;
  if (!ds || !dest.tableId) return fail('notFound', `Not found: Dataset ${projectId}:${dest.datasetId ?? ''}`);
  if (ds.location.toLowerCase() !== job.location.toLowerCase()) {
    return fail('notFound', `Not found: Dataset ${projectId}:${ds.datasetId} was not found in location ${job.location}`);
  }
  if ((load.sourceFormat ?? 'CSV') !== 'NEWLINE_DELIMITED_JSON') {
    return fail('invalid', `The sandbox loads NEWLINE_DELIMITED_JSON only (got ${load.sourceFormat ?? 'CSV'}).`);
  }
  const loadFields = (load.schema?.fields ?? []).map(cleanField);
  const schemaError = validateFields(loadFields);
  if (schemaError) return fail('invalid', schemaError);

  let table = ds.tables.get(dest.tableId);
  const disposition = load.writeDisposition ?? 'WRITE_APPEND';
  let fields: SandboxField[];
  if (!table) {
    if ((load.createDisposition ?? 'CREATE_IF_NEEDED') === 'CREATE_NEVER') return fail('notFound', `Not found: Table ${name}`);
    if (loadFields.length === 0) return fail('invalid', `No schema specified on job or table ${name}.`);
    fields = loadFields;
  } else if (table.type === 'VIEW') {
    return fail('invalid', `Cannot load data into a view: ${name}`);
  } else if (loadFields.length === 0 || disposition === 'WRITE_TRUNCATE') {
    // WRITE_TRUNCATE replaces the schema too (A9-8).
    fields = loadFields.length ? loadFields : table.fields;
  } else {
    const allowAdd = (load.schemaUpdateOptions ?? []).includes('ALLOW_FIELD_ADDITION');
    const err = schemaEvolutionError(name, table.fields, loadFields, allowAdd);
    if (err) return fail('invalid', err);
    fields = loadFields;
  }

  const index = fieldIndexOf(fields);
  const rows: Record<string, unknown>[] = [];
  const rowErrors: Array<{ reason: string; message: string; location?: string }> = [];
  const text = data.toString('utf8');
  let offset = 0;
  const ignoreUnknown = load.ignoreUnknownValues === true;
  while (offset < text.length) {
    let end = text.indexOf('\n', offset);
    if (end === -1) end = text.length;
    const line = text.slice(offset, end).trim();
    const position = offset;
    offset = end + 1;
    if (line === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      rowErrors.push({ reason: 'invalid', message: `Error while reading data, error message: JSON parsing error in row starting at position ${position}: Parser terminated before end of string` });
      continue;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      rowErrors.push({ reason: 'invalid', message: `Error while reading data, error message: JSON parsing error in row starting at position ${position}: Row is not a JSON object` });
      continue;
    }
    const obj = row as Record<string, unknown>;
    let bad: string | undefined;
    for (const key in obj) {
      const field = index.get(key.toLowerCase());
      if (!field) {
        if (ignoreUnknown) continue;
        bad = `No such field: ${key}.`;
        break;
      }
      bad = checkValue(field, obj[key]);
      if (bad) break;
    }
    if (bad) {
      rowErrors.push({ reason: 'invalid', message: `Error while reading data, error message: JSON parsing error in row starting at position ${position}: ${bad}` });
      continue;
    }
    rows.push(obj);
  }
  if (rowErrors.length > (load.maxBadRecords ?? 0)) {
    return fail(
      'invalid',
      `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${rows.length + rowErrors.length}; errors: ${rowErrors.length}. Please look into the errors[] collection for more details.`,
      rowErrors.slice(0, 5),
    );
  }

  const now = state.now();
  if (!table) {
    table = {
      projectId,
      datasetId: ds.datasetId,
      tableId: dest.tableId,
      type: 'TABLE',
      fields,
      fieldIndex: index,
      rows: [],
      insertIds: new Map(),
      etagCounter: 1,
      creationTime: now,
      lastModifiedTime: now,
    };
    ds.tables.set(dest.tableId, table);
  } else {
    if (disposition === 'WRITE_EMPTY' && table.rows.length > 0) return fail('duplicate', `Already Exists: Table ${name}`);
    if (fields !== table.fields) {
      table.fields = fields;
      table.fieldIndex = index;
      table.etagCounter++;
    }
    if (disposition === 'WRITE_TRUNCATE' || disposition === 'WRITE_TRUNCATE_DATA') table.rows = [];
  }
  for (const r of rows) table.rows.push(r);
  table.lastModifiedTime = now;
  state.stats.rowsLoaded += rows.length;
  job.statistics.load = {
    inputFiles: '1',
    inputFileBytes: String(data.length),
    outputRows: String(rows.length),
    outputBytes: String(data.length),
    badRecords: String(rowErrors.length),
  };
}

function header(headers: ApiRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
