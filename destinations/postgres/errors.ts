import { PostgresWarehouseError } from '../../connectors/postgres-warehouse';
import type { DestinationErrorClass } from '../types';

/**
 * A refused login or missing right, a column a person retyped, or a value the table refuses, each
 * needs a person; an unreachable server, a timeout, a deadlock or anything else unknown is left to
 * the activity's retry policy (its message is scrubbed of the password already).
 */
export function classifyPostgresError(err: unknown): DestinationErrorClass | undefined {
  if (!(err instanceof PostgresWarehouseError)) return undefined;
  switch (err.reason) {
    case 'auth':
    case 'permission':
      return { type: 'DestinationAuth', retryable: false };
    case 'schema_conflict':
      return { type: 'SchemaConflict', retryable: false };
    case 'rejected':
      return { type: 'DestinationRejected', retryable: false };
    default:
      return undefined;
  }
}
