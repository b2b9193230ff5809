import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/**
 * What a failed activity (or anything else a workflow awaited) said: the failure type an activity
 * raised (contracts/failures.ts; absent for timeouts, cancellations and errors that are not
 * ApplicationFailures) and a message for people.
 */
export function describeFailure(err: unknown): { type?: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { ...(cause.type ? { type: cause.type } : {}), message: cause.message };
  return { message: err instanceof Error ? err.message : String(err) };
}
