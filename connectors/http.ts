/**
 * The thin HTTP layer under every connector: one request with a deadline, the body read as text, plus
 * the Retry-After parsing their retry loops share (the backoff itself is common/backoff.ts).
 */
import { request } from 'undici';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Text, or bytes for file uploads (Tableau's multipart/mixed chunks). */
  body?: string | Buffer;
  timeoutMs: number;
}

/** A failure below HTTP (refused, reset, timed out). Carries only the low-level code, never headers or bodies. */
export class HttpNetworkError extends Error {
  override name = 'HttpNetworkError';
  constructor(readonly code: string) {
    super(`network error (${code})`);
  }
}

export async function sendHttp(req: HttpRequest): Promise<HttpReply> {
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    const e = err as { code?: string; name?: string };
    throw new HttpNetworkError(e.code ?? e.name ?? 'unknown');
  }
}

export function headerValue(headers: HttpReply['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Retry-After as ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when absent or garbage. */
export function parseRetryAfterMs(raw: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Base URLs come from configuration and may carry a path prefix (a proxy); a trailing "/" must not double up. */
export function trimBase(base: string): string {
  return base.replace(/\/+$/, '');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
