/**
 * Errors the Tableau REST connector throws. Tableau answers `{"error":{summary,detail,code}}` with
 * `Accept: application/json` (destinations.md C1, wave2-hands-on "Errors"); the six-digit code, not the
 * HTTP status, says what happened. Messages carry Tableau's code and text, never a token or a PAT secret.
 */

export interface TableauErrorBody {
  code?: string;
  summary?: string;
  detail?: string;
}

/** Any non-2xx answer we do not have a narrower class for. `retryable` for 5xx and 409-free transient codes. */
export class TableauApiError extends Error {
  override name = 'TableauApiError';
  readonly code: string | undefined;
  constructor(readonly status: number, readonly what: string, body: TableauErrorBody) {
    super(`Tableau ${what} answered ${status}${body.code ? ` ${body.code}` : ''}${body.summary ? ` ${body.summary}` : ''}${body.detail ? `: ${body.detail}` : ''}`);
    this.code = body.code;
  }
  get retryable(): boolean {
    return this.status >= 500 || this.status === 408;
  }
}

/** 401001: the PAT is wrong, expired (15 days unused) or revoked. Only a person with a new PAT can fix it. */
export class TableauSignInError extends TableauApiError {
  override name = 'TableauSignInError';
}

/** 401002: the session token is no longer valid (expired, or another sign-in with the same PAT ended it). */
export class TableauSessionExpiredError extends TableauApiError {
  override name = 'TableauSessionExpiredError';
}

/** 404: a site, project, data source, upload session or job is not where we expected it. */
export class TableauNotFoundError extends TableauApiError {
  override name = 'TableauNotFoundError';
}

/** 429 after our own waits: come back later, no sooner than Tableau said. */
export class TableauRateLimitedError extends TableauApiError {
  override name = 'TableauRateLimitedError';
  constructor(status: number, what: string, body: TableauErrorBody, readonly retryAfterMs: number) {
    super(status, what, body);
  }
}

/** The asked API version is newer than the server's (C2, C8 (11)). */
export class TableauVersionError extends Error {
  override name = 'TableauVersionError';
  constructor(readonly asked: string, readonly serverVersion: string) {
    super(`Tableau REST API version ${asked} is newer than the server's ${serverVersion}`);
  }
}

/** An asynchronous job completed with finishCode 1 (failed) or 2 (cancelled): retry the same batch later. */
export class TableauJobFailedError extends Error {
  override name = 'TableauJobFailedError';
  constructor(readonly jobId: string, readonly finishCode: number, readonly notes: string[]) {
    super(`Tableau job ${jobId} ${finishCode === 2 ? 'was cancelled' : 'failed'} (finishCode ${finishCode})${notes.length ? `: ${notes.join('; ')}` : ''}`);
  }
}

/** The job did not complete within our polling budget; the batch is retried with the same RequestID. */
export class TableauJobTimeoutError extends Error {
  override name = 'TableauJobTimeoutError';
  constructor(readonly jobId: string) {
    super(`Tableau job ${jobId} did not complete in time`);
  }
}

/** Parses an error body, JSON or XML, without trusting its shape. */
export function parseTableauError(text: string): TableauErrorBody {
  try {
    const j = JSON.parse(text) as { error?: { code?: unknown; summary?: unknown; detail?: unknown } };
    const e = j.error;
    if (e && typeof e === 'object') {
      return {
        ...(e.code !== undefined ? { code: String(e.code) } : {}),
        ...(typeof e.summary === 'string' ? { summary: e.summary } : {}),
        ...(typeof e.detail === 'string' ? { detail: e.detail } : {}),
      };
    }
  } catch {
    // XML or plain text below.
  }
  const code = /<error[^>]*\bcode="(\d+)"/.exec(text)?.[1];
  const summary = /<summary>([^<]*)<\/summary>/.exec(text)?.[1];
  const detail = /<detail>([^<]*)<\/detail>/.exec(text)?.[1];
  return { ...(code ? { code } : {}), ...(summary ? { summary } : {}), ...(detail ? { detail } : {}) };
}

/** The narrowest class for an error answer. */
export function tableauErrorFor(status: number, what: string, body: TableauErrorBody, retryAfterMs?: number): TableauApiError {
  if (status === 401 && body.code === '401001') return new TableauSignInError(status, what, body);
  if (status === 401 && body.code === '401002') return new TableauSessionExpiredError(status, what, body);
  if (status === 404) return new TableauNotFoundError(status, what, body);
  if (status === 429) return new TableauRateLimitedError(status, what, body, retryAfterMs ?? 5_000);
  return new TableauApiError(status, what, body);
}
