/**
 * Errors thrown by BigQueryWarehouse. They are plain data (no library objects attached) because
 * the library's ApiError carries `response.request.headers`, i.e. our Authorization header;
 * anything that reaches a log or a Temporal failure must be built from sanitised fields only.
 */
import { redactSecrets } from '../google/redact';

export interface BigQueryErrorDetail {
  reason?: string;
  location?: string;
  message?: string;
}

/** An HTTP/API failure from BigQuery (or the network below it). */
export class BigQueryApiError extends Error {
  override readonly name = 'BigQueryApiError';
  constructor(
    /** Which warehouse operation failed, e.g. "tables.get ds.invoices". */
    readonly operation: string,
    /** HTTP status; undefined for network failures. */
    readonly status: number | undefined,
    /** `errors[].reason` values, e.g. ["rateLimitExceeded"]. */
    readonly reasons: string[],
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(redactSecrets(`${operation}: ${status ? `HTTP ${status} ` : ''}${reasons.length ? `[${reasons.join(',')}] ` : ''}${message}`).slice(0, 2000));
  }

  hasReason(reason: string): boolean {
    return this.reasons.includes(reason);
  }
}

/** An existing column has a different type (or mode) than the mapping wants. Never auto-fixed (A5). */
export class SchemaConflictError extends Error {
  override readonly name = 'SchemaConflictError';
  constructor(
    readonly table: string,
    readonly column: string,
    readonly existingType: string,
    readonly wantedType: string,
  ) {
    super(
      `Schema conflict on table ${table}, column ${column}: existing type ${existingType}, wanted ${wantedType}. ` +
        'Columns are never retyped, renamed or dropped automatically; migrate the table by hand.',
    );
  }
}

/** The ColumnSpec list itself is unusable (bad names, duplicates, empty). */
export class InvalidSchemaError extends Error {
  override readonly name = 'InvalidSchemaError';
}

/** A load job reached DONE with status.errorResult (A3/A9-7). Carries BigQuery's errors, never our row bodies. */
export class LoadJobFailedError extends Error {
  override readonly name = 'LoadJobFailedError';
  constructor(
    readonly jobId: string,
    readonly table: string,
    readonly errorResult: BigQueryErrorDetail,
    readonly errors: BigQueryErrorDetail[],
    /**
     * True when the failed job was an earlier submission adopted via 409: retrying with the same
     * jobId will only find the same failed job again, so the caller must derive a new jobId.
     */
    readonly reusedJob = false,
  ) {
    const first = errors.find((e) => e.message && e.message !== errorResult.message);
    super(
      redactSecrets(
        `Load job ${jobId} into ${table} failed: ${errorResult.reason ?? 'error'}: ${truncate(errorResult.message ?? '', 400)}` +
          (first ? ` (first error: ${first.reason ?? ''} ${truncate(first.message ?? '', 300)})` : ''),
      ),
    );
  }
}

/** A load job did not reach DONE before our deadline; it may still finish — retry with the same jobId. */
export class LoadJobTimeoutError extends Error {
  override readonly name = 'LoadJobTimeoutError';
  constructor(readonly jobId: string, readonly table: string, readonly lastState: string) {
    super(`Load job ${jobId} into ${table} still ${lastState} after the polling deadline; retry with the same jobId to resume waiting`);
  }
}

/**
 * A load job we submitted ourselves reached DONE without errorResult but does not hold its rows.
 * Retrying is safe: the next attempt finds this job, sees it short, and loads under the next id.
 */
export class LoadJobUnverifiedError extends Error {
  override readonly name = 'LoadJobUnverifiedError';
  constructor(readonly jobId: string, readonly table: string, readonly meant: number, readonly found: number | undefined) {
    super(`Load job ${jobId} into ${table} finished without error but holds ${found ?? 'an unknown number of'} of its ${meant} rows`);
  }
}

/** The jobId already exists but belongs to another table/kind of job: the caller's id derivation collided. */
export class JobIdCollisionError extends Error {
  override readonly name = 'JobIdCollisionError';
  constructor(readonly jobId: string, readonly expected: string, readonly found: string) {
    super(`Job ${jobId} already exists but targets ${found}, not ${expected}; jobIds must be unique per (run, table, batch)`);
  }
}

export interface InsertRowFailure {
  /** Index into the rows array given to insertRows (not into the chunk). */
  index: number;
  insertId: string;
  errors: BigQueryErrorDetail[];
}

/**
 * insertAll answered 200 with insertErrors (A2/A9-3). Without skipInvalidRows BigQuery rejects the whole
 * request, so valid rows of the failing chunk come back as reason "stopped" and were NOT written either.
 */
export class InsertRowsError extends Error {
  override readonly name = 'InsertRowsError';
  constructor(
    readonly table: string,
    readonly failures: InsertRowFailure[],
    /** Rows from earlier chunks that were accepted before the failing chunk. */
    readonly insertedBeforeFailure: number,
  ) {
    const invalid = failures.filter((f) => !f.errors.every((e) => e.reason === 'stopped'));
    const detail = invalid
      .slice(0, 5)
      .map((f) => `row ${f.index}: ${f.errors.map((e) => `${e.reason ?? 'error'}${e.location ? ` (${e.location})` : ''} ${truncate(e.message ?? '', 160)}`).join('; ')}`)
      .join(' | ');
    super(
      redactSecrets(
        `insertAll into ${table} rejected ${invalid.length} row(s)` +
          (failures.length > invalid.length ? ` and stopped ${failures.length - invalid.length} valid row(s) of the same request` : '') +
          `: ${detail}${invalid.length > 5 ? ' …' : ''}`,
      ),
    );
  }
}

/** The dataset exists in another location than configured; loads and queries would fail or go astray. */
export class DatasetLocationMismatchError extends Error {
  override readonly name = 'DatasetLocationMismatchError';
  constructor(readonly dataset: string, readonly actual: string, readonly wanted: string) {
    super(`Dataset ${dataset} exists in location ${actual}, but the target location is ${wanted}`);
  }
}

/** A row value cannot be sent safely (e.g. NUMERIC money as a JS number — A9-9). Thrown before any request. */
export class RowEncodingError extends TypeError {
  override readonly name = 'RowEncodingError';
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
