/**
 * Errors the Power BI connector throws, and parsers for the two error shapes it meets: Azure AD's
 * `{error, error_description, error_codes}` and Power BI's `{"error":{code,message,details}}` (B5).
 *
 * Every error says whether retrying can help (`retryable`), so activities can map it to a Temporal
 * non-retryable failure without knowing HTTP. Messages carry what a person needs to act (status, code,
 * server text, RequestId) and never a secret or token: they end up in logs and workflow histories.
 */

export abstract class PowerBiError extends Error {
  abstract readonly retryable: boolean;
}

/** Azure AD refused the credentials or the request: fix configuration, do not retry. */
export class PowerBiAuthError extends PowerBiError {
  override name = 'PowerBiAuthError';
  readonly retryable = false;
  readonly status: number;
  /** OAuth error name such as invalid_client. */
  readonly aadError?: string;
  /** AADSTS numbers, e.g. 7000215 (wrong secret). */
  readonly aadCodes: number[];
  constructor(init: { status: number; message: string; aadError?: string; aadCodes?: number[] }) {
    super(init.message);
    this.status = init.status;
    if (init.aadError !== undefined) this.aadError = init.aadError;
    this.aadCodes = init.aadCodes ?? [];
  }

  /** Which configured value Azure AD refused, so a form can point at it; the secret when it cannot tell. */
  get credentialField(): 'tenantId' | 'clientId' | 'clientSecret' {
    if (this.aadCodes.some((c) => c === 90002 || c === 900023)) return 'tenantId';
    if (this.aadCodes.includes(700016)) return 'clientId';
    return 'clientSecret';
  }
}

/** The service (or the network) kept failing transiently after our own retries; a later attempt may work. */
export class PowerBiUnavailableError extends PowerBiError {
  override name = 'PowerBiUnavailableError';
  readonly retryable = true;
  /** Last HTTP status, undefined for network failures. */
  readonly status?: number;
  readonly requestId?: string;
  constructor(message: string, status?: number, requestId?: string) {
    super(message);
    if (status !== undefined) this.status = status;
    if (requestId !== undefined) this.requestId = requestId;
  }
}

/** 429s kept coming past our total wait budget. */
export class PowerBiRateLimitedError extends PowerBiError {
  override name = 'PowerBiRateLimitedError';
  readonly retryable = true;
  /** The wait the service asked for when we gave up. */
  readonly retryAfterMs: number;
  readonly requestId?: string;
  constructor(message: string, retryAfterMs: number, requestId?: string) {
    super(message);
    this.retryAfterMs = retryAfterMs;
    if (requestId !== undefined) this.requestId = requestId;
  }
}

/** The service refused the request itself (400/403/404, or 401 after a fresh token): retrying the same call cannot help. */
export class PowerBiRequestError extends PowerBiError {
  override name = 'PowerBiRequestError';
  readonly retryable = false;
  readonly status: number;
  readonly code?: string;
  readonly serverMessage?: string;
  readonly details: { message: string; target?: string }[];
  readonly requestId?: string;
  constructor(init: {
    status: number;
    message: string;
    code?: string;
    serverMessage?: string;
    details?: { message: string; target?: string }[];
    requestId?: string;
  }) {
    super(init.message);
    this.status = init.status;
    if (init.code !== undefined) this.code = init.code;
    if (init.serverMessage !== undefined) this.serverMessage = init.serverMessage;
    this.details = init.details ?? [];
    if (init.requestId !== undefined) this.requestId = init.requestId;
  }
}

export interface ParsedPowerBiError {
  code?: string;
  message?: string;
  details: { message: string; target?: string }[];
}

/** Reads `{"error":{code,message,details[]}}`, including the `pbi.error` variant that has no message. */
export function parsePowerBiError(text: string): ParsedPowerBiError {
  const body = safeJson(text);
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (!error) return { details: [] };
  const pbi = isRecord(error['pbi.error']) ? error['pbi.error'] : undefined;
  const code = str(error.code) ?? str(pbi?.code);
  const message = str(error.message);
  const rawDetails = Array.isArray(error.details) ? error.details : Array.isArray(pbi?.details) ? pbi.details : [];
  const details = rawDetails.filter(isRecord).flatMap((d) => {
    // pbi.error details look like {code, detail: {type, value}}.
    const text = str(d.message) ?? (isRecord(d.detail) ? str(d.detail.value) : undefined) ?? str(d.code);
    if (!text) return [];
    const target = str(d.target);
    return [target !== undefined ? { message: clip(text), target } : { message: clip(text) }];
  });
  return { ...(code !== undefined ? { code } : {}), ...(message !== undefined ? { message: clip(message) } : {}), details };
}

export interface ParsedAadError {
  error?: string;
  description?: string;
  codes: number[];
}

export function parseAadError(text: string): ParsedAadError {
  const body = safeJson(text);
  if (!isRecord(body)) return { codes: [] };
  const codes = Array.isArray(body.error_codes) ? body.error_codes.filter((c): c is number => typeof c === 'number') : [];
  const error = str(body.error);
  // The trace/correlation/timestamp tail helps Microsoft support, not the operator; keep the first sentence block.
  const description = str(body.error_description)?.replace(/\s*Trace ID:[\s\S]*$/, '');
  return { ...(error !== undefined ? { error } : {}), ...(description !== undefined ? { description: clip(description) } : {}), codes };
}

/** Removes secrets that might have been echoed into text that is about to become an error message. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/(bearer\s+)[^\s"',;]+/gi, '$1[redacted]').replace(/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, '[redacted-jwt]');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function clip(s: string): string {
  return s.length > 500 ? `${s.slice(0, 500)}…` : s;
}
