/**
 * Who the token belongs to and which businesses it can sync (reference/freshbooks.md §2).
 *
 * `/auth/api/v1/users/me` answers `{"response":{…}}` with no `result` (§9.14). Each business carries three
 * ids for three URL namespaces (§9.13); `business.id` is the business_id, not the membership id.
 */
import { z } from 'zod';
import { FreshBooksApiError } from './errors';
import { getFreshBooksJson, retryPolicy, type TokenSource } from './get-json';
import { trimBase } from './http';

export interface FreshBooksBusiness {
  businessId: number;
  businessUuid: string;
  accountId: string;
  name: string;
  role: string;
}

export interface FreshBooksIdentity {
  identityId: number;
  email: string;
  businesses: FreshBooksBusiness[];
}

const Membership = z.object({
  role: z.string(),
  business: z.object({
    id: z.coerce.number().int(),
    business_uuid: z.string(),
    account_id: z.string().nullish(),
    name: z.string().nullish(),
  }),
});

const MeReply = z.object({
  response: z.object({
    id: z.coerce.number().int(),
    email: z.string().nullish(),
    business_memberships: z.array(Membership).default([]),
  }),
});

/** Roles that may not sync a business: a client of someone else's business sees only their own invoices. */
const EXCLUDED_ROLES = new Set(['client']);

/** Interactive (the OAuth callback waits on it), so rate limits are sat out for at most 30 s. */
export async function fetchIdentity(p: { apiBase: string; accessToken: string; timeoutMs?: number }): Promise<FreshBooksIdentity> {
  // A fresh token has nothing to refresh to: a 401 here is final after the one retry.
  const tokens: TokenSource = { accessToken: async () => ({ token: p.accessToken, version: 0 }), refreshAfterUnauthorized: async () => undefined };
  const policy = retryPolicy({ tokens, budgetKey: 'identity', label: '/users/me', maxRateLimitWaitMs: 30_000, ...(p.timeoutMs ? { timeoutMs: p.timeoutMs } : {}) });
  const json = await getFreshBooksJson(`${trimBase(p.apiBase)}/auth/api/v1/users/me`, policy);
  const parsed = MeReply.safeParse(json);
  if (!parsed.success) {
    throw new FreshBooksApiError({ status: 200, message: 'FreshBooks /users/me sent an unexpected reply shape' });
  }
  const me = parsed.data.response;
  const businesses: FreshBooksBusiness[] = [];
  for (const m of me.business_memberships) {
    // A membership without an account_id has no accounting API to read.
    if (EXCLUDED_ROLES.has(m.role) || !m.business.account_id) continue;
    businesses.push({
      businessId: m.business.id,
      businessUuid: m.business.business_uuid,
      accountId: m.business.account_id,
      name: m.business.name ?? '',
      role: m.role,
    });
  }
  return { identityId: me.id, email: me.email ?? '', businesses };
}
