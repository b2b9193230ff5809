import { SchemaConflictError } from '../../connectors/bigquery';
import { InvalidServiceAccountKeyError } from '../../connectors/google';
import type { DestinationErrorClass } from '../types';

/**
 * A key that does not parse, or a column whose type differs from ours, needs a person: neither is
 * ever fixed by retrying (nor by us: schemas only grow). BigQuery's own transient errors are retried
 * inside the warehouse client, so whatever else escapes it is left to the activity's retry policy.
 */
export function classifyBigQueryError(err: unknown): DestinationErrorClass | undefined {
  if (err instanceof InvalidServiceAccountKeyError) return { type: 'InvalidServiceAccountKey', retryable: false };
  if (err instanceof SchemaConflictError) return { type: 'SchemaConflict', retryable: false };
  return undefined;
}
