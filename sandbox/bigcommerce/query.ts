/** Query-string parsing shared by the v2 and v3 routes; failures come back as the family's error reply. */
import { apiError, type ApiVersion, type ErrorReply } from './errors';

export type Parsed<T> = { ok: T } | { err: ErrorReply };

type Query = Record<string, unknown>;

function str(q: Query, name: string): string | undefined {
  const v = q[name];
  return typeof v === 'string' ? v : undefined;
}

/** Optional integer parameter; `status_id=2,3` and other non-integers are refused (quirk 11). */
export function intParam(q: Query, name: string, version: ApiVersion): Parsed<number | undefined> {
  const raw = str(q, name);
  if (raw === undefined || raw === '') return { ok: undefined };
  if (!/^-?\d+$/.test(raw.trim())) return { err: apiError(version, 400, `The field '${name}' is invalid.`, { [name]: 'must be a single integer' }) };
  return { ok: Number(raw) };
}

export function numParam(q: Query, name: string, version: ApiVersion): Parsed<number | undefined> {
  const raw = str(q, name);
  if (raw === undefined || raw === '') return { ok: undefined };
  const n = Number(raw);
  return Number.isFinite(n) ? { ok: n } : { err: apiError(version, 400, `The field '${name}' is invalid.`, { [name]: 'must be a number' }) };
}

/**
 * `page` / `limit`. v2 answers 413 above 250 (reference §2: "an over-large limit gets 413"); v3 lists
 * cap at 250 — whether they clamp or refuse is unverified, the sandbox clamps.
 */
export function pageParams(q: Query, version: ApiVersion, defaultLimit = 50): Parsed<{ page: number; limit: number }> {
  const page = intParam(q, 'page', version);
  if ('err' in page) return page;
  const limit = intParam(q, 'limit', version);
  if ('err' in limit) return limit;
  const p = page.ok ?? 1;
  let l = limit.ok ?? defaultLimit;
  if (p < 1) return { err: apiError(version, 400, "The field 'page' is invalid.") };
  if (l < 1) return { err: apiError(version, 400, "The field 'limit' is invalid.") };
  if (l > 250) {
    if (version === 'v2') return { err: apiError('v2', 413, 'The requested page size is too large. The maximum limit is 250.') };
    l = 250;
  }
  return { ok: { page: p, limit: l } };
}

export function paginate<T>(items: T[], page: number, limit: number): T[] {
  return items.slice((page - 1) * limit, page * limit);
}
