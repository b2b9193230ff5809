/**
 * Who the token belongs to and which businesses it can sync (reference/freshbooks.md §2).
 *
 * `/auth/api/v1/users/me` answers `{"response":{…}}` with no `result` (§9.14). Each business carries three
 * ids for three URL namespaces (§9.13); `business.id` is the business_id, not the membership id.
 */
import { z } from 'zod';
import { FreshBooksApiError, FreshBooksUnauthorizedError, parseFreshBooksError, redact } from './errors';
import { sendHttp, trimBase } from './http';

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

export async function fetchIdentity(p: { apiBase: string; accessToken: string; timeoutMs?: number }): Promise<FreshBooksIdentity> {
  const reply = await sendHttp({
    method: 'GET',
    url: `${trimBase(p.apiBase)}/auth/api/v1/users/me`,
    headers: { authorization: `Bearer ${p.accessToken}`, accept: 'application/json' },
    timeoutMs: p.timeoutMs ?? 30_000,
  });
  let json: unknown;
  try {
    json = JSON.parse(reply.text);
  } catch {
    json = undefined;
  }
  const err = parseFreshBooksError(json);
  if (reply.status !== 200 || err) {
    const init = {
      status: reply.status,
      message: redact(`FreshBooks /users/me failed (HTTP ${reply.status}): ${err?.message ?? 'no error body'}`, [p.accessToken]),
      ...(err?.errno !== undefined ? { errno: err.errno } : {}),
      ...(err?.code !== undefined ? { code: err.code } : {}),
    };
    throw reply.status === 401 ? new FreshBooksUnauthorizedError(init) : new FreshBooksApiError(init);
  }
  const parsed = MeReply.safeParse(json);
  if (!parsed.success) {
    throw new FreshBooksApiError({ status: reply.status, message: 'FreshBooks /users/me sent an unexpected reply shape' });
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
