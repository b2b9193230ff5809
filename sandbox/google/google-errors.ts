/** Error bodies in the shape Google APIs use, so the real client libraries parse them as they would in production. */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleError(status: number, reason: string, message: string, headers?: Record<string, string>): Reply {
  const reply: Reply = {
    status,
    body: {
      error: {
        code: status,
        message,
        errors: [{ message, domain: reason === 'rateLimitExceeded' ? 'usageLimits' : 'global', reason }],
        status: STATUS_NAMES[status] ?? 'UNKNOWN',
      },
    },
  };
  if (headers) reply.headers = headers;
  return reply;
}

export const notFound = (what: string): Reply => googleError(404, 'notFound', `Not found: ${what}`);
export const alreadyExists = (what: string): Reply => googleError(409, 'duplicate', `Already Exists: ${what}`);
export const invalid = (message: string): Reply => googleError(400, 'invalid', message);

/** OAuth token endpoint errors use the flat RFC 6749 shape, not the API shape. */
export function oauthError(status: number, error: string, description: string): Reply {
  return { status, body: { error, error_description: description } };
}
