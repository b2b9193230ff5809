import { request } from 'undici';
import { exitCodeForStatus, EXIT, type ExitCode } from './exit-codes';
import type { CliTarget } from './config';

/** The API answered with an error status; `message` is its `error` field (and details), never the token. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
  get exitCode(): ExitCode {
    return exitCodeForStatus(this.status);
  }
}

/** The API could not be reached (refused, reset, timed out, DNS). */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  readonly exitCode = EXIT.unavailable;
}

const TIMEOUT_MS = 30_000;

/** The admin API over HTTP: the CLI knows routes and bodies, not the API's internals. */
export class ApiClient {
  constructor(private readonly target: CliTarget) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  delete(path: string): Promise<void> {
    return this.call<void>('DELETE', path);
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let res;
    try {
      res = await request(`${this.target.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.target.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS,
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new UnreachableError(`cannot reach the API at ${this.target.url}${code ? ` (${code})` : ''}`);
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new ApiError(res.statusCode, describeError(res.statusCode, text));
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(502, `the API answered HTTP ${res.statusCode} with a body that is not JSON`);
    }
  }
}

/** "HTTP 400: invalid request (entity: Invalid option …)", from the API's `{error, details}` body. */
function describeError(status: number, text: string): string {
  try {
    const b = JSON.parse(text) as { error?: unknown; details?: { field?: string; message?: string }[] };
    if (typeof b.error === 'string') {
      const details = Array.isArray(b.details) ? b.details.map((d) => (d.field ? `${d.field}: ${d.message}` : String(d.message))).join('; ') : '';
      return `HTTP ${status}: ${b.error}${details ? ` (${details})` : ''}`;
    }
  } catch { /* not JSON: say only the status */ }
  return `HTTP ${status}`;
}
