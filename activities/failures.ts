import { ApplicationFailure } from '@temporalio/activity';
import { FreshBooksInvalidGrantError, FreshBooksRateLimitedError } from '../connectors/freshbooks';

/**
 * Turns connector errors into Temporal failures with a type the workflows can act on. Messages come
 * from our own error classes, which never carry tokens or request bodies.
 */
export function needsReauth(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'NeedsReauth');
}

export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof FreshBooksInvalidGrantError) return needsReauth('FreshBooks rejected the refresh token; the connection must be re-authorized');
  if (err instanceof FreshBooksRateLimitedError) {
    return ApplicationFailure.create({ type: 'RateLimited', message: err.message, nextRetryDelay: Math.max(err.retryAfterMs, 1000) });
  }
  if (err instanceof Error && ['InvalidServiceAccountKey', 'SchemaConflict'].includes(err.name)) {
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
