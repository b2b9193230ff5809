/**
 * Error bodies the sandbox sends, one builder per FreshBooks shape (reference/freshbooks.md §1, §5, §6, §9.15).
 */

/** Thrown inside the sandbox; routes turn it into the accounting error shape with `status`. */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly errno: number,
    message: string,
    readonly field?: string,
    readonly object?: string,
    readonly value?: string,
  ) {
    super(message);
  }
}

/** `{"response":{"errors":[{errno, field, message, object, value}]}}` */
export function accountingErrorBody(e: { errno: number; message: string; field?: string; object?: string; value?: string }): unknown {
  return {
    response: {
      errors: [{ errno: e.errno, field: e.field ?? null, message: e.message, object: e.object ?? null, value: e.value ?? null }],
    },
  };
}

/** The newer google.rpc shape; FreshBooks can send it with HTTP 200 (§9.15). */
export function rpcErrorBody(e: { errno: number; message: string; field?: string; object?: string; value?: string; httpStatus: number }): unknown {
  const code = e.httpStatus === 404 ? 5 : e.httpStatus === 401 ? 16 : e.httpStatus === 403 ? 7 : e.httpStatus === 429 ? 8 : e.httpStatus >= 500 ? 13 : 3;
  return {
    code,
    message: `Request failed with status_code: ${e.httpStatus}`,
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: String(e.errno),
        domain: 'accounting.api.freshbooks.com',
        metadata: { object: e.object ?? '', message: e.message, value: e.value ?? '', field: e.field ?? '' },
      },
    ],
  };
}

/** OAuth / auth shape. */
export function oauthErrorBody(error: string, description: string): unknown {
  return { error, error_description: description };
}

/** Events API shape. */
export function eventsErrorBody(errno: number, message: string, details?: string[]): unknown {
  return details ? { errno, message, details } : { errno, message };
}

export const OAUTH_TEXT = {
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  unauthenticated: 'This action requires authentication to continue.',
  invalid_token: 'The access token is invalid or has expired.',
} as const;
