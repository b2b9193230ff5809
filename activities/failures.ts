import { ApplicationFailure } from '@temporalio/activity';
import { BigCommerceApiError, BigCommerceRateLimitedError } from '../connectors/bigcommerce';
import { FreshBooksApiError, FreshBooksInvalidGrantError, FreshBooksRateLimitedError } from '../connectors/freshbooks';
import { PowerBiAuthError, PowerBiRateLimitedError, PowerBiRequestError } from '../connectors/powerbi';

/**
 * Turns connector errors into Temporal failures with a type the workflows can act on. Messages come
 * from our own error classes, which never carry tokens or request bodies.
 */
export function needsReauth(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'NeedsReauth');
}

/** The destination's schema differs from the one we write; nothing is written until a person acts. */
export class SchemaMismatchError extends Error {
  override name = 'SchemaMismatch';
  constructor(message: string, readonly mismatches: unknown[]) {
    super(message);
  }
}

export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof FreshBooksInvalidGrantError) return needsReauth('FreshBooks rejected the refresh token; the connection must be re-authorized');
  if (err instanceof FreshBooksRateLimitedError) {
    return ApplicationFailure.create({ type: 'RateLimited', message: err.message, nextRetryDelay: Math.max(err.retryAfterMs, 1000) });
  }
  // Power BI: wrong secret / tenant setting off / SP not in the workspace, and rejected payloads, need a
  // person; throttling just needs time (the client already honoured Retry-After up to its cap).
  if (err instanceof PowerBiAuthError) return ApplicationFailure.nonRetryable(err.message, 'DestinationAuth');
  if (err instanceof PowerBiRequestError && (err.status === 401 || err.status === 403)) return ApplicationFailure.nonRetryable(err.message, 'DestinationAuth');
  if (err instanceof PowerBiRequestError) return ApplicationFailure.nonRetryable(err.message, 'DestinationRejected');
  if (err instanceof PowerBiRateLimitedError) return ApplicationFailure.create({ type: 'RateLimited', message: err.message, nextRetryDelay: Math.max(err.retryAfterMs, 1000) });
  // BigCommerce: a refused token or scope needs a person; its quota just needs the window to refill.
  if (err instanceof BigCommerceRateLimitedError) return ApplicationFailure.create({ type: 'RateLimited', message: err.message, nextRetryDelay: Math.max(err.retryAfterMs, 1000) });
  if (err instanceof BigCommerceApiError && (err.status === 401 || err.status === 403)) return ApplicationFailure.nonRetryable(err.message, 'SourceAuth');
  if (err instanceof BigCommerceApiError && !err.retryable) return ApplicationFailure.nonRetryable(err.message, 'SourceRejected');
  // A FreshBooks write it refuses as invalid (400/422) will be refused again: the order waits for a person.
  if (err instanceof FreshBooksApiError && (err.status === 400 || err.status === 422)) return ApplicationFailure.nonRetryable(err.message, 'FreshBooksRejected');
  if (err instanceof Error && ['InvalidServiceAccountKey', 'SchemaConflict', 'SchemaMismatch', 'OrderRefused'].includes(err.name)) {
    return ApplicationFailure.nonRetryable(err.message, err.name);
  }
  return err;
}

export async function translated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
