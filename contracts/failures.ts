/**
 * The failure types activities raise for workflows to act on. Connector errors are cast to them in
 * one place (activities/failure-casting.ts); workflows tell them apart by type. A type that is not
 * retryable is raised non-retryable and is in every workflow's `nonRetryableErrorTypes`: retrying it
 * would get the same answer, only a person can clear it.
 */
export const FAILURES = {
  /** FreshBooks authorization is gone: the user must authorize again. */
  NeedsReauth: { retryable: false },
  /** The destination's tables differ from the ones we write; nothing is written until a person aligns them. */
  SchemaMismatch: { retryable: false },
  /** A destination column already has another type than the one we write (BigQuery). */
  SchemaConflict: { retryable: false },
  /** The BigQuery service-account key stored with the connection cannot be used. */
  InvalidServiceAccountKey: { retryable: false },
  /** The connection (or its credential) was deleted while its workflow ran. */
  ConnectionNotFound: { retryable: false },
  /** The destination refused our credentials or permissions (Power BI). */
  DestinationAuth: { retryable: false },
  /**
   * The destination's own credential expired or was revoked (a Tableau PAT, 401001): the connection is
   * in `destination_auth` until the user enters a new one; retrying would only sign in and fail again.
   */
  DestinationReauth: { retryable: false },
  /** The destination refused what we sent (Power BI). */
  DestinationRejected: { retryable: false },
  /** The source refused our token or scope (BigCommerce). */
  SourceAuth: { retryable: false },
  /** The source refused a request that asking again would not change (BigCommerce). */
  SourceRejected: { retryable: false },
  /** FreshBooks refused a write as invalid (400/422). */
  FreshBooksRejected: { retryable: false },
  /** An order's own figures do not add up. */
  OrderRefused: { retryable: false },
  /** The service asked us to wait: retried no sooner than it said. */
  RateLimited: { retryable: true },
} as const satisfies Record<string, { retryable: boolean }>;

export type FailureType = keyof typeof FAILURES;

export function isFailureType(name: string): name is FailureType {
  return Object.hasOwn(FAILURES, name);
}

/** For every workflow's activity retry policy. */
export const NON_RETRYABLE_FAILURES: FailureType[] = (Object.keys(FAILURES) as FailureType[]).filter((t) => !FAILURES[t].retryable);
