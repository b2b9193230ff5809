/**
 * What the CLI's exit status means, so a script can tell "fix your token" from "try again later"
 * without reading the message. `--help` prints the same table.
 */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  /** The API refused the token (401/403). */
  auth: 3,
  notFound: 4,
  /** Any other 4xx: the request was understood and refused (conflict, invalid input). */
  refused: 5,
  /** 5xx, or the API could not be reached at all. */
  unavailable: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  unexpected error
  2  usage error (bad arguments, no API URL or token configured)
  3  authentication refused by the API (HTTP 401/403)
  4  not found (HTTP 404)
  5  refused as conflicting or invalid (any other HTTP 4xx)
  6  API unavailable (HTTP 5xx, or unreachable)`;

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status >= 400 && status < 500) return EXIT.refused;
  if (status >= 500) return EXIT.unavailable;
  return EXIT.unexpected;
}

/** Bad arguments or missing configuration: exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
