import { ApplicationFailure, type Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';
import type { Activities } from '../contracts/activities';
import { FAILURES, isFailureType, type FailureType } from '../contracts/failures';
import { BigCommerceApiError, BigCommerceRateLimitedError } from '../connectors/bigcommerce';
import { FreshBooksApiError, FreshBooksInvalidGrantError, FreshBooksRateLimitedError } from '../connectors/freshbooks';
import { classifyDestinationError } from '../destinations/registry';

/**
 * Turns connector errors into Temporal failures with a type the workflows can act on (contracts/failures.ts),
 * at the edge of every activity (workers/worker.ts registers castFailures), so no activity casts its own.
 * Messages come from our own error classes, which never carry tokens or request bodies.
 */
export function failure(type: FailureType, message: string, retryAfterMs?: number): ApplicationFailure {
  return ApplicationFailure.create({
    type, message, nonRetryable: !FAILURES[type].retryable, ...(retryAfterMs === undefined ? {} : { nextRetryDelay: Math.max(retryAfterMs, 1000) }),
  });
}

export function needsReauth(message: string): ApplicationFailure {
  return failure('NeedsReauth', message);
}

export { SchemaMismatchError } from '../destinations/errors';

export function castFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof FreshBooksInvalidGrantError) return needsReauth('FreshBooks rejected the refresh token; the connection must be re-authorized');
  if (err instanceof FreshBooksRateLimitedError) return failure('RateLimited', err.message, err.retryAfterMs);
  // Each destination classifies its own errors (destinations/<type>/errors.ts).
  const destination = classifyDestinationError(err);
  if (destination && err instanceof Error) return failure(destination.type, err.message, destination.retryAfterMs);
  // BigCommerce: a refused token or scope needs a person; its quota just needs the window to refill.
  if (err instanceof BigCommerceRateLimitedError) return failure('RateLimited', err.message, err.retryAfterMs);
  if (err instanceof BigCommerceApiError && (err.status === 401 || err.status === 403)) return failure('SourceAuth', err.message);
  if (err instanceof BigCommerceApiError && !err.retryable) return failure('SourceRejected', err.message);
  // A FreshBooks write it refuses as invalid (400/422) will be refused again: the order waits for a person.
  if (err instanceof FreshBooksApiError && (err.status === 400 || err.status === 422)) return failure('FreshBooksRejected', err.message);
  // Our own errors named for a failure type that needs a person (SchemaMismatchError, OrderRefusedError, InvalidServiceAccountKeyError).
  if (err instanceof Error && isFailureType(err.name) && !FAILURES[err.name].retryable) return failure(err.name, err.message);
  return err;
}

/**
 * The credential workflow's activities retry whatever FreshBooks' token endpoint answers (an
 * invalid_grant is handled inside, as a result): the grant's single writer is never given up on.
 */
const UNCAST: ReadonlySet<string> = new Set<keyof Activities>(['readGrantState', 'refreshFreshBooksGrant']);

/** The activity interceptor that casts every activity's failure with castFailure. */
export function castFailures(ctx: Context): ActivityInterceptors {
  if (UNCAST.has(ctx.info.activityType)) return {};
  return {
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          throw castFailure(err);
        }
      },
    },
  };
}
