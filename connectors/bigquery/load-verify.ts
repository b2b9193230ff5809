/**
 * What a load job found by its id really loaded. A deterministic jobId proves a job was submitted,
 * not that its rows landed: a server that registers the job before reading the upload (the goccy
 * emulator does) keeps a DONE job with no rows when the uploader dies mid-request, and every later
 * attempt would derive the same id and adopt it. So a found job is checked against the rows meant,
 * and a job that does not hold them is passed over for the next id of the batch's sequence.
 */
import { InvalidSchemaError } from './errors';

/** `<jobId>`, `<jobId>_r1`, `<jobId>_r2`, …: the same walk on every attempt, so each finds the last's jobs. */
export function loadJobId(jobId: string, attempt: number): string {
  return attempt === 0 ? jobId : `${jobId}_r${attempt}`;
}

/** A column whose single value marks every row of one batch, and that value. */
export interface BatchMarker {
  column: string;
  value: string;
}

/** The batch value all rows share in `column`; a load whose rows disagree cannot be counted, so it is refused. */
export function batchMarker(table: string, rows: Record<string, unknown>[], column: string): BatchMarker {
  const value = rows[0]?.[column];
  if (typeof value !== 'string' || value === '') throw new InvalidSchemaError(`${table}: rows carry no batch value in "${column}"`);
  if (rows.some((r) => r[column] !== value)) throw new InvalidSchemaError(`${table}: rows of one load carry different "${column}" values`);
  return { column, value };
}

/**
 * Whether a finished job holds the batch. BigQuery's `outputRows` counts this job's rows and is
 * exact (loads are atomic), so it decides when reported. Without it, the batch's rows are counted in
 * the table: at least as many as meant (a job of an earlier attempt may have written them) is loaded.
 * With neither there is nothing to check against, and the job is taken at its word.
 */
export async function holdsBatch(
  meant: number,
  outputRows: string | number | null | undefined,
  count: (() => Promise<number>) | undefined,
): Promise<{ holds: boolean; found?: number }> {
  if (outputRows !== undefined && outputRows !== null) {
    const found = Number(outputRows);
    return { holds: found === meant, found };
  }
  if (!count) return { holds: true };
  const found = await count();
  return { holds: found >= meant, found };
}
