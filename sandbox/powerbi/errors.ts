/**
 * Error bodies in the two shapes a Power BI client meets: Azure AD's flat OAuth shape on the token
 * endpoint, and the Power BI REST `{"error":{code,message,details}}` shape on the API (destinations.md B5).
 */
import { randomUUID } from 'node:crypto';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ErrorDetail {
  message: string;
  target?: string;
}

/** `{"error":{"code","message","details"?}}`; details carry the actionable text (which property, which column). */
export function pbiError(status: number, code: string, message: string, details?: ErrorDetail[], headers?: Record<string, string>): Reply {
  const error: Record<string, unknown> = { code, message };
  if (details && details.length > 0) error.details = details;
  const reply: Reply = { status, body: { error } };
  if (headers) reply.headers = headers;
  return reply;
}

export const badRequest = (details: ErrorDetail[]): Reply => pbiError(400, 'BadRequest', 'Bad Request', details);

export const itemNotFound = (message: string): Reply => pbiError(404, 'ItemNotFound', message);

/**
 * What the service sends when the caller may not see the workspace or item. The real body carries a
 * `pbi.error` object and no message; clients must cope with that, so the sandbox does the same.
 */
export function notAuthorized(): Reply {
  return {
    status: 401,
    body: {
      error: {
        code: 'PowerBINotAuthorizedException',
        'pbi.error': { code: 'PowerBINotAuthorizedException', parameters: {}, details: [], exceptionCulprit: 1 },
      },
    },
  };
}

export function tokenExpired(): Reply {
  return {
    status: 401,
    body: { error: { code: 'TokenExpired', message: 'Access token has expired, resubmit with a new access token' } },
    headers: { 'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token", error_description="The access token expired"' },
  };
}

/** Azure AD token endpoint error: the AADSTS code leads the description, as real replies do. */
export function aadError(status: number, error: string, aadsts: number | undefined, description: string, now: number): Reply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date(now).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const prefix = aadsts !== undefined ? `AADSTS${aadsts}: ` : '';
  return {
    status,
    body: {
      error,
      error_description: `${prefix}${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: aadsts !== undefined ? [aadsts] : [],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      ...(aadsts !== undefined ? { error_uri: `https://login.microsoftonline.com/error?code=${aadsts}` } : {}),
    },
  };
}
