/**
 * One GET against FreshBooks with the whole retry policy, shared by the accounting client and the
 * identity lookup: 401 → ask the TokenSource to refresh (never refresh here) and retry once; 429 →
 * honour Retry-After and pause the shared budget, up to a total wait; 5xx/network → jittered backoff (never
 * for a call marked `repeatable: false`, a create);
 * an error shape inside an HTTP 200 is still an error (reference/freshbooks.md §6, §9.15).
 */
import { backoffDelay } from '../../common/backoff';
import type { RequestBudget } from './budget';
import {
  FreshBooksApiError,
  FreshBooksRateLimitedError,
  FreshBooksUnauthorizedError,
  parseFreshBooksError,
  redact,
} from './errors';
import { FreshBooksNetworkError, headerValue, parseRetryAfterMs, sendHttp, sleep, type HttpReply } from './http';

export interface TokenSource {
  /** The current access token and a version that changes whenever the token does. */
  accessToken(): Promise<{ token: string; version: number }>;
  /** Called after a 401 with the version that failed; refreshes unless someone already moved past it. */
  refreshAfterUnauthorized(staleVersion: number): Promise<void>;
}

export interface GetJsonPolicy {
  tokens: TokenSource;
  budget?: RequestBudget;
  budgetKey: string;
  maxRateLimitWaitMs: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** Names the call in error messages (an account id, "/users/me"). */
  label: string;
}

export function retryPolicy(o: Partial<GetJsonPolicy> & Pick<GetJsonPolicy, 'tokens' | 'budgetKey' | 'label'>): GetJsonPolicy {
  return {
    tokens: o.tokens,
    ...(o.budget ? { budget: o.budget } : {}),
    budgetKey: o.budgetKey,
    label: o.label,
    maxRateLimitWaitMs: o.maxRateLimitWaitMs ?? 120_000,
    timeoutMs: o.timeoutMs ?? 30_000,
    maxAttempts: Math.max(1, o.maxAttempts ?? 4),
    retryBaseMs: o.retryBaseMs ?? 500,
  };
}

/** GET with the full retry policy; returns the parsed JSON body of a successful reply. */
export function getFreshBooksJson(url: string, p: GetJsonPolicy): Promise<unknown> {
  return sendFreshBooksJson({ method: 'GET', url }, p);
}

export interface FreshBooksCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  /**
   * Default true: 5xx and network failures are retried. False for creates: a POST that timed out or got a
   * 5xx may still have been carried out, so repeating it blindly can duplicate an invoice or payment. Such a
   * call throws on the first 5xx / network failure and the caller looks the record up before trying again.
   * 401 (refresh, retry once) and 429 (wait, retry) still apply: FreshBooks processed neither request.
   */
  repeatable?: boolean;
}

/**
 * Any call with the same policy. Unless `repeatable: false`, writes are retried on 5xx and network errors
 * too, so they must be safe to repeat (confirming a verifier, deleting a callback, registering one that is
 * looked up by its URI before anyone adds another, marking an invoice sent). An empty reply (204) gives null.
 */
export async function sendFreshBooksJson(call: FreshBooksCall, p: GetJsonPolicy): Promise<unknown> {
  const { url } = call;
  const maxAttempts = call.repeatable === false ? 1 : p.maxAttempts;
  let { token, version } = await p.tokens.accessToken();
  let refreshed = false;
  let failures = 0;
  let rateLimitWaitedMs = 0;
  let rateLimitHits = 0;

  for (;;) {
    // Held until the reply: a budget counting what FreshBooks sees counts this request until then.
    const release = p.budget ? await p.budget.acquire(p.budgetKey) : undefined;
    const sent = await sendHttp({
      method: call.method,
      url,
      headers: {
        authorization: `Bearer ${token}`, accept: 'application/json',
        ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      timeoutMs: p.timeoutMs,
    }).then((reply) => ({ reply }), (error: unknown) => ({ error }));
    release?.();
    if ('error' in sent) {
      if (!(sent.error instanceof FreshBooksNetworkError)) throw sent.error;
      failures++;
      if (failures >= maxAttempts) throw sent.error;
      await sleep(backoffDelay(failures - 1, { baseMs: p.retryBaseMs, maxMs: 30_000, jitter: 'equal' }));
      continue;
    }
    const { reply } = sent;

    if (reply.status === 401) {
      if (refreshed) throw apiError(reply, token, p.label, FreshBooksUnauthorizedError);
      refreshed = true;
      await p.tokens.refreshAfterUnauthorized(version);
      ({ token, version } = await p.tokens.accessToken());
      continue;
    }

    if (reply.status === 429) {
      const waitMs =
        parseRetryAfterMs(headerValue(reply.headers, 'retry-after')) ??
        backoffDelay(rateLimitHits, { baseMs: Math.max(p.retryBaseMs, 1000), maxMs: 60_000, jitter: 'equal' });
      rateLimitHits++;
      if (rateLimitWaitedMs + waitMs > p.maxRateLimitWaitMs) throw new FreshBooksRateLimitedError(waitMs);
      p.budget?.pause(p.budgetKey, waitMs);
      rateLimitWaitedMs += waitMs;
      await sleep(waitMs);
      continue;
    }

    if (reply.status >= 500) {
      failures++;
      if (failures >= maxAttempts) throw apiError(reply, token, p.label);
      await sleep(backoffDelay(failures - 1, { baseMs: p.retryBaseMs, maxMs: 30_000, jitter: 'equal' }));
      continue;
    }

    if (reply.status < 200 || reply.status >= 300) throw apiError(reply, token, p.label);
    if (reply.text.trim() === '') return null;

    let json: unknown;
    try {
      json = JSON.parse(reply.text);
    } catch {
      throw new FreshBooksApiError({ status: reply.status, message: `FreshBooks sent a non-JSON reply (HTTP ${reply.status})` });
    }
    // A 200 can still be an error (google.rpc shape, §9.15).
    const embedded = parseFreshBooksError(json);
    if (embedded) throw apiError(reply, token, p.label, FreshBooksApiError, json);
    return json;
  }
}

function apiError(
reply: HttpReply,
token: string,
label: string,
  Kind: typeof FreshBooksApiError = FreshBooksApiError,
  parsedBody?: unknown,
): FreshBooksApiError {
  let body = parsedBody;
  if (body === undefined) {
    try {
      body = JSON.parse(reply.text);
    } catch {
      body = undefined;
    }
  }
  const parsed = parseFreshBooksError(body);
  const detail = parsed ? `${parsed.errno !== undefined ? `errno ${parsed.errno}: ` : ''}${parsed.message}` : 'no error body';
  return new Kind({
    status: reply.status,
    message: redact(`FreshBooks ${label} HTTP ${reply.status}: ${detail}`, [token]),
    ...(parsed?.errno !== undefined ? { errno: parsed.errno } : {}),
    ...(parsed?.field !== undefined ? { field: parsed.field } : {}),
    ...(parsed?.code !== undefined ? { code: parsed.code } : {}),
  });
}
