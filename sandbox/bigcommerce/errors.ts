/**
 * Error bodies (reference §7). v2 answers a bare array of `{status, message, details?}`; v3 answers
 * `{status, title, type, errors}`; refund errors are wrapped in `{data:[…]}`.
 */
export const STATUS_CODES_DOC = 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes';

export type ApiVersion = 'v2' | 'v3';

export interface ErrorReply {
  status: number;
  body: unknown;
}

export function v2Error(status: number, message: string, details?: Record<string, unknown>): ErrorReply {
  return { status, body: [{ status, message, ...(details ? { details } : {}) }] };
}

export function v3Error(status: number, title: string, errors: Record<string, string> = {}): ErrorReply {
  return { status, body: { status, title, type: STATUS_CODES_DOC, errors } };
}

/** The shape of the API family the path belongs to. */
export function apiError(version: ApiVersion, status: number, message: string, errors?: Record<string, string>): ErrorReply {
  return version === 'v2' ? v2Error(status, message, errors) : v3Error(status, message, errors);
}

/** `{"data":[{"status":422,"title":"…","type":"…"}]}`, as refund endpoints wrap their errors. */
export function refundError(status: number, title: string): ErrorReply {
  return { status, body: { data: [{ status, title, type: STATUS_CODES_DOC }] } };
}

/** Titles/messages used for common statuses. The exact real wording is unverified except where quoted in the reference. */
export const MESSAGES: Readonly<Record<number, string>> = {
  401: 'You are not authorized to access this resource. Check the X-Auth-Token header.',
  404: 'The requested resource was not found.',
  413: 'The requested page size is too large.',
  429: 'Too many requests. The store API quota for this window is used up.',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'The store is temporarily unavailable.',
  504: 'Gateway Timeout',
};
