/**
 * BigQueryWarehouse: the only BigQuery client production code uses. Built on @google-cloud/bigquery
 * with our own token source, our own retry policy and the idempotency rules of destinations.md A2/A3:
 *  - load jobs carry a caller-supplied deterministic jobId; a 409 `duplicate` means "already submitted",
 *    so we adopt that job (jobs.get with location) instead of failing (A9-6/7), once it is seen to
 *    hold the rows (load-verify.ts);
 *  - insertAll carries the caller's insertIds (never the library's random UUIDs, A9-4) and a 200 with
 *    insertErrors is a failure (A9-3);
 *  - schemas only grow (A5, A9-10); NUMERIC travels as decimal strings (A9-9).
 * No Temporal imports: activities wrap this class.
 */
import { BigQuery, BigQueryDate, BigQueryDatetime, BigQueryInt, BigQueryTime, BigQueryTimestamp } from '@google-cloud/bigquery';
import type { Dataset, Job, JobLoadMetadata, JobMetadata, Table, TableField, TableMetadata } from '@google-cloud/bigquery';
import type { ColumnSpec, WarehouseRow } from '../../common/warehouse-types';
import type { AccessTokenSource } from '../google/token-provider';
import { sleep } from '../google/backoff';
import { bearerAuthClient } from '../google/auth-bridge';
import {
  BigQueryApiError,
  DatasetLocationMismatchError,
  InsertRowsError,
  InvalidSchemaError,
  JobIdCollisionError,
  LoadJobFailedError,
  LoadJobTimeoutError,
  LoadJobUnverifiedError,
  type BigQueryErrorDetail,
  type InsertRowFailure,
} from './errors';
import { batchMarker, holdsBatch, loadJobId, type BatchMarker } from './load-verify';
import { DEFAULT_RETRY, withRetry, type RetryOptions } from './retry';
import { chunkInsertRows, encodeNdjson } from './row-encoding';
import { canonicalType, columnToField, columnsToAdd, fieldToColumn, validateColumns } from './schema';

export const BIGQUERY_PRODUCTION_ENDPOINT = 'https://bigquery.googleapis.com';
const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;
const TABLE_ID = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;
/** Jobs of one batch (`<jobId>`, `<jobId>_r1`, …) a load walks before giving up: each is one lost upload. */
const MAX_LOAD_JOBS = 16;
/** How often tables.patch may lose an optimistic-concurrency race before we give up. */
const MAX_SCHEMA_RACES = 4;

export interface BigQueryTarget {
  projectId: string;
  datasetId: string;
  location: string;
}

export interface JobPollingOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up waiting (LoadJobTimeoutError) after this long; the job keeps running server-side. */
  timeoutMs: number;
}

export interface BigQueryWarehouseOptions {
  target: BigQueryTarget;
  /** Base URL without /bigquery/v2, e.g. http://127.0.0.1:9050 for the emulator. Default: production. */
  apiEndpoint?: string;
  tokens: AccessTokenSource;
  retry?: Partial<RetryOptions>;
  jobPolling?: Partial<JobPollingOptions>;
  /** Per-request timeout for non-upload calls. */
  requestTimeoutMs?: number;
}

export interface LoadRowsOptions {
  /** Deterministic id, e.g. hash(run, table, batch): [A-Za-z0-9_-], ≤1024 chars. It is the idempotency key. */
  jobId: string;
  columns: ColumnSpec[];
  /** Default false (CREATE_NEVER): tables come from ensureTable so they get descriptions and clustering. */
  createIfNeeded?: boolean;
  /**
   * A column all rows carry with one value naming their batch (e.g. `_batch_id`). When the server
   * reports no outputRows for a finished job, the rows with that value are counted in the table to
   * check the job really loaded them.
   */
  batchColumn?: string;
}

export interface LoadRowsResult {
  /** The job found to hold the batch: `jobId`, or `<jobId>_r<n>` when the jobs before it were found without the rows. */
  jobId: string;
  /** True when the jobId already existed (an earlier attempt submitted it) and we adopted that job. */
  reused: boolean;
  outputRows?: number;
}

export class BigQueryWarehouse {
  readonly target: BigQueryTarget;
  private readonly bq: BigQuery;
  private readonly dataset: Dataset;
  private readonly retry: RetryOptions;
  private readonly polling: JobPollingOptions;
  private readonly tokens: AccessTokenSource;
  /** Last schema seen per table, used to check NUMERIC values in insertRows without a tables.get per call. */
  private readonly knownSchemas = new Map<string, TableField[]>();

  constructor(opts: BigQueryWarehouseOptions) {
    this.target = opts.target;
    this.tokens = opts.tokens;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    // Small loads finish in well under a second; a 250 ms first sleep dominated them (bench: 32 of 39 s).
    this.polling = { initialDelayMs: 50, maxDelayMs: 5_000, timeoutMs: 15 * 60_000, ...opts.jobPolling };
    const apiEndpoint = (opts.apiEndpoint ?? BIGQUERY_PRODUCTION_ENDPOINT).replace(/\/+$/, '');
    this.bq = new BigQuery({
      projectId: opts.target.projectId,
      location: opts.target.location,
      apiEndpoint,
      authClient: bearerAuthClient(opts.tokens, opts.target.projectId),
      // Our withRetry honours Retry-After and covers uploads; stacking the library's retry on top would multiply attempts.
      autoRetry: false,
      maxRetries: 0,
      // Honoured by @google-cloud/common's Service (per-request timeout) but missing from BigQueryOptions' typings.
      ...({ timeout: opts.requestTimeoutMs ?? 120_000 } as object),
    });
    // The library takes BIGQUERY_EMULATOR_HOST, when set, as the base URL even over an explicit apiEndpoint (A7).
    // Production behaviour must follow our configuration only, so pin the base URL to what we were given.
    this.bq.baseUrl = `${apiEndpoint}/bigquery/v2`;
    this.dataset = this.bq.dataset(opts.target.datasetId, { location: opts.target.location, projectId: opts.target.projectId });
  }

  /** Creates the dataset in target.location if missing; an existing dataset elsewhere is an error. */
  async ensureDataset(): Promise<void> {
    const { datasetId, location } = this.target;
    const existing = await this.getDatasetMetadata();
    if (existing) return this.checkDatasetLocation(existing.location);
    try {
      await this.call(`datasets.insert ${datasetId}`, () => this.bq.createDataset(datasetId, { location }));
    } catch (err) {
      // 409: created concurrently, or our earlier attempt succeeded but its response was lost.
      if (!(err instanceof BigQueryApiError && err.status === 409)) throw err;
      const now = await this.getDatasetMetadata();
      this.checkDatasetLocation(now?.location);
    }
  }

  /**
   * Creates the table, or appends missing columns (NULLABLE/REPEATED) via tables.patch guarded by
   * the table's etag so two workers adding different columns cannot overwrite each other's schema.
   */
  async ensureTable(
    tableId: string,
    columns: ColumnSpec[],
    opts: { description?: string; clusterBy?: string[] } = {},
  ): Promise<{ created: boolean; addedColumns: string[] }> {
    checkTableId(tableId);
    validateColumns(this.qualified(tableId), columns);
    this.checkClustering(tableId, columns, opts.clusterBy);
    const table = this.dataset.table(tableId);

    for (let race = 0; race < MAX_SCHEMA_RACES; race++) {
      const meta = await this.getTableMetadata(tableId);
      if (!meta) {
        const body: TableMetadata = { schema: { fields: columns.map(columnToField) } };
        if (opts.description) body.description = opts.description;
        if (opts.clusterBy?.length) body.clustering = { fields: opts.clusterBy };
        try {
          await this.call(`tables.insert ${this.qualified(tableId)}`, () => this.dataset.createTable(tableId, body));
          this.knownSchemas.set(tableId, body.schema?.fields ?? []);
          return { created: true, addedColumns: [] };
        } catch (err) {
          if (err instanceof BigQueryApiError && err.status === 409) continue; // someone else created it: reconcile
          throw err;
        }
      }
      if (meta.type && meta.type !== 'TABLE') {
        throw new InvalidSchemaError(`${this.qualified(tableId)} exists as a ${meta.type}, not a TABLE`);
      }
      const existing: TableField[] = meta.schema?.fields ?? [];
      const missing = columnsToAdd(this.qualified(tableId), existing, columns);
      if (missing.length === 0) {
        this.knownSchemas.set(tableId, existing);
        return { created: false, addedColumns: [] };
      }
      // Existing fields are sent back verbatim (order, modes, descriptions, nested fields) with ours appended.
      const fields = [...existing, ...missing.map(columnToField)];
      try {
        await this.call(`tables.patch ${this.qualified(tableId)}`, () =>
          table.request({
            method: 'PATCH',
            uri: '',
            json: { schema: { fields } },
            headers: meta.etag ? { 'If-Match': meta.etag } : {},
          }),
        );
        this.knownSchemas.set(tableId, fields);
        return { created: false, addedColumns: missing.map((c) => c.name) };
      } catch (err) {
        // 412: the table changed since we read it (another worker's patch); re-read and re-plan.
        if (err instanceof BigQueryApiError && err.status === 412) continue;
        throw err;
      }
    }
    throw new InvalidSchemaError(`${this.qualified(tableId)}: schema kept changing concurrently; gave up after ${MAX_SCHEMA_RACES} attempts`);
  }

  /** Creates the view or updates its query; refuses to turn an existing table into a view. */
  async ensureView(viewId: string, sql: string): Promise<void> {
    checkTableId(viewId);
    const view = { query: sql, useLegacySql: false };
    for (let race = 0; race < MAX_SCHEMA_RACES; race++) {
      const meta = await this.getTableMetadata(viewId);
      if (!meta) {
        try {
          await this.call(`tables.insert ${this.qualified(viewId)}`, () => this.dataset.createTable(viewId, { view }));
          return;
        } catch (err) {
          if (err instanceof BigQueryApiError && err.status === 409) continue;
          throw err;
        }
      }
      if (meta.type !== 'VIEW') {
        throw new InvalidSchemaError(`${this.qualified(viewId)} exists as a ${meta.type ?? 'TABLE'}; refusing to replace it with a view`);
      }
      if (meta.view?.query === sql && meta.view.useLegacySql !== true) return;
      await this.call(`tables.patch ${this.qualified(viewId)}`, () =>
        this.dataset.table(viewId).request({ method: 'PATCH', uri: '', json: { view } }),
      );
      return;
    }
    throw new InvalidSchemaError(`${this.qualified(viewId)}: view kept being created concurrently; gave up after ${MAX_SCHEMA_RACES} attempts`);
  }

  /**
   * NDJSON load job (multipart upload), WRITE_APPEND + ALLOW_FIELD_ADDITION. Safe to call again with
   * the same jobId after any failure: a job an earlier attempt submitted is found (or answers 409
   * duplicate) and waited for, then checked to hold the rows (outputRows, else the batch's rows
   * counted by `batchColumn`); one that does not is passed over for `<jobId>_r1`, `<jobId>_r2`, ….
   */
  async loadRows(tableId: string, rows: Record<string, unknown>[], opts: LoadRowsOptions): Promise<LoadRowsResult> {
    checkTableId(tableId);
    if (!JOB_ID.test(opts.jobId)) throw new InvalidSchemaError(`jobId "${opts.jobId.slice(0, 80)}" must match [A-Za-z0-9_-]{1,1024}`);
    validateColumns(this.qualified(tableId), opts.columns);
    if (rows.length === 0) return { jobId: opts.jobId, reused: false, outputRows: 0 };
    const batch = opts.batchColumn === undefined ? undefined : this.batchOf(tableId, rows, opts);
    const ndjson = encodeNdjson(this.qualified(tableId), rows, opts.columns);
    const fields = await this.loadSchema(tableId, opts.columns);
    const count = batch && (() => this.countBatch(tableId, batch));

    for (let attempt = 0; attempt < MAX_LOAD_JOBS; attempt++) {
      const jobId = loadJobId(opts.jobId, attempt);
      if (!JOB_ID.test(jobId)) break;
      const { job, reused } = await this.submitOrAdopt(tableId, { ...opts, jobId }, fields, ndjson);
      const outputRows = job.statistics?.load?.outputRows;
      const check = await holdsBatch(rows.length, outputRows, count);
      if (check.holds) {
        const result: LoadRowsResult = { jobId, reused };
        if (outputRows !== undefined && outputRows !== null) result.outputRows = Number(outputRows);
        return result;
      }
      // A job we watched finish without its rows is not a crash's leftover: let the caller's retry
      // find it and move on, rather than loading again and again within one call.
      if (!reused) throw new LoadJobUnverifiedError(jobId, this.qualified(tableId), rows.length, check.found);
    }
    throw new LoadJobUnverifiedError(loadJobId(opts.jobId, MAX_LOAD_JOBS - 1), this.qualified(tableId), rows.length, undefined);
  }

  /**
   * Runs one load job to DONE: adopts the job when `jobId` exists (an earlier attempt submitted it),
   * else uploads. Throws LoadJobFailedError for a job that finished with errorResult.
   */
  private async submitOrAdopt(tableId: string, opts: LoadRowsOptions, fields: TableField[], ndjson: Buffer): Promise<{ job: JobMetadata; reused: boolean }> {
    const operation = `jobs.insert(load) ${opts.jobId} → ${this.qualified(tableId)}`;
    // Look before creating: a job with our id means an earlier attempt already submitted this batch.
    // BigQuery would answer a re-submit with 409 duplicate (handled below too), but the emulator
    // answers 500 "already created", and a look-up costs one GET either way.
    const existing = await this.findJob(opts.jobId);
    let job: JobMetadata;
    let reused = existing !== null;
    try {
      if (existing) {
        this.checkJobTarget(existing, tableId);
        job = existing;
      } else {
        job = await this.call(operation, () => this.uploadLoadJob(this.dataset.table(tableId), this.loadConfig(opts, fields), ndjson));
      }
    } catch (err) {
      const duplicate = err instanceof BigQueryApiError && err.status === 409 && (err.hasReason('duplicate') || err.reasons.length === 0);
      if (!duplicate) throw err;
      // The jobId exists: a previous attempt (maybe this very call, whose response was lost) submitted it.
      reused = true;
      job = await this.getJob(opts.jobId);
      this.checkJobTarget(job, tableId);
    }
    // Some servers answer the insert without a jobReference; the id is ours anyway.
    const done = await this.waitForJob(opts.jobId, tableId, job);
    const errorResult = done.status?.errorResult;
    if (errorResult) {
      const errors = (done.status?.errors ?? []).slice(0, 20).map(toDetail);
      throw new LoadJobFailedError(opts.jobId, this.qualified(tableId), toDetail(errorResult), errors, reused);
    }
    return { job: done, reused };
  }

  private batchOf(tableId: string, rows: Record<string, unknown>[], opts: LoadRowsOptions): BatchMarker {
    const column = opts.batchColumn!;
    if (!opts.columns.some((c) => c.name === column)) throw new InvalidSchemaError(`${this.qualified(tableId)}: batch column "${column}" is not among the load's columns`);
    return batchMarker(this.qualified(tableId), rows, column);
  }

  /** Rows of one batch in the table (the column name is one of the load's validated columns). */
  private async countBatch(tableId: string, batch: BatchMarker): Promise<number> {
    const { projectId, datasetId } = this.target;
    const [row] = await this.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM \`${projectId}.${datasetId}.${tableId}\` WHERE ${batch.column} = @batch`,
      { batch: batch.value },
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Streaming insert with the caller's insertIds, ≤500 rows/≤9 MB per request. Chunks go in order;
   * on an InsertRowsError earlier chunks are already written (insertedBeforeFailure), and
   * re-sending everything is safe only within BigQuery's best-effort insertId dedup window.
   */
  async insertRows(tableId: string, rows: WarehouseRow[]): Promise<{ inserted: number }> {
    checkTableId(tableId);
    const numeric = (this.knownSchemas.get(tableId) ?? []).filter((f) => canonicalType(f.type) === 'NUMERIC').map((f) => f.name ?? '');
    const chunks = chunkInsertRows(this.qualified(tableId), rows, numeric);
    const table = this.dataset.table(tableId);
    let inserted = 0;
    for (const chunk of chunks) {
      await this.call(`tabledata.insertAll ${this.qualified(tableId)}`, async () => {
        try {
          // raw: rows are already {insertId, json}; partialRetries 0: a rejected row is reported, not re-sent.
          await table.insert(chunk.rows, { raw: true, partialRetries: 0, skipInvalidRows: false, ignoreUnknownValues: false });
        } catch (err) {
          const failures = partialFailures(err, chunk.start, chunk.rows);
          if (failures) throw new InsertRowsError(this.qualified(tableId), failures, inserted);
          throw err;
        }
      });
      inserted += chunk.rows.length;
    }
    return { inserted };
  }

  /**
   * Standard-SQL query in target.location. Values come back JSON-friendly: NUMERIC/BIGNUMERIC as
   * decimal strings, TIMESTAMP/DATE/DATETIME/TIME as strings, INT64 as number when safe else string.
   * Named params are typed by the library from JS values (string → STRING, integer → INT64,
   * Date → TIMESTAMP); cast in SQL for NUMERIC, e.g. CAST(@amount AS NUMERIC).
   */
  async query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const [rows] = await this.call('jobs.query', () =>
      this.bq.query({
        query: sql,
        ...(params ? { params } : {}),
        location: this.target.location,
        useLegacySql: false,
        wrapIntegers: { integerTypeCastFunction: intOrString },
      }),
    );
    return (rows as unknown[]).map((r) => plainValue(r) as T);
  }

  /** Current columns, or null when the table does not exist. */
  async getTableColumns(tableId: string): Promise<ColumnSpec[] | null> {
    checkTableId(tableId);
    const meta = await this.getTableMetadata(tableId);
    if (!meta) return null;
    const fields = meta.schema?.fields ?? [];
    this.knownSchemas.set(tableId, fields);
    return fields.map(fieldToColumn);
  }

  // ── internals ────────────────────────────────────────────────────────────

  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(operation, this.retry, fn, () => this.tokens.invalidate?.());
  }

  private qualified(tableId: string): string {
    return `${this.target.datasetId}.${tableId}`;
  }

  private async getDatasetMetadata(): Promise<{ location?: string } | null> {
    try {
      const [meta] = await this.call(`datasets.get ${this.target.datasetId}`, () => this.dataset.getMetadata());
      return meta as { location?: string };
    } catch (err) {
      if (err instanceof BigQueryApiError && err.status === 404) return null;
      throw err;
    }
  }

  private checkDatasetLocation(actual: string | undefined): void {
    // Older datasets may omit location (implicitly US); compare case-insensitively ("EU" vs "eu").
    const have = (actual ?? 'US').toLowerCase();
    if (have !== this.target.location.toLowerCase()) {
      throw new DatasetLocationMismatchError(`${this.target.projectId}:${this.target.datasetId}`, actual ?? 'US', this.target.location);
    }
  }

  private async getTableMetadata(tableId: string): Promise<TableMetadata | null> {
    try {
      const [meta] = await this.call(`tables.get ${this.qualified(tableId)}`, () => this.dataset.table(tableId).getMetadata());
      return meta as TableMetadata;
    } catch (err) {
      if (err instanceof BigQueryApiError && err.status === 404) return null;
      throw err;
    }
  }

  private checkClustering(tableId: string, columns: ColumnSpec[], clusterBy: string[] | undefined): void {
    if (!clusterBy?.length) return;
    if (clusterBy.length > 4) throw new InvalidSchemaError(`${this.qualified(tableId)}: at most 4 clustering columns`);
    const names = new Set(columns.map((c) => c.name.toLowerCase()));
    for (const c of clusterBy) {
      if (!names.has(c.toLowerCase())) throw new InvalidSchemaError(`${this.qualified(tableId)}: clustering column "${c}" is not in the schema`);
    }
  }

  /**
   * The schema sent with a load: the table's current fields verbatim, plus our missing columns appended.
   * Sending only our columns would fail the job if the table has grown columns we do not know
   * ("Field x is missing in new schema"), and a failed job burns its deterministic jobId. Read fresh for
   * every load (one GET per batch) because another worker may have widened the table meanwhile.
   */
  private async loadSchema(tableId: string, columns: ColumnSpec[]): Promise<TableField[]> {
    const meta = await this.getTableMetadata(tableId);
    if (!meta) return columns.map(columnToField);
    const existing = meta.schema?.fields ?? [];
    const missing = columnsToAdd(this.qualified(tableId), existing, columns);
    const fields = [...existing, ...missing.map(columnToField)];
    this.knownSchemas.set(tableId, fields);
    return fields;
  }

  private loadConfig(opts: LoadRowsOptions, fields: TableField[]): JobLoadMetadata {
    return {
      jobId: opts.jobId,
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      schema: { fields },
      writeDisposition: 'WRITE_APPEND',
      createDisposition: opts.createIfNeeded ? 'CREATE_IF_NEEDED' : 'CREATE_NEVER',
      schemaUpdateOptions: ['ALLOW_FIELD_ADDITION'],
      ignoreUnknownValues: false,
      maxBadRecords: 0,
    };
  }

  /**
   * Multipart upload through the library's non-polling write stream. We use createWriteStream_
   * (public in the typings) rather than createWriteStream/load because those poll with a fixed
   * interval and treat any status.errors entry as failure, while A3 says only errorResult is fatal.
   * A 409 surfaces as a stream error with code 409, which `call` turns into a BigQueryApiError.
   */
  private uploadLoadJob(table: Table, metadata: JobLoadMetadata, body: Buffer): Promise<JobMetadata> {
    return new Promise<JobMetadata>((resolve, reject) => {
      // createWriteStream_ deletes jobId from the object it is given, so each attempt gets a fresh copy.
      const stream = table.createWriteStream_({ ...metadata });
      stream.once('job', (job: Job | null) => resolve((job?.metadata ?? {}) as JobMetadata));
      stream.once('error', reject);
      stream.end(body);
    });
  }

  private async getJob(jobId: string): Promise<JobMetadata> {
    // Job objects carry the location, so jobs.get is sent with ?location= (A9-7: without it, non-US jobs 404).
    const [meta] = await this.call(`jobs.get ${jobId}`, () => this.bq.job(jobId, { location: this.target.location }).getMetadata());
    return meta as JobMetadata;
  }

  private async findJob(jobId: string): Promise<JobMetadata | null> {
    try {
      return await this.getJob(jobId);
    } catch (err) {
      if (err instanceof BigQueryApiError && err.status === 404) return null;
      throw err;
    }
  }

  private checkJobTarget(job: JobMetadata, tableId: string): void {
    const dest = job.configuration?.load?.destinationTable;
    const expected = `${this.target.projectId}:${this.qualified(tableId)}`;
    const found = dest ? `${dest.projectId ?? this.target.projectId}:${dest.datasetId}.${dest.tableId}` : `a non-load job`;
    if (found !== expected) throw new JobIdCollisionError(job.jobReference?.jobId ?? '?', expected, found);
  }

  private async waitForJob(jobId: string, tableId: string, initial: JobMetadata): Promise<JobMetadata> {
    const deadline = Date.now() + this.polling.timeoutMs;
    let job = initial;
    let delay = this.polling.initialDelayMs;
    while (job.status?.state !== 'DONE') {
      if (Date.now() + delay > deadline) throw new LoadJobTimeoutError(jobId, this.qualified(tableId), job.status?.state ?? 'UNKNOWN');
      await sleep(delay);
      delay = Math.min(this.polling.maxDelayMs, Math.round(delay * 1.6));
      job = await this.getJob(jobId);
    }
    return job;
  }
}

function checkTableId(tableId: string): void {
  if (!TABLE_ID.test(tableId)) throw new InvalidSchemaError(`invalid table id "${tableId.slice(0, 80)}"`);
}

function toDetail(e: { reason?: string | null; location?: string | null; message?: string | null }): BigQueryErrorDetail {
  const d: BigQueryErrorDetail = {};
  if (e.reason) d.reason = e.reason;
  if (e.location) d.location = e.location;
  if (e.message) d.message = e.message;
  return d;
}

/** Maps the library's PartialFailureError (insertErrors on a 200) to failures with caller-relative indexes. */
function partialFailures(
  err: unknown,
  start: number,
  rows: Array<{ insertId: string }>,
): InsertRowFailure[] | undefined {
  const e = err as { name?: string; response?: { insertErrors?: Array<{ index?: number; errors?: BigQueryErrorDetail[] }> } };
  const insertErrors = e?.response?.insertErrors;
  if (e?.name !== 'PartialFailureError' || !Array.isArray(insertErrors)) return undefined;
  return insertErrors.map((ie) => {
    // proto3 JSON omits index 0 (goccy's emulator does exactly that), so a missing index means 0.
    const local = ie.index ?? 0;
    return { index: start + local, insertId: rows[local]?.insertId ?? '', errors: (ie.errors ?? []).map(toDetail) };
  });
}

function intOrString(value: string): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** Unwraps the library's value classes into JSON-friendly primitives. */
function plainValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plainValue);
  if (v instanceof BigQueryTimestamp || v instanceof BigQueryDate || v instanceof BigQueryDatetime || v instanceof BigQueryTime) {
    return v.value;
  }
  if (v instanceof BigQueryInt) return v.valueOf();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  // big.js instances (NUMERIC/BIGNUMERIC): toFixed() never switches to exponent notation.
  if (isBig(v)) return v.toFixed();
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = plainValue(val);
  return out;
}

function isBig(v: object): v is { toFixed(): string } {
  const b = v as { c?: unknown; e?: unknown; s?: unknown; toFixed?: unknown };
  return Array.isArray(b.c) && typeof b.e === 'number' && typeof b.s === 'number' && typeof b.toFixed === 'function';
}
