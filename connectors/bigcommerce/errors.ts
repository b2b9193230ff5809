/** BigCommerce error shapes (reference/bigcommerce.md §7): v2 an array of {status, message}, v3 {status, title, errors}. */
export class BigCommerceApiError extends Error {
  override name = 'BigCommerceApiError';
  constructor(readonly status: number, message: string, readonly retryable = status >= 500 || status === 429) {
    super(message);
  }
}

export class BigCommerceRateLimitedError extends BigCommerceApiError {
  override name = 'BigCommerceRateLimitedError';
  constructor(message: string, readonly retryAfterMs: number) {
    super(429, message, true);
  }
}

/** The server's own words, whichever shape it used; never our request (which holds no secret, but is noise). */
export function errorMessage(status: number, text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `HTTP ${status}`;
  }
  const first = Array.isArray(body) ? body[0] : body;
  const wrapped = first && typeof first === 'object' && Array.isArray((first as { data?: unknown }).data) ? (first as { data: unknown[] }).data[0] : first;
  const o = (wrapped ?? {}) as { message?: unknown; title?: unknown; error?: unknown; errors?: unknown };
  const main = [o.title, o.message, o.error].find((v) => typeof v === 'string') as string | undefined;
  const fields = o.errors && typeof o.errors === 'object' && !Array.isArray(o.errors)
    ? Object.entries(o.errors as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`).join('; ')
    : '';
  return `HTTP ${status}${main ? `: ${main}` : ''}${fields ? ` (${fields})` : ''}`.slice(0, 500);
}
