import {
  TableauApiError, TableauNotFoundError, TableauRateLimitedError, TableauSignInError, TableauVersionError,
} from '../../connectors/tableau';
import type { DestinationErrorClass } from '../types';

/** The connection is waiting for a new PAT (status destination_auth): nothing is sent to Tableau meanwhile. */
export class TableauCredentialStoppedError extends Error {
  override name = 'TableauCredentialStoppedError';
}

/**
 * A dead PAT needs the user (destination_auth); throttling needs time; a failed or cancelled job, a 5xx,
 * a 404 (the adapter re-resolves ids first) and a session that died twice are retried by the activity
 * retry policy with its exponential backoff — left unclassified, so they stay retryable.
 */
export function classifyTableauError(err: unknown): DestinationErrorClass | undefined {
  if (err instanceof TableauSignInError || err instanceof TableauCredentialStoppedError) return { type: 'DestinationReauth', retryable: false };
  if (err instanceof TableauRateLimitedError) return { type: 'RateLimited', retryable: true, retryAfterMs: Math.max(err.retryAfterMs, 1000) };
  if (err instanceof TableauVersionError) return { type: 'DestinationRejected', retryable: false };
  if (err instanceof TableauNotFoundError) return undefined;
  if (err instanceof TableauApiError && err.status === 403) return { type: 'DestinationAuth', retryable: false };
  if (err instanceof TableauApiError && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 408) return { type: 'DestinationRejected', retryable: false };
  return undefined;
}
